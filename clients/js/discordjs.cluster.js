// discord.js 14, unmodified, against a 3-node Accord cluster: bot A logs in
// at one node, bot B at another, the owner's REST calls go to a third
// (ACCORD_URL). A's message, its edit and its delete reach B as on one node;
// once the owner denies B the channel, B gets none of its new messages.
// scripts/test-cluster-clients runs it (not part of `node --test`'s default
// files: it needs a cluster, ACCORD_CLUSTER_URLS).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { guard, addrs } = require('./guard.js');
const { base, accordHost, rest, bootstrap, addBot, nextEvent } = require('./setup.js');

/** botNodes returns two nodes of the cluster other than ACCORD_URL's, for the bots. */
function botNodes() {
  const all = [...new Set((process.env.ACCORD_CLUSTER_URLS ?? '').split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean))];
  const others = all.filter((u) => u !== base);
  if (all.length < 3 || others.length !== all.length - 1) {
    throw new Error(`ACCORD_CLUSTER_URLS "${process.env.ACCORD_CLUSTER_URLS ?? ''}": want 3 or more nodes, ACCORD_URL ${base} among them; run scripts/test-cluster-clients against \`scripts/cluster up\``);
  }
  return others.slice(0, 2);
}
const nodes = botNodes();

guard(accordHost);
// discord.js is loaded after the guard so that nothing it does escapes it.
const { GatewayIntentBits, Events } = require('discord.js');
const { accordClient } = require('./accord.js');

let setup;
let lobbyId;
let a;
let b;
const bSaw = []; // ids of every message B got a MESSAGE_CREATE for

/**
 * login logs the bot in at the node whose base URL is node and checks that
 * every connection it opened meanwhile went to that node: REST by the
 * client's api option, the gateway by the URL the node's GET /gateway/bot
 * answers.
 */
async function login(node, token) {
  const from = addrs.length;
  const client = accordClient(node, {
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(30000) });
  await client.login(token);
  await ready;
  const opened = addrs.slice(from);
  assert.ok(opened.length > 0, `the guard saw no connection while logging in at ${node}`);
  assert.deepEqual([...new Set(opened)], [new URL(node).host], `logging in at ${node} connected to ${[...new Set(opened)]}`);
  return client;
}

before(async () => {
  setup = await bootstrap('discordjs-cluster');
  ({ id: lobbyId } = await rest('POST', `/guilds/${setup.guildId}/channels`, setup.owner, { name: 'lobby' }, 201));
  const { botId, botToken } = await addBot(setup.owner, setup.guildId, 'discordjs-cluster-b');
  setup.bBotId = botId;
  a = await login(nodes[0], setup.botToken);
  b = await login(nodes[1], botToken);
  b.on(Events.MessageCreate, (m) => bSaw.push(m.id));
});

after(async () => {
  await a?.destroy();
  await b?.destroy();
});

test('a message, its edit and its delete cross from one node to another', { timeout: 60000 }, async () => {
  assert.equal(a.user.id, setup.botId);
  assert.equal(b.user.id, setup.bBotId);
  const channel = a.channels.cache.get(setup.channelId);
  assert.ok(channel, 'A\'s guild cache lacks the channel');

  const text = `hello from ${nodes[0]}`;
  const created = nextEvent(b, Events.MessageCreate, (m) => m.content === text, 'MESSAGE_CREATE at B');
  const sent = await channel.send(text);
  const [got] = await created;
  assert.equal(got.id, sent.id);
  assert.equal(got.channelId, setup.channelId);
  assert.equal(got.author.id, setup.botId);

  const reply = `hello back from ${nodes[1]}`;
  const back = nextEvent(a, Events.MessageCreate, (m) => m.content === reply, 'MESSAGE_CREATE at A');
  const replied = await b.channels.cache.get(setup.channelId).send(reply);
  assert.equal((await back)[0].id, replied.id);

  const updated = nextEvent(b, Events.MessageUpdate, (_, m) => m.id === sent.id, 'MESSAGE_UPDATE at B');
  await sent.edit(`edited on ${nodes[0]}`);
  const [, after] = await updated;
  assert.equal(after.content, `edited on ${nodes[0]}`);

  const deleted = nextEvent(b, Events.MessageDelete, (m) => m.id === sent.id, 'MESSAGE_DELETE at B');
  await sent.delete();
  assert.equal((await deleted)[0].channelId, setup.channelId);
});

test('after an overwrite denies B the channel, B gets none of its new messages', { timeout: 60000 }, async () => {
  await rest('PUT', `/channels/${setup.channelId}/permissions/${setup.bBotId}`, setup.owner, { type: 1, allow: '0', deny: '1024' }, 204);
  const secret = await a.channels.cache.get(setup.channelId).send('not for B');
  // One guild's events reach a session in order: once B has the lobby
  // message sent after the secret one, B would have had the secret one.
  const marked = nextEvent(b, Events.MessageCreate, (m) => m.content === 'after the secret', 'the lobby message at B');
  const marker = await a.channels.cache.get(lobbyId).send('after the secret');
  assert.equal((await marked)[0].id, marker.id);
  assert.ok(!bSaw.includes(secret.id), 'B, denied VIEW_CHANNEL, got the channel\'s new message');
});
