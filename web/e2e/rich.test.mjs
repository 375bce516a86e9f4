// Rich messages in the web client, two people in two browser contexts against
// a real Accord server: markdown (and hostile markdown that must stay text),
// a bot's embed-only message, image and file uploads seen by the other
// person, reactions with live counts, replies with the quoted preview and a
// jump to an original that is not loaded, edit and delete of one's own
// messages only, and the pins panel.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  startServer, launchBrowser, openUser, openAs, messageItems, messageList, waitConnected, waitFor, screenshot, rest, seedMessages,
} from './harness.mjs';

let server;
let browser;
let alice;
let bob;
let guildId;
let channelId;
let bobId;
let dialogs = 0;

// png encodes a width x height RGB image (noise unless flat is given), so
// the server sniffs a real image and reports its size.
function png(width, height, { flat = null } = {}) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * 3; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      raw[y * (width * 3 + 1) + 1 + x] = flat === null ? seed >>> 24 : flat[x % 3];
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

function composer(page) {
  return page.getByRole('textbox', { name: /^Message #/ });
}

async function send(user, text) {
  const box = composer(user.page);
  await box.fill(text);
  await box.press('Enter');
}

// row returns the one message row containing text.
function row(page, text) {
  return messageItems(page, text).first();
}

// action hovers the row with text and clicks its action button named name.
async function action(page, text, name) {
  const r = row(page, text);
  await r.hover();
  await r.getByRole('button', { name, exact: true }).click();
}

async function openChannel(user, cid = channelId) {
  await user.page.evaluate((h) => { location.hash = h; }, `#/channels/${guildId}/${cid}`);
  await composer(user.page).waitFor();
}

before(async () => {
  // The reply test seeds history faster than the message rate limit allows.
  server = await startServer({ rateLimits: false });
  browser = await launchBrowser();
  alice = await openUser(browser, server.base, 'alice');
  bob = await openUser(browser, server.base, 'bob');
  for (const u of [alice, bob]) u.page.on('dialog', (d) => { dialogs++; d.dismiss().catch(() => {}); });
  const guild = await rest(server.base, alice.token, 'POST', '/guilds', { name: 'Rich Club' });
  guildId = guild.id;
  channelId = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.type === 0).id;
  const { code } = await rest(server.base, alice.token, 'POST', `/channels/${channelId}/invites`, {});
  await rest(server.base, bob.token, 'POST', `/invites/${code}`, {});
  bobId = (await rest(server.base, bob.token, 'GET', '/users/@me')).id;
  // Custom emoji come from the CDN's /emojis route; the browser gets a small
  // image for it here, so the test does not depend on that route's state.
  const emojiPng = png(8, 8, { flat: [250, 200, 0] });
  for (const u of [alice, bob]) {
    await u.context.route('**/emojis/**', (r) => r.fulfill({ status: 200, contentType: 'image/png', body: emojiPng }));
    await openChannel(u);
  }
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('markdown renders for the other person', async () => {
  const text = [
    'md: **bold** *italic* __under__ ~~struck~~ ||hidden words|| `inline code` <t:1700000000:D> <t:1700000000:R>',
    `hi <@${bobId}> and @everyone, see [the docs](https://example.com/docs) or https://example.org/x <:party:4242>`,
    '# Big title',
    '-# small print',
    '> quoted line',
    '- first item',
    '- second item',
    '```js',
    'const x = 1;',
    '```',
  ].join('\n');
  await send(alice, text);
  const r = row(bob.page, 'md:');
  await r.waitFor();
  const content = r.locator('.msg-content');
  assert.equal(await content.locator('strong').innerText(), 'bold');
  assert.equal(await content.locator('em').innerText(), 'italic');
  assert.equal(await content.locator('u').innerText(), 'under');
  assert.equal(await content.locator('s').innerText(), 'struck');
  assert.equal(await content.locator('code.md-code').innerText(), 'inline code');
  assert.equal(await content.getByRole('heading', { level: 1, name: 'Big title' }).count(), 1);
  assert.equal(await content.locator('small.md-subtext').innerText(), 'small print');
  assert.equal(await content.locator('blockquote').innerText(), 'quoted line');
  assert.deepEqual(await content.locator('ul.md-list > li').allInnerTexts(), ['first item', 'second item']);
  assert.equal(await content.locator('pre code.language-js').innerText(), 'const x = 1;');
  assert.equal(await content.locator('span.mention', { hasText: '@bob' }).count(), 1);
  assert.equal(await content.locator('span.mention.everyone').innerText(), '@everyone');
  const masked = content.getByRole('link', { name: 'the docs' });
  assert.equal(await masked.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await masked.getAttribute('target'), '_blank');
  assert.match(await masked.getAttribute('rel'), /noopener/);
  assert.equal(await content.getByRole('link', { name: 'https://example.org/x' }).count(), 1);
  const times = content.locator('time.md-time');
  assert.equal(await times.count(), 2);
  assert.equal(await times.first().getAttribute('datetime'), new Date(1700000000 * 1000).toISOString());
  assert.match(await times.nth(1).innerText(), /ago/);
  const emoji = content.locator('img.emoji');
  assert.equal(await emoji.getAttribute('alt'), ':party:');
  assert.equal(await emoji.getAttribute('src'), '/emojis/4242.webp?size=64');
  // A spoiler hides its words until clicked.
  const spoiler = content.locator('.spoiler');
  assert.equal(await spoiler.getAttribute('aria-expanded'), 'false');
  assert.equal(await spoiler.evaluate((e) => getComputedStyle(e).color), 'rgba(0, 0, 0, 0)');
  await spoiler.click();
  assert.equal(await spoiler.getAttribute('aria-expanded'), 'true');
  assert.notEqual(await spoiler.evaluate((e) => getComputedStyle(e).color), 'rgba(0, 0, 0, 0)');
  await screenshot(bob.page, 'rich-markdown.png');
  noPageErrors(alice, bob);
});

test('hostile markdown stays text: nothing runs, nothing is injected', async () => {
  const before = await bob.page.evaluate(() => ({ scripts: document.scripts.length, body: document.body.children.length }));
  const hostile = [
    'evil: <script>window.pwned = 1</script> <img src=x onerror="window.pwned=2">',
    '[click me](javascript:window.pwned=3) [data](data:text/html,<script>alert(1)</script>) <javascript:alert(1)>',
    '||<img src=x onerror=alert(1)>|| **__~~*unclosed `tick [x](https://ok.example "t\\" onmouseover=alert(1)")',
    '<svg onload=alert(1)> <iframe src=javascript:alert(1)> <a href="javascript:alert(1)">a</a> <t:99999999999999999:R> <@&1> <#1>',
  ].join('\n');
  await send(alice, hostile);
  const r = row(bob.page, 'evil:');
  await r.waitFor();
  // Nested, unclosed and deeply repeated markup at the content limit.
  const huge = 'huge:' + '||**__~~*_`>'.repeat(166);
  await rest(server.base, alice.token, 'POST', `/channels/${channelId}/messages`, { content: huge });
  const hr = row(bob.page, 'huge:');
  await hr.waitFor();
  const list = messageList(bob.page);
  const found = await list.evaluate((el) => ({
    scripts: el.querySelectorAll('script, iframe, svg, object, embed').length,
    badImgs: [...el.querySelectorAll('img')].filter((i) => !i.classList.contains('emoji') && !i.closest('.attachments, .embeds')).length,
    handlers: [...el.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
    hrefs: [...el.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
  }));
  assert.equal(found.scripts, 0);
  assert.equal(found.badImgs, 0);
  assert.equal(found.handlers, 0);
  for (const href of found.hrefs) assert.match(href, /^(https?:\/\/|#\/channels\/|\/attachments\/)/, `link ${href}`);
  assert.equal(await r.getByRole('link', { name: 'click me' }).count(), 0);
  assert.match(await r.innerText(), /<script>window.pwned = 1<\/script> <img src=x onerror="window.pwned=2">/);
  assert.match(await r.innerText(), /click me/);
  // The title's quote stays inside the attribute; the link is only the URL.
  assert.equal(await r.getByRole('link').filter({ hasText: 'x' }).first().getAttribute('href'), 'https://ok.example/');
  await bob.page.waitForTimeout(200);
  const after = await bob.page.evaluate(() => ({ pwned: window.pwned, scripts: document.scripts.length, body: document.body.children.length }));
  assert.equal(after.pwned, undefined);
  assert.equal(after.scripts, before.scripts);
  assert.equal(after.body, before.body);
  assert.equal(dialogs, 0);
  // Nothing escapes the row: the rendered message is no wider than the list.
  const [rowBox, listBox] = await Promise.all([hr.boundingBox(), list.boundingBox()]);
  assert.ok(rowBox.x + rowBox.width <= listBox.x + listBox.width + 1, 'the huge message stays inside the list');
  noPageErrors(alice, bob);
});

test("a bot's embed-only message renders", async () => {
  const app = await rest(server.base, alice.token, 'POST', '/applications', { name: 'CI Bot' });
  const { token } = await rest(server.base, alice.token, 'POST', `/applications/${app.id}/bot/reset-token`);
  await rest(server.base, alice.token, 'POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, { guild_id: guildId, authorize: true });
  await rest(server.base, `Bot ${token}`, 'POST', `/channels/${channelId}/messages`, {
    embeds: [{
      title: 'Build passed', url: 'https://ci.example/build/7', color: 0x3ba55c,
      description: 'All **42** checks green', timestamp: new Date().toISOString(),
      author: { name: 'CI' }, footer: { text: 'pipeline main' },
      fields: [{ name: 'Duration', value: '3m', inline: true }, { name: 'Commit', value: '`abc123`', inline: true }, { name: 'Notes', value: 'none' }],
      image: { url: 'https://images.example/graph.png' },
    }],
  });
  const embed = bob.page.getByRole('article', { name: 'Embed: Build passed' });
  await embed.waitFor();
  assert.ok(await embed.isVisible());
  assert.equal(await embed.getByRole('link', { name: 'Build passed' }).getAttribute('href'), 'https://ci.example/build/7');
  assert.equal(await embed.locator('.embed-description strong').innerText(), '42');
  assert.deepEqual(await embed.locator('.embed-field.inline .embed-field-name').allInnerTexts(), ['Duration', 'Commit']);
  assert.equal(await embed.locator('.embed-field:not(.inline) .embed-field-name').innerText(), 'Notes');
  assert.equal(await embed.locator('.embed-field code').innerText(), 'abc123');
  assert.match(await embed.locator('.embed-footer').innerText(), /pipeline main/);
  assert.equal(await embed.locator('.embed-author').innerText(), 'CI');
  assert.equal(await embed.evaluate((e) => getComputedStyle(e).borderLeftColor), 'rgb(59, 165, 92)');
  // Another host's image is a link, never fetched by the reader's browser.
  assert.equal(await embed.getByRole('link', { name: 'Image: images.example' }).count(), 1);
  const box = await embed.boundingBox();
  assert.ok(box.height > 60, `the embed is drawn (height ${box.height})`);
  assert.ok(await messageItems(bob.page, 'Build passed').getByText('BOT', { exact: true }).isVisible());
  noPageErrors(alice, bob);
});

test('upload an image with progress; the other person sees the preview and the full size', async () => {
  const image = png(300, 200);
  // Slow the upload down so that its progress is seen moving.
  const cdp = await alice.context.newCDPSession(alice.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 60 * 1024 });
  await alice.page.locator('#upload-input').setInputFiles({ name: 'chart.png', mimeType: 'image/png', buffer: image });
  await alice.page.getByRole('list', { name: 'Files to send' }).getByText('chart.png').waitFor();
  await send(alice, 'here is the chart');
  const bar = alice.page.getByRole('progressbar', { name: 'Upload progress' });
  await bar.waitFor();
  await waitFor(async () => Number(await bar.getAttribute('value').catch(() => 100)) > 0, { timeout: 10000, message: 'upload progress above 0' });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await bar.waitFor({ state: 'detached', timeout: 20000 });

  const r = row(bob.page, 'here is the chart');
  const open = r.getByRole('button', { name: 'Open image chart.png' });
  await open.waitFor();
  const img = open.locator('img');
  await waitFor(() => img.evaluate((i) => i.complete && i.naturalWidth === 300), { message: 'the preview to load from the CDN' });
  assert.deepEqual(await img.evaluate((i) => [i.width, i.height]), [300, 200]);
  await open.click();
  const box = bob.page.getByRole('dialog', { name: 'Image chart.png' });
  await box.waitFor();
  await waitFor(() => box.locator('img').evaluate((i) => i.complete && i.naturalWidth === 300), { message: 'the full-size image' });
  await screenshot(bob.page, 'rich-lightbox.png');
  await bob.page.keyboard.press('Escape');
  await box.waitFor({ state: 'detached' });

  // A URL that stopped working (expired) is re-signed once and loaded again.
  // The route is in place before the page loads: the image must not load
  // before the test refuses it.
  let refused = 0;
  const refreshes = [];
  const fresh = await openAs(browser, server.base, bob.token, `#/channels/${guildId}/${channelId}`, {
    setup: async (context) => {
      await context.route('**/attachments/**', (route) => {
        if (refused++ === 0) return route.fulfill({ status: 404, contentType: 'text/plain', body: 'expired' });
        return route.continue();
      });
      context.on('request', (req) => { if (req.url().endsWith('/attachments/refresh-urls')) refreshes.push(req.postDataJSON()); });
    },
  });
  try {
    const again = row(fresh.page, 'here is the chart').getByRole('button', { name: 'Open image chart.png' }).locator('img');
    await waitFor(() => again.evaluate((i) => i.complete && i.naturalWidth === 300), { message: 'the image to load after a refresh' });
    assert.equal(refreshes.length, 1);
    assert.match(refreshes[0].attachment_urls[0], /\/attachments\/\d+\/\d+\/chart\.png\?ex=/);
    assert.ok(refused >= 2, 'the image was fetched again');
    assert.deepEqual(fresh.errors, []);
  } finally {
    await fresh.context.close();
  }
  noPageErrors(alice, bob);
});

test('drop and paste files: file cards with a download, spoilers blurred until clicked', async () => {
  const page = alice.page;
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['notes for the club\n'], 'notes.txt', { type: 'text/plain' }));
    document.querySelector('.pane').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const clip = new DataTransfer();
    clip.items.add(new File([new Uint8Array([0, 1, 2, 3, 255])], 'secret.bin', { type: 'application/octet-stream' }));
    document.querySelector('#composer').dispatchEvent(new ClipboardEvent('paste', { clipboardData: clip, bubbles: true, cancelable: true }));
  });
  const tray = page.getByRole('list', { name: 'Files to send' });
  await tray.getByText('notes.txt').waitFor();
  await tray.getByText('secret.bin').waitFor();
  await tray.getByRole('button', { name: 'Mark secret.bin as spoiler' }).click();
  await send(alice, 'two files');
  const r = row(bob.page, 'two files');
  const card = r.getByRole('group', { name: 'File notes.txt' });
  await card.waitFor();
  const href = await card.getByRole('link', { name: 'Download notes.txt' }).getAttribute('href');
  const text = await bob.page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.equal(text, 'notes for the club\n');
  const reveal = r.getByRole('button', { name: 'Reveal spoiler SPOILER_secret.bin' });
  await reveal.waitFor();
  const hidden = r.locator('.att-spoiler');
  assert.match(await hidden.locator('> :first-child').evaluate((e) => getComputedStyle(e).filter), /blur/);
  const download = r.getByRole('link', { name: 'Download SPOILER_secret.bin' });
  assert.ok(await download.evaluate((e) => !!e.closest('[inert]')), 'a hidden spoiler offers no download');
  await reveal.click();
  assert.equal(await hidden.locator('> :first-child').evaluate((e) => getComputedStyle(e).filter), 'none');
  assert.ok(await download.evaluate((e) => !e.closest('[inert]')));
  const bytes = await bob.page.evaluate(async (u) => [...new Uint8Array(await (await fetch(u)).arrayBuffer())], await download.getAttribute('href'));
  assert.deepEqual(bytes, [0, 1, 2, 3, 255]);
  noPageErrors(alice, bob);
});

test('react: the other person sees the count change, own reaction highlighted', async () => {
  await send(alice, 'react to this');
  await row(bob.page, 'react to this').waitFor();
  await action(bob.page, 'react to this', 'Add reaction');
  await bob.page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: 'React with 👍' }).click();
  const onAlice = row(alice.page, 'react to this').getByRole('button', { name: /^👍 \d+ reactions?$/ });
  await onAlice.filter({ hasText: '1' }).waitFor();
  assert.equal(await onAlice.getAttribute('aria-pressed'), 'false');
  const onBob = row(bob.page, 'react to this').getByRole('button', { name: /^👍 \d+ reactions?$/ });
  await waitFor(async () => (await onBob.getAttribute('aria-pressed')) === 'true', { message: "bob's reaction highlighted" });
  // Alice adds hers by clicking the same reaction: bob sees 2.
  await onAlice.click();
  await row(bob.page, 'react to this').getByRole('button', { name: '👍 2 reactions' }).waitFor();
  // Bob takes his back: alice sees 1 again, and her own stays pressed.
  await onBob.click();
  await row(alice.page, 'react to this').getByRole('button', { name: '👍 1 reaction' }).waitFor();
  assert.equal(await onAlice.getAttribute('aria-pressed'), 'true');
  await waitFor(async () => (await onBob.getAttribute('aria-pressed')) === 'false', { message: "bob's reaction no longer highlighted" });
  noPageErrors(alice, bob);
});

test('reply: replying bar, quoted preview for the other person, jump to an original not loaded', async () => {
  await send(alice, 'original question');
  await row(bob.page, 'original question').waitFor();
  await action(bob.page, 'original question', 'Reply');
  await bob.page.getByText('Replying to alice').waitFor();
  await send(bob, 'the answer');
  await bob.page.getByText('Replying to alice').waitFor({ state: 'detached' });
  const preview = row(alice.page, 'the answer').getByRole('button', { name: /^Replying to alice: original question/ });
  await preview.waitFor();

  // An original far back: a fresh page loads only the newest 50 messages.
  const ch = await rest(server.base, alice.token, 'POST', `/guilds/${guildId}/channels`, { name: 'history', type: 0 });
  const target = await rest(server.base, alice.token, 'POST', `/channels/${ch.id}/messages`, { content: 'long ago target' });
  await seedMessages(server.base, alice.token, ch.id, 130, { prefix: 'filler' });
  await rest(server.base, bob.token, 'POST', `/channels/${ch.id}/messages`, { content: 'reply to the old one', message_reference: { message_id: target.id } });
  const fresh = await openAs(browser, server.base, alice.token, `#/channels/${guildId}/${ch.id}`);
  try {
    const jump = row(fresh.page, 'reply to the old one').getByRole('button', { name: /^Replying to alice: long ago target/ });
    await jump.waitFor();
    assert.equal(await messageItems(fresh.page, 'long ago target').count(), 1, 'only the preview names the target yet');
    await jump.click();
    const original = fresh.page.locator(`[role=listitem][data-id="${target.id}"]`);
    await original.waitFor();
    await waitFor(() => original.evaluate((e) => {
      const r = e.getBoundingClientRect();
      const s = e.closest('.scroller').getBoundingClientRect();
      return r.top >= s.top && r.bottom <= s.bottom;
    }), { message: 'the original scrolled into view' });
    assert.ok(await original.evaluate((e) => e.classList.contains('highlight')));
    assert.deepEqual(fresh.errors, []);
  } finally {
    await fresh.context.close();
  }
  noPageErrors(alice, bob);
});

test("edit and delete own messages; another's cannot be edited", async () => {
  await send(alice, 'alice typo mesage');
  await row(bob.page, 'alice typo mesage').waitFor();
  await action(alice.page, 'alice typo mesage', 'Edit message');
  const box = alice.page.getByRole('textbox', { name: 'Edit message' });
  await box.fill('alice fixed message');
  await box.press('Escape');
  await row(alice.page, 'alice typo mesage').waitFor();
  await action(alice.page, 'alice typo mesage', 'Edit message');
  await box.fill('alice fixed message');
  await box.press('Enter');
  await row(bob.page, 'alice fixed message').getByText('(edited)').waitFor();

  // Bob's message on alice's screen offers no edit or delete, and the server refuses the edit.
  const bobMsg = await rest(server.base, bob.token, 'POST', `/channels/${channelId}/messages`, { content: 'bob owns this' });
  const r = row(alice.page, 'bob owns this');
  await r.waitFor();
  await r.hover();
  await r.getByRole('button', { name: 'Reply' }).waitFor();
  assert.equal(await r.getByRole('button', { name: 'Edit message' }).count(), 0);
  assert.equal(await r.getByRole('button', { name: 'Delete message' }).count(), 0);
  const res = await fetch(`${server.base}/api/v10/channels/${channelId}/messages/${bobMsg.id}`, {
    method: 'PATCH', headers: { Authorization: alice.token, 'Content-Type': 'application/json' }, body: JSON.stringify({ content: 'hijacked' }),
  });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).code, 50005);

  await action(alice.page, 'alice fixed message', 'Delete message');
  await alice.page.getByRole('button', { name: 'Confirm delete' }).click();
  await row(bob.page, 'alice fixed message').waitFor({ state: 'detached' });
  noPageErrors(alice, bob);
});

