// People in the web client, with two (and a third) users in their own browser
// contexts against a real Accord server: presence dots and the status picker
// (dnd seen by the other person, idle after inactivity and back), unread
// markers and mention badges that clear on read and are kept by the server
// (READY read_state, MESSAGE_ACK to another session), a friend request sent
// by username and accepted, a DM exchanged live with its badge, a group DM,
// a blocked user's message hidden, desktop notifications, and what a user
// who shares no guild must not see or do.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openUser, openAs, setupGuild, waitConnected, waitFor, screenshot, rest } from './harness.mjs';

let server;
let browser;
let alice;
let bob;
let guildId;
let generalId;
let randomId;
let carol;
const ids = {};

function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}

function composer(page) {
  return page.getByRole('textbox', { name: /^Message / });
}

async function send(page, text) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

function messages(page) {
  return page.getByRole('list', { name: /^Messages in / });
}

// memberButton is a member list row's button, named "<name>, <status>".
function memberButton(page, name) {
  return page.getByRole('complementary', { name: 'Member list' }).getByRole('button', { name: new RegExp(`^${name}, `) });
}

// open signs name in with token in a new context at hash, recording the
// gateway frames the page sends (op 3, IDENTIFY).
async function open(name, token, hash) {
  const frames = { sent: [] };
  const u = await openAs(browser, server.base, token, hash, {
    setup: async (context) => {
      context.on('page', (p) => p.on('websocket', (ws) => ws.on('framesent', (f) => {
        if (typeof f.payload === 'string') frames.sent.push(JSON.parse(f.payload));
      })));
    },
  });
  u.page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) u.errors.push(m.text()); });
  return { name, token, frames, ...u };
}

