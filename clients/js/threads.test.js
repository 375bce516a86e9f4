// discord.js 14, unmodified, using threads and forums on Accord (issue
// 16): bot A starts threads from a message and without one, a private
// thread and a forum post; bot B, a second library client, sees the
// public ones arrive (threadCreate), joins and leaves (threadMembersUpdate)
// and must never see the private thread until A adds it.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { guard } = require('./guard.js');
const { accordHost, rest, restFull, bootstrap, addBot, nextEvent } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events, ChannelType, ThreadAutoArchiveDuration, MessageType } = require('discord.js');
const { login, rejectsWith } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId (A), botToken (A)
let b; // {botId, botToken} of bot B
let a; // A's client
let bc; // B's client
const bThreadCreates = []; // thread IDs B saw created

before(async () => {
  s = await bootstrap('discordjs-threads');
  b = await addBot(s.owner, s.guildId, 'discordjs-threads-member');
  // A manages threads (and channels, for the forum); B has @everyone's
  // permissions, which include creating and posting in threads.
  const everyone = (await rest('GET', `/guilds/${s.guildId}/roles`, s.owner, undefined, 200)).find((r) => r.id === s.guildId);
  const perms = BigInt(everyone.permissions) | (1n << 34n) /* MANAGE_THREADS */ | (1n << 4n) /* MANAGE_CHANNELS */;
  const role = await rest('POST', `/guilds/${s.guildId}/roles`, s.owner, { name: 'threads', permissions: perms.toString() }, 200);
  await rest('PUT', `/guilds/${s.guildId}/members/${s.botId}/roles/${role.id}`, s.owner, undefined, 204);
  const intents = [I.Guilds, I.GuildMessages, I.MessageContent];
  a = await login(s.botToken, intents);
  bc = await login(b.botToken, intents);
  bc.on(Events.ThreadCreate, (t) => bThreadCreates.push(t.id));
});

after(async () => {
  await a?.destroy();
  await bc?.destroy();
});

test('threads: from a message and without one, threadCreate, join/leave with threadMembersUpdate, messages', { timeout: 60000 }, async () => {
  const channel = await a.channels.fetch(s.channelId);
  const msg = await channel.send('let us talk about the release');
  const seen = nextEvent(bc, Events.ThreadCreate, (t) => t.id === msg.id, 'B\'s threadCreate of the message thread');
  const thread = await msg.startThread({ name: 'release talk', autoArchiveDuration: ThreadAutoArchiveDuration.OneHour });
  assert.equal(thread.id, msg.id);
  assert.equal(thread.type, ChannelType.PublicThread);
  assert.equal(thread.parentId, s.channelId);
  assert.equal(thread.ownerId, s.botId);
  assert.equal(thread.autoArchiveDuration, 60);
  const [bThread, newly] = await seen;
  assert.equal(newly, true);
  assert.equal(bThread.name, 'release talk');
  const starter = await thread.fetchStarterMessage();
  assert.equal(starter.content, 'let us talk about the release');
  assert.equal((await channel.messages.fetch({ message: msg.id, force: true })).hasThread, true);

  // B joins: the member update comes to B, who is the one added.
  const joined = nextEvent(bc, Events.ThreadMembersUpdate, (added, removed, t) => t.id === thread.id && added.has(b.botId),
    'B\'s threadMembersUpdate for its join');
  await bThread.join();
  await joined;
  const got = nextEvent(a, Events.MessageCreate, (m) => m.channelId === thread.id && m.author.id === b.botId, 'A gets B\'s thread message');
  await bThread.send('hello from the thread');
  const [m] = await got;
  assert.equal(m.content, 'hello from the thread');
  const members = await thread.members.fetch({ cache: false });
  assert.deepEqual([...members.keys()].sort(), [s.botId, b.botId].sort());
  const left = nextEvent(bc, Events.ThreadMembersUpdate, (added, removed, t) => t.id === thread.id && removed.has(b.botId),
    'B\'s threadMembersUpdate for its leave');
  await bThread.leave();
  await left;

  // Without a message: a public thread with a type.
  const announced = nextEvent(bc, Events.MessageCreate, (m) => m.type === MessageType.ThreadCreated, 'B\'s THREAD_CREATED message');
  const plain = await channel.threads.create({ name: 'plain', type: ChannelType.PublicThread, reason: 'test' });
  assert.equal(plain.type, ChannelType.PublicThread);
  const [note] = await announced; // in the parent, naming the thread
  assert.deepEqual([note.channelId, note.content, note.reference.channelId], [s.channelId, 'plain', plain.id]);
  const active = await a.guilds.cache.get(s.guildId).channels.fetchActiveThreads();
  assert.ok(active.threads.has(plain.id) && active.threads.has(thread.id), `active ${[...active.threads.keys()]}`);

  // Archive: the archived list has it.
  await plain.setArchived(true);
  const archived = await channel.threads.fetchArchived({ type: 'public', fetchAll: true });
  assert.ok(archived.threads.has(plain.id), `archived ${[...archived.threads.keys()]}`);
});

