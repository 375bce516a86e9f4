// Threads and forums in the web client, two people in two browser contexts
// against a real Accord server: a thread opened from a message ("Create
// Thread"), chat in its side panel seen live by the other person, the
// channel's thread list, a forum channel with tags whose posts are created
// with "New Post" and filtered by tag; and a member without
// CREATE_PUBLIC_THREADS is not offered "Create Thread" (and the server
// refuses it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openUser, messageItems, waitConnected, waitFor, screenshot, rest, noPageErrors, composerBox, openHash } from './harness.mjs';

let server;
let browser;
let alice;
let bob;
let guildId;
let generalId;

const composer = composerBox;

async function openChannel(user, cid) {
  await openHash(user, `#/channels/${guildId}/${cid}`);
}

function panel(page, name) {
  return page.getByRole('complementary', { name: `Thread ${name}` });
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await openUser(browser, server.base, 'alice');
  bob = await openUser(browser, server.base, 'bob');
  const guild = await rest(server.base, alice.token, 'POST', '/guilds', { name: 'Thread Club' });
  guildId = guild.id;
  generalId = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.type === 0).id;
  const { code } = await rest(server.base, alice.token, 'POST', `/channels/${generalId}/invites`, {});
  await rest(server.base, bob.token, 'POST', `/invites/${code}`, {});
  for (const u of [alice, bob]) {
    await openChannel(u, generalId);
    await composer(u.page).waitFor();
  }
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('open a thread from a message and chat in it; the other person sees it live', async () => {
  const a = alice.page;
  const b = bob.page;
  await composer(a).fill("let's discuss the plan");
  await composer(a).press('Enter');
  const row = messageItems(a, "let's discuss the plan").first();
  await row.waitFor();
  await row.hover();
  await row.getByRole('button', { name: 'Create Thread' }).click();
  await a.getByLabel('Thread name').fill('Plan talk');
  await a.getByRole('complementary', { name: 'New thread' }).getByRole('button', { name: 'Create Thread' }).click();
  const ap = panel(a, 'Plan talk');
  await ap.waitFor();
  const box = ap.getByRole('textbox', { name: 'Message thread Plan talk' });
  await box.fill('first thread reply');
  await box.press('Enter');
  await ap.getByRole('listitem').filter({ hasText: 'first thread reply' }).waitFor();

  // Bob sees the thread on the starter message, live, with its count.
  const badge = messageItems(b, "let's discuss the plan").getByRole('button', { name: /Plan talk — 1 message$/ });
  await badge.waitFor({ timeout: 5000 });
  // ...and in the channel's thread list.
  await b.getByRole('button', { name: 'Threads', exact: true }).click();
  await b.getByRole('list', { name: 'Active threads' }).getByRole('button', { name: /Plan talk/ }).click();
  const bp = panel(b, 'Plan talk');
  await bp.getByRole('listitem').filter({ hasText: 'first thread reply' }).waitFor();
  const bbox = bp.getByRole('textbox', { name: 'Message thread Plan talk' });
  await bbox.fill('bob replies in the thread');
  await bbox.press('Enter');
  await ap.getByRole('listitem').filter({ hasText: 'bob replies in the thread' }).waitFor({ timeout: 5000 });
  await messageItems(a, "let's discuss the plan").getByRole('button', { name: /Plan talk — 2 messages$/ }).waitFor({ timeout: 5000 });
  // Thread messages stay out of the channel.
  assert.equal(await messageItems(a, 'first thread reply').count(), 0, 'a thread message in the channel list');
  await screenshot(b, 'threads-panel.png');

  // The server has both in the thread.
  const threads = await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/threads/active`);
  const t = threads.threads.find((x) => x.name === 'Plan talk');
  assert.equal(t.parent_id, generalId);
  const msgs = await rest(server.base, alice.token, 'GET', `/channels/${t.id}/messages`);
  assert.deepEqual(msgs.map((m) => m.content).sort(), ['bob replies in the thread', 'first thread reply']);
  // A message with a thread offers no second one.
  const starter = messageItems(b, "let's discuss the plan").first();
  await starter.hover();
  assert.equal(await starter.getByRole('button', { name: 'Create Thread' }).count(), 0);
  await a.getByRole('button', { name: 'Close thread panel' }).click();
  // Archived, it moves to the list's archived part (THREAD_UPDATE, live).
  await b.getByRole('button', { name: 'Back to threads' }).click();
  await b.getByRole('list', { name: 'Active threads' }).getByRole('button', { name: /Plan talk/ }).waitFor();
  await rest(server.base, alice.token, 'PATCH', `/channels/${t.id}`, { archived: true });
  await b.getByRole('list', { name: 'Archived threads' }).getByRole('button', { name: /Plan talk/ }).waitFor({ timeout: 5000 });
  await b.getByRole('button', { name: 'Close thread panel' }).click();
  noPageErrors(alice, bob);
});

test('a thread started without a message is announced in the channel (THREAD_CREATED), and its name opens it', async () => {
  const b = bob.page;
  const t = await rest(server.base, alice.token, 'POST', `/channels/${generalId}/threads`, { name: 'Side quest', type: 11 });
  const row = b.getByRole('listitem').filter({ hasText: 'started a thread: Side quest' });
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.innerText(), /alice started a thread: Side quest/);
  await row.getByRole('button', { name: 'Open thread Side quest' }).click();
  const bp = panel(b, 'Side quest');
  await bp.waitFor();
  await bp.getByRole('textbox', { name: 'Message thread Side quest' }).fill('on my way');
  await bp.getByRole('textbox', { name: 'Message thread Side quest' }).press('Enter');
  await waitFor(async () => (await rest(server.base, alice.token, 'GET', `/channels/${t.id}/messages`)).some((m) => m.content === 'on my way'),
    { message: 'bob\'s message in the announced thread' });
  await b.getByRole('button', { name: 'Close thread panel' }).click();
  noPageErrors(alice, bob);
});

test('a private thread from the thread list: bob neither sees it nor its messages until alice adds him with "Add people"', async () => {
  const a = alice.page;
  const b = bob.page;
  await a.getByRole('button', { name: 'Threads', exact: true }).click();
  await a.getByRole('button', { name: 'New Thread' }).click();
  await a.getByLabel('Thread name').fill('Surprise party');
  await a.getByLabel(/^Private thread/).check();
  await a.getByRole('complementary', { name: 'New thread' }).getByRole('button', { name: 'Create Thread' }).click();
  const ap = panel(a, 'Surprise party');
  await ap.getByText('Private thread').waitFor();
  const box = ap.getByRole('textbox', { name: 'Message thread Surprise party' });
  await box.fill('do not tell bob');
  await box.press('Enter');
  await ap.getByRole('listitem').filter({ hasText: 'do not tell bob' }).waitFor();
  const t = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/threads/active`)).threads.find((x) => x.name === 'Surprise party');
  assert.equal(t.type, 12);

  // Bob's thread list has no trace of it; the server refuses him its messages.
  await b.getByRole('button', { name: 'Threads', exact: true }).click();
  const bobActive = b.getByRole('complementary', { name: /Threads/ });
  await bobActive.getByRole('heading', { name: 'Active threads' }).waitFor();
  await bobActive.getByRole('button', { name: /Side quest/ }).waitFor(); // the list has loaded
  assert.equal(await bobActive.getByRole('button', { name: /Surprise party/ }).count(), 0, 'bob sees the private thread');
  const res = await fetch(`${server.base}/api/v10/channels/${t.id}/messages`, { headers: { Authorization: bob.token } });
  assert.equal(res.status, 403);

  // Alice adds bob: the thread appears for him live (THREAD_CREATE) with its history.
  await ap.getByRole('button', { name: 'Add people' }).click();
  const add = a.getByRole('dialog', { name: 'Add people to Surprise party' });
  await add.getByRole('checkbox', { name: 'bob' }).check();
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await add.waitFor({ state: 'detached' });
  await b.getByRole('list', { name: 'Active threads' }).getByRole('button', { name: /Surprise party/ }).click({ timeout: 5000 });
  await panel(b, 'Surprise party').getByRole('listitem').filter({ hasText: 'do not tell bob' }).waitFor();
  await b.getByRole('button', { name: 'Close thread panel' }).click();
  await a.getByRole('button', { name: 'Close thread panel' }).click();
  noPageErrors(alice, bob);
});

