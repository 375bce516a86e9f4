// Shared setup of the discord.js suite: the Accord server to talk to
// (ACCORD_URL; scripts/test-clients starts one), a REST helper, and a
// bootstrap of an owner, a guild and a bot over REST.
const { randomBytes } = require('node:crypto');

const base = (process.env.ACCORD_URL ?? '').replace(/\/$/, '');
if (!base) throw new Error('ACCORD_URL is not set: run scripts/test-clients, or start `accord serve` and export ACCORD_URL');
const accordHost = new URL(base).hostname;

/** rest calls Accord's REST v10 API and returns the decoded body, failing unless the status is want. */
async function rest(method, path, token, body, want) {
  return (await restFull(method, path, token, body, want)).data;
}

/** restFull is rest returning {status, headers, data}. */
async function restFull(method, path, token, body, want) {
  const res = await fetch(`${base}/api/v10${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (want !== undefined && res.status !== want) {
    throw new Error(`${method} ${path}: status ${res.status}, want ${want}: ${text}`);
  }
  return { status: res.status, headers: res.headers, data };
}

/**
 * exhaustBucket sends messages as the bot, outside the library, until the
 * channel's message bucket answers 429, checks that 429 has Discord's shape
 * (a JSON body with retry_after, Retry-After, X-RateLimit-Scope, Via) and
 * returns it.
 */
async function exhaustBucket(channelId, botToken) {
  for (let i = 0; i < 20; i++) {
    const { status, headers, data } = await restFull('POST', `/channels/${channelId}/messages`, `Bot ${botToken}`, { content: `out of band ${i}` });
    if (status === 429) {
      if (!headers.get('content-type')?.startsWith('application/json')) throw new Error('a 429 without a JSON body');
      if (!(data.retry_after > 0 && data.global === false && data.message)) throw new Error(`429 body ${JSON.stringify(data)}`);
      for (const h of ['retry-after', 'x-ratelimit-scope', 'via', 'x-ratelimit-bucket']) {
        if (!headers.get(h)) throw new Error(`the 429 lacks ${h}`);
      }
      if (headers.get('x-ratelimit-scope') !== 'user') throw new Error(`429 scope ${headers.get('x-ratelimit-scope')}`);
      return { headers, data };
    }
    if (status !== 200) throw new Error(`out-of-band message: status ${status}: ${JSON.stringify(data)}`);
  }
  throw new Error('20 messages at once and no 429: the channel\'s message bucket is not limited');
}

/** bootstrap registers an owner, creates their guild, and adds a new bot to it. */
async function bootstrap(name) {
  const { token: owner } = await rest('POST', '/auth/register', null,
    { username: `${name}_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const guild = await rest('POST', '/guilds', owner, { name }, 201);
  const channels = await rest('GET', `/guilds/${guild.id}/channels`, owner, undefined, 200);
  const { botId, botToken } = await addBot(owner, guild.id, `${name}-bot`);
  return { owner, guildId: guild.id, channelId: channels.find((c) => c.type === 0).id, botId, botToken };
}

/** addBot creates a bot application of owner's named name and adds it to the guild. */
async function addBot(owner, guildId, name) {
  const app = await rest('POST', '/applications', owner, { name }, 201);
  const { token: botToken } = await rest('POST', `/applications/${app.id}/bot/reset-token`, owner, undefined, 200);
  await rest('POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, owner,
    { guild_id: guildId, authorize: true }, 200);
  return { botId: app.bot.id, botToken, appId: app.id };
}

/** authorize adds the bot of owner's application appId to one more guild. */
async function authorize(owner, appId, guildId) {
  await rest('POST', `/oauth2/authorize?client_id=${appId}&scope=bot&permissions=0`, owner,
    { guild_id: guildId, authorize: true }, 200);
}

/**
 * nextEvent resolves with the arguments of client's first `event` that
 * match accepts, or rejects after ms; call it before the action that
 * causes the event.
 */
function nextEvent(client, event, match, what, ms = 15000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, on);
      reject(new Error(`no ${what} within ${ms} ms`));
    }, ms);
    function on(...args) {
      if (!match(...args)) return;
      clearTimeout(timer);
      client.off(event, on);
      resolve(args);
    }
    client.on(event, on);
  });
}

module.exports = { base, accordHost, rest, restFull, exhaustBucket, bootstrap, addBot, authorize, nextEvent };