// requestFriend sends a friend request to username from the friends page's
// "Add friend" tab and shows the Pending tab.
async function requestFriend(page, username) {
  await page.goto(`${server.base}/#/channels/@me`);
  await page.getByRole('tab', { name: 'Add friend' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Send friend request' }).click();
  await page.getByRole('status').filter({ hasText: `Your friend request to ${username} was sent` }).waitFor();
  await page.getByRole('tab', { name: 'Pending' }).click();
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // The accounts and the guild exist before the pages connect, so each
  // session's IDENTIFY makes its user online in the guild.
  const a = await setupGuild(server.base, 'alice', 'Commons');
  guildId = a.guild.id;
  generalId = a.channel.id;
  randomId = (await rest(server.base, a.token, 'POST', `/guilds/${guildId}/channels`, { name: 'random', type: 0 })).id;
  const { token: bobToken } = await rest(server.base, '', 'POST', '/auth/register', { username: 'bob', password: 'bob-password-123' });
  const invite = await rest(server.base, a.token, 'POST', `/channels/${generalId}/invites`, {});
  await rest(server.base, bobToken, 'POST', `/invites/${invite.code}`, {});
  alice = await open('alice', a.token, `#/channels/${guildId}/${generalId}`);
  bob = await open('bob', bobToken, `#/channels/${guildId}/${generalId}`);
  for (const u of [alice, bob]) {
    await waitConnected(u.page);
    ids[u.name] = await u.page.evaluate(() => window.__accord.state.me.id);
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('presence: the member list is grouped online/offline with dots; dnd from the status picker is seen by the other user; idle after inactivity and back', async () => {
  const members = alice.page.getByRole('complementary', { name: 'Member list' });
  await members.getByRole('heading', { name: 'Online — 2' }).waitFor({ timeout: 15000 });
  await memberButton(alice.page, 'bob').waitFor();
  await waitFor(async () => /^bob, Online$/.test(await memberButton(alice.page, 'bob').getAttribute('aria-label')), { timeout: 10000, message: 'bob online in alice\'s list' });

  // Alice picks Do Not Disturb: op 3 goes out and bob's list shows it.
  await alice.page.getByRole('button', { name: /^Set status/ }).click();
  await alice.page.getByRole('menuitemradio', { name: 'Do Not Disturb' }).click();
  const op3 = await waitFor(() => alice.frames.sent.find((f) => f.op === 3 && f.d.status === 'dnd'), { message: 'op 3 dnd' });
  assert.equal(op3.d.afk, false);
  await alice.page.getByRole('button', { name: 'Set status (now Do Not Disturb)' }).waitFor();
  await waitFor(async () => (await memberButton(bob.page, 'alice').getAttribute('aria-label')) === 'alice, Do Not Disturb', { timeout: 10000, message: 'alice dnd in bob\'s member list' });
  await memberButton(bob.page, 'alice').locator('[role=img][aria-label="Do Not Disturb"]').waitFor();

  // A new session of alice starts in dnd: IDENTIFY carries the status.
  await alice.page.reload();
  await waitConnected(alice.page);
  const identify = await waitFor(() => alice.frames.sent.filter((f) => f.op === 2).pop(), { message: 'identify' });
  assert.equal(identify.d.presence && identify.d.presence.status, 'dnd');
  await alice.page.getByRole('button', { name: /^Set status/ }).click();
  await alice.page.getByRole('menuitemradio', { name: 'Online' }).click();
  await waitFor(async () => (await memberButton(bob.page, 'alice').getAttribute('aria-label')) === 'alice, Online', { timeout: 10000, message: 'alice online again' });

  // Bob stops touching his page: after the (shortened) idle delay he shows
  // as idle, and the next key press brings him back.
  await bob.page.evaluate(() => localStorage.setItem('accord.idleAfterMs', '1500'));
  // Activity re-arms the timer with the new delay, but only activity more
  // than 1 s after the last one (status.js): bob's page may have just seen
  // some (a focus kept across a member list redraw when alice came back).
  await bob.page.waitForTimeout(1100);
  await bob.page.keyboard.press('Shift');
  await waitFor(async () => (await memberButton(alice.page, 'bob').getAttribute('aria-label')) === 'bob, Idle', { timeout: 15000, message: 'bob idle' });
  assert.ok(bob.frames.sent.some((f) => f.op === 3 && f.d.status === 'idle' && f.d.afk === true), 'idle op 3 with afk');
  await bob.page.evaluate(() => localStorage.setItem('accord.idleAfterMs', String(60 * 60 * 1000)));
  await bob.page.mouse.move(200, 200);
  await bob.page.mouse.move(220, 230);
  await waitFor(async () => (await memberButton(alice.page, 'bob').getAttribute('aria-label')) === 'bob, Online', { timeout: 10000, message: 'bob back online' });
  await screenshot(bob.page, 'people-presence.png');
  noPageErrors(alice, bob);
});

test('unread marker and mention badge on a channel and its server clear on read', async () => {
  await alice.page.goto(`${server.base}/#/channels/${guildId}/${generalId}`);
  await waitConnected(alice.page);
  const sidebar = alice.page.getByRole('navigation', { name: 'Channels' });
  const random = sidebar.getByRole('link', { name: /random/ });
  await random.waitFor();
  await rest(server.base, bob.token, 'POST', `/channels/${randomId}/messages`, { content: 'just chatting' });
  await waitFor(async () => (await random.getAttribute('aria-describedby')) === 'unread-desc', { message: 'random unread' });
  await rest(server.base, bob.token, 'POST', `/channels/${randomId}/messages`, { content: `hey <@${ids.alice}>` });
  await rest(server.base, bob.token, 'POST', `/channels/${randomId}/messages`, { content: `again <@${ids.alice}>` });
  await random.getByRole('img', { name: '2 mentions' }).waitFor({ timeout: 10000 });
  // The rail counts the server's mentions on the other channels.
  await alice.page.goto(`${server.base}/#/`);
  await alice.page.getByRole('link', { name: 'Commons, 2 mentions' }).waitFor({ timeout: 10000 });
  await alice.page.getByRole('link', { name: 'Commons, 2 mentions' }).click();
  await sidebar.getByRole('link', { name: /random/ }).click();
  await messages(alice.page).getByRole('listitem').filter({ hasText: 'again' }).waitFor();
  await waitFor(async () => (await sidebar.getByRole('link', { name: /random/ }).getAttribute('aria-current')) === 'page', { message: 'random open' });
  await alice.page.getByRole('link', { name: 'Commons', exact: true }).waitFor(); // no mention count left
  assert.equal(await sidebar.getByRole('img', { name: /mention/ }).count(), 0);
  noPageErrors(alice, bob);
});

test('read state is the server\'s: a channel read in one session is read in the others (MESSAGE_ACK) and after a reload (READY read_state)', async () => {
  await alice.page.goto(`${server.base}/#/channels/${guildId}/${generalId}`);
  await waitConnected(alice.page);
  const second = await openAs(browser, server.base, alice.token, `#/channels/${guildId}/${generalId}`);
  await waitConnected(second.page);
  await rest(server.base, bob.token, 'POST', `/channels/${randomId}/messages`, { content: `read me <@${ids.alice}>` });
  const badge = (page) => page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /random/ }).getByRole('img', { name: '1 mention' });
  await badge(alice.page).waitFor({ timeout: 10000 });
  await badge(second.page).waitFor({ timeout: 10000 });
  // The second session reads the channel: an ack goes to the server and
  // alice's first session hears MESSAGE_ACK.
  const acked = second.page.waitForRequest((r) => r.method() === 'POST' && /\/channels\/\d+\/messages\/\d+\/ack$/.test(r.url()));
  await second.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /random/ }).click();
  const req = await acked;
  assert.ok(req.url().includes(`/channels/${randomId}/messages/`));
  const res = await req.response();
  assert.equal(res.status(), 200, `ack answered ${res.status()}`);
  await badge(alice.page).waitFor({ state: 'detached', timeout: 10000 });
  await waitFor(async () => (await alice.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /random/ }).getAttribute('aria-describedby')) === null, { message: 'random read in the first session' });
  // After a reload READY's read_state says random is read.
  await alice.page.reload();
  await waitConnected(alice.page);
  const link = alice.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /random/ });
  await link.waitFor();
  assert.equal(await link.getAttribute('aria-describedby'), null, 'random unread after a reload');
  await second.context.close();
  noPageErrors(alice, bob);
  assert.deepEqual(second.errors, []);
});

