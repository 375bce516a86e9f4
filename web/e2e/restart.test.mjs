// A server restart ends every gateway session: the client shows
// "reconnecting…", tries to RESUME, is told the session is gone (op 9), says
// IDENTIFY again and reloads the open channel, so messages posted meanwhile
// show up once.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, setupGuild, openAs, messageItems, waitConnected, rest } from './harness.mjs';

let server;
let browser;
let data;

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (data) fs.rmSync(data, { recursive: true, force: true });
});

test('after a server restart the client re-identifies and catches up', { timeout: 120000 }, async () => {
  server = await startServer();
  data = server.data;
  browser = await launchBrowser();
  const { token, guild, channel } = await setupGuild(server.base, 'carol', 'Restarts');
  await rest(server.base, token, 'POST', `/channels/${channel.id}/messages`, { content: 'before the restart' });

  const { page, errors } = await openAs(browser, server.base, token, `#/channels/${guild.id}/${channel.id}`);
  await messageItems(page, 'before the restart').waitFor();
  await waitConnected(page);

  const port = server.port;
  await server.stop({ keepData: true });
  await page.getByRole('status').filter({ hasText: 'reconnecting…' }).waitFor({ timeout: 10000 });

  server = await startServer({ port, data });
  await rest(server.base, token, 'POST', `/channels/${channel.id}/messages`, { content: 'after the restart' });

  await waitConnected(page, 30000);
  await messageItems(page, 'after the restart').waitFor({ timeout: 10000 });
  assert.equal(await messageItems(page, 'before the restart').count(), 1);
  assert.equal(await messageItems(page, 'after the restart').count(), 1);
  const counts = await page.evaluate(() => ({ identifies: window.__accord.gateway.identifies, resumes: window.__accord.gateway.resumes }));
  assert.equal(counts.identifies, 2, 'a new session after the unknown-session answer');
  assert.ok(counts.resumes >= 1, 'RESUME was tried first');

  // Live again.
  await rest(server.base, token, 'POST', `/channels/${channel.id}/messages`, { content: 'live after the restart' });
  await messageItems(page, 'live after the restart').waitFor({ timeout: 2000 });
  assert.deepEqual(errors, []);
});
