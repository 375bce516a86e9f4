// discord.js 14, unmodified, moderating a guild on Accord (issue 16): bot
// A holds a moderator role and bans (one, and in bulk), times out,
// sets slowmode and bulk-deletes through the library, with reasons that
// the audit log then shows; it receives guildBanAdd/guildBanRemove,
// messageDeleteBulk and guildAuditLogEntryCreate. Bot B, a second library
// client without those permissions, is the member who is timed out and
// is refused what a moderator may do; users made over REST are the ones
// banned (an invite join is a user's) and the non-bot that slowmode
// holds back (bots bypass slowmode on Discord today).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomBytes } = require('node:crypto');
const { guard } = require('./guard.js');
const { base, accordHost, rest, restFull, bootstrap, addBot, nextEvent } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events, PermissionFlagsBits: P, AuditLogEvent } = require('discord.js');
const { login, rejectsWith } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId (A), botToken (A)
let ownerId;
let b; // {botId, botToken} of bot B
let a; // A's client
let bc; // B's client
let guild; // A's guild
const auditEvents = []; // guildAuditLogEntryCreate seen by A
const bEvents = []; // moderation events seen by B, which must see none

/** user registers a user over REST; {id, token}. */
async function user(name) {
  const { token } = await rest('POST', '/auth/register', null,
    { username: `${name}_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { id } = await rest('GET', '/users/@me', token, undefined, 200);
  return { id, token };
}

/** join has u accept a fresh invite to the guild; the response's status. */
async function join(u) {
  const { code } = await rest('POST', `/channels/${s.channelId}/invites`, s.owner, {}, 200);
  return restFull('POST', `/invites/${code}`, u.token);
}

/** member registers a user who joins the guild by invite. */
async function member(name) {
  const u = await user(name);
  const { status, data } = await join(u);
  assert.equal(status, 200, JSON.stringify(data));
  return u;
}

/** auditEntry waits for A's guildAuditLogEntryCreate of action on target. */
function auditEntry(action, targetId) {
  return nextEvent(a, Events.GuildAuditLogEntryCreate, (e, g) => g.id === s.guildId && e.action === action && e.targetId === targetId,
    `guildAuditLogEntryCreate ${action} on ${targetId}`);
}

/**
 * quietB checks that B, which lacks BAN_MEMBERS and VIEW_AUDIT_LOG, got no
 * moderation event: one session's events arrive in order, so once B has a
 * message posted after the actions, any such event would have come first.
 */
async function quietB(marker) {
  const seen = nextEvent(bc, Events.MessageCreate, (m) => m.content === marker, `B's marker ${marker}`);
  await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content: marker }, 200);
  await seen;
  assert.deepEqual(bEvents, [], 'B, without BAN_MEMBERS or VIEW_AUDIT_LOG, saw moderation events');
}

before(async () => {
  s = await bootstrap('discordjs-mod');
  ({ id: ownerId } = await rest('GET', '/users/@me', s.owner, undefined, 200));
  // A's moderator role: the default permissions and the moderation ones.
  const everyone = (await rest('GET', `/guilds/${s.guildId}/roles`, s.owner, undefined, 200)).find((r) => r.id === s.guildId);
  const perms = BigInt(everyone.permissions) | P.BanMembers | P.ManageGuild | P.ManageChannels | P.ManageMessages |
    P.ModerateMembers | P.ViewAuditLog;
  const role = await rest('POST', `/guilds/${s.guildId}/roles`, s.owner, { name: 'mod', permissions: perms.toString() }, 200);
  await rest('PUT', `/guilds/${s.guildId}/members/${s.botId}/roles/${role.id}`, s.owner, undefined, 204);
  b = await addBot(s.owner, s.guildId, 'discordjs-mod-member');
  const intents = [I.Guilds, I.GuildMessages, I.MessageContent, I.GuildModeration, I.GuildMessageReactions];
  a = await login(s.botToken, intents);
  bc = await login(b.botToken, intents);
  guild = a.guilds.cache.get(s.guildId);
  a.on(Events.GuildAuditLogEntryCreate, (e) => auditEvents.push(e));
  for (const ev of [Events.GuildBanAdd, Events.GuildBanRemove, Events.GuildAuditLogEntryCreate]) {
    bc.on(ev, () => bEvents.push(ev));
  }
});

