// discord.js 14, unmodified, with files and reactions (issue 13): the bot
// uploads a PNG it draws and random bytes, reads both back byte-identical
// from the signed CDN URLs Accord hands out, edits a message down to one
// file, reacts and sees the reaction events, and meets Accord's refusals
// (a tampered or expired URL, an eleventh file, an emoji that is none)
// as Discord's errors. scripts/test-clients runs it on the fs blob store
// and, with ACCORD_CLIENT_BLOB, on S3.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { randomBytes } = require('node:crypto');
const { deflateSync } = require('node:zlib');
const { guard, hosts } = require('./guard.js');
const { base, accordHost, rest, bootstrap } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits, Events, Partials, Routes, DiscordAPIError } = require('discord.js');
const { accordClient } = require('./accord.js');

// The image's size is odd and not square, so a swapped or rounded
// width/height shows.
const imageWidth = 37;
const imageHeight = 23;

let setup;
let ownerId;
let client;
let channel;
const reactionEvents = []; // {type: 'add'|'remove', messageId, userId, emoji}

before(async () => {
  setup = await bootstrap('discordjs-media');
  ownerId = (await rest('GET', '/users/@me', setup.owner, undefined, 200)).id;
  client = accordClient(base, {
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
  });
  for (const [event, type] of [[Events.MessageReactionAdd, 'add'], [Events.MessageReactionRemove, 'remove']]) {
    client.on(event, (reaction, user) => {
      reactionEvents.push({ type, messageId: reaction.message.id, userId: user.id, emoji: reaction.emoji.name });
    });
  }
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(30000) });
  await client.login(setup.botToken);
  await ready;
  channel = await client.channels.fetch(setup.channelId);
});

after(async () => {
  await client?.destroy();
});

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** png draws a width×height 8-bit RGB gradient as a PNG file. */
function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // depth 8, RGB, deflate, no filter, no interlace
  const raw = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + 3 * width); // filter byte 0
    for (let x = 0; x < width; x++) raw.set([(x * 7) & 0xff, (y * 11) & 0xff, (x * y) & 0xff], row + 1 + 3 * x);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** binary is n random bytes that no sniffer takes for a known type: a NUL first. */
function binary(n) {
  const b = randomBytes(n);
  b[0] = 0;
  b[1] = 0xff;
  return b;
}

/** cdn GETs an attachment URL and returns {status, type, bytes}. */
async function cdn(url) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** checkServed: url is a signed CDN URL on Accord that serves exactly want as type. */
async function checkServed(url, want, type) {
  const u = new URL(url);
  assert.equal(u.origin, base, `attachment URL ${url} is not on Accord`);
  for (const p of ['ex', 'is', 'hm']) assert.ok(u.searchParams.get(p), `attachment URL ${url} lacks ${p}`);
  const got = await cdn(url);
  assert.equal(got.status, 200, `GET ${url}`);
  assert.equal(got.type, type);
  assert.ok(got.bytes.equals(want), `${url}: ${got.bytes.length} bytes differ from the ${want.length} uploaded`);
}

/** eventually polls fn (true when done) every 100 ms for up to ms. */
async function eventually(ms, what, fn) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an image and a binary in one message come back byte-identical from the CDN, typed by their bytes', { timeout: 60000 }, async () => {
  const image = png(imageWidth, imageHeight);
  const bytes = binary(70001);
  const msg = await channel.send({ content: 'two files', files: [{ attachment: image, name: 'gradient.png' }, { attachment: bytes, name: 'noise.bin' }] });
  assert.equal(msg.content, 'two files');
  assert.equal(msg.attachments.size, 2);
  const img = msg.attachments.find((a) => a.name === 'gradient.png');
  const bin = msg.attachments.find((a) => a.name === 'noise.bin');
  assert.ok(img && bin, `attachments ${msg.attachments.map((a) => a.name)}`);
  assert.equal(img.contentType, 'image/png');
  assert.equal(img.width, imageWidth);
  assert.equal(img.height, imageHeight);
  assert.equal(img.size, image.length);
  assert.equal(bin.contentType, 'application/octet-stream');
  assert.equal(bin.width, null, 'a binary has no width');
  assert.equal(bin.height, null, 'a binary has no height');
  assert.equal(bin.size, bytes.length);
  await checkServed(img.url, image, 'image/png');
  await checkServed(img.proxyURL, image, 'image/png');
  await checkServed(bin.url, bytes, 'application/octet-stream');

  // Another reader (the owner, over REST) sees the same files.
  const read = await rest('GET', `/channels/${setup.channelId}/messages/${msg.id}`, setup.owner, undefined, 200);
  assert.deepEqual(read.attachments.map((a) => [a.id, a.filename, a.size]).sort(),
    [[img.id, 'gradient.png', image.length], [bin.id, 'noise.bin', bytes.length]].sort());
  assert.deepEqual(new Set(hosts), new Set([accordHost]), 'a connection left Accord');
});

