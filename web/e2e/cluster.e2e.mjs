// The web client against a running 3-node Accord cluster (ACCORD_CLUSTER_URLS;
// scripts/test-cluster-clients runs this file, scripts/test-web leaves it out:
// it is not a *.test.mjs). Alice's browser is served by and connected to node
// 1, Bob's to node 2, and the owner's REST calls go to node 3: a message typed
// on one node appears on the other, so does its edit, and Bob, removed from a
// channel by an overwrite, no longer gets its new messages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, launchBrowser, openUser, messageItems, waitFor, waitConnected, rest } from './harness.mjs';

// liveWait bounds a message's way from one browser to the other across nodes.
const liveWait = 10000;
// tag makes this run's names unique: a cluster's store outlives a run.
const tag = randomBytes(3).toString('hex');

// The three nodes, the browser, the two users, their server and its #general,
// set as the tests go.
let nodes, browser, alice, bob, guildId, generalId;

before(async () => {
  const urls = [...new Set((process.env.ACCORD_CLUSTER_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean))];
  if (urls.length < 3) {
    throw new Error(`ACCORD_CLUSTER_URLS "${process.env.ACCORD_CLUSTER_URLS ?? ''}": want 3 or more nodes of one cluster; run scripts/test-cluster-clients against \`scripts/cluster up\``);
  }
  nodes = await Promise.all(urls.slice(0, 3).map((url) => startServer({ url })));
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  for (const n of nodes ?? []) await n.stop();
});

function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

/** typeAndSee types text into from's composer and waits for it in to's message list. */
async function typeAndSee(from, to, text) {
  const composer = from.page.getByRole('textbox', { name: /^Message #/ });
  await composer.fill(text);
  await composer.press('Enter');
  await messageItems(to.page, text).first().waitFor({ timeout: liveWait });
}

/** loaded tells whether the client at page holds text among the confirmed messages of a channel it loaded. */
function loaded(page, channelId, text) {
  return page.evaluate(([id, t]) => {
    const log = window.__accord.state.logs.get(id);
    return Boolean(log && log.items.some((m) => m.content === t));
  }, [channelId, text]);
}

test('each user, on their own node, joins a server made through a third', async () => {
  alice = await openUser(browser, nodes[0].base, `alice_${tag}`);
  bob = await openUser(browser, nodes[1].base, `bob_${tag}`);

  const name = `Cluster ${tag}`;
  ({ id: guildId } = await rest(nodes[2].base, alice.token, 'POST', '/guilds', { name }));
  const channels = await rest(nodes[2].base, alice.token, 'GET', `/guilds/${guildId}/channels`);
  generalId = channels.find((c) => c.type === 0).id;
  const { code } = await rest(nodes[2].base, alice.token, 'POST', `/channels/${generalId}/invites`, {});

  // The server made on node 3 reaches alice's session on node 1.
  await alice.page.getByRole('link', { name }).click();
  await alice.page.getByRole('textbox', { name: 'Message #general' }).waitFor();
  await bob.page.getByLabel('Invite code').fill(code);
  await bob.page.getByRole('button', { name: 'Join server' }).click();
  await bob.page.getByRole('textbox', { name: 'Message #general' }).waitFor();
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);

  // Each gateway connection went to the node that served the page.
  for (const [u, node] of [[alice, nodes[0]], [bob, nodes[1]]]) {
    assert.ok(u.frames.urls.length > 0, `${u.name} opened no WebSocket`);
    for (const url of u.frames.urls) assert.equal(new URL(url).host, new URL(node.base).host, `${u.name}'s gateway ${url}`);
  }
  noPageErrors(alice, bob);
});

test('a message typed on one node appears on the other, and so does its edit', async () => {
  await typeAndSee(alice, bob, `hello from ${nodes[0].base}`);
  await typeAndSee(bob, alice, `hello back from ${nodes[1].base}`);
  assert.equal(await messageItems(alice.page, `hello from ${nodes[0].base}`).count(), 1, 'the sender sees the message once');

  const mine = messageItems(alice.page, `hello from ${nodes[0].base}`);
  await mine.hover();
  await mine.getByRole('button', { name: 'Edit message' }).click();
  const edit = alice.page.getByRole('textbox', { name: 'Edit message' });
  await edit.fill(`edited on ${nodes[0].base}`);
  await edit.press('Enter');
  const edited = messageItems(bob.page, `edited on ${nodes[0].base}`);
  await edited.waitFor({ timeout: liveWait });
  assert.match(await edited.innerText(), /\(edited\)/);
  assert.equal(await messageItems(bob.page, `hello from ${nodes[0].base}`).count(), 0, 'the old text is gone');
  noPageErrors(alice, bob);
});

test('a user removed from a channel by an overwrite no longer sees its new messages', async () => {
  const { id: backroomId } = await rest(nodes[2].base, alice.token, 'POST', `/guilds/${guildId}/channels`, { name: 'backroom' });
  for (const u of [alice, bob]) {
    await u.page.getByRole('link', { name: 'backroom' }).click();
    await u.page.getByRole('textbox', { name: 'Message #backroom' }).waitFor();
  }
  await typeAndSee(alice, bob, 'before the door closed');

  const bobId = await bob.page.evaluate(() => window.__accord.state.me.id);
  await rest(nodes[2].base, alice.token, 'PUT', `/channels/${backroomId}/permissions/${bobId}`, { type: 1, allow: '0', deny: '1024' });
  const composer = alice.page.getByRole('textbox', { name: 'Message #backroom' });
  await composer.fill('after the door closed');
  await composer.press('Enter');
  await waitFor(() => loaded(alice.page, backroomId, 'after the door closed'), { timeout: liveWait, message: 'alice\'s message to be stored' });

  // The overwrite hides the open channel: bob's client leaves it (CHANNEL_UPDATE).
  await waitFor(() => bob.page.evaluate((id) => !location.hash.includes(id), backroomId), { timeout: liveWait, message: 'bob\'s client to leave #backroom' });

  // One guild's events reach a session in order: once bob's client holds the
  // #general message sent after the backroom one, it would have had the
  // backroom one (his #backroom log stays loaded, so it would show there).
  await rest(nodes[2].base, alice.token, 'POST', `/channels/${generalId}/messages`, { content: 'knock knock' });
  await waitFor(() => loaded(bob.page, generalId, 'knock knock'), { timeout: liveWait, message: 'bob\'s client to get the #general message' });
  assert.equal(await messageItems(bob.page, 'after the door closed').count(), 0, 'bob sees the backroom message');
  assert.equal(await loaded(bob.page, backroomId, 'after the door closed'), false, 'bob\'s client holds the backroom message');
  assert.equal(await loaded(bob.page, backroomId, 'before the door closed'), true);

  for (const node of nodes) {
    const res = await fetch(`${node.base}/api/v10/channels/${backroomId}/messages?limit=1`, { headers: { Authorization: bob.token } });
    assert.equal(res.status, 403, `bob reads the backroom on ${node.base}`);
  }
  noPageErrors(alice, bob);
});
