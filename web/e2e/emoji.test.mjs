// Custom emoji in the web client against a real Accord server and its real
// /emojis CDN route: the owner adds an emoji over REST while a member's page
// is open, the member's open reaction picker shows it at once
// (GUILD_EMOJIS_UPDATE), the member reacts with it (name:id, URL-encoded)
// and the owner sees the image and the count; `:name:` typed in the composer
// goes out as <:name:id> and renders as the loaded image; an emoji limited
// to a role the member lacks is neither offered nor expanded; deleting the
// emoji takes it out of the picker live. The first test unit-tests the
// shortcode expansion under Node.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { expandEmoji, usable } from '../static/js/emoji.js';
import {
  startServer, launchBrowser, openUser, messageItems, waitConnected, waitFor, rest,
} from './harness.mjs';

// A 1x1 PNG: the server decodes it with its image library, so it must be a
// real image.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const GUILD_EXPRESSIONS = 1 << 3;

let server;
let browser;
let alice; // owner
let bob; // member without the "vip" role
let guildId;
let channelId;
let blob; // the emoji alice adds

function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

function composer(page) {
  return page.getByRole('textbox', { name: /^Message #/ });
}

function row(page, text) {
  return messageItems(page, text).first();
}

// openPicker opens the reaction picker of the row with text and returns it.
async function openPicker(page, text) {
  const r = row(page, text);
  await r.waitFor();
  await r.hover();
  await r.getByRole('button', { name: 'Add reaction', exact: true }).click();
  const picker = page.getByRole('dialog', { name: 'Pick a reaction' });
  await picker.waitFor();
  return picker;
}

async function closePicker(page) {
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Pick a reaction' }).waitFor({ state: 'detached' });
}

// loaded is true once img has loaded a real image (not a broken one).
function loaded(img) {
  return img.evaluate((el) => el.complete && el.naturalWidth > 0);
}

before(async () => {
  server = await startServer({ rateLimits: false });
  browser = await launchBrowser();
  alice = await openUser(browser, server.base, 'alice');
  bob = await openUser(browser, server.base, 'bob');
  const guild = await rest(server.base, alice.token, 'POST', '/guilds', { name: 'Emoji Club' });
  guildId = guild.id;
  channelId = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.type === 0).id;
  const { code } = await rest(server.base, alice.token, 'POST', `/channels/${channelId}/invites`, {});
  await rest(server.base, bob.token, 'POST', `/invites/${code}`, {});
  for (const u of [alice, bob]) {
    await u.page.evaluate((h) => { location.hash = h; }, `#/channels/${guildId}/${channelId}`);
    await composer(u.page).waitFor();
  }
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('shortcodes: known names become mentions, code and existing mentions stay as typed', () => {
  const emojis = [{ id: '11', name: 'blob' }, { id: '22', name: 'dance', animated: true }];
  assert.equal(expandEmoji('hi :blob: :dance:!', emojis), 'hi <:blob:11> <a:dance:22>!');
  assert.equal(expandEmoji(':blob::blob:', emojis), '<:blob:11><:blob:11>');
  assert.equal(expandEmoji(':nope: :Blob:', emojis), ':nope: :Blob:', 'unknown (and differently cased) names stay');
  assert.equal(expandEmoji('<:blob:11> <a:dance:22>', emojis), '<:blob:11> <a:dance:22>', 'mentions are not expanded again');
  assert.equal(expandEmoji('`:blob:` and ``:blob:`` then :blob:', emojis), '`:blob:` and ``:blob:`` then <:blob:11>');
  assert.equal(expandEmoji('```\n:blob:\n```\n:blob:', emojis), '```\n:blob:\n```\n<:blob:11>');
  assert.equal(expandEmoji(':blob:', []), ':blob:');
  const list = [{ id: '1', name: 'open' }, { id: '2', name: 'vip', roles: ['r1'] }, { id: '3', name: 'gone', available: false }];
  assert.deepEqual(usable(list, []).map((e) => e.name), ['open']);
  assert.deepEqual(usable(list, ['r1']).map((e) => e.name), ['open', 'vip']);
  assert.deepEqual(usable(list, [], true).map((e) => e.name), ['open', 'vip']);
});

test('IDENTIFY asks for GUILD_EXPRESSIONS', () => {
  const identify = bob.frames.sent.find((f) => f.op === 2);
  assert.ok(identify, 'bob sent IDENTIFY');
  assert.equal(identify.d.intents & GUILD_EXPRESSIONS, GUILD_EXPRESSIONS);
});

test('an emoji added over REST appears live in the open picker; reacting with it shows the image to the owner', async () => {
  await rest(server.base, alice.token, 'POST', `/channels/${channelId}/messages`, { content: 'emoji target' });
  const picker = await openPicker(bob.page, 'emoji target');
  const server_emoji = picker.getByRole('group', { name: 'Server emoji' });
  assert.equal(await server_emoji.count(), 0, 'no server emoji before one is added');

  blob = await rest(server.base, alice.token, 'POST', `/guilds/${guildId}/emojis`, { name: 'blob', image: PNG });
  const choice = picker.getByRole('button', { name: 'React with :blob:' });
  await choice.waitFor({ timeout: 5000 }); // GUILD_EMOJIS_UPDATE redrew the open picker
  // Custom emoji come after the unicode ones.
  const order = await picker.getByRole('button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  assert.equal(order.indexOf('React with :blob:'), order.length - 1);
  assert.ok(order.indexOf('React with 👍') < order.indexOf('React with :blob:'));
  const pickImg = choice.locator('img');
  assert.equal(await pickImg.getAttribute('src'), `/emojis/${blob.id}.webp?size=64`);
  await waitFor(() => loaded(pickImg), { message: 'picker image loaded from /emojis' });

  // The reaction goes out as name:id, URL-encoded as Discord's clients send it.
  const put = bob.page.waitForRequest((r) => r.method() === 'PUT' && r.url().includes('/reactions/'));
  await choice.click();
  assert.match((await put).url(), new RegExp(`/reactions/blob%3A${blob.id}/@me$`));

  const onAlice = row(alice.page, 'emoji target').getByRole('button', { name: ':blob: 1 reaction' });
  await onAlice.waitFor();
  assert.equal(await onAlice.getAttribute('aria-pressed'), 'false');
  const img = onAlice.locator('img.emoji');
  assert.equal(await img.getAttribute('alt'), ':blob:');
  assert.equal(await img.getAttribute('title'), ':blob:');
  await waitFor(() => loaded(img), { message: "the reaction's image on alice's page" });
  const onBob = row(bob.page, 'emoji target').getByRole('button', { name: ':blob: 1 reaction' });
  await waitFor(async () => (await onBob.getAttribute('aria-pressed')) === 'true', { message: "bob's reaction pressed" });

  // Alice adds hers by clicking it: the count reaches 2 on both pages.
  await onAlice.click();
  await row(bob.page, 'emoji target').getByRole('button', { name: ':blob: 2 reactions' }).waitFor();
  const stored = await rest(server.base, alice.token, 'GET', `/channels/${channelId}/messages?limit=5`);
  const target = stored.find((m) => m.content === 'emoji target');
  assert.deepEqual(target.reactions.map((r) => [r.emoji.id, r.emoji.name, r.count]), [[blob.id, 'blob', 2]]);
  noPageErrors(alice, bob);
});

test(':name: typed in the composer is sent as <:name:id> and renders the emoji image', async () => {
  const box = composer(bob.page);
  await box.fill('look :blob: here `:blob:` :unknown:');
  await box.press('Enter');
  const r = row(alice.page, 'look');
  await r.waitFor();
  const img = r.locator('.msg-content img.emoji');
  await img.waitFor();
  assert.equal(await img.count(), 1, 'only the shortcode outside code became an image');
  assert.equal(await img.getAttribute('alt'), ':blob:');
  assert.equal(await img.getAttribute('src'), `/emojis/${blob.id}.webp?size=64`);
  await waitFor(() => loaded(img), { message: 'the message emoji loaded from the real /emojis route' });
  const [m] = await rest(server.base, alice.token, 'GET', `/channels/${channelId}/messages?limit=1`);
  assert.equal(m.content, `look <:blob:${blob.id}> here \`:blob:\` :unknown:`);
  noPageErrors(alice, bob);
});

test('an emoji limited to a role the member lacks is not offered and not expanded for them', async () => {
  const vip = await rest(server.base, alice.token, 'POST', `/guilds/${guildId}/roles`, { name: 'vip' });
  const secret = await rest(server.base, alice.token, 'POST', `/guilds/${guildId}/emojis`, { name: 'secret', image: PNG, roles: [vip.id] });
  assert.deepEqual(secret.roles, [vip.id]);
  // The owner may use it: it is in her picker once the update arrives.
  await rest(server.base, alice.token, 'POST', `/channels/${channelId}/messages`, { content: 'role target' });
  const alicePicker = await openPicker(alice.page, 'role target');
  await alicePicker.getByRole('button', { name: 'React with :secret:' }).waitFor();
  await closePicker(alice.page);
  // Bob has the update too (his state holds it) but may not use it.
  await waitFor(() => bob.page.evaluate((gid) => (window.__accord.state.emojis.get(gid) || []).some((e) => e.name === 'secret'), guildId),
    { message: "the secret emoji in bob's state" });
  const bobPicker = await openPicker(bob.page, 'role target');
  await bobPicker.getByRole('button', { name: 'React with :blob:' }).waitFor();
  assert.equal(await bobPicker.getByRole('button', { name: 'React with :secret:' }).count(), 0);
  await closePicker(bob.page);
  const box = composer(bob.page);
  await box.fill('psst :secret:');
  await box.press('Enter');
  await row(alice.page, 'psst').waitFor();
  const [m] = await rest(server.base, alice.token, 'GET', `/channels/${channelId}/messages?limit=1`);
  assert.equal(m.content, 'psst :secret:');
  assert.equal(await row(alice.page, 'psst').locator('img.emoji').count(), 0);
  noPageErrors(alice, bob);
});

test('deleting the emoji takes it out of the open picker live', async () => {
  const picker = await openPicker(bob.page, 'role target');
  const choice = picker.getByRole('button', { name: 'React with :blob:' });
  await choice.waitFor();
  await rest(server.base, alice.token, 'DELETE', `/guilds/${guildId}/emojis/${blob.id}`);
  await choice.waitFor({ state: 'detached', timeout: 5000 });
  // Unicode emoji are still offered; with no usable server emoji left, the row is gone.
  await picker.getByRole('button', { name: 'React with 👍' }).waitFor();
  assert.equal(await picker.getByRole('group', { name: 'Server emoji' }).count(), 0);
  await closePicker(bob.page);
  // Typed now, :blob: is no longer an emoji of this server: it stays text.
  const box = composer(bob.page);
  await box.fill('after delete :blob:');
  await box.press('Enter');
  await row(alice.page, 'after delete').waitFor();
  const [m] = await rest(server.base, alice.token, 'GET', `/channels/${channelId}/messages?limit=1`);
  assert.equal(m.content, 'after delete :blob:');
  noPageErrors(alice, bob);
});