test('without CREATE_PUBLIC_THREADS no "Create Thread" is offered and the server refuses it', async () => {
  const b = bob.page;
  await rest(server.base, alice.token, 'PUT', `/channels/${generalId}/permissions/${guildId}`, { type: 0, allow: '0', deny: String(1n << 35n) });
  await composer(b).fill('no threads for me');
  await composer(b).press('Enter');
  const row = messageItems(b, 'no threads for me').first();
  await row.waitFor();
  await waitFor(async () => {
    await b.mouse.move(0, 0);
    await row.hover();
    await row.getByRole('button', { name: 'Reply' }).waitFor();
    return (await row.getByRole('button', { name: 'Create Thread' }).count()) === 0;
  }, { timeout: 5000, message: 'Create Thread to go' });
  const id = await row.getAttribute('data-id');
  const res = await fetch(`${server.base}/api/v10/channels/${generalId}/messages/${id}/threads`, {
    method: 'POST', headers: { Authorization: bob.token, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'sneaky' }),
  });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).code, 50013);
  await rest(server.base, alice.token, 'DELETE', `/channels/${generalId}/permissions/${guildId}`);
  noPageErrors(alice, bob);
});

test('a forum channel: tags, new posts and the tag filter', async () => {
  const a = alice.page;
  const b = bob.page;
  await a.getByRole('button', { name: 'Add channel' }).click();
  await a.getByLabel('Channel type').selectOption({ label: 'Forum channel' });
  await a.getByLabel('Channel name').fill('ideas');
  await a.getByRole('button', { name: 'Create channel' }).click();
  await a.getByRole('button', { name: 'New Post' }).waitFor();
  await a.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: 'Edit channel ideas' }).click();
  await a.getByLabel('Tags (comma separated)').fill('bug, idea');
  await a.getByRole('button', { name: 'Save changes' }).click();
  await a.getByRole('dialog').waitFor({ state: 'detached' });
  await a.getByRole('group', { name: 'Filter by tag' }).getByRole('button', { name: 'idea' }).waitFor();

  const post = async (title, message, tag) => {
    await a.getByRole('button', { name: 'New Post' }).click();
    await a.getByLabel('Post title').fill(title);
    await a.getByLabel('Message', { exact: true }).fill(message);
    await a.getByRole('checkbox', { name: tag }).check();
    await a.getByRole('button', { name: 'Post', exact: true }).click();
    await a.getByRole('dialog').waitFor({ state: 'detached' });
    // The new post opens in the side panel with its first message.
    await panel(a, title).getByRole('listitem').filter({ hasText: message }).waitFor();
    await a.getByRole('button', { name: 'Close thread panel' }).click();
  };
  await post('Dark mode please', 'would be nice at night', 'idea');
  await post('Crash on start', 'it crashes when I open it', 'bug');
  const forum = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.name === 'ideas');
  assert.equal(forum.type, 15);

  // Bob opens the forum: both posts, then only the one tagged "idea".
  await b.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: 'ideas' }).click();
  const posts = b.getByRole('list', { name: 'Posts in ideas' });
  await posts.getByRole('button', { name: 'Dark mode please' }).waitFor();
  await posts.getByRole('button', { name: 'Crash on start' }).waitFor();
  await b.getByRole('group', { name: 'Filter by tag' }).getByRole('button', { name: 'idea' }).click();
  await waitFor(async () => (await posts.getByRole('button', { name: 'Crash on start' }).count()) === 0, { message: 'the bug post filtered out' });
  assert.equal(await posts.getByRole('button', { name: 'Dark mode please' }).count(), 1);
  await screenshot(b, 'threads-forum.png');
  await posts.getByRole('button', { name: 'Dark mode please' }).click();
  await panel(b, 'Dark mode please').getByRole('listitem').filter({ hasText: 'would be nice at night' }).waitFor();
  // A new post appears live for bob (THREAD_CREATE) when it has the filtered tag.
  await post('Keyboard shortcuts', 'ctrl+k to search', 'idea');
  await posts.getByRole('button', { name: 'Keyboard shortcuts' }).waitFor({ timeout: 5000 });
  noPageErrors(alice, bob);
});