test('friend request by username accepted, a DM exchanged live with its unread badge, a group DM made, renamed, a member removed and added', async () => {
  // Bob sends a request to alice by username from the friends page.
  await requestFriend(bob.page, 'alice');
  await bob.page.getByRole('button', { name: 'Cancel friend request to alice' }).waitFor();

  // Alice sees it live (RELATIONSHIP_ADD) and accepts.
  await alice.page.goto(`${server.base}/#/channels/@me`);
  await alice.page.getByRole('link', { name: /Friends/ }).getByLabel('1 pending').waitFor({ timeout: 10000 });
  await alice.page.getByRole('tab', { name: /Pending/ }).click();
  await alice.page.getByRole('button', { name: 'Accept friend request from bob' }).click();
  await alice.page.getByRole('tab', { name: 'All' }).click();
  await alice.page.getByRole('listitem', { name: 'bob' }).waitFor();
  await bob.page.getByRole('tab', { name: 'All' }).click();
  await bob.page.getByRole('listitem', { name: 'alice' }).waitFor({ timeout: 10000 });
  // Online friends: bob sees alice online with her dot.
  await bob.page.getByRole('tab', { name: 'Online' }).click();
  await bob.page.getByRole('listitem', { name: 'alice' }).getByRole('img', { name: 'Online' }).waitFor({ timeout: 10000 });

  // Alice messages bob from the friends list; the DM opens.
  await alice.page.getByRole('tab', { name: 'All' }).click();
  await alice.page.getByRole('button', { name: 'Message bob' }).click();
  await composer(alice.page).waitFor();
  assert.equal(await messages(alice.page).getAttribute('aria-label'), 'Messages in @bob');
  assert.equal(await composer(alice.page).getAttribute('aria-label'), 'Message @bob');
  const dmId = /#\/channels\/@me\/(\d+)/.exec(alice.page.url())[1];
  // Bob stays on the friends page: the DM appears with a badge.
  await send(alice.page, 'hi bob, this is a DM');
  const bobDM = bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: 'alice, 1 unread' });
  await bobDM.waitFor({ timeout: 10000 });
  await bob.page.getByRole('link', { name: 'Home, 1 unread direct message' }).waitFor();
  await bobDM.click();
  await messages(bob.page).getByRole('listitem').filter({ hasText: 'hi bob, this is a DM' }).waitFor();
  await bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: 'alice', exact: true }).waitFor();
  await bob.page.getByRole('link', { name: 'Home', exact: true }).waitFor();
  // Live both ways.
  await send(bob.page, 'hello alice, got it');
  await messages(alice.page).getByRole('listitem').filter({ hasText: 'hello alice, got it' }).waitFor({ timeout: 10000 });
  assert.match(bob.page.url(), new RegExp(`#/channels/@me/${dmId}$`));

  // The member list's profile popout opens the same DM.
  await alice.page.goto(`${server.base}/#/channels/${guildId}/${generalId}`);
  await memberButton(alice.page, 'bob').click();
  // The popout shows what GET /users/{id}/profile says they share.
  await alice.page.getByRole('dialog', { name: 'Profile of bob' }).getByText('Servers in common: Commons').waitFor({ timeout: 10000 });
  await alice.page.getByRole('dialog', { name: 'Profile of bob' }).getByRole('button', { name: 'Message' }).click();
  await waitFor(() => alice.page.url().endsWith(`#/channels/@me/${dmId}`), { message: 'the same DM' });

  // Dave becomes alice's friend too (over REST), and alice makes a group
  // DM of the three of them, renames it, removes dave and adds him back.
  const { token: daveToken } = await rest(server.base, '', 'POST', '/auth/register', { username: 'dave', password: 'dave-password-123' });
  const daveId = (await rest(server.base, daveToken, 'GET', '/users/@me')).id;
  await rest(server.base, daveToken, 'POST', '/users/@me/relationships', { username: 'alice' });
  await rest(server.base, alice.token, 'PUT', `/users/@me/relationships/${daveId}`, {});
  await waitFor(() => alice.page.evaluate((id) => window.__accord.state.relationships.get(id)?.type === 1, daveId), { timeout: 10000, message: 'dave a friend of alice' });
  await alice.page.getByRole('button', { name: 'Create group DM' }).click();
  const dlg = alice.page.getByRole('dialog', { name: 'Create a group DM' });
  await dlg.getByLabel(/bob/).check();
  await dlg.getByLabel(/dave/).check();
  await dlg.getByRole('button', { name: 'Create group DM' }).click();
  await alice.page.getByRole('button', { name: 'Rename group' }).click();
  await alice.page.getByLabel('Group name').fill('Plotters');
  await alice.page.getByRole('button', { name: 'Save' }).click();
  await alice.page.getByRole('heading', { name: 'Plotters' }).waitFor();
  await send(alice.page, 'welcome to the group');
  const bobGroup = bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /^Plotters/ });
  await bobGroup.waitFor({ timeout: 10000 });
  await screenshot(bob.page, 'people-dm.png');
  const group = alice.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /^Plotters/ });
  await group.filter({ hasText: '3 members' }).waitFor();
  await alice.page.getByRole('button', { name: 'Members', exact: true }).click();
  const list = alice.page.getByRole('dialog', { name: 'Members of Plotters' });
  await list.getByRole('button', { name: 'Remove dave from the group' }).click();
  await group.filter({ hasText: '2 members' }).waitFor({ timeout: 10000 });
  await bobGroup.filter({ hasText: '2 members' }).waitFor({ timeout: 10000 }); // CHANNEL_RECIPIENT_REMOVE
  await list.getByRole('button', { name: 'Close' }).click();
  await alice.page.getByRole('button', { name: 'Add people' }).click();
  const add = alice.page.getByRole('dialog', { name: 'Add people to Plotters' });
  await add.getByLabel(/dave/).check();
  await add.getByRole('button', { name: 'Add to group' }).click();
  await group.filter({ hasText: '3 members' }).waitFor({ timeout: 10000 });
  await bobGroup.filter({ hasText: '3 members' }).waitFor({ timeout: 10000 }); // CHANNEL_RECIPIENT_ADD
  noPageErrors(alice, bob);
});