test('private threads reach only their members: B is refused until A adds it', { timeout: 60000 }, async () => {
  const channel = await a.channels.fetch(s.channelId);
  const secret = await channel.threads.create({ name: 'secret', type: ChannelType.PrivateThread, invitable: false });
  assert.equal(secret.type, ChannelType.PrivateThread);
  await secret.send('for members only');
  // A marker after the thread: B's events arrive in order, so once B has
  // it, the private thread's events would have come first.
  const marker = nextEvent(bc, Events.MessageCreate, (m) => m.content === 'marker after secret', 'B\'s marker');
  await channel.send('marker after secret');
  await marker;
  assert.ok(!bThreadCreates.includes(secret.id), 'B saw the private thread created');
  await rejectsWith(bc.channels.fetch(secret.id, { force: true }), 50001, 403);
  const bChannel = await bc.channels.fetch(s.channelId);
  // The private archived list needs MANAGE_THREADS; B's joined list is empty.
  await rejectsWith(bChannel.threads.fetchArchived({ type: 'private', fetchAll: true }), 50013, 403);
  assert.equal((await bChannel.threads.fetchArchived({ type: 'private' })).threads.size, 0);

  const added = nextEvent(bc, Events.ThreadCreate, (t) => t.id === secret.id, 'B\'s threadCreate when added');
  await secret.members.add(b.botId);
  await added;
  const bSecret = await bc.channels.fetch(secret.id, { force: true });
  const msgs = await bSecret.messages.fetch({ limit: 10 });
  assert.deepEqual([...msgs.values()].map((m) => m.content), ['for members only']);
});

test('forum posts: a thread with its first message and tags; sending into the forum itself is refused', { timeout: 60000 }, async () => {
  const guild = a.guilds.cache.get(s.guildId);
  const forum = await guild.channels.create({ name: 'help', type: ChannelType.GuildForum,
    availableTags: [{ name: 'bug' }, { name: 'question' }], defaultReactionEmoji: { name: '👍' } });
  assert.equal(forum.type, ChannelType.GuildForum);
  assert.deepEqual(forum.availableTags.map((t) => t.name), ['bug', 'question']);
  const bug = forum.availableTags[0].id;
  const seen = nextEvent(bc, Events.ThreadCreate, (t) => t.parentId === forum.id, 'B\'s threadCreate of the post');
  const post = await forum.threads.create({ name: 'it crashes', message: { content: 'on start' }, appliedTags: [bug] });
  assert.equal(post.parentId, forum.id);
  assert.deepEqual(post.appliedTags, [bug]);
  await seen;
  const first = await post.fetchStarterMessage();
  assert.equal(first.content, 'on start');
  assert.equal(first.id, post.id);
  // Sending into the forum itself (outside a post) is refused, as on Discord.
  const refused = await restFull('POST', `/channels/${forum.id}/messages`, `Bot ${s.botToken}`, { content: 'not here' });
  assert.equal(refused.status, 400);
  assert.equal(refused.data.code, 50008);
});
