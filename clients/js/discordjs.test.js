// discord.js 14, unmodified, against a real Accord server: pointed at
// Accord by the README's snippet, it logs in, bursts messages into one
// channel honouring Accord's rate-limit buckets, and waits out a 429. The start of issue 17's
// discord.js suite: each later behaviour gets its own test here.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { guard, hosts } = require('./guard.js');
const { base, accordHost, rest, exhaustBucket, bootstrap } = require('./setup.js');

guard(accordHost);
// discord.js is loaded after the guard so that nothing it does escapes it.
const { GatewayIntentBits, Events, RESTEvents } = require('discord.js');
const { accordClient } = require('./accord.js');

const burst = Number(process.env.ACCORD_CLIENT_BURST ?? 100);
// A library that honours the bucket waits before it sends; a 429 now and
// then (a clock edge between the reset it was told and the server's) is
// tolerated, a library that ignores the headers gets dozens.
const max429 = 3;
const rateLimitHeaders = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset',
  'x-ratelimit-reset-after', 'x-ratelimit-bucket'];

let setup;
let client;
const responses = []; // {method, path, status, headers} of every REST response
let waits = 0; // times discord.js held a request back for a bucket

before(async () => {
  setup = await bootstrap('discordjs');
  client = accordClient(base, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] });
  client.rest.on(RESTEvents.Response, (req, res) => {
    responses.push({ method: req.method.toUpperCase(), path: req.path, status: res.status, headers: res.headers });
  });
  client.rest.on(RESTEvents.RateLimited, () => { waits++; });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(30000) });
  await client.login(setup.botToken);
  await ready;
});

after(async () => {
  await client?.destroy();
});

test('the snippet keeps REST and gateway on Accord; READY and the guild cache', () => {
  assert.equal(client.user.id, setup.botId);
  const guild = client.guilds.cache.get(setup.guildId);
  assert.ok(guild, `guild ${setup.guildId} not in the cache`);
  assert.ok(guild.channels.cache.get(setup.channelId), 'the guild\'s channel is not in the cache');
  assert.ok(hosts.length > 0, 'the connection guard saw no connection');
  assert.deepEqual([...new Set(hosts)], [accordHost], `connections left Accord: ${[...new Set(hosts)]}`);
});

test(`a burst of ${burst} messages arrives in order and honours the bucket`, { timeout: Math.max(120, 3 * burst) * 1000 }, async () => {
  assert.ok(burst >= 1 && burst <= 100, 'ACCORD_CLIENT_BURST: 1..100 (one history page)');
  const channel = client.channels.cache.get(setup.channelId);
  const texts = Array.from({ length: burst }, (_, i) => `discord.js burst ${String(i).padStart(3, '0')}`);
  const sent = await Promise.all(texts.map((content) => channel.send(content)));
  assert.deepEqual(sent.map((m) => m.content), texts);

  const history = await rest('GET', `/channels/${setup.channelId}/messages?limit=100`, setup.owner, undefined, 200);
  const got = history.reverse().filter((m) => m.content.startsWith('discord.js burst '));
  assert.deepEqual(got.map((m) => m.content), texts, 'history lacks messages or has them out of order');
  const ids = got.map((m) => BigInt(m.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

  const posts = responses.filter((r) => r.method === 'POST' && r.path === `/channels/${setup.channelId}/messages`);
  const limited = posts.filter((r) => r.status === 429);
  console.log(`discord.js: ${posts.length} POSTs for ${burst} messages, ${limited.length} answered 429, ${waits} waits on a bucket`);
  assert.equal(posts.length - limited.length, burst);
  assert.ok(limited.length <= max429, `${limited.length} 429s: the library did not honour the bucket`);
  const buckets = new Set();
  for (const { status, headers } of posts) {
    const missing = rateLimitHeaders.filter((h) => !headers.has(h));
    assert.deepEqual(missing, [], `a ${status} message create lacks ${missing}`);
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    assert.ok(remaining >= 0 && remaining < Number(headers.get('x-ratelimit-limit')));
    assert.ok(Number(headers.get('x-ratelimit-reset-after')) >= 0);
    buckets.add(headers.get('x-ratelimit-bucket'));
  }
  assert.equal(buckets.size, 1, `one channel's message creates share one bucket, got ${[...buckets]}`);
  for (const { headers } of limited) {
    assert.ok(headers.has('retry-after') && headers.get('x-ratelimit-scope'), 'a 429 lacks Retry-After or X-RateLimit-Scope');
  }
});

test('a 429 from a bucket the library could not know is waited out', { timeout: 30000 }, async () => {
  const created = await rest('POST', `/guilds/${setup.guildId}/channels`, setup.owner, { name: 'discordjs-429' }, 201);
  const channel = await client.channels.fetch(created.id);
  await exhaustBucket(created.id, setup.botToken);
  const sent = await channel.send('after a 429');
  assert.equal(sent.content, 'after a 429');
  const statuses = responses.filter((r) => r.method === 'POST' && r.path === `/channels/${created.id}/messages`).map((r) => r.status);
  console.log(`discord.js: message create answered ${statuses}`);
  assert.equal(statuses[0], 429, `${statuses}`);
  assert.equal(statuses.at(-1), 200, `${statuses}`);
  const [last] = await rest('GET', `/channels/${created.id}/messages?limit=1`, setup.owner, undefined, 200);
  assert.equal(last.id, sent.id);
});

test('guild.members.search() finds members by username prefix; the own member and the preview answer', { timeout: 30000 }, async () => {
  const guild = client.guilds.cache.get(setup.guildId);
  const bot = client.user;
  // GET /guilds/{id}/members/search: 400 on main ("search" read as a user id).
  const found = await guild.members.search({ query: bot.username.slice(0, 4).toUpperCase(), limit: 10 });
  assert.ok(found.has(bot.id), `search did not find the bot: ${[...found.keys()]}`);
  const none = await guild.members.search({ query: 'no-such-member-prefix', limit: 10 });
  assert.equal(none.size, 0);
  // GET /users/@me/guilds/{id}/member and GET /guilds/{id}/preview: 404 on main.
  const me = await rest('GET', `/users/@me/guilds/${setup.guildId}/member`, `Bot ${setup.botToken}`, undefined, 200);
  assert.equal(me.user.id, bot.id);
  const preview = await client.fetchGuildPreview(setup.guildId);
  assert.equal(preview.id, setup.guildId);
  assert.equal(preview.approximateMemberCount, 2);
});