after(async () => {
  await a?.destroy();
  await bc?.destroy();
});

test('bans: create with a reason and deleted messages, list, fetch, a refused invite join (40007), remove', { timeout: 60000 }, async () => {
  const victim = await member('djs-banned');
  const spam = await rest('POST', `/channels/${s.channelId}/messages`, victim.token, { content: 'spam' }, 200);

  const added = nextEvent(a, Events.GuildBanAdd, (ban) => ban.user.id === victim.id, 'guildBanAdd');
  const deleted = nextEvent(a, Events.MessageDelete, (m) => m.id === spam.id, 'the banned user\'s message deleted');
  const logged = auditEntry(AuditLogEvent.MemberBanAdd, victim.id);
  await guild.bans.create(victim.id, { reason: 'spamming links', deleteMessageSeconds: 3600 });
  const [ban] = await added;
  assert.equal(ban.guild.id, s.guildId);
  await deleted;
  const [entry] = await logged;
  assert.equal(entry.reason, 'spamming links');
  assert.equal(entry.executorId, s.botId);
  await rest('GET', `/channels/${s.channelId}/messages/${spam.id}`, s.owner, undefined, 404);
  await rest('GET', `/guilds/${s.guildId}/members/${victim.id}`, s.owner, undefined, 404);

  const list = await guild.bans.fetch({ cache: false });
  assert.deepEqual([...list.keys()], [victim.id]);
  assert.equal(list.get(victim.id).reason, 'spamming links');
  const one = await guild.bans.fetch({ user: victim.id, force: true });
  assert.equal(one.reason, 'spamming links');

  // Banned: an invite does not let them back in.
  const refused = await join(victim);
  assert.equal(refused.status, 403, JSON.stringify(refused.data));
  assert.equal(refused.data.code, 40007);
  await rest('GET', `/guilds/${s.guildId}/members/${victim.id}`, s.owner, undefined, 404);

  // B lacks BAN_MEMBERS: it can neither list nor lift the ban.
  await rejectsWith(bc.guilds.cache.get(s.guildId).bans.fetch({ cache: false }), 50013, 403);
  await rejectsWith(bc.guilds.cache.get(s.guildId).bans.remove(victim.id), 50013, 403);

  const removed = nextEvent(a, Events.GuildBanRemove, (gb) => gb.user.id === victim.id, 'guildBanRemove');
  const unlogged = auditEntry(AuditLogEvent.MemberBanRemove, victim.id);
  await guild.bans.remove(victim.id, 'appeal accepted');
  await removed;
  assert.equal((await unlogged)[0].reason, 'appeal accepted');
  await rejectsWith(guild.bans.fetch({ user: victim.id, force: true }), 10026, 404);
  assert.equal((await join(victim)).status, 200, 'the unbanned user cannot join');
  await quietB('after the bans');
});

test('hierarchy: the moderator cannot ban the owner (50013); bulk ban reports who failed', { timeout: 60000 }, async () => {
  await rejectsWith(guild.bans.create(ownerId, { reason: 'coup' }), 50013, 403);
  await rest('GET', `/guilds/${s.guildId}/members/${ownerId}`, s.owner, undefined, 200);
  await rejectsWith(guild.bans.fetch({ user: ownerId, force: true }), 10026, 404);

  const [u1, u2] = [await member('djs-bulk1'), await member('djs-bulk2')];
  const logged = [auditEntry(AuditLogEvent.MemberBanAdd, u1.id), auditEntry(AuditLogEvent.MemberBanAdd, u2.id)];
  const res = await guild.bans.bulkCreate([u1.id, u2.id, ownerId], { reason: 'raid', deleteMessageSeconds: 0 });
  assert.deepEqual([...res.bannedUsers].sort(), [u1.id, u2.id].sort());
  assert.deepEqual(res.failedUsers, [ownerId]);
  for (const [e] of await Promise.all(logged)) assert.equal(e.reason, 'raid');
  const list = await guild.bans.fetch({ cache: false });
  assert.ok(list.has(u1.id) && list.has(u2.id) && !list.has(ownerId), `bans ${[...list.keys()]}`);
  // B has neither BAN_MEMBERS nor MANAGE_GUILD.
  await rejectsWith(bc.guilds.cache.get(s.guildId).bans.bulkCreate([u1.id]), 50013, 403);
});

