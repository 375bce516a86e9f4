// The web client against Accord's default rate limits: a person who sends
// more messages than the channel's bucket allows (5 per 5 s) loses none of
// them. The client waits out the short 429 (retry_after and Via, in
// Discord's shape) and sends again, as Discord's own client does, and no
// error is shown.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, setupGuild, openAs, messageItems, waitConnected, waitFor, rest } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer(); // rate limits on: the default
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a burst past the channel bucket is waited out, nothing lost', { timeout: 60000 }, async () => {
  const { token, guild, channel } = await setupGuild(server.base, 'burster', 'Bursts');
  const user = await openAs(browser, server.base, token, `#/channels/${guild.id}/${channel.id}`);
  const limited = [];
  user.page.on('response', (res) => {
    if (res.status() === 429 && res.url().endsWith(`/channels/${channel.id}/messages`)) limited.push(res.headers());
  });
  await waitConnected(user.page);
  const box = user.page.getByRole('textbox', { name: /^Message #/ });
  const texts = Array.from({ length: 7 }, (_, i) => `burst ${i + 1}`);
  for (const text of texts) {
    await box.fill(text);
    await box.press('Enter');
  }
  for (const text of texts) await messageItems(user.page, text).first().waitFor({ timeout: 15000 });

  // Every message is stored once, in the order typed (the ones past the
  // bucket a few seconds later: the list shows them as pending meanwhile).
  let stored = [];
  await waitFor(async () => {
    const history = await rest(server.base, token, 'GET', `/channels/${channel.id}/messages?limit=50`);
    stored = history.map((m) => m.content).reverse();
    return stored.length >= texts.length;
  }, { timeout: 20000, interval: 250, message: 'all messages stored' }).catch(() => {});
  assert.deepEqual(stored, texts);

  // The bucket really was exceeded: the server answered 429 with Discord's
  // headers, and the client waited instead of failing.
  assert.ok(limited.length > 0, 'no 429: the burst never reached the limit');
  assert.equal(limited[0]['via'], '1.1 accord');
  assert.ok(Number(limited[0]['retry-after']) > 0, `Retry-After ${limited[0]['retry-after']}`);
  assert.equal(await user.page.getByRole('alert').count(), 0, 'an error was shown');
  assert.deepEqual(user.errors, []);
});
