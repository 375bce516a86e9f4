// The web client under its Content-Security-Policy: the page is served with
// the security headers, runs (register, a server with its channel and a
// message) without one policy violation, and the policy is really enforced:
// an injected inline script is refused and reported.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openUser, waitFor, rest } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('security headers and no CSP violations', async () => {
  const res = await fetch(server.base + '/');
  const csp = res.headers.get('content-security-policy') || '';
  for (const want of ["script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(want), `CSP ${csp} lacks ${want}`);
  }
  assert.ok(!csp.includes('unsafe-inline'), `CSP ${csp} allows inline code`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');

  const alice = await openUser(browser, server.base, 'cspalice');
  const guild = await rest(server.base, alice.token, 'POST', '/guilds', { name: 'CSP' });
  const channels = await rest(server.base, alice.token, 'GET', `/guilds/${guild.id}/channels`);
  const text = channels.find((c) => c.type === 0);
  await rest(server.base, alice.token, 'POST', `/channels/${text.id}/messages`, { content: 'styled by CSSOM' });
  await alice.page.goto(`${server.base}/#/channels/${guild.id}/${text.id}`);
  await alice.page.getByText('styled by CSSOM').waitFor();
  // The coloured avatar and author name were set without a style attribute.
  const color = await alice.page.locator('.author').first().evaluate((el) => el.style.getPropertyValue('--author-color'));
  assert.ok(color, 'author colour not applied');
  assert.deepEqual(alice.errors, [], 'the page logged errors or CSP violations');

  // The policy is enforced, and the harness hears violations.
  await alice.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
  });
  await waitFor(() => alice.errors.some((e) => e.startsWith('CSP violation')), { message: 'a CSP violation report' });
  assert.equal(await alice.page.evaluate(() => window.__inline), undefined, 'an inline script ran');
  await alice.context.close();
});
