// discord.js 14, unmodified, against a real Accord server: the behaviour
// every client suite covers (issue 17). Bot A is the client under test; bot
// B is a second library client that receives what A does, types, and is the
// member whose permissions A's cache computes; the owner acts over REST.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { once } = require('node:events');
const { guard } = require('./guard.js');
const { base, accordHost, rest, bootstrap, addBot, authorize, nextEvent } = require('./setup.js');

guard(accordHost);
// Every socket the process opens, so that a test can find the gateway's
// (the one the ws package upgraded) and cut it from the client side.
const sockets = [];
const guardedConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordedConnect(...args) {
  sockets.push(this);
  return guardedConnect.apply(this, args);
};
const { GatewayIntentBits: I, Events, PermissionFlagsBits: P, DiscordAPIError } = require('discord.js');
const { accordClient } = require('./accord.js');
const { login, rejectsWith } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId (A), botToken (A)
let ownerId;
let b; // {botId, botToken} of bot B
let a; // A's client
let bc; // B's client

async function newChannel(name) {
  return (await rest('POST', `/guilds/${s.guildId}/channels`, s.owner, { name }, 201)).id;
}

before(async () => {
  s = await bootstrap('discordjs-core');
  ({ id: ownerId } = await rest('GET', '/users/@me', s.owner, undefined, 200));
  b = await addBot(s.owner, s.guildId, 'discordjs-core-typist');
  a = await login(s.botToken, [I.Guilds, I.GuildMessages, I.MessageContent, I.GuildMembers, I.GuildMessageTyping]);
  bc = await login(b.botToken, [I.Guilds, I.GuildMessages, I.MessageContent]);
});

after(async () => {
  await a?.destroy();
  await bc?.destroy();
});

test('READY fills the guild, channel and member caches; a guild the bot is not in stays out', { timeout: 30000 }, async () => {
  assert.equal(a.user.id, s.botId);
  assert.ok(a.user.bot);
  const guild = a.guilds.cache.get(s.guildId);
  assert.ok(guild?.available, `guild ${s.guildId} not in the cache`);
  assert.equal(guild.ownerId, ownerId);
  assert.equal(guild.memberCount, 3);
  assert.ok(guild.channels.cache.get(s.channelId)?.isTextBased());
  assert.ok(guild.roles.everyone, 'no @everyone role in the cache');
  // GUILD_CREATE carries the own member; the rest come by op 8 (below).
  assert.equal(guild.members.me?.id, s.botId);

  const other = await rest('POST', '/guilds', s.owner, { name: 'not the bots' }, 201);
  // One session's events arrive in order: once A has a message posted after
  // the other guild was made, a GUILD_CREATE for it would have come first.
  const marked = nextEvent(a, Events.MessageCreate, (m) => m.content === 'after the other guild', 'the marker');
  await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content: 'after the other guild' }, 200);
  await marked;
  assert.ok(!a.guilds.cache.has(other.id), 'A cached a guild it is not in');
});

test('send, receive, edit and delete reach another client; B cannot edit A\'s message', { timeout: 30000 }, async () => {
  const channel = a.channels.cache.get(s.channelId);
  const created = nextEvent(bc, Events.MessageCreate, (m) => m.content === 'hello B', 'MESSAGE_CREATE at B');
  const sent = await channel.send('hello B');
  const [got] = await created;
  assert.equal(got.id, sent.id);
  assert.equal(got.author.id, s.botId);
  assert.equal(got.channelId, s.channelId);

  await rejectsWith(bc.channels.cache.get(s.channelId).messages.edit(sent.id, 'not yours'), 50005, 403);

  const updated = nextEvent(bc, Events.MessageUpdate, (_, m) => m.id === sent.id, 'MESSAGE_UPDATE at B');
  const edited = await sent.edit('hello again B');
  assert.ok(edited.editedTimestamp);
  const [, after] = await updated;
  assert.equal(after.content, 'hello again B');

  const deleted = nextEvent(bc, Events.MessageDelete, (m) => m.id === sent.id, 'MESSAGE_DELETE at B');
  await sent.delete();
  await deleted;
  await rejectsWith(channel.messages.fetch({ message: sent.id, force: true }), 10008, 404);
});