test('timeout: the timed-out member\'s send and reaction fail with 50013 until member.timeout(null)', { timeout: 60000 }, async () => {
  const target = await guild.members.fetch({ user: b.botId, force: true });
  const bChannel = await bc.channels.fetch(s.channelId);
  const msg = await rest('POST', `/channels/${s.channelId}/messages`, s.owner, { content: 'react to me' }, 200);
  const bMsg = await bChannel.messages.fetch(msg.id);

  await rejectsWith(target.timeout(29 * 24 * 3600 * 1000, 'too long'), 50035, 400);
  const logged = auditEntry(AuditLogEvent.MemberUpdate, b.botId);
  const timedOut = await target.timeout(60 * 60 * 1000, 'cooling off');
  assert.ok(timedOut.communicationDisabledUntilTimestamp > Date.now(), `until ${timedOut.communicationDisabledUntil}`);
  assert.ok(timedOut.isCommunicationDisabled());
  const [entry] = await logged;
  assert.equal(entry.reason, 'cooling off');
  assert.ok(entry.changes.some((c) => c.key === 'communication_disabled_until' && c.new), JSON.stringify(entry.changes));

  await rejectsWith(bChannel.send('let me speak'), 50013, 403);
  await rejectsWith(bMsg.react('🔥'), 50013, 403);
  // B cannot time A out, nor lift its own timeout.
  await rejectsWith((await bc.guilds.cache.get(s.guildId).members.fetch(s.botId)).timeout(60000), 50013, 403);

  const lifted = auditEntry(AuditLogEvent.MemberUpdate, b.botId);
  await target.timeout(null, 'served');
  assert.equal((await lifted)[0].reason, 'served');
  const sent = await bChannel.send('thank you');
  assert.equal(sent.author.id, b.botId);
  await bMsg.react('🔥');
  const users = await rest('GET', `/channels/${s.channelId}/messages/${msg.id}/reactions/${encodeURIComponent('🔥')}`, s.owner, undefined, 200);
  assert.deepEqual(users.map((u) => u.id), [b.botId]);
});

test('slowmode: a user\'s second message in the window is 429 code 20016, accepted after; bots bypass', { timeout: 60000 }, async () => {
  const u = await member('djs-slow');
  const channel = await a.channels.fetch(s.channelId);
  const logged = auditEntry(AuditLogEvent.ChannelUpdate, s.channelId);
  await channel.setRateLimitPerUser(2, 'calm down');
  const [entry] = await logged;
  assert.equal(entry.reason, 'calm down');
  assert.ok(entry.changes.some((c) => c.key === 'rate_limit_per_user' && c.new === 2), JSON.stringify(entry.changes));
  // B may not change it.
  await rejectsWith((await bc.channels.fetch(s.channelId)).setRateLimitPerUser(0), 50013, 403);

  const post = (content) => restFull('POST', `/channels/${s.channelId}/messages`, u.token, { content });
  assert.equal((await post('first')).status, 200);
  const second = await post('second');
  assert.equal(second.status, 429, JSON.stringify(second.data));
  assert.equal(second.data.code, 20016);
  assert.ok(second.data.retry_after > 0 && second.data.retry_after <= 2, `retry_after ${second.data.retry_after}`);
  // Bots are not held back: A sends twice at once through the library.
  await channel.send('bot one');
  await channel.send('bot two');
  await new Promise((r) => setTimeout(r, second.data.retry_after * 1000 + 100));
  const after = await post('after the window');
  assert.equal(after.status, 200, JSON.stringify(after.data));
  await channel.setRateLimitPerUser(0, 'calm again');
});