test('file-only messages; content_type is sniffed, never the claimed type', { timeout: 60000 }, async () => {
  const image = png(imageWidth, imageHeight);
  const bytes = binary(4096);
  const only = await channel.send({ files: [{ attachment: image, name: 'alone.png' }] });
  assert.equal(only.content, '');
  assert.equal(only.attachments.size, 1);
  await checkServed(only.attachments.first().url, image, 'image/png');

  // @discordjs/rest sends a file's contentType as its part's type: claim
  // the image is HTML and the noise is a PNG.
  const raw = await client.rest.post(Routes.channelMessages(setup.channelId), {
    files: [{ name: 'claims-html.png', data: image, contentType: 'text/html' },
      { name: 'claims-png.png', data: bytes, contentType: 'image/png' }],
  });
  assert.equal(raw.content, '');
  const [img, bin] = raw.attachments;
  assert.equal(img.filename, 'claims-html.png');
  assert.equal(img.content_type, 'image/png');
  assert.equal(img.width, imageWidth);
  assert.equal(img.height, imageHeight);
  assert.equal(bin.filename, 'claims-png.png');
  assert.equal(bin.content_type, 'application/octet-stream', 'the claimed image/png was trusted');
  assert.equal(bin.width, undefined);
  assert.equal(bin.height, undefined);
  await checkServed(img.url, image, 'image/png');
  await checkServed(bin.url, bytes, 'application/octet-stream');
});

test('an edit keeps one attachment and removes the other, whose file stops being served', { timeout: 60000 }, async () => {
  const image = png(imageWidth, imageHeight);
  const bytes = binary(2048);
  const msg = await channel.send({ content: 'to edit', files: [{ attachment: image, name: 'keep.png' }, { attachment: bytes, name: 'drop.bin' }] });
  const keep = msg.attachments.find((a) => a.name === 'keep.png');
  const drop = msg.attachments.find((a) => a.name === 'drop.bin');
  await checkServed(drop.url, bytes, 'application/octet-stream');

  const edited = await msg.edit({ content: 'edited', attachments: [keep] });
  assert.equal(edited.content, 'edited');
  assert.deepEqual([...edited.attachments.keys()], [keep.id]);
  const read = await rest('GET', `/channels/${setup.channelId}/messages/${msg.id}`, setup.owner, undefined, 200);
  assert.deepEqual(read.attachments.map((a) => a.id), [keep.id]);
  await checkServed(edited.attachments.first().url, image, 'image/png');
  // The removed file's blob is deleted (after the edit, off the guild's
  // goroutine): its still-signed URL soon answers 404.
  await eventually(10000, `the removed attachment ${drop.url} is still served`, async () => (await cdn(drop.url)).status === 404);
});

