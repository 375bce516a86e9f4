// Load time and scrolling cost of a channel with 10,000 messages. Figures are
// printed (and written to artifacts/web/perf.json); the assertions only check
// that the client stays virtualised (bounded DOM) with everything loaded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, setupGuild, seedMessages, openAs, messageList, messageItems, waitFor, artifactsDir, screenshot } from './harness.mjs';

const N = Number(process.env.ACCORD_E2E_MESSAGES || 10000);
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

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

test(`a channel with ${N} messages loads fast and scrolls with a bounded DOM`, { timeout: 15 * 60 * 1000 }, async () => {
  const { token, guild, channel } = await setupGuild(server.base, 'loadtester', 'Big Channel');
  const seedStart = Date.now();
  await seedMessages(server.base, token, channel.id, N, { prefix: 'perf', concurrency: 8 });
  const seedMs = Date.now() - seedStart;

  // 1. Load time: navigation start until the newest message is on screen.
  const newest = `perf ${String(N)}`;
  const { page, errors } = await openAs(browser, server.base, token, `#/channels/${guild.id}/${channel.id}`);
  await messageItems(page, newest).waitFor();
  const loadMs = await page.evaluate(() => performance.now());
  const nav = await page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd };
  });

  // 2. Load the whole history by scrolling to the top repeatedly.
  const allStart = Date.now();
  await page.evaluate(async (cid) => {
    const { state, ui } = window.__accord;
    const log = state.logs.get(cid);
    const scroller = document.querySelector('.scroller');
    for (let guard = 0; log.hasMoreBefore && guard < 1000; guard++) {
      scroller.scrollTop = 0;
      ui.list.captureAnchor();
      ui.list.renderNow();
      const t0 = performance.now();
      while (log.loadingOlder && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => requestAnimationFrame(r));
    }
  }, channel.id);
  const allMs = Date.now() - allStart;
  const loaded = await page.evaluate((cid) => window.__accord.state.logs.get(cid).items.length, channel.id);
  assert.equal(loaded, N);

  // 3. Scroll from top to bottom through everything, timing each render.
  const scroll = await page.evaluate(async () => {
    const { ui } = window.__accord;
    const scroller = document.querySelector('.scroller');
    const times = [];
    let maxRows = 0;
    scroller.scrollTop = 0;
    ui.list.captureAnchor();
    ui.list.renderNow();
    const step = Math.floor(scroller.clientHeight * 0.9);
    const frames = [];
    let last = performance.now();
    for (let y = 0; y < scroller.scrollHeight; y += step * 9) {
      scroller.scrollTop = y;
      const t0 = performance.now();
      ui.list.captureAnchor();
      ui.list.renderNow();
      void document.body.offsetHeight; // include layout
      times.push(performance.now() - t0);
      maxRows = Math.max(maxRows, document.querySelectorAll('[role=listitem]').length);
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    // Wheel-like scrolling: 120 px steps upwards from the middle.
    const wheel = [];
    scroller.scrollTop = Math.floor(scroller.scrollHeight / 2);
    ui.list.captureAnchor();
    ui.list.renderNow();
    for (let k = 0; k < 200; k++) {
      scroller.scrollTop -= 120;
      const t0 = performance.now();
      ui.list.captureAnchor();
      ui.list.renderNow();
      void document.body.offsetHeight;
      wheel.push(performance.now() - t0);
      maxRows = Math.max(maxRows, document.querySelectorAll('[role=listitem]').length);
      await new Promise((r) => requestAnimationFrame(r));
    }
    return { times, wheel, frames, maxRows, height: scroller.scrollHeight };
  });
  await messageItems(page, 'perf ' + String(Math.floor(N / 2)).padStart(String(N).length, '0')).count();
  const rows = await messageList(page).getByRole('listitem').count();
  assert.ok(scroll.maxRows < 150, `rows in the DOM stay bounded (max ${scroll.maxRows})`);

  // Jump back to the newest message and check it is still live-ready.
  await page.evaluate(() => window.__accord.ui.list.scrollToBottom());
  await messageItems(page, newest).waitFor();
  await screenshot(page, 'chat-10k.png');
  assert.deepEqual(errors, []);

  const figures = {
    messages: N,
    seed_ms: seedMs,
    load_to_newest_visible_ms: Math.round(loadMs),
    dom_content_loaded_ms: Math.round(nav.domContentLoaded),
    load_all_history_ms: allMs,
    jump_render_ms_p50: +pct(scroll.times, 50).toFixed(2),
    jump_render_ms_p95: +pct(scroll.times, 95).toFixed(2),
    jump_render_ms_max: +Math.max(...scroll.times).toFixed(2),
    jump_positions: scroll.times.length,
    wheel_step_ms_p50: +pct(scroll.wheel, 50).toFixed(2),
    wheel_step_ms_p95: +pct(scroll.wheel, 95).toFixed(2),
    wheel_step_ms_max: +Math.max(...scroll.wheel).toFixed(2),
    max_rows_in_dom: scroll.maxRows,
    rows_in_dom_at_end: rows,
    scroll_height_px: scroll.height,
  };
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, 'perf.json'), JSON.stringify(figures, null, 2));
  console.log('# perf ' + JSON.stringify(figures));
});