test('pins in a DM: either person pins (no permission applies), the other sees it in the Pins panel live; unpinning clears it', async () => {
  const dm = await rest(server.base, alice.token, 'POST', '/users/@me/channels', { recipient_id: ids.bob });
  for (const u of [alice, bob]) {
    await u.page.evaluate((h) => { location.hash = h; }, `#/channels/@me/${dm.id}`);
    await composer(u.page).waitFor();
  }
  await send(alice.page, 'remember this one');
  const bobRow = messages(bob.page).getByRole('listitem').filter({ hasText: 'remember this one' });
  await bobRow.waitFor({ timeout: 10000 });
  await alice.page.getByRole('button', { name: 'Pins' }).click();
  const panel = alice.page.getByRole('region', { name: 'Pinned messages' });
  await panel.getByText('This channel has no pinned messages yet.').waitFor();

  await bobRow.hover();
  await bobRow.getByRole('button', { name: 'Pin message', exact: true }).click();
  await panel.getByText('remember this one').waitFor({ timeout: 10000 }); // CHANNEL_PINS_UPDATE
  await messages(alice.page).getByRole('listitem').filter({ hasText: 'remember this one' }).getByText('pinned', { exact: true }).waitFor();
  await panel.getByRole('button', { name: 'Unpin message' }).click();
  await panel.getByText('This channel has no pinned messages yet.').waitFor();
  noPageErrors(alice, bob);
});