test('history pages both ways from either end, and around either end, newest first', { timeout: 60000 }, async () => {
  const channel = await a.channels.fetch(await newChannel('discordjs-history'));
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await channel.send(`page ${i}`)).id);
  const page = async (q) => [...(await channel.messages.fetch({ ...q, cache: false })).keys()];
  const [m0, m1, m2, m3, m4] = ids;

  // Oldest first: after=0 is the start of the channel, not "no cursor".
  assert.deepEqual(await page({ after: '0', limit: 2 }), [m1, m0]);
  assert.deepEqual(await page({ after: m1, limit: 2 }), [m3, m2]);
  assert.deepEqual(await page({ after: m3, limit: 2 }), [m4]);
  assert.deepEqual(await page({ after: m4, limit: 2 }), []);
  // Newest first: before the newest id, then on.
  assert.deepEqual(await page({ limit: 2 }), [m4, m3]);
  assert.deepEqual(await page({ before: m4, limit: 2 }), [m3, m2]);
  assert.deepEqual(await page({ before: m2, limit: 2 }), [m1, m0]);
  assert.deepEqual(await page({ before: m0, limit: 2 }), []);
  // around: the message and the newer half at the oldest end, the message
  // and the older half at the newest end, both halves in the middle.
  assert.deepEqual(await page({ around: m0, limit: 5 }), [m2, m1, m0]);
  assert.deepEqual(await page({ around: m4, limit: 5 }), [m4, m3, m2]);
  assert.deepEqual(await page({ around: m2, limit: 5 }), [m4, m3, m2, m1, m0]);
  assert.deepEqual(await page({ around: m2, limit: 3 }), [m3, m2, m1]);
});

test('TYPING_START from B reaches A; B, without the typing intent, gets none of A\'s', { timeout: 30000 }, async () => {
  const typing = nextEvent(a, Events.TypingStart, (t) => t.user.id === b.botId, 'TYPING_START at A');
  await bc.channels.cache.get(s.channelId).sendTyping();
  const [t] = await typing;
  assert.equal(t.channel.id, s.channelId);
  assert.equal(t.guild.id, s.guildId);
  assert.ok(t.startedTimestamp > 0);

  let bSawTyping = false;
  const onTyping = () => { bSawTyping = true; };
  bc.on(Events.TypingStart, onTyping);
  const channel = a.channels.cache.get(s.channelId);
  await channel.sendTyping();
  const marked = nextEvent(bc, Events.MessageCreate, (m) => m.content === 'after typing', 'the marker at B');
  await channel.send('after typing');
  await marked;
  bc.off(Events.TypingStart, onTyping);
  assert.ok(!bSawTyping, 'B got TYPING_START without GUILD_MESSAGE_TYPING');
});