test('bulk delete: channel.bulkDelete removes the messages in one messageDeleteBulk, logged; B may not', { timeout: 60000 }, async () => {
  const channel = await a.channels.fetch(s.channelId);
  const sent = [];
  for (let i = 0; i < 3; i++) sent.push((await channel.send(`bulk ${i}`)).id);
  const bulk = nextEvent(a, Events.MessageBulkDelete, (ms, ch) => ch.id === s.channelId, 'messageDeleteBulk');
  const logged = auditEntry(AuditLogEvent.MessageBulkDelete, s.channelId);
  await rejectsWith((await bc.channels.fetch(s.channelId)).bulkDelete(sent), 50013, 403);
  const deleted = await channel.bulkDelete(sent);
  assert.deepEqual([...deleted.keys()].sort(), [...sent].sort());
  const [ms] = await bulk;
  assert.deepEqual([...ms.keys()].sort(), [...sent].sort());
  const [entry] = await logged;
  assert.equal(entry.extra.count, 3);
  assert.equal(entry.executorId, s.botId);
  const left = await rest('GET', `/channels/${s.channelId}/messages?limit=100`, s.owner, undefined, 200);
  assert.ok(!left.some((m) => sent.includes(m.id)), 'a bulk-deleted message survived');
  // One id is not a bulk delete (Discord wants 2 to 100).
  await rejectsWith(a.rest.post(`/channels/${s.channelId}/messages/bulk-delete`, { body: { messages: [sent[0]] } }), 50035, 400);
});

test('fetchAuditLogs lists every action above with its reason; B without VIEW_AUDIT_LOG may not', { timeout: 60000 }, async () => {
  const logs = await guild.fetchAuditLogs({ limit: 100 });
  const reasons = (type) => logs.entries.filter((e) => e.action === type).map((e) => e.reason);
  assert.ok(reasons(AuditLogEvent.MemberBanAdd).includes('spamming links'), JSON.stringify(reasons(AuditLogEvent.MemberBanAdd)));
  assert.equal(reasons(AuditLogEvent.MemberBanAdd).filter((r) => r === 'raid').length, 2);
  assert.deepEqual(reasons(AuditLogEvent.MemberBanRemove), ['appeal accepted']);
  for (const r of ['cooling off', 'served']) assert.ok(reasons(AuditLogEvent.MemberUpdate).includes(r), r);
  for (const r of ['calm down', 'calm again']) assert.ok(reasons(AuditLogEvent.ChannelUpdate).includes(r), r);
  assert.equal(reasons(AuditLogEvent.MessageBulkDelete).length, 1);
  const moderation = [AuditLogEvent.MemberBanAdd, AuditLogEvent.MemberBanRemove, AuditLogEvent.MemberUpdate,
    AuditLogEvent.ChannelUpdate, AuditLogEvent.MessageBulkDelete];
  for (const e of logs.entries.filter((e) => moderation.includes(e.action)).values()) {
    assert.equal(e.executorId, s.botId, `entry ${e.id} of ${e.action}`);
  }
  // Filters: by type and by executor.
  const unbans = await guild.fetchAuditLogs({ type: AuditLogEvent.MemberBanRemove });
  assert.deepEqual([...unbans.entries.values()].map((e) => e.reason), ['appeal accepted']);
  const byOwner = await guild.fetchAuditLogs({ user: ownerId });
  assert.ok([...byOwner.entries.values()].every((e) => e.executorId === ownerId));
  // Every moderation entry (all made after A logged in) was also announced
  // to A as it was written.
  for (const e of logs.entries.filter((e) => moderation.includes(e.action)).values()) {
    assert.ok(auditEvents.some((ev) => ev.id === e.id), `no guildAuditLogEntryCreate for entry ${e.id} (action ${e.action}, reason ${e.reason})`);
  }
  await rejectsWith(bc.guilds.cache.get(s.guildId).fetchAuditLogs(), 50013, 403);
  await quietB('after the audit log');
});
