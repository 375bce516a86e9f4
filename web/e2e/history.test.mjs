// History paging: the newest page loads first, scrolling up fetches older
// pages with before=, the view stays where the reader is, and only the rows
// on screen are in the DOM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, setupGuild, seedMessages, openAs, messageList, messageItems, waitFor, waitConnected, rest } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ rateLimits: false }); // seeding many messages is a load step
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('scrolling up loads older history page by page', async () => {
  const N = 260;
  const { token, guild, channel } = await setupGuild(server.base, 'historian', 'Archive');
  await seedMessages(server.base, token, channel.id, N, { prefix: 'history' });

  const { page, errors } = await openAs(browser, server.base, token, `#/channels/${guild.id}/${channel.id}`);
  await messageItems(page, 'history 260').waitFor();
  const state = () => page.evaluate((cid) => {
    const log = window.__accord.state.logs.get(cid);
    return { loaded: log.items.length, hasMore: log.hasMoreBefore, ids: log.items.map((m) => m.id) };
  }, channel.id);
  assert.equal((await state()).loaded, 50, 'only the newest page is fetched on open');

  // Scroll up with the mouse wheel until the start of the channel shows.
  const box = await page.locator('.scroller').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  let pages = 0;
  await waitFor(async () => {
    await page.mouse.wheel(0, -4000);
    pages++;
    return page.getByText('This is the start of the #general channel.').isVisible();
  }, { timeout: 30000, interval: 50, message: 'the beginning of the channel' });
  await messageItems(page, 'history 001').waitFor();

  const s = await state();
  assert.equal(s.loaded, N, 'every message loaded once');
  assert.equal(new Set(s.ids).size, N, 'no duplicates');
  const sorted = [...s.ids].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(s.ids, sorted, 'oldest first');
  const rendered = await messageList(page).getByRole('listitem').count();
  assert.ok(rendered < 120, `only visible rows are rendered (${rendered} of ${N})`);

  // The oldest message is at the top: the first rendered row is history 001.
  const first = await messageList(page).getByRole('listitem').first().innerText();
  assert.match(first, /history 001/);
  // A message arriving while the reader is up in history does not move the
  // view; "Jump to present" brings them down to it.
  await waitConnected(page);
  await rest(server.base, token, 'POST', `/channels/${channel.id}/messages`, { content: 'fresh news' });
  await waitFor(() => page.evaluate((cid) => window.__accord.state.logs.get(cid).items.some((m) => m.content === 'fresh news'), channel.id), { message: 'the live message' });
  const jump = page.getByRole('button', { name: 'Jump to present' });
  await jump.waitFor();
  assert.ok(await messageItems(page, 'history 001').isVisible(), 'the view stayed where the reader was');
  await jump.click();
  await messageItems(page, 'fresh news').waitFor();
  await jump.waitFor({ state: 'hidden' });

  assert.deepEqual(errors, []);
  console.log(`# paged ${N} messages with ${pages} wheel steps, ${rendered} rows in the DOM`);
});