test('roles and overwrites: A\'s cache and permissionsFor agree with what Accord lets B do', { timeout: 60000 }, async () => {
  const guild = a.guilds.cache.get(s.guildId);
  // A has no MANAGE_ROLES: Accord refuses, and so does A's own computation.
  assert.ok(!guild.members.me.permissions.has(P.ManageRoles));
  await rejectsWith(guild.roles.create({ name: 'not allowed' }), 50013, 403);

  const roleCreated = nextEvent(a, Events.GuildRoleCreate, (r) => r.name === 'writers', 'GUILD_ROLE_CREATE at A');
  const role = await rest('POST', `/guilds/${s.guildId}/roles`, s.owner, { name: 'writers', permissions: '0' }, 200);
  await roleCreated;
  assert.equal(guild.roles.cache.get(role.id)?.name, 'writers');

  const roleUpdated = nextEvent(a, Events.GuildRoleUpdate, (_, r) => r.id === role.id, 'GUILD_ROLE_UPDATE at A');
  await rest('PATCH', `/guilds/${s.guildId}/roles/${role.id}`, s.owner, { name: 'scribes', color: 0x3366ff }, 200);
  await roleUpdated;
  assert.equal(guild.roles.cache.get(role.id).name, 'scribes');
  assert.equal(guild.roles.cache.get(role.id).color, 0x3366ff);

  const given = nextEvent(a, Events.GuildMemberUpdate, (_, m) => m.id === b.botId && m.roles.cache.has(role.id), 'GUILD_MEMBER_UPDATE at A');
  await rest('PUT', `/guilds/${s.guildId}/members/${b.botId}/roles/${role.id}`, s.owner, undefined, 204);
  await given;

  // In a new channel @everyone may not send and the role may.
  const channelId = await newChannel('discordjs-perms');
  await a.channels.fetch(channelId);
  const overwritten = nextEvent(a, Events.ChannelUpdate, (_, c) => c.id === channelId && c.permissionOverwrites.cache.size === 2, 'CHANNEL_UPDATE at A');
  await rest('PUT', `/channels/${channelId}/permissions/${s.guildId}`, s.owner, { type: 0, allow: '0', deny: String(P.SendMessages) }, 204);
  await rest('PUT', `/channels/${channelId}/permissions/${role.id}`, s.owner, { type: 0, allow: String(P.SendMessages), deny: '0' }, 204);
  const [, channel] = await overwritten;
  const bMember = guild.members.cache.get(b.botId);
  assert.ok(channel.permissionsFor(bMember).has(P.SendMessages), 'A computes that B may not send');
  assert.ok(!channel.permissionsFor(guild.members.me).has(P.SendMessages), 'A computes that it may send');
  assert.ok(channel.permissionsFor(guild.members.me).has(P.ViewChannel));
  // Accord agrees: B sends, A may not.
  await (await bc.channels.fetch(channelId)).send('B may write here');
  await rejectsWith(channel.send('A may not'), 50013, 403);

  // A member overwrite hides the channel from B: A computes it, Accord answers B 50001.
  const hidden = nextEvent(a, Events.ChannelUpdate, (_, c) => c.id === channelId && c.permissionOverwrites.cache.has(b.botId), 'CHANNEL_UPDATE at A');
  await rest('PUT', `/channels/${channelId}/permissions/${b.botId}`, s.owner, { type: 1, allow: '0', deny: String(P.ViewChannel) }, 204);
  await hidden;
  assert.ok(!channel.permissionsFor(bMember).has(P.ViewChannel), 'A computes that B still sees the channel');
  await rejectsWith(bc.channels.fetch(channelId, { force: true, cache: false }), 50001, 403);
});

test('op 8: guild.members.fetch() lists every member with GUILD_MEMBERS, by query and by id', { timeout: 30000 }, async () => {
  const guild = a.guilds.cache.get(s.guildId);
  guild.members.cache.clear();
  const all = await guild.members.fetch({ time: 10000 });
  assert.deepEqual([...all.keys()].sort(), [ownerId, s.botId, b.botId].sort());
  assert.ok(guild.members.cache.has(ownerId), 'the chunk did not fill the cache');

  // B's name, "discordjs-core-typist...", is a prefix of no other member's.
  const bName = all.get(b.botId).user.username;
  const byQuery = await guild.members.fetch({ query: bName, limit: 10, time: 10000 });
  assert.deepEqual([...byQuery.keys()], [b.botId]);
  const none = await guild.members.fetch({ query: 'nobody-by-this-name', limit: 10, time: 10000 });
  assert.equal(none.size, 0);
  const byId = await guild.members.fetch({ user: [ownerId], force: true, time: 10000 });
  assert.deepEqual([...byId.keys()], [ownerId]);
});

test('a socket cut from the client side RESUMEs and replays what was missed, with no new READY', { timeout: 60000 }, async () => {
  const live = sockets.filter((so) => !so.destroyed && Object.getOwnPropertySymbols(so).some((k) => k.description === 'websocket' && so[k]));
  // A's and B's gateway sockets; A logged in first. (Were this B's, A would
  // never resume and the test would fail.)
  assert.equal(live.length, 2, `${live.length} gateway sockets`);
  const [gw] = live;
  const seen = [];
  const onMessage = (m) => seen.push(m.id);
  let readies = 0;
  const onReady = () => { readies++; };
  a.on(Events.MessageCreate, onMessage);
  a.on(Events.ShardReady, onReady);
  const resumed = once(a, Events.ShardResume, { signal: AbortSignal.timeout(30000) });
  try {
    // Stop reading, so that what Accord sends now never reaches the
    // library; then cut the connection.
    gw.pause();
    const missed = [];
    for (const content of ['missed 1', 'missed 2']) {
      missed.push((await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content }, 200)).id);
    }
    assert.deepEqual(seen, [], 'A read from a paused socket');
    gw.destroy();
    await resumed;
    for (let i = 0; i < 100 && !missed.every((id) => seen.includes(id)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen.filter((id) => missed.includes(id)), missed, 'the missed messages were not replayed in order');
    assert.equal(readies, 0, 'a new READY instead of RESUMED');
    const after = nextEvent(a, Events.MessageCreate, (m) => m.content === 'after resume', 'a message after the resume');
    await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content: 'after resume' }, 200);
    await after;
  } finally {
    a.off(Events.MessageCreate, onMessage);
    a.off(Events.ShardReady, onReady);
  }
});