test('reactions: add and remove through discord.js, the events arrive, another user\'s too', { timeout: 60000 }, async () => {
  const msg = await channel.send('react to me');
  reactionEvents.length = 0;
  await msg.react('🔥');
  await msg.react('👍');
  // The owner reacts over REST: the bot sees another user's reaction.
  await rest('PUT', `/channels/${setup.channelId}/messages/${msg.id}/reactions/${encodeURIComponent('🔥')}/@me`, setup.owner, undefined, 204);
  await msg.reactions.resolve('👍').users.remove(client.user.id);
  const want = [['add', setup.botId, '🔥'], ['add', setup.botId, '👍'], ['add', ownerId, '🔥'], ['remove', setup.botId, '👍']];
  await eventually(10000, `reaction events ${JSON.stringify(reactionEvents)}`, () => {
    const got = reactionEvents.filter((e) => e.messageId === msg.id);
    return want.every(([type, userId, emoji]) => got.some((e) => e.type === type && e.userId === userId && e.emoji === emoji));
  });

  const fetched = await channel.messages.fetch({ message: msg.id, force: true });
  const fire = fetched.reactions.resolve('🔥');
  assert.equal(fire?.count, 2, `🔥 count ${fire?.count}`);
  assert.equal(fire.me, true);
  assert.equal(fetched.reactions.resolve('👍'), null, 'the removed 👍 is still listed');
  const users = await fire.users.fetch();
  assert.deepEqual([...users.keys()].sort(), [setup.botId, ownerId].sort());

  // Something that is no emoji is Discord's 10014 Unknown Emoji.
  await assert.rejects(msg.react('notanemoji'), (err) => {
    assert.ok(err instanceof DiscordAPIError, `${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 10014);
    return true;
  });
});

test('a tampered, moved or expired URL is refused; refresh-urls gives a working one', { timeout: 180000 }, async () => {
  const image = png(imageWidth, imageHeight);
  const msg = await channel.send({ files: [{ attachment: image, name: 'signed.png' }, { attachment: binary(64), name: 'other.bin' }] });
  const att = msg.attachments.find((a) => a.name === 'signed.png');
  const other = msg.attachments.find((a) => a.name === 'other.bin');
  await checkServed(att.url, image, 'image/png');

  const u = new URL(att.url);
  const hm = u.searchParams.get('hm');
  // The control: the URL rebuilt with its own values is served, so a 404
  // below comes from the changed value.
  const same = new URL(u);
  same.searchParams.set('hm', hm);
  await checkServed(same.href, image, 'image/png');
  const tampered = new URL(u);
  tampered.searchParams.set('hm', hm.slice(0, -1) + (hm.endsWith('0') ? '1' : '0'));
  assert.equal((await cdn(tampered.href)).status, 404, 'a tampered hm was served');
  const unsigned = new URL(u);
  unsigned.search = '';
  assert.equal((await cdn(unsigned.href)).status, 404, 'an unsigned URL was served');
  // This file's signature on the other file's path.
  const moved = new URL(other.url);
  moved.search = u.search;
  assert.equal((await cdn(moved.href)).status, 404, 'a signature served another file');
  const later = new URL(u);
  later.searchParams.set('ex', (parseInt(u.searchParams.get('ex'), 16) + 3600).toString(16));
  assert.equal((await cdn(later.href)).status, 404, 'an ex pushed later (same hm) was served');

  // Wait the URL out: scripts/test-clients serves with a short
  // --blob-url-ttl so that a real expiry fits in a test.
  const ex = parseInt(u.searchParams.get('ex'), 16);
  const ttl = ex - parseInt(u.searchParams.get('is'), 16);
  assert.ok(ttl > 0 && ttl <= 120, `the URLs last ${ttl} s: serve with --blob-url-ttl of at most 2m (scripts/test-clients does)`);
  await new Promise((r) => setTimeout(r, Math.max(0, (ex + 1) * 1000 - Date.now())));
  assert.equal((await cdn(att.url)).status, 404, 'an expired URL was served');

  const { refreshed_urls: refreshed } = await client.rest.post('/attachments/refresh-urls', {
    body: { attachment_urls: [att.url, tampered.href] },
  });
  assert.equal(refreshed.length, 1, `refreshed ${JSON.stringify(refreshed)}: the tampered URL must be left out`);
  assert.equal(refreshed[0].original, att.url);
  const fresh = new URL(refreshed[0].refreshed);
  assert.equal(fresh.pathname, u.pathname);
  assert.ok(parseInt(fresh.searchParams.get('ex'), 16) > Date.now() / 1000, 'the refreshed URL is already expired');
  await checkServed(fresh.href, image, 'image/png');
});

test('an eleventh file is refused with Discord\'s error, and nothing is posted', { timeout: 60000 }, async () => {
  const [before] = await rest('GET', `/channels/${setup.channelId}/messages?limit=1`, setup.owner, undefined, 200);
  const files = Array.from({ length: 11 }, (_, i) => ({ attachment: binary(16), name: `f${i}.bin` }));
  await assert.rejects(channel.send({ content: 'eleven files', files }), (err) => {
    assert.ok(err instanceof DiscordAPIError, `${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 50035);
    assert.equal(err.rawError.errors?.files?._errors?.[0]?.code, 'BASE_TYPE_MAX_LENGTH', JSON.stringify(err.rawError));
    return true;
  });
  const [last] = await rest('GET', `/channels/${setup.channelId}/messages?limit=1`, setup.owner, undefined, 200);
  assert.equal(last.id, before.id, 'a message was posted for the refused upload');
  // Ten are fine.
  const ten = await channel.send({ files: files.slice(0, 10) });
  assert.equal(ten.attachments.size, 10);
});
