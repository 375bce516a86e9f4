// An HTTP-interactions bot (issue 15) written with Discord's own npm
// package `discord-interactions`, unmodified: its verifyKeyMiddleware checks
// every request's Ed25519 signature against the application's verify_key
// and answers PING itself. Accord verifies the endpoint when the bot sets
// it with PATCH /applications/@me (a signed PING, and a forged one the
// middleware must refuse with 401); then a user's command invocation
// (POST /interactions) is POSTed to the endpoint and its answer becomes
// the response message.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { randomBytes } = require('node:crypto');
const { guard } = require('./guard.js');
const { accordHost, rest, restFull, bootstrap } = require('./setup.js');

guard(accordHost);
const { verifyKey, verifyKeyMiddleware, InteractionType, InteractionResponseType } = require('discord-interactions');

let s; // bootstrap: owner, guildId, channelId, botId, botToken
let app; // the application object
let server;
let endpoint;
const seen = { requests: 0, refused: 0, interactions: [] };

before(async () => {
  s = await bootstrap('httpint');
  app = await rest('GET', '/applications/@me', `Bot ${s.botToken}`, undefined, 200);
  assert.match(app.verify_key, /^[0-9a-f]{64}$/);
  assert.equal(app.interactions_endpoint_url, null);

  const middleware = verifyKeyMiddleware(app.verify_key);
  server = http.createServer((req, res) => {
    seen.requests++;
    req.header = (name) => req.headers[name.toLowerCase()]; // the Express accessor the middleware uses
    res.on('finish', () => { if (res.statusCode === 401) seen.refused++; });
    middleware(req, res, () => {
      const it = req.body;
      seen.interactions.push(it);
      res.setHeader('Content-Type', 'application/json');
      if (it.type !== InteractionType.APPLICATION_COMMAND || it.data.name !== 'hello') {
        res.statusCode = 400;
        res.end('{}');
        return;
      }
      const who = it.member.user.username;
      const text = it.data.options?.find((o) => o.name === 'text')?.value ?? '';
      res.end(JSON.stringify({
        type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
        data: { content: `hello ${who}: ${text}` },
      }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${server.address().port}/interactions`;
});

after(() => server?.close());

test('PATCH /applications/@me verifies the endpoint with signed and forged PINGs', async () => {
  // Must not: a user, even the owner, cannot set a bot's endpoint.
  const asOwner = await restFull('PATCH', '/applications/@me', s.owner, { interactions_endpoint_url: endpoint });
  assert.equal(asOwner.status, 401);
  assert.equal(seen.requests, 0);

  const updated = await rest('PATCH', '/applications/@me', `Bot ${s.botToken}`, { interactions_endpoint_url: endpoint }, 200);
  assert.equal(updated.interactions_endpoint_url, endpoint);
  assert.equal(updated.verify_key, app.verify_key);
  assert.ok(seen.refused >= 1, 'the server never sent a forged PING');
  assert.ok(seen.requests >= 2);

  // An endpoint that does not verify signatures is refused.
  const lax = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.setHeader('Content-Type', 'application/json'); res.end('{"type":1}'); });
  });
  await new Promise((resolve) => lax.listen(0, '127.0.0.1', resolve));
  try {
    const refused = await restFull('PATCH', '/applications/@me', `Bot ${s.botToken}`,
      { interactions_endpoint_url: `http://127.0.0.1:${lax.address().port}/` });
    assert.equal(refused.status, 400);
    assert.equal(refused.data.code, 50035);
    assert.ok(refused.data.errors.interactions_endpoint_url, JSON.stringify(refused.data));
  } finally {
    lax.close();
  }
  const still = await rest('GET', '/applications/@me', `Bot ${s.botToken}`, undefined, 200);
  assert.equal(still.interactions_endpoint_url, endpoint);
});

test('a command invoked by a user is answered over HTTP', async () => {
  const [cmd] = await rest('PUT', `/applications/${app.id}/guilds/${s.guildId}/commands`, `Bot ${s.botToken}`, [
    { name: 'hello', description: 'Say hello', options: [{ type: 3, name: 'text', description: 'what to say' }] },
  ], 200);
  const { token: user } = await rest('POST', '/auth/register', null,
    { username: `http_user_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { code } = await rest('POST', `/channels/${s.channelId}/invites`, s.owner, {}, 200);
  await rest('POST', `/invites/${code}`, user, undefined, 200);
  const me = await rest('GET', '/users/@me', user, undefined, 200);

  const before = seen.interactions.length;
  const res = await restFull('POST', '/interactions', user, {
    type: 2, application_id: app.id, guild_id: s.guildId, channel_id: s.channelId, session_id: 'node',
    nonce: randomBytes(4).toString('hex'),
    data: { id: cmd.id, name: 'hello', type: 1, options: [{ type: 3, name: 'text', value: 'over http' }] },
  });
  assert.equal(res.status, 204, JSON.stringify(res.data));

  const deadline = Date.now() + 10000;
  let answer;
  while (!answer) {
    if (Date.now() > deadline) throw new Error('no answer message in the channel');
    const msgs = await rest('GET', `/channels/${s.channelId}/messages?limit=10`, user, undefined, 200);
    answer = msgs.find((m) => m.author.id === s.botId && m.content.startsWith('hello '));
    if (!answer) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(answer.content, `hello ${me.username}: over http`);
  assert.equal(seen.interactions.length, before + 1);
  const it = seen.interactions.at(-1);
  assert.equal(it.application_id, app.id);
  assert.equal(it.member.user.id, me.id);
  assert.ok(it.token);

  // The library's own check refuses what Accord did not sign.
  const body = Buffer.from(JSON.stringify({ type: 1 }));
  assert.equal(await verifyKey(body, '00'.repeat(64), `${Math.floor(Date.now() / 1000)}`, app.verify_key), false);
  // A follow-up through the interaction's webhook token.
  const follow = await rest('POST', `/webhooks/${app.id}/${it.token}`, undefined, { content: 'followed up' }, 200);
  assert.equal(follow.content, 'followed up');
});
