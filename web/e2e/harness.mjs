// Test harness for the web client's end-to-end tests: starts a real Accord
// server on 127.0.0.1 (free port, temporary data directory), puts a TCP proxy
// in front of it so a test can cut WebSocket connections the way a network
// failure does, and drives Debian's Chromium through playwright-core.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const artifactsDir = path.join(repoRoot, 'artifacts', 'web');

/** waitFor polls fn until it returns a truthy value or the deadline passes. */
export async function waitFor(fn, { timeout = 5000, interval = 20, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** accordBinary builds cmd/accord once per process unless ACCORD_BIN names one. */
let builtBinary = null;
export function accordBinary() {
  if (process.env.ACCORD_BIN) return process.env.ACCORD_BIN;
  if (builtBinary) return builtBinary;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'accord-e2e-bin-')), 'accord');
  execFileSync('go', ['build', '-o', out, './cmd/accord'], { cwd: repoRoot, stdio: 'inherit' });
  builtBinary = out;
  return out;
}

/**
 * startServer runs `accord serve --addr 127.0.0.1:0` with a fresh data
 * directory, learns the port it bound from its log, and waits for /healthz.
 * Rate limits are on, as in production; a test that seeds thousands of
 * messages before it looks at the client (a load step: 5 messages per 5 s
 * per channel would take hours) passes rateLimits: false. With url it
 * starts nothing: it waits for the /healthz of the server already running
 * there (a node of a cluster) and returns the same shape, whose stop leaves
 * that server running.
 */