test('pins panel: pin, see it listed for the other person, unpin; no pin action without permission', async () => {
  await send(alice, 'pin me please');
  await row(bob.page, 'pin me please').waitFor();
  // Bob (no PIN_MESSAGES) is offered no pin action, and the server refuses him.
  const br = row(bob.page, 'pin me please');
  await br.hover();
  await br.getByRole('button', { name: 'Reply' }).waitFor();
  assert.equal(await br.getByRole('button', { name: 'Pin message' }).count(), 0);
  const id = await br.getAttribute('data-id');
  const res = await fetch(`${server.base}/api/v10/channels/${channelId}/messages/pins/${id}`, { method: 'PUT', headers: { Authorization: bob.token } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).code, 50013);

  await bob.page.getByRole('button', { name: 'Pins' }).click();
  const panel = bob.page.getByRole('region', { name: 'Pinned messages' });
  await panel.getByText('This channel has no pinned messages yet.').waitFor();

  await action(alice.page, 'pin me please', 'Pin message');
  await panel.getByText('pin me please').waitFor();
  assert.equal(await panel.getByRole('button', { name: 'Unpin message' }).count(), 0, 'bob may not unpin');
  await row(bob.page, 'pin me please').getByText('pinned', { exact: true }).waitFor();

  await alice.page.getByRole('button', { name: 'Pins' }).click();
  const alicePanel = alice.page.getByRole('region', { name: 'Pinned messages' });
  await alicePanel.getByRole('button', { name: 'Unpin message' }).click();
  await panel.getByText('This channel has no pinned messages yet.').waitFor();
  await screenshot(bob.page, 'rich-pins.png');

  // A role with PIN_MESSAGES, granted live, gives bob the action; taking it away removes it.
  const pinner = await rest(server.base, alice.token, 'POST', `/guilds/${guildId}/roles`, { name: 'Pinner', permissions: String(1n << 51n) });
  await rest(server.base, alice.token, 'PUT', `/guilds/${guildId}/members/${bobId}/roles/${pinner.id}`);
  await bob.page.waitForFunction(([g, u, r]) => {
    const m = window.__accord.state.member(g, u);
    return m && (m.roles || []).includes(r);
  }, [guildId, bobId, pinner.id]);
  await action(bob.page, 'pin me please', 'Pin message');
  await panel.getByText('pin me please').waitFor();
  await panel.getByRole('button', { name: 'Unpin message' }).click();
  await panel.getByText('This channel has no pinned messages yet.').waitFor();
  await rest(server.base, alice.token, 'DELETE', `/guilds/${guildId}/members/${bobId}/roles/${pinner.id}`);
  await bob.page.waitForFunction(([g, u, r]) => !(window.__accord.state.member(g, u).roles || []).includes(r), [guildId, bobId, pinner.id]);
  await bob.page.mouse.move(0, 0);
  const again = row(bob.page, 'pin me please');
  await again.hover();
  await again.getByRole('button', { name: 'Reply' }).waitFor();
  assert.equal(await again.getByRole('button', { name: 'Pin message' }).count(), 0);
  noPageErrors(alice, bob);
});
