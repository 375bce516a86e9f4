// Unit tests of the client's browser-independent modules, run by Node:
// message log merging (the no-duplicates promise of RESUME and REST+gateway),
// Discord error bodies turned into sentences, snowflake ordering, and the
// zlib-stream decoder fed by a real zlib deflater with sync flushes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { MessageLog, State } from '../static/js/state.js';
import { APIError, fieldErrors } from '../static/js/api.js';
import { compare, nonce, time } from '../static/js/snowflake.js';
import { ZlibStreamDecoder } from '../static/js/gateway.js';

const msg = (id, content = `m${id}`, extra = {}) => ({ id: String(id), channel_id: '1', content, author: { id: '7', username: 'a' }, ...extra });

test('snowflakes compare as 64-bit integers, not strings or floats', () => {
  assert.ok(compare('9', '10') < 0);
  assert.ok(compare('1575841056262455296', '1575841056262455297') < 0);
  assert.equal(compare('42', '42'), 0);
  const a = nonce();
  const b = nonce();
  assert.ok(compare(a, b) < 0 && a.length <= 25);
  assert.equal(time('175928847299117063').toISOString(), '2016-04-30T11:18:25.796Z'); // Discord's documented example
});

test('MessageLog merges REST pages and live events without duplicates', () => {
  const log = new MessageLog('1');
  log.addLatest([msg(30), msg(20), msg(10)], 3);
  assert.deepEqual(log.items.map((m) => m.id), ['10', '20', '30']);
  assert.equal(log.hasMoreBefore, true);

  // The same message from the REST reply and from MESSAGE_CREATE, and again
  // from a RESUME replay: shown once, updated in place.
  assert.equal(log.upsert(msg(40)), 'insert');
  assert.equal(log.upsert(msg(40)), 'update');
  assert.equal(log.upsert(msg(40, 'again')), 'update');
  assert.deepEqual(log.items.map((m) => m.id), ['10', '20', '30', '40']);
  assert.equal(log.byId.get('40').content, 'again');

  // Out of order arrival is sorted by id; ids older than the loaded range
  // wait for paging.
  log.upsert(msg(35));
  log.upsert(msg(5));
  assert.deepEqual(log.items.map((m) => m.id), ['10', '20', '30', '35', '40']);

  // Older pages are prepended, overlaps ignored; a short page ends history.
  assert.equal(log.addOlder([msg(10), msg(8), msg(6)], 50), 2);
  assert.deepEqual(log.items.map((m) => m.id), ['6', '8', '10', '20', '30', '35', '40']);
  assert.equal(log.hasMoreBefore, false);

  log.update({ id: '20', channel_id: '1', content: 'edited', edited_timestamp: '2026-01-01T00:00:00Z' });
  assert.equal(log.byId.get('20').content, 'edited');
  assert.ok(log.remove('20'));
  assert.ok(!log.remove('20'));
  assert.deepEqual(log.items.map((m) => m.id), ['6', '8', '10', '30', '35', '40']);
});

test('MessageLog: a pending send is replaced by the confirmed message (by nonce)', () => {
  const log = new MessageLog('1');
  log.addLatest([], 50);
  log.addPending({ nonce: '123', pending: true, content: 'hi' });
  assert.equal(log.view().length, 1);
  log.upsert(msg(50, 'hi', { nonce: '123' }));
  assert.deepEqual(log.view().map((m) => m.id), ['50']);
  assert.equal(log.pending.length, 0);
});

test('MessageLog: a newest page that does not overlap restarts the log (gap after re-identify)', () => {
  const log = new MessageLog('1');
  log.addLatest([msg(3), msg(2), msg(1)], 3);
  log.addLatest([msg(9), msg(8), msg(7)], 3); // 4..6 unknown: keep only the new page
  assert.deepEqual(log.items.map((m) => m.id), ['7', '8', '9']);
  assert.equal(log.hasMoreBefore, true);
  log.addLatest([msg(10), msg(9), msg(8)], 3); // overlaps: merge
  assert.deepEqual(log.items.map((m) => m.id), ['7', '8', '9', '10']);
});

test('State: unread markers follow last_message_id against what was read', () => {
  const s = new State();
  s.addGuild({ id: 'g', name: 'G', channels: [{ id: 'c', type: 0, name: 'general', last_message_id: null }] });
  assert.equal(s.isUnread('c'), false);
  s.noteLastMessage('c', '100');
  assert.equal(s.isUnread('c'), true);
  assert.ok(s.markRead('c'));
  assert.equal(s.isUnread('c'), false);
  s.noteLastMessage('c', '99'); // an older id (e.g. a late PASSIVE_UPDATE_V1) changes nothing
  assert.equal(s.isUnread('c'), false);
  s.noteLastMessage('c', '101');
  assert.equal(s.isUnread('c'), true);
  assert.deepEqual(s.textChannels('g').map((c) => c.name), ['general']);
});

test('Discord error bodies become plain sentences', () => {
  const tooLong = new APIError(400, {
    code: 50035, message: 'Invalid Form Body',
    errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
  });
  assert.equal(tooLong.message, 'Must be 2000 or fewer in length.');
  assert.equal(tooLong.code, 50035);
  const login = new APIError(400, {
    code: 50035, message: 'Invalid Form Body',
    errors: { login: { _errors: [{ message: 'Login or password is invalid.' }] }, password: { _errors: [{ message: 'Login or password is invalid.' }] } },
  });
  assert.equal(login.message, 'Login or password is invalid.');
  const two = new APIError(400, { code: 50035, message: 'Invalid Form Body', errors: { a: { _errors: [{ message: 'x' }] }, b: { 0: { c: { _errors: [{ message: 'y' }] } } } } });
  assert.equal(two.message, 'a: x b[0].c: y');
  assert.deepEqual(fieldErrors({ b: { 0: { c: { _errors: [{ message: 'y' }] } } } }), [{ path: 'b[0].c', message: 'y' }]);
  assert.equal(new APIError(403, { code: 50013, message: 'Missing Permissions' }).message, "You don't have permission to do that (Missing Permissions).");
  assert.equal(new APIError(404, { code: 10006, message: 'Unknown Invite' }).message, 'Unknown Invite');
  assert.equal(new APIError(429, { message: 'You are being rate limited.', retry_after: 1.2, global: false }).message, 'You are being rate limited. Try again in 2 s.');
  assert.equal(new APIError(502, null).message, 'The server had a problem (HTTP 502). Try again.');
});

test('zlib-stream: payloads decoded across sync flushes and split frames', async () => {
  const deflate = zlib.createDeflate();
  const flushOne = (s) => new Promise((resolve) => {
    const parts = [];
    const on = (d) => parts.push(d);
    deflate.on('data', on);
    deflate.write(s);
    deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => { deflate.off('data', on); resolve(Buffer.concat(parts)); });
  });
  const dec = new ZlibStreamDecoder();
  for (let i = 0; i < 300; i++) {
    const payload = JSON.stringify({ op: 0, s: i, t: 'MESSAGE_CREATE', d: { content: 'é…'.repeat(i % 97), id: String(i) } });
    const bytes = new Uint8Array(await flushOne(payload));
    if (i % 3 === 0 && bytes.length > 8) {
      // A payload split over two frames decodes only once the flush arrives.
      const cut = bytes.length >> 1;
      assert.equal(dec.push(bytes.subarray(0, cut)), null);
      assert.equal(dec.push(bytes.subarray(cut)), payload);
    } else {
      assert.equal(dec.push(bytes), payload);
    }
  }
});
