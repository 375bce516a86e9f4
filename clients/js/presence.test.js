// discord.js 14, unmodified, watching presence on Accord (issue 14): bot A
// (GUILD_PRESENCES and GUILD_MEMBERS) sees a user go online when the
// user's gateway session identifies and offline once the last session has
// ended (after the server's grace). Must not: bot B, in the same guild
// without GUILD_PRESENCES, and bot C, with the intent but sharing no guild
// with the user, get none of the user's presence updates.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomBytes } = require('node:crypto');
const { guard } = require('./guard.js');
const { accordHost, rest, restFull, bootstrap, addBot, nextEvent } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events } = require('discord.js');
const WebSocket = require('ws');
const { login } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId (A), botToken (A)
let a; let bc; let cc; // A's, B's and C's clients
const leaked = []; // presence updates of the user that B or C saw

/** member registers a user who joins the suite's guild by invite; {id, token}. */
async function member(name) {
  const { token } = await rest('POST', '/auth/register', null,
    { username: `${name}_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { id } = await rest('GET', '/users/@me', token, undefined, 200);
  const { code } = await rest('POST', `/channels/${s.channelId}/invites`, s.owner, {}, 200);
  const { status, data } = await restFull('POST', `/invites/${code}`, token);
  assert.equal(status, 200, JSON.stringify(data));
  return { id, token };
}

/** identify opens a raw gateway session for a user; resolves with the socket once READY arrives. */
async function identify(token) {
  const { url } = await rest('GET', '/gateway', null, undefined, 200);
  const ws = new WebSocket(`${url}?v=10&encoding=json`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no READY within 15 s')), 15000);
    ws.on('error', reject);
    ws.on('message', (raw) => {
      const p = JSON.parse(raw.toString());
      if (p.op === 10) {
        ws.send(JSON.stringify({ op: 2, d: { token, intents: 1, properties: { os: 'linux', browser: 'presence-test', device: '' } } }));
      } else if (p.t === 'READY') {
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}

before(async () => {
  s = await bootstrap('discordjs-presence');
  const b = await addBot(s.owner, s.guildId, 'discordjs-presence-blind');
  const elsewhere = await bootstrap('djs-pres-else');
  a = await login(s.botToken, [I.Guilds, I.GuildMembers, I.GuildPresences]);
  bc = await login(b.botToken, [I.Guilds, I.GuildMembers]);
  cc = await login(elsewhere.botToken, [I.Guilds, I.GuildMembers, I.GuildPresences]);
});

after(async () => {
  await a?.destroy();
  await bc?.destroy();
  await cc?.destroy();
});

test('presence: online at IDENTIFY, offline after the last session ends; nothing to a bot without the intent or sharing no guild', { timeout: 60000 }, async () => {
  const u = await member('djs-present');
  for (const c of [bc, cc]) {
    c.on(Events.PresenceUpdate, (_, p) => { if (p.userId === u.id) leaked.push(p.status); });
  }
  const online = nextEvent(a, Events.PresenceUpdate, (_, p) => p.userId === u.id && p.status === 'online', 'the user online');
  const ws = await identify(u.token);
  const [, p] = await online;
  assert.equal(p.guild.id, s.guildId);
  assert.equal(a.guilds.cache.get(s.guildId).presences.cache.get(u.id)?.status, 'online');

  const offline = nextEvent(a, Events.PresenceUpdate, (_, q) => q.userId === u.id && q.status === 'offline', 'the user offline', 20000);
  const closed = Date.now();
  ws.close(1000);
  await offline;
  assert.ok(Date.now() - closed >= 1000, 'offline came before the grace');

  // Both updates reached A; any leak would have reached B and C by now.
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(leaked, [], 'a bot without GUILD_PRESENCES or sharing no guild saw the presence');
});