export async function startServer({ port = 0, data = null, rateLimits = true, url = null } = {}) {
  if (url) {
    const base = url.replace(/\/$/, '');
    await waitFor(async () => (await fetch(base + '/healthz')).ok, { timeout: 30000, message: `${base}/healthz` });
    return { base, data: null, port: Number(new URL(base).port), log: () => '', async stop() {} };
  }
  const ownData = !data;
  if (!data) data = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-e2e-data-'));
  // --metrics-addr 127.0.0.1:0: the default port 9090 would collide between
  // servers run at once (the restart test, other test runs).
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '--metrics-addr', '127.0.0.1:0', '--data', data];
  if (!rateLimits) args.push('--rate-limits=false');
  const child = spawn(accordBinary(), args, {
    cwd: repoRoot,
    env: { ...process.env, ACCORD_LOG_FORMAT: process.env.ACCORD_LOG_FORMAT || 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let addr = null;
  const onData = (chunk) => {
    log += chunk.toString();
    // The public address is on the "serving" line; "metrics serving" and
    // "debug serving" name other listeners.
    for (const line of addr ? [] : log.split('\n')) {
      if (!/"msg":"serving"|msg=serving\b/.test(line)) continue;
      const m = /(?:addr|address|listen\w*)["=:\s]+"?(?:https?:\/\/)?(127\.0\.0\.1:(\d+))/i.exec(line);
      if (m && m[2] !== '0') addr = m[1];
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  try {
    await waitFor(() => {
      if (exited) throw new Error(`accord exited (${JSON.stringify(exited)}):\n${log}`);
      return addr;
    }, { timeout: 60000, message: 'the server to print its address' });
    const base = `http://${addr}`;
    await waitFor(async () => (await fetch(base + '/healthz')).ok, { timeout: 30000, message: '/healthz' });
    return {
      base,
      data,
      port: Number(addr.split(':')[1]),
      log: () => log,
      // stop sends SIGTERM (graceful: sessions get op 7 RECONNECT) and
      // removes the data directory unless it was given or keepData is set.
      async stop({ keepData = false } = {}) {
        if (!exited) {
          child.kill('SIGTERM');
          await waitFor(() => exited, { timeout: 15000, message: 'accord to exit' }).catch(() => child.kill('SIGKILL'));
        }
        if (ownData && !keepData) fs.rmSync(data, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/**
 * startProxy listens on a free 127.0.0.1 port and forwards every connection to
 * target. dropGateway() cuts the proxied /gateway WebSockets (the browser sees
 * the connection die, as when a server or network fails); while hold is true,
 * new /gateway connections wait before being forwarded, so a test can act
 * while clients are disconnected.
 */
export async function startProxy(targetPort) {
  const gateways = new Set();
  const held = [];
  const proxy = {
    hold: false,
    gatewayConnections: 0,
    dropGateway() {
      for (const s of gateways) s.destroy();
      gateways.clear();
    },
    release() {
      proxy.hold = false;
      for (const go of held.splice(0)) go();
    },
  };
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    client.once('data', (first) => {
      const isGateway = /^GET \/gateway[?\s]/.test(first.toString('latin1', 0, 64));
      const connect = () => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        upstream.setNoDelay(true);
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
        const kill = () => { client.destroy(); upstream.destroy(); gateways.delete(client); };
        client.on('error', kill).on('close', kill);
        upstream.on('error', kill).on('close', kill);
        if (isGateway) {
          proxy.gatewayConnections++;
          gateways.add(client);
        }
      };
      if (isGateway && proxy.hold) {
        client.pause();
        held.push(() => { client.resume(); connect(); });
        client.on('error', () => client.destroy());
      } else {
        connect();
      }
    });
    client.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  proxy.port = server.address().port;
  proxy.base = `http://127.0.0.1:${proxy.port}`;
  proxy.close = () => new Promise((r) => { proxy.dropGateway(); server.close(r); });
  return proxy;
}

/** launchBrowser starts Debian's Chromium (never a downloaded browser). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** rest calls the server's REST v10 API from the test process. */
export async function rest(base, token, method, apiPath, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}/api/v10${apiPath}`, {
      method,
      headers: { ...(token ? { Authorization: token } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.status === 429 && attempt < 50) {
      await new Promise((r) => setTimeout(r, Math.max(10, (data && data.retry_after) * 1000 || 50)));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${apiPath}: HTTP ${res.status} ${text}`);
    return data;
  }
}

/**
 * openUser opens a browser context for one person, registers them through the
 * UI and waits for the signed-in home screen. Page errors fail the test via
 * the returned errors array.
 */
export async function openUser(browser, base, name, { viewport = { width: 1280, height: 800 }, colorScheme = 'dark' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  await watchCSP(context, page, errors);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
  // Gateway frames by direction and kind: with zlib-stream every frame the
  // server sends is binary; the client sends JSON text. urls: every
  // WebSocket's URL, to tell which server (cluster node) it went to.
  const frames = { received: { binary: 0, text: 0 }, sent: [], urls: [] };
  page.on('websocket', (ws) => {
    frames.urls.push(ws.url());
    ws.on('framereceived', (f) => { frames.received[typeof f.payload === 'string' ? 'text' : 'binary']++; });
    ws.on('framesent', (f) => { if (typeof f.payload === 'string') frames.sent.push(JSON.parse(f.payload)); });
  });
  await page.goto(base + '/');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(`${name}-password-123`);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('heading', { name: `Welcome to Accord, ${name}` }).waitFor();
  const token = await page.evaluate(() => localStorage.getItem('accord.token'));
  return { name, context, page, errors, token, frames };
}

/** messages returns the message list of the open channel. */
export function messageList(page) {
  return page.getByRole('list', { name: /^Messages in #/ });
}

/** messageItems returns the rendered list items that contain text. */
export function messageItems(page, text) {
  return messageList(page).getByRole('listitem').filter({ hasText: text });
}

/** waitConnected waits until the client's gateway session is live. */
export function waitConnected(page, timeout = 10000) {
  return page.waitForFunction(() => window.__accord.gateway && window.__accord.gateway.status === 'connected', null, { timeout });
}

export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await page.screenshot({ path: file });
  return file;
}

/**
 * setupGuild registers a user over REST, creates a guild and returns its
 * "general" text channel.
 */
export async function setupGuild(base, username, guildName) {
  const { token } = await rest(base, '', 'POST', '/auth/register', { username, password: `${username}-password-123` });
  const guild = await rest(base, token, 'POST', '/guilds', { name: guildName });
  const channels = await rest(base, token, 'GET', `/guilds/${guild.id}/channels`);
  const general = channels.find((c) => c.type === 0);
  return { token, guild, channel: general };
}

/**
 * seedMessages posts n messages "<prefix> 00001".."<prefix> n" (zero-padded)
 * with `concurrency` requests in flight; with concurrency 1 ids follow the
 * numbering.
 */
export async function seedMessages(base, token, channelId, n, { prefix = 'seed', concurrency = 1 } = {}) {
  let next = 1;
  const width = String(n).length;
  const worker = async () => {
    while (next <= n) {
      const i = next++;
      await rest(base, token, 'POST', `/channels/${channelId}/messages`, { content: `${prefix} ${String(i).padStart(width, '0')}` });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * watchCSP records every Content-Security-Policy violation of the context's
 * pages in errors: the page hears each as a securitypolicyviolation event
 * and logs it, so a client change that needs an inline script or style
 * fails the tests that check errors is empty.
 */
export async function watchCSP(context, page, errors) {
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (m) => { if (m.text().startsWith('CSP violation')) errors.push(m.text()); });
}

/** openAs opens a page already signed in with token, at a hash route. */
// setup(context), if given, runs before the page loads (routes, listeners
// that must see the first requests).
export async function openAs(browser, base, token, hash, { viewport = { width: 1280, height: 800 }, colorScheme = 'dark', reducedMotion = 'no-preference', setup } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion });
  await context.addInitScript((t) => { if (!localStorage.getItem('accord.token')) localStorage.setItem('accord.token', t); }, token);
  if (setup) await setup(context);
  const page = await context.newPage();
  const errors = [];
  await watchCSP(context, page, errors);
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/${hash}`);
  return { context, page, errors };
}

/** noPageErrors fails the test if any user's page (from openUser) logged an error. */
export function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

/** composerBox is the open channel's message composer. */
export function composerBox(page) {
  return page.getByRole('textbox', { name: /^Message #/ });
}

/** openHash opens hash (#/channels/...) in user's page without a reload. */
export function openHash(user, hash) {
  return user.page.evaluate((h) => { location.hash = h; }, hash);
}