test('a group DM icon: set from the rename dialog, shown in both members\' DM lists and served by the CDN; removed again', async () => {
  const chans = await rest(server.base, alice.token, 'GET', '/users/@me/channels');
  const g = chans.find((c) => c.type === 3 && c.name === 'Plotters');
  await alice.page.evaluate((h) => { location.hash = h; }, `#/channels/@me/${g.id}`);
  await composer(alice.page).waitFor();
  await alice.page.getByRole('button', { name: 'Rename group' }).click();
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await alice.page.getByLabel('Group icon').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: png });
  await alice.page.getByRole('button', { name: 'Save' }).click();
  const icon = (page) => page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /^Plotters/ }).locator('img.avatar');
  await icon(alice.page).waitFor({ timeout: 10000 });
  await icon(bob.page).waitFor({ timeout: 10000 }); // CHANNEL_UPDATE
  const src = await icon(bob.page).getAttribute('src');
  assert.match(src, new RegExp(`^/channel-icons/${g.id}/[0-9a-f]{32}\\.png`));
  const res = await fetch(`${server.base}${src}`);
  assert.equal(res.status, 200);
  assert.equal(await bob.page.evaluate(() => document.querySelector('nav img.avatar').naturalWidth > 0), true, 'the icon loads in the page');

  await alice.page.getByRole('button', { name: 'Rename group' }).click();
  await alice.page.getByLabel('Remove the icon').check();
  await alice.page.getByRole('button', { name: 'Save' }).click();
  await icon(bob.page).waitFor({ state: 'detached', timeout: 10000 });
  noPageErrors(alice, bob);
});

// withNotifications opens bob in another context whose Notification is a
// recorder with a prompt the "user" accepts; it notes whether the prompt
// came from a user gesture (browsers refuse prompts without one).
async function withNotifications(hash) {
  const u = await openAs(browser, server.base, bob.token, hash, {
    setup: async (context) => {
      await context.addInitScript(() => {
        window.__notes = [];
        window.__prompts = [];
        let permission = 'default';
        window.Notification = class {
          static get permission() { return permission; }
          static async requestPermission() {
            window.__prompts.push(navigator.userActivation.isActive);
            permission = 'granted';
            return permission;
          }
          constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body }); }
          close() {}
        };
      });
    },
  });
  await waitConnected(u.page);
  await u.page.getByRole('button', { name: /^Set status/ }).click();
  await u.page.getByRole('menuitem', { name: 'Enable desktop notifications' }).click();
  assert.deepEqual(await u.page.evaluate(() => window.__prompts), [true], 'one prompt, from the click');
  return u;
}

function notes(page) {
  return waitFor(async () => {
    const n = await page.evaluate(() => window.__notes);
    return n.length ? n : null;
  }, { timeout: 10000, message: 'a notification' });
}

test('desktop notification for a mention in a channel that is not open, after the permission prompt', async () => {
  const u = await withNotifications(`#/channels/${guildId}/${generalId}`);
  await rest(server.base, alice.token, 'POST', `/channels/${randomId}/messages`, { content: 'no ping here' });
  await rest(server.base, alice.token, 'POST', `/channels/${randomId}/messages`, { content: `look <@${ids.bob}>` });
  assert.deepEqual(await notes(u.page), [{ title: 'alice (#random)', body: `look <@${ids.bob}>` }]);
  await u.context.close();
  assert.deepEqual(u.errors, []);
});

test('desktop notification for a DM', async () => {
  const u = await withNotifications('#/');
  const dm = await rest(server.base, alice.token, 'POST', '/users/@me/channels', { recipient_id: ids.bob });
  await rest(server.base, alice.token, 'POST', `/channels/${dm.id}/messages`, { content: 'ping for your desktop' });
  assert.deepEqual(await notes(u.page), [{ title: 'alice', body: 'ping for your desktop' }]);
  await u.context.close();
  assert.deepEqual(u.errors, []);
});

