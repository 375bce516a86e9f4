// The member list of a guild with thousands of members, shown through op 14
// ranges (GUILD_MEMBER_LIST_UPDATE) rather than a REST page: it scrolls with a
// bounded DOM, shows the right names at every position, groups members with
// their counts, and follows a join and a member coming online live.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, setupGuild, openAs, rest, waitFor, waitConnected, artifactsDir, screenshot } from './harness.mjs';

const N = Number(process.env.ACCORD_E2E_MEMBERS || 2000);
const ROW = 42; // px per row, as views/members.js lays them out
const name = (i) => `m${String(i).padStart(5, '0')}`;

let server;
let browser;

before(async () => {
  server = await startServer({ rateLimits: false }); // registering thousands is a load step
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// seedMembers adds members named name(i) for i in [0, n), 8 at a time.
// They are bots (an application each, added with OAuth2): registering
// thousands of people would hash thousands of passwords, minutes of CPU
// that measure nothing here. Returns the application IDs.
async function seedMembers(ownerToken, guildId, n) {
  const apps = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const app = await rest(server.base, ownerToken, 'POST', '/applications', { name: name(i) });
      await rest(server.base, ownerToken, 'POST', `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, { guild_id: guildId, authorize: true });
      apps[i] = app.id;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return apps;
}

// rows returns the member list's rendered rows as {index, text, heading}.
function rows(page) {
  return page.evaluate(() => [...document.querySelectorAll('.member-list .member-row')].map((el) => ({
    index: Math.round(parseFloat(el.style.top) / 42),
    text: el.getAttribute('role') === 'heading' ? el.textContent : (el.querySelector('.member-name') || el).textContent,
    heading: el.getAttribute('role') === 'heading',
    hole: el.classList.contains('placeholder'),
  })).sort((a, b) => a.index - b.index));
}

// scrollTo puts item index at the top of the member list's view.
function scrollTo(page, index) {
  return page.evaluate(([i, row]) => {
    const s = document.querySelector('aside.members');
    s.scrollTop = s.querySelector('.member-list').offsetTop + i * row;
  }, [index, ROW]);
}

// expectNames waits until the rendered rows from first to last hold exactly
// the names want(index) says (null: a group header).
async function expectNames(page, first, last, want, message) {
  await waitFor(async () => {
    const rs = (await rows(page)).filter((r) => r.index >= first && r.index <= last);
    if (rs.length !== last - first + 1) return false;
    return rs.every((r) => {
      const w = want(r.index);
      return w === null ? r.heading : !r.hole && r.text === w && !r.heading;
    });
  }, { timeout: 20000, message });
}

test(`a guild of ${N} members: the list scrolls by ranges, groups and updates live`, { timeout: 20 * 60 * 1000 }, async () => {
  const { token, guild, channel } = await setupGuild(server.base, 'owner', 'Crowd');
  const invite = await rest(server.base, token, 'POST', `/channels/${channel.id}/invites`, { max_age: 0 });
  const seedStart = Date.now();
  const apps = await seedMembers(token, guild.id, N);
  const seedMs = Date.now() - seedStart;

  const { page, errors } = await openAs(browser, server.base, token, `#/channels/${guild.id}/${channel.id}`);
  await waitConnected(page);
  const total = N + 1;
  await page.getByRole('heading', { name: `Members — ${total}` }).waitFor({ timeout: 20000 });
  // The owner is online (this page's own session): "Online" with the owner,
  // then "Offline" with m00000...
  await page.getByRole('heading', { name: 'Online — 1' }).waitFor();
  await page.getByRole('heading', { name: `Offline — ${N}` }).waitFor();
  const offlineAt = (i) => (i === 0 || i === 2 ? null : i === 1 ? 'owner' : name(i - 3));
  await expectNames(page, 0, 10, offlineAt, 'the first rows');

  // The list never asked REST for members.
  const restMembers = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\/members(\?|$)/.test(e.name)).length);
  assert.equal(restMembers, 0, 'the member list used GET /members');

  // Jump to the middle: the ranges there arrive and the names are right.
  const mid = Math.floor(N * 0.75);
  const jumpStart = Date.now();
  await scrollTo(page, mid);
  await expectNames(page, mid, mid + 10, offlineAt, `rows around ${mid}`);
  const jumpMs = Date.now() - jumpStart;
  const domRows = await page.evaluate(() => document.querySelectorAll('.member-list li').length);
  assert.ok(domRows < 80, `${domRows} rows in the DOM for ${total} members`);

  // Scroll smoothly through 3000 px and count long frames.
  const frames = await page.evaluate(async () => {
    const s = document.querySelector('aside.members');
    const times = [];
    let last = performance.now();
    for (let k = 0; k < 60; k++) {
      s.scrollTop += 50;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times;
  });
  const worstFrame = Math.max(...frames);

  // A member joins whose name sorts right after m<mid>: it appears in place
  // while we look at that part of the list.
  await scrollTo(page, mid);
  await expectNames(page, mid, mid + 5, offlineAt, 'rows before the join');
  const joiner = `${name(mid)}a`;
  const { token: jt } = await rest(server.base, '', 'POST', '/auth/register', { username: joiner, password: 'member-password-123' });
  await rest(server.base, jt, 'POST', `/invites/${invite.code}`, {});
  const afterJoin = (i) => (i <= mid + 3 ? offlineAt(i) : i === mid + 4 ? joiner : name(i - 4));
  await expectNames(page, mid, mid + 5, afterJoin, 'the joiner in place');
  await page.getByRole('heading', { name: `Members — ${total + 1}` }).waitFor();

  // A member comes online (their own gateway session, with a presence):
  // they join the "Online" group at the top, before the owner.
  await scrollTo(page, 0);
  const onliner = N - 1;
  const { token: botToken } = await rest(server.base, token, 'POST', `/applications/${apps[onliner]}/bot/reset-token`, {});
  await page.evaluate(([base, t]) => new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/gateway?v=10&encoding=json');
    window.__onlineSocket = ws;
    ws.onmessage = (e) => {
      const p = JSON.parse(e.data);
      if (p.op === 10) {
        ws.send(JSON.stringify({ op: 2, d: { token: t, intents: 1, properties: { os: 'test', browser: 'test', device: 'test' }, presence: { status: 'online', since: 0, activities: [], afk: false } } }));
      }
      if (p.t === 'READY') resolve();
    };
    ws.onerror = () => reject(new Error('online socket failed'));
  }), [server.base, `Bot ${botToken}`]);
  await page.getByRole('heading', { name: 'Online — 2' }).waitFor({ timeout: 20000 });
  await expectNames(page, 0, 4, (i) => [null, name(onliner), 'owner', null, name(0)][i], 'the online member on top');
  await page.getByRole('heading', { name: `Offline — ${N}` }).waitFor();
  await screenshot(page, 'memberlist.png');

  assert.deepEqual(errors, [], 'page errors');
  const figures = { members: total + 1, seedMs, jumpMs, worstFrameMs: Math.round(worstFrame * 10) / 10, domRows };
  console.log(`member list: ${JSON.stringify(figures)}`);
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, 'memberlist.json'), JSON.stringify(figures, null, 2));
});
