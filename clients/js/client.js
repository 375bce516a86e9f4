// Helpers every discord.js suite shares that need discord.js itself. A
// suite requires this after guard(): the guard must wrap the sockets before
// discord.js (and its WebSocket and HTTP clients) load.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { Events, DiscordAPIError } = require('discord.js');
const { accordClient } = require('./accord.js');
const { base } = require('./setup.js');

/** login logs a discord.js client in to Accord and resolves once it is ready. */
async function login(token, intents, options = {}) {
  const client = accordClient(base, { intents, ...options });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(30000) });
  await client.login(token);
  await ready;
  return client;
}

/** rejectsWith asserts that promise fails with discord.js's DiscordAPIError of that code and status. */
async function rejectsWith(promise, code, status) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DiscordAPIError, `not a DiscordAPIError: ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    return true;
  });
}

module.exports = { login, rejectsWith };
