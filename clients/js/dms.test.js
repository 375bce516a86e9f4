// discord.js 14, unmodified, in direct messages on Accord (issue 14): a
// user made over REST opens a DM with a bot and writes to it; the bot,
// logged in with the DirectMessages intent, gets messageCreate in the DM
// (with content, without MessageContent, as Discord sends DMs to bots)
// and answers with message.reply, user.send and createDM. A second bot
// without the intent gets no DM message. A user who blocked the bot makes
// user.send fail with 50007.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomBytes } = require('node:crypto');
const { guard } = require('./guard.js');
const { accordHost, rest, restFull, bootstrap, addBot, nextEvent } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events, Partials, ChannelType } = require('discord.js');
const { login, rejectsWith } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId, botToken
let quiet; // {botId, botToken} of the bot without DirectMessages
let withDMs; // the DirectMessages bot's client
let withoutDMs; // the other bot's client
let human; // {id, token} of a user in the guild
const quietDMs = []; // DM messages the bot without the intent saw

/** user registers a user who joins the guild by invite; {id, token}. */
async function member(name) {
  const { token } = await rest('POST', '/auth/register', null,
    { username: `${name}_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { id } = await rest('GET', '/users/@me', token, undefined, 200);
  const { code } = await rest('POST', `/channels/${s.channelId}/invites`, s.owner, {}, 200);
  await rest('POST', `/invites/${code}`, token, undefined, 200);
  return { id, token };
}

before(async () => {
  s = await bootstrap('discordjs-dms');
  quiet = await addBot(s.owner, s.guildId, 'discordjs-dms-quiet');
  human = await member('dmuser');
  withDMs = await login(s.botToken, [I.Guilds, I.DirectMessages], { partials: [Partials.Channel] });
  withoutDMs = await login(quiet.botToken, [I.Guilds, I.GuildMessages, I.MessageContent], { partials: [Partials.Channel] });
  withoutDMs.on(Events.MessageCreate, (m) => { if (!m.guildId) quietDMs.push(m.content); });
});

after(async () => {
  await withDMs?.destroy();
  await withoutDMs?.destroy();
});

test('a bot with DirectMessages gets a user\'s DM and answers it', async () => {
  const dm = await rest('POST', '/users/@me/channels', human.token, { recipient_id: s.botId }, 200);
  assert.equal(dm.type, ChannelType.DM);
  assert.equal(dm.recipients[0].id, s.botId);
  const got = nextEvent(withDMs, Events.MessageCreate, (m) => m.channelId === dm.id, 'messageCreate in the DM');
  await rest('POST', `/channels/${dm.id}/messages`, human.token, { content: 'hello bot' }, 200);
  const [m] = await got;
  assert.equal(m.content, 'hello bot', 'a DM reaches a bot with its content, MessageContent or not');
  assert.equal(m.guildId, null);
  assert.equal(m.author.id, human.id);
  assert.equal(m.channel.type, ChannelType.DM);

  const reply = await m.reply('hello human');
  assert.equal(reply.channelId, dm.id);
  const history = await rest('GET', `/channels/${dm.id}/messages?limit=5`, human.token, undefined, 200);
  assert.equal(history[0].content, 'hello human');
  assert.equal(history[0].message_reference.message_id, m.id);
});

test('user.send and createDM reach the same DM', async () => {
  const user = await withDMs.users.fetch(human.id);
  const sent = await user.send('sent with user.send');
  const channel = await user.createDM();
  assert.equal(channel.id, sent.channelId);
  assert.equal(channel.recipientId, human.id);
  const again = await channel.send('sent with createDM');
  assert.equal(again.channelId, sent.channelId);
  const history = await rest('GET', `/channels/${sent.channelId}/messages?limit=2`, human.token, undefined, 200);
  assert.deepEqual(history.map((x) => x.content), ['sent with createDM', 'sent with user.send']);
});

test('a bot without DirectMessages gets no DM message', async () => {
  const dm = await rest('POST', '/users/@me/channels', human.token, { recipient_id: quiet.botId }, 200);
  await rest('POST', `/channels/${dm.id}/messages`, human.token, { content: 'unseen' }, 200);
  // Events of one session come in order: once the guild marker is here,
  // a DM message would have come first.
  const marker = nextEvent(withoutDMs, Events.MessageCreate, (m) => m.content === 'dm marker', 'the guild marker');
  await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content: 'dm marker' }, 200);
  await marker;
  assert.deepEqual(quietDMs, [], 'a bot without DirectMessages saw DM messages');
});

test('a user who blocked the bot cannot be sent a DM (50007)', async () => {
  const blocker = await member('blocker');
  await rest('PUT', `/users/@me/relationships/${s.botId}`, blocker.token, { type: 2 }, 204);
  const user = await withDMs.users.fetch(blocker.id);
  await rejectsWith(user.send('are you there?'), 50007, 403);
  // And a user sharing no guild with the bot cannot open a DM with it.
  const { token } = await rest('POST', '/auth/register', null,
    { username: `stranger_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { status, data } = await restFull('POST', '/users/@me/channels', token, { recipient_id: s.botId });
  assert.equal(status, 403);
  assert.equal(data.code, 50007);
});

test('message.pin and fetchPins in a DM, where no permission applies', async () => {
  const dm = await rest('POST', '/users/@me/channels', human.token, { recipient_id: s.botId }, 200);
  const sent = await rest('POST', `/channels/${dm.id}/messages`, human.token, { content: 'pin me' }, 200);
  const channel = await withDMs.channels.fetch(dm.id);
  assert.equal(channel.type, ChannelType.DM);
  const m = await channel.messages.fetch(sent.id);
  const pinsUpdate = nextEvent(withDMs, Events.ChannelPinsUpdate, (c) => c.id === dm.id, 'channelPinsUpdate in the DM');
  await m.pin();
  const [, when] = await pinsUpdate;
  assert.ok(Number.isFinite(when) && when > 0, 'CHANNEL_PINS_UPDATE carries the pin time'); // discord.js passes Date.parse's number
  const pins = await channel.messages.fetchPins();
  assert.deepEqual(pins.items.map((p) => p.message.id), [m.id]);
  assert.equal(pins.items[0].message.content, 'pin me');
  await m.unpin();
  assert.equal((await channel.messages.fetchPins()).items.length, 0);
  // A stranger to the DM can do neither.
  const { token } = await rest('POST', '/auth/register', null,
    { username: `pinless_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { status, data } = await restFull('PUT', `/channels/${dm.id}/pins/${sent.id}`, token);
  assert.equal(status, 403);
  assert.equal(data.code, 50001);
});
