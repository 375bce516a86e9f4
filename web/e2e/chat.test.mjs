// Two people chat through the web client in two browser contexts against a
// real Accord server: register, create a server and an invite, join, see each
// other's messages live, edit and delete, typing, members, unread markers,
// error messages, and a dropped gateway connection that resumes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startProxy, launchBrowser, openUser, openAs, messageList, messageItems, waitFor, waitConnected, screenshot, rest,
} from './harness.mjs';

let server;
let proxy;
let browser;
let alice;
let bob;
let guildId;
let generalId;

before(async () => {
  server = await startServer();
  proxy = await startProxy(server.port);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (proxy) await proxy.close();
  if (server) await server.stop();
});

function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

// sendAndSeeLive types a message as `from` and returns how long it took to
// appear in `to`'s message list.
async function sendAndSeeLive(from, to, text) {
  const box = from.page.getByRole('textbox', { name: /^Message #/ });
  await box.fill(text);
  // The sender's client may first wait out its channel bucket (5 messages
  // per 5 s, as Discord): the live-delivery bound starts when the POST
  // leaves, not when Enter is pressed.
  const posted = from.page.waitForRequest((r) => r.method() === 'POST' && /\/channels\/\d+\/messages$/.test(new URL(r.url()).pathname), { timeout: 10000 });
  await box.press('Enter');
  await posted;
  const t0 = Date.now();
  await messageItems(to.page, text).first().waitFor({ timeout: 1000 });
  return Date.now() - t0;
}

test('register, create a server, invite, join', async () => {
  alice = await openUser(browser, proxy.base, 'alice');
  bob = await openUser(browser, proxy.base, 'bob');

  // A new user lands on the home screen with the create/join forms.
  const a = alice.page;
  await a.getByLabel('Server name').fill('Book Club');
  await a.getByRole('button', { name: 'Create server' }).click();
  await a.getByRole('link', { name: 'Book Club' }).waitFor();
  await a.getByRole('link', { name: 'general' }).waitFor();
  await a.getByRole('textbox', { name: 'Message #general' }).waitFor();
  const m = /#\/channels\/(\d+)\/(\d+)/.exec(a.url());
  assert.ok(m, `url ${a.url()} names the guild and channel`);
  [, guildId, generalId] = m;

  await a.getByRole('button', { name: 'Create invite' }).click();
  const code = await a.getByRole('textbox', { name: 'Invite to share' }).inputValue();
  assert.match(code, /^[A-Za-z0-9-_]{4,}$/);
  await a.getByRole('button', { name: 'Close' }).click();

  // A wrong code gives Discord's error, said plainly.
  const b = bob.page;
  await b.getByLabel('Invite code').fill('no-such-invite');
  await b.getByRole('button', { name: 'Join server' }).click();
  await b.getByRole('alert').filter({ hasText: 'Unknown Invite' }).waitFor();

  await b.getByLabel('Invite code').fill(code);
  await b.getByRole('button', { name: 'Join server' }).click();
  await b.getByRole('textbox', { name: 'Message #general' }).waitFor();
  await b.getByRole('link', { name: 'Book Club' }).waitFor();
  await Promise.all([waitConnected(a), waitConnected(b)]);
  noPageErrors(alice, bob);
});

test('both chat and see each other live within a second', async () => {
  const ms1 = await sendAndSeeLive(alice, bob, 'Hello Bob, welcome to the club!');
  const ms2 = await sendAndSeeLive(bob, alice, 'Thanks Alice, glad to be here.');
  console.log(`# live delivery: alice->bob ${ms1} ms, bob->alice ${ms2} ms`);
  assert.ok(ms1 < 1000 && ms2 < 1000);

  // Each list item carries the author and the text, and the sender sees
  // their own message once (REST reply and MESSAGE_CREATE are merged).
  const item = messageItems(bob.page, 'Hello Bob, welcome');
  await assert.doesNotReject(item.filter({ hasText: 'alice' }).first().waitFor());
  assert.equal(await messageItems(alice.page, 'Hello Bob, welcome').count(), 1);
  assert.equal(await messageItems(bob.page, 'Thanks Alice').count(), 1);

  // Transport compression is on: every server frame was zlib-stream binary.
  assert.ok(alice.frames.received.binary > 0, 'binary frames received');
  assert.equal(alice.frames.received.text, 0, 'no uncompressed text frames');
  const sentOps = alice.frames.sent.map((p) => p.op);
  assert.ok(sentOps.includes(2), 'IDENTIFY sent');
  assert.ok(sentOps.includes(14), 'op 14 guild subscription sent');

  // Newest at the bottom.
  const last = messageList(alice.page).getByRole('listitem').last();
  assert.match(await last.innerText(), /Thanks Alice/);
  noPageErrors(alice, bob);
});

test('Shift+Enter makes a new line, Enter sends, 2000-character counter', async () => {
  const box = alice.page.getByRole('textbox', { name: 'Message #general' });
  await box.click();
  await box.pressSequentially('first line');
  await box.press('Shift+Enter');
  await box.pressSequentially('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  await box.press('Enter');
  const item = messageItems(bob.page, 'second line').first();
  await item.waitFor({ timeout: 1000 });
  assert.match(await item.innerText(), /first line\nsecond line/);

  await box.fill('x'.repeat(2001));
  const counter = alice.page.locator('#composer-counter');
  assert.equal(await counter.innerText(), '2001/2000');
  await box.press('Enter');
  await alice.page.getByRole('alert').filter({ hasText: 'too long' }).waitFor();
  assert.equal(await box.inputValue(), 'x'.repeat(2001), 'an over-long message is kept, not sent');
  await box.fill('');
  assert.equal(await counter.innerText(), '0/2000');
});

test('typing indicator and member list', async () => {
  const box = bob.page.getByRole('textbox', { name: 'Message #general' });
  await box.pressSequentially('I am typ');
  await alice.page.getByText('bob is typing…').waitFor({ timeout: 2000 });
  await box.fill('');

  const members = alice.page.getByRole('list', { name: /Members/ });
  await members.getByRole('listitem').filter({ hasText: 'bob' }).waitFor();
  await members.getByRole('listitem').filter({ hasText: 'alice' }).waitFor();
  assert.equal(await members.getByRole('listitem').count(), 2);
});

test('edit and delete show up on the other side', async () => {
  const a = alice.page;
  await sendAndSeeLive(alice, bob, 'this has a tpyo');
  const mine = messageItems(a, 'this has a tpyo');
  await mine.hover();
  await mine.getByRole('button', { name: 'Edit message' }).click();
  const edit = a.getByRole('textbox', { name: 'Edit message' });
  await edit.fill('this had a typo');
  await edit.press('Enter');
  const edited = messageItems(bob.page, 'this had a typo');
  await edited.waitFor({ timeout: 1000 });
  assert.match(await edited.innerText(), /\(edited\)/);
  assert.equal(await messageItems(bob.page, 'tpyo').count(), 0, 'the old text is gone');

  const again = messageItems(a, 'this had a typo');
  await again.hover();
  await again.getByRole('button', { name: 'Delete message' }).click();
  await again.getByRole('button', { name: 'Confirm delete' }).click();
  await waitFor(async () => (await messageItems(bob.page, 'this had a typo').count()) === 0, { timeout: 1000, message: 'the delete to reach bob' });
  await waitFor(async () => (await messageItems(a, 'this had a typo').count()) === 0, { timeout: 1000, message: 'the delete on alice\'s side' });

  // Nobody else's message has edit controls.
  const bobs = messageItems(a, 'Thanks Alice');
  await bobs.hover();
  assert.equal(await bobs.getByRole('button', { name: 'Edit message' }).count(), 0);
});

test('new channel appears live and shows an unread marker', async () => {
  const a = alice.page;
  await a.getByRole('button', { name: 'Add channel' }).click();
  await a.getByLabel('Channel name').fill('random');
  await a.getByRole('button', { name: 'Create channel' }).click();
  await a.getByRole('textbox', { name: 'Message #random' }).waitFor();

  const bobRandom = bob.page.getByRole('link', { name: 'random' });
  await bobRandom.waitFor({ timeout: 2000 });
  assert.equal(await bobRandom.getAttribute('aria-describedby'), null, 'an empty channel is not unread');
  await a.getByRole('textbox', { name: 'Message #random' }).fill('anyone here?');
  await a.getByRole('textbox', { name: 'Message #random' }).press('Enter');
  await waitFor(async () => (await bobRandom.getAttribute('aria-describedby')) === 'unread-desc', { timeout: 2000, message: 'the unread marker' });
  assert.match(await bobRandom.getAttribute('class'), /unread/);

  await bobRandom.click();
  await messageItems(bob.page, 'anyone here?').waitFor();
  await waitFor(async () => (await bobRandom.getAttribute('aria-describedby')) === null, { message: 'the marker to clear' });
  await bob.page.getByRole('link', { name: 'general' }).click();
  await a.getByRole('link', { name: 'general' }).click();
  await a.getByRole('textbox', { name: 'Message #general' }).waitFor();
  noPageErrors(alice, bob);
});

test('a dropped gateway connection resumes without losing or duplicating messages', async () => {
  const a = alice.page;
  const sent = [];
  a.on('websocket', (ws) => ws.on('framesent', (f) => { if (typeof f.payload === 'string') sent.push(JSON.parse(f.payload).op); }));
  const before = await a.evaluate(() => ({ identifies: window.__accord.gateway.identifies, resumes: window.__accord.gateway.resumes }));

  // Cut every gateway socket and keep new ones waiting while bob talks.
  proxy.hold = true;
  proxy.dropGateway();
  await a.getByRole('status').filter({ hasText: 'reconnecting…' }).waitFor({ timeout: 5000 });
  await screenshot(a, 'reconnecting.png');
  const texts = [];
  for (let i = 1; i <= 5; i++) {
    texts.push(`while you were away #${i}`);
    await rest(server.base, bob.token, 'POST', `/channels/${generalId}/messages`, { content: texts[i - 1] });
  }
  proxy.release();

  await waitConnected(a);
  for (const t of texts) await messageItems(a, t).waitFor({ timeout: 3000 });
  await a.getByRole('status').filter({ hasText: 'reconnecting…' }).waitFor({ state: 'hidden' });
  for (const t of texts) assert.equal(await messageItems(a, t).count(), 1, `"${t}" shown once`);
  const order = await messageList(a).getByRole('listitem').allInnerTexts();
  const idx = texts.map((t) => order.findIndex((s) => s.includes(t)));
  assert.deepEqual([...idx].sort((x, y) => x - y), idx, 'replayed in order');

  const after = await a.evaluate(() => ({ identifies: window.__accord.gateway.identifies, resumes: window.__accord.gateway.resumes }));
  assert.equal(after.identifies, before.identifies, 'no new IDENTIFY: the session was resumed');
  assert.ok(after.resumes > before.resumes, 'RESUME was sent');
  assert.ok(sent.includes(6), 'op 6 RESUME seen on the wire');

  // Live delivery works again after the resume, in both directions.
  await sendAndSeeLive(bob, alice, 'back to normal');
  await sendAndSeeLive(alice, bob, 'welcome back');
  assert.equal(await messageItems(a, 'back to normal').count(), 1);
  noPageErrors(alice, bob);
});

test('screenshots of the chat view (desktop, light and 400 px)', async () => {
  // The newest message is on screen: the view sticks to the bottom.
  const own = messageItems(alice.page, 'welcome back');
  await own.waitFor();
  const metrics = await alice.page.evaluate(() => {
    const s = document.querySelector('.scroller');
    return { scrollTop: s.scrollTop, scrollHeight: s.scrollHeight, clientHeight: s.clientHeight, atBottom: window.__accord.ui.list.atBottom };
  });
  const ob = await own.boundingBox();
  const sb = await alice.page.locator('.scroller').boundingBox();
  assert.ok(ob.y + ob.height <= sb.y + sb.height + 1, `newest message below the fold: ${JSON.stringify({ ob, sb, metrics })}`);
  await screenshot(alice.page, 'chat-desktop-dark.png');
  const light = await openAs(browser, proxy.base, bob.token, `#/channels/${guildId}/${generalId}`, { colorScheme: 'light' });
  await messageItems(light.page, 'welcome back').waitFor();
  await screenshot(light.page, 'chat-desktop-light.png');

  const narrow = await openAs(browser, proxy.base, alice.token, `#/channels/${guildId}/${generalId}`, { viewport: { width: 400, height: 760 }, reducedMotion: 'reduce' });
  const np = narrow.page;
  await messageItems(np, 'welcome back').waitFor();
  // Usable at 400 px: nothing overflows sideways, the composer is on screen
  // and the channel drawer opens.
  const overflow = await np.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow ${overflow}px at 400px`);
  const box = await np.getByRole('textbox', { name: 'Message #general' }).boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 400, 'composer fits');
  await screenshot(np, 'chat-400px.png');
  await np.getByRole('button', { name: 'Show channels' }).click();
  await np.getByRole('link', { name: 'random' }).waitFor();
  await screenshot(np, 'chat-400px-drawer.png');
  await np.getByRole('link', { name: 'random' }).click();
  await np.getByRole('textbox', { name: 'Message #random' }).waitFor();
  assert.deepEqual([...light.errors, ...narrow.errors], []);
  await light.context.close();
  await narrow.context.close();
});

test('log in with an existing account; a wrong password is explained', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(proxy.base + '/');
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Login or password is invalid.' }).waitFor();
  await page.getByLabel('Password').fill('bob-password-123');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Book Club' }).waitFor();
  await page.getByRole('link', { name: 'Book Club' }).click();
  await messageItems(page, 'welcome back').waitFor();
  // Registering a taken name says so.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('whatever-123456');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('alert').filter({ hasText: /Username is unavailable/ }).waitFor();
  await context.close();
});