test('must not see: a user who shares no guild gets no presence of the others', async () => {
  carol = await openUser(browser, server.base, 'carol');
  await waitConnected(carol.page);
  await alice.page.goto(`${server.base}/#/channels/${guildId}/${generalId}`);
  await waitConnected(alice.page);
  // Bob changes his status twice while carol is connected.
  await bob.page.getByRole('button', { name: /^Set status/ }).click();
  await bob.page.getByRole('menuitemradio', { name: 'Idle' }).click();
  await waitFor(async () => (await memberButton(alice.page, 'bob').getAttribute('aria-label')) === 'bob, Idle', { timeout: 10000, message: 'alice sees bob idle' });
  await bob.page.getByRole('button', { name: /^Set status/ }).click();
  await bob.page.getByRole('menuitemradio', { name: 'Online' }).click();
  await waitFor(async () => (await memberButton(alice.page, 'bob').getAttribute('aria-label')) === 'bob, Online', { timeout: 10000, message: 'alice sees bob online' });
  const seen = await carol.page.evaluate(() => [...window.__accord.state.presences.keys()]);
  assert.ok(!seen.includes(ids.bob) && !seen.includes(ids.alice), `carol holds presences of ${seen}`);
  noPageErrors(carol);
});

test('must not do: a user who shares no guild and is no friend cannot open a DM; the UI shows 50007', async () => {
  await requestFriend(carol.page, 'bob');
  const row = carol.page.getByRole('listitem', { name: 'bob' });
  await row.waitFor();
  // Bob is online, but carol shares no guild with him and is not his friend.
  assert.equal(await row.getByRole('img').first().getAttribute('aria-label'), 'Offline');
  const seen = await carol.page.evaluate(() => [...window.__accord.state.presences.keys()]);
  assert.ok(!seen.includes(ids.bob), `carol holds presences of ${seen}`);
  await row.getByRole('button', { name: 'Profile of bob' }).click();
  const profile = carol.page.getByRole('dialog', { name: 'Profile of bob' });
  await profile.getByRole('button', { name: 'Message' }).click();
  await profile.getByRole('alert').filter({ hasText: /Cannot send messages to this user/ }).waitFor({ timeout: 10000 });
  assert.ok(!/#\/channels\/@me\/\d+/.test(carol.page.url()), 'a DM opened');
  noPageErrors(carol);
  await carol.context.close();
});

test('a blocked user\'s messages are hidden behind "1 blocked message"', async () => {
  await alice.page.goto(`${server.base}/#/channels/${guildId}/${generalId}`);
  await waitConnected(alice.page);
  await memberButton(alice.page, 'bob').click();
  await alice.page.getByRole('dialog', { name: 'Profile of bob' }).getByRole('button', { name: 'Block bob' }).click();
  await waitFor(() => alice.page.evaluate((id) => window.__accord.state.relationships.get(id)?.type === 2, ids.bob), { timeout: 10000, message: 'RELATIONSHIP_ADD type 2' });
  await alice.page.keyboard.press('Escape');
  await rest(server.base, bob.token, 'POST', `/channels/${generalId}/messages`, { content: 'you should not read this' });
  const toggle = messages(alice.page).getByRole('button', { name: /1 blocked message/ });
  await toggle.waitFor({ timeout: 10000 });
  assert.equal(await messages(alice.page).getByText('you should not read this').count(), 0);
  await toggle.click();
  await messages(alice.page).getByText('you should not read this').waitFor();
  // Bob's DM to alice is refused now (50007), and his page says so.
  await bob.page.goto(`${server.base}/#/channels/@me`);
  await bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /^alice/ }).click();
  await send(bob.page, 'let me in');
  // The composer says why and gives back what was typed.
  await bob.page.getByRole('alert').filter({ hasText: /Cannot send messages to this user/ }).waitFor({ timeout: 10000 });
  assert.equal(await composer(bob.page).inputValue(), 'let me in');
  const res = await fetch(`${server.base}/api/v10/users/@me/channels`, {
    method: 'POST', headers: { Authorization: bob.token, 'Content-Type': 'application/json' }, body: JSON.stringify({ recipient_id: ids.alice }),
  });
  const body = await res.json();
  // Discord still returns the existing DM; sending in it is what fails.
  if (!res.ok) assert.equal(body.code, 50007);
  noPageErrors(alice);
});