test('two shards: each shard gets only its guilds (guild_id >> 22 % 2) and their events', { timeout: 60000 }, async () => {
  const c = await addBot(s.owner, s.guildId, 'discordjs-shards');
  const guilds = [s.guildId];
  const shardOf = (id) => Number((BigInt(id) >> 22n) % 2n);
  for (let i = 0; i < 12 && new Set(guilds.map(shardOf)).size < 2; i++) {
    const g = await rest('POST', '/guilds', s.owner, { name: `discordjs-shard-${i}` }, 201);
    await authorize(s.owner, c.appId, g.id);
    guilds.push(g.id);
  }
  assert.equal(new Set(guilds.map(shardOf)).size, 2, 'no guild on each shard after 12 tries');

  const raw = []; // [t, shardId, guild id] of every guild dispatch
  const client = accordClient(base, { intents: [I.Guilds, I.GuildMessages], shards: [0, 1], shardCount: 2 });
  client.on(Events.Raw, (p, shardId) => {
    if (p.t === 'READY') assert.deepEqual(p.d.shard, [shardId, 2]);
    if (p.d?.guild_id || p.t === 'GUILD_CREATE') raw.push([p.t, shardId, p.t === 'GUILD_CREATE' ? p.d.id : p.d.guild_id]);
  });
  try {
    const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(45000) });
    await client.login(c.botToken);
    await ready;
    assert.deepEqual([...client.guilds.cache.keys()].sort(), [...guilds].sort());
    for (const g of client.guilds.cache.values()) assert.equal(g.shardId, shardOf(g.id), `guild ${g.id} on shard ${g.shardId}`);

    const other = guilds.find((g) => shardOf(g) !== shardOf(s.guildId));
    const [otherChannel] = (await rest('GET', `/guilds/${other}/channels`, s.owner, undefined, 200)).filter((ch) => ch.type === 0);
    for (const [g, ch] of [[s.guildId, s.channelId], [other, otherChannel.id]]) {
      const got = nextEvent(client, Events.MessageCreate, (m) => m.channelId === ch, `the message on shard ${shardOf(g)}`);
      const sent = await rest('POST', `/channels/${ch}/messages`, s.owner, { content: `to shard ${shardOf(g)}` }, 200);
      const [m] = await got;
      assert.equal(m.id, sent.id);
      assert.equal(m.content, '', 'content reached a bot without MESSAGE_CONTENT');
    }
    const wrong = raw.filter(([, shardId, g]) => shardId !== shardOf(g));
    assert.deepEqual(wrong, [], 'a shard got another shard\'s guild');
    assert.ok(raw.some(([t, shardId]) => t === 'MESSAGE_CREATE' && shardId === 1));
    assert.ok(raw.some(([t, shardId]) => t === 'MESSAGE_CREATE' && shardId === 0));
  } finally {
    await client.destroy();
  }
});

test('error classes surface as DiscordAPIError with Discord\'s codes', { timeout: 30000 }, async () => {
  await rejectsWith(a.channels.fetch('1234567890123456789', { force: true }), 10003, 404);
  const channel = a.channels.cache.get(s.channelId);
  await rejectsWith(channel.messages.fetch({ message: '1234567890123456789', force: true }), 10008, 404);
  await assert.rejects(channel.send('x'.repeat(2001)), (e) => {
    assert.ok(e instanceof DiscordAPIError, `${e}`);
    assert.equal(e.code, 50035);
    assert.equal(e.status, 400);
    assert.ok(e.rawError.errors?.content?._errors?.[0]?.code, JSON.stringify(e.rawError));
    return true;
  });
  // 50001 and 50013 are asserted where the permissions are set up, above;
  // here the guild-level 50013: A may not make channels.
  await rejectsWith(a.guilds.cache.get(s.guildId).channels.create({ name: 'not allowed' }), 50013, 403);
});
