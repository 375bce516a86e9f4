// Running a community from the web client, an owner and a plain member in two
// browser contexts against a real Accord server: categories that collapse
// (remembered), a category and channel created and set to slowmode (the
// member sees a countdown, not a failed send), a role's permissions edited,
// a channel overwrite that hides a channel from the member live, a timeout
// with a reason (the member's composer is disabled), a ban from the member
// context menu (the member's client leaves the guild), and the audit log
// listing those actions with their reasons. The member sees none of the
// moderation controls, and the server refuses what the UI does not offer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openUser, waitConnected, waitFor, screenshot, rest, noPageErrors, composerBox, openHash } from './harness.mjs';

let server;
let browser;
let owner;
let member;
let guildId;
let generalId;
let memberId;
let ownerId;

const composer = composerBox;

async function openChannel(user, cid) {
  await openHash(user, `#/channels/${guildId}/${cid}`);
  await composer(user.page).waitFor();
}

function sidebar(page) {
  return page.getByRole('navigation', { name: 'Channels' });
}

// memberRow is the member list's row of name.
function memberRow(page, name) {
  return page.getByRole('complementary', { name: 'Member list' }).locator('li.member', { hasText: name });
}

// call makes one REST call without the harness's retries and returns {status, body}.
async function call(token, method, path, body, headers = {}) {
  const res = await fetch(`${server.base}/api/v10${path}`, {
    method, headers: { Authorization: token, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  owner = await openUser(browser, server.base, 'olivia');
  member = await openUser(browser, server.base, 'mallory');
  const guild = await rest(server.base, owner.token, 'POST', '/guilds', { name: 'Mod Squad' });
  guildId = guild.id;
  ownerId = guild.owner_id;
  generalId = (await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.type === 0).id;
  const { code } = await rest(server.base, owner.token, 'POST', `/channels/${generalId}/invites`, {});
  await rest(server.base, member.token, 'POST', `/invites/${code}`, {});
  memberId = (await rest(server.base, member.token, 'GET', '/users/@me')).id;
  for (const u of [owner, member]) await openChannel(u, generalId);
  await Promise.all([waitConnected(owner.page), waitConnected(member.page)]);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a plain member sees no moderation controls and the server refuses forced requests', async () => {
  const m = member.page;
  await memberRow(m, 'olivia').waitFor();
  await memberRow(m, 'mallory').waitFor();
  await memberRow(m, 'olivia').hover();
  assert.equal(await m.getByRole('button', { name: /^More options for/ }).count(), 0, 'member menu offered to a plain member');
  await memberRow(m, 'olivia').click({ button: 'right' });
  assert.equal(await m.getByRole('menu').count(), 0, 'right-click opened a menu');
  for (const name of ['Roles', 'Audit log', 'Add channel']) {
    assert.equal(await m.getByRole('button', { name, exact: true }).count(), 0, `${name} offered to a plain member`);
  }
  assert.equal(await sidebar(m).getByRole('button', { name: /^Edit channel/ }).count(), 0, 'channel settings offered to a plain member');
  // The owner sees them all.
  const o = owner.page;
  await o.getByRole('button', { name: 'Roles', exact: true }).waitFor();
  await o.getByRole('button', { name: 'Audit log', exact: true }).waitFor();
  await memberRow(o, 'mallory').hover();
  await o.getByRole('button', { name: 'More options for mallory' }).waitFor();

  // Forced requests: ban, kick and time out the owner; hide a channel; edit a role.
  const ban = await call(member.token, 'PUT', `/guilds/${guildId}/bans/${ownerId}`, { delete_message_seconds: 0 });
  assert.equal(ban.status, 403);
  assert.equal(ban.body.code, 50013);
  const kick = await call(member.token, 'DELETE', `/guilds/${guildId}/members/${ownerId}`);
  assert.equal(kick.status, 403);
  const to = await call(member.token, 'PATCH', `/guilds/${guildId}/members/${ownerId}`, { communication_disabled_until: new Date(Date.now() + 60000).toISOString() });
  assert.equal(to.status, 403);
  const ow = await call(member.token, 'PUT', `/channels/${generalId}/permissions/${guildId}`, { type: 0, allow: '0', deny: '1024' });
  assert.equal(ow.status, 403);
  const role = await call(member.token, 'POST', `/guilds/${guildId}/roles`, { name: 'mine' });
  assert.equal(role.status, 403);
  const audit = await call(member.token, 'GET', `/guilds/${guildId}/audit-logs`);
  assert.equal(audit.status, 403);
  noPageErrors(owner, member);
});

test('owner creates a category and a slowmode channel; the member sees the countdown and categories collapse', async () => {
  const o = owner.page;
  await o.getByRole('button', { name: 'Add channel' }).click();
  await o.getByLabel('Channel type').selectOption({ label: 'Category' });
  await o.getByLabel('Channel name').fill('Staff Zone');
  await o.getByRole('button', { name: 'Create channel' }).click();
  await sidebar(o).getByRole('button', { name: 'Staff Zone', exact: true }).waitFor();

  await o.getByRole('button', { name: 'New channel in Staff Zone' }).click();
  await o.getByLabel('Channel name').fill('slow lane');
  await o.getByRole('button', { name: 'Create channel' }).click();
  await composer(o).and(o.getByRole('textbox', { name: 'Message #slow-lane' })).waitFor();
  const channels = await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/channels`);
  const cat = channels.find((c) => c.name === 'Staff Zone');
  const slow = channels.find((c) => c.name === 'slow-lane');
  assert.equal(cat.type, 4);
  assert.equal(slow.parent_id, cat.id, 'the channel is in the category');

  await sidebar(o).getByRole('button', { name: 'Edit channel slow-lane' }).click();
  await o.getByLabel('Channel topic').fill('one message at a time');
  await o.getByLabel('Slowmode').selectOption({ label: '10s' });
  await o.getByRole('button', { name: 'Save changes' }).click();
  await o.getByRole('dialog').waitFor({ state: 'detached' });
  await waitFor(async () => (await rest(server.base, owner.token, 'GET', `/channels/${slow.id}`)).rate_limit_per_user === 10, { message: 'slowmode saved' });

  // The member sees the category with its channel, live.
  const m = member.page;
  const toggle = sidebar(m).getByRole('button', { name: 'Staff Zone', exact: true });
  await toggle.waitFor();
  await sidebar(m).getByRole('link', { name: 'slow-lane' }).waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await sidebar(m).getByRole('link', { name: 'slow-lane' }).waitFor({ state: 'detached' });
  // Remembered across a reload.
  await m.reload();
  await composer(m).waitFor();
  await sidebar(m).getByRole('button', { name: 'Staff Zone', exact: true, expanded: false }).waitFor();
  assert.equal(await sidebar(m).getByRole('link', { name: 'slow-lane' }).count(), 0, 'a collapsed category shows its channels after a reload');
  await sidebar(m).getByRole('button', { name: 'Staff Zone', exact: true }).click();
  await sidebar(m).getByRole('link', { name: 'slow-lane' }).click();
  await m.getByRole('textbox', { name: 'Message #slow-lane' }).waitFor();
  await waitConnected(m);
  await m.getByRole('status').filter({ hasText: 'Slowmode is enabled' }).waitFor();

  // First message goes; the second waits for the countdown instead of failing.
  await composer(m).fill('first in the slow lane');
  await composer(m).press('Enter');
  await m.getByRole('status').filter({ hasText: /^Slowmode: \d+s$/ }).waitFor();
  await composer(m).fill('second too soon');
  await composer(m).press('Enter');
  assert.equal(await composer(m).inputValue(), 'second too soon', 'the typed text stays while slowmode runs');
  assert.equal(await m.locator('.composer-error').innerText(), '', 'no error line for slowmode');
  const status = await m.locator('.composer-status').innerText();
  const left = Number(/(\d+)s/.exec(status)[1]);
  assert.ok(left >= 1 && left <= 10, `countdown ${status}`);
  await screenshot(m, 'moderation-slowmode.png');
  const msgs = await rest(server.base, owner.token, 'GET', `/channels/${slow.id}/messages`);
  assert.deepEqual(msgs.map((x) => x.content), ['first in the slow lane'], 'only the first message was sent');
  // After the countdown the message goes.
  await m.getByRole('status').filter({ hasText: 'Slowmode is enabled' }).waitFor({ timeout: 15000 });
  await composer(m).press('Enter');
  await waitFor(async () => (await rest(server.base, owner.token, 'GET', `/channels/${slow.id}/messages`)).length === 2, { timeout: 5000, message: 'the second message' });
  // A reload forgets the countdown; the server's refusal (429, code 20016)
  // brings it back instead of an error.
  await m.reload();
  await composer(m).waitFor();
  await waitConnected(m);
  await composer(m).fill('third after a reload');
  await composer(m).press('Enter');
  await m.getByRole('status').filter({ hasText: /^Slowmode: \d+s$/ }).waitFor();
  assert.equal(await composer(m).inputValue(), 'third after a reload');
  assert.equal(await m.locator('.composer-error').innerText(), '');
  assert.equal((await rest(server.base, owner.token, 'GET', `/channels/${slow.id}/messages`)).length, 2);

  // Reorder: a second channel in the category, moved up with the settings'
  // button; the member's sidebar follows.
  await o.getByRole('button', { name: 'Add channel' }).click();
  await o.getByLabel('Channel name').fill('second-room');
  await o.getByLabel('Category', { exact: true }).selectOption({ label: 'Staff Zone' });
  await o.getByRole('button', { name: 'Create channel' }).click();
  await o.getByRole('textbox', { name: 'Message #second-room' }).waitFor();
  const order = async (page) => sidebar(page).getByRole('list', { name: 'Staff Zone', exact: true }).locator('.channel-name').allInnerTexts();
  await waitFor(async () => JSON.stringify(await order(o)) === JSON.stringify(['slow-lane', 'second-room']), { message: 'the new channel last' });
  await sidebar(o).getByRole('button', { name: 'Edit channel second-room' }).click();
  await o.getByRole('button', { name: 'Move up' }).click();
  await waitFor(async () => JSON.stringify(await order(o)) === JSON.stringify(['second-room', 'slow-lane']), { message: 'moved up for the owner' });
  await o.keyboard.press('Escape');
  await waitFor(async () => JSON.stringify(await order(m)) === JSON.stringify(['second-room', 'slow-lane']), { message: 'moved up for the member' });
  // Drag and drop: slow-lane dropped on second-room goes before it.
  await sidebar(o).getByRole('link', { name: 'slow-lane' }).dragTo(sidebar(o).getByRole('link', { name: 'second-room' }));
  await waitFor(async () => JSON.stringify(await order(m)) === JSON.stringify(['slow-lane', 'second-room']), { message: 'dragged back for the member' });
  // Delete, with a confirmation; gone for the member too.
  await sidebar(o).getByRole('button', { name: 'Edit channel second-room' }).click();
  await o.getByRole('button', { name: 'Delete channel' }).click();
  await o.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Confirm delete' }).click();
  await sidebar(m).getByRole('link', { name: 'second-room' }).waitFor({ state: 'detached', timeout: 5000 });
  await openChannel(owner, generalId);
  noPageErrors(owner, member);
});

test('owner edits a role and hides a channel with an overwrite; it disappears for the member live', async () => {
  const o = owner.page;
  const m = member.page;
  await o.getByRole('button', { name: 'Roles', exact: true }).click();
  await o.getByRole('button', { name: 'Create role' }).click();
  await o.getByLabel('Role name').fill('Helpers');
  await o.getByRole('switch', { name: 'Kick Members' }).check();
  await o.getByRole('switch', { name: 'View Audit Log' }).check();
  await o.getByRole('button', { name: 'Save role' }).click();
  await o.getByRole('list', { name: 'Roles' }).getByRole('button', { name: 'Helpers' }).waitFor();
  const roles = await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/roles`);
  const helpers = roles.find((r) => r.name === 'Helpers');
  assert.ok(helpers, 'role created');
  assert.equal(BigInt(helpers.permissions) & ((1n << 1n) | (1n << 7n)), (1n << 1n) | (1n << 7n), 'kick and audit log granted');
  // @everyone's name cannot be edited; its permissions can.
  await o.getByRole('list', { name: 'Roles' }).getByRole('button', { name: '@everyone' }).click();
  assert.equal(await o.getByLabel('Role name').isDisabled(), true);
  assert.equal(await o.getByRole('button', { name: 'Delete role' }).isDisabled(), true);
  await o.keyboard.press('Escape');

  // A channel the member can see, then an overwrite on @everyone hiding it.
  const secret = await rest(server.base, owner.token, 'POST', `/guilds/${guildId}/channels`, { name: 'secret-plans', type: 0 });
  const link = sidebar(m).getByRole('link', { name: 'secret-plans' });
  await link.waitFor();
  await link.click();
  await m.getByRole('textbox', { name: 'Message #secret-plans' }).waitFor();
  await sidebar(o).getByRole('link', { name: 'secret-plans' }).hover();
  await sidebar(o).getByRole('button', { name: 'Edit channel secret-plans' }).click();
  await o.getByRole('button', { name: 'Permissions' }).click();
  await o.getByLabel('Add a role or member').selectOption({ label: '@everyone' });
  await o.getByRole('group', { name: 'View Channels' }).getByRole('radio', { name: 'Deny' }).check();
  await o.getByRole('button', { name: 'Save permissions' }).click();
  await o.getByRole('button', { name: 'Remove overwrite' }).waitFor();
  await o.keyboard.press('Escape');
  const ch = await rest(server.base, owner.token, 'GET', `/channels/${secret.id}`);
  const ow = ch.permission_overwrites.find((x) => x.id === guildId);
  assert.equal(ow.deny, String(1 << 10));
  await link.waitFor({ state: 'detached', timeout: 5000 });
  await waitFor(async () => !(await m.evaluate(() => location.hash)).includes(secret.id), { message: 'the member leaves the hidden channel' });
  // The owner still sees it.
  await sidebar(o).getByRole('link', { name: 'secret-plans' }).waitFor();
  noPageErrors(owner, member);
});

test('owner times out the member with a reason; the member composer shows it', async () => {
  const o = owner.page;
  const m = member.page;
  await openChannel(member, generalId);
  await memberRow(o, 'mallory').click({ button: 'right' });
  await o.getByRole('menu', { name: 'Options for mallory' }).waitFor();
  await o.getByRole('menuitem', { name: 'Time out mallory' }).click();
  await o.getByLabel('Duration').selectOption({ label: '10 minutes' });
  await o.getByLabel('Reason').fill('cool off please');
  await o.getByRole('button', { name: 'Time out', exact: true }).click();
  await o.getByRole('dialog').waitFor({ state: 'detached' });
  await m.getByRole('status').filter({ hasText: /^You are timed out until / }).waitFor({ timeout: 5000 });
  assert.equal(await composer(m).isDisabled(), true, 'the composer is disabled');
  const me = await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/members/${memberId}`);
  const left = Date.parse(me.communication_disabled_until) - Date.now();
  assert.ok(left > 8 * 60000 && left <= 10 * 60000, `timeout of ${left} ms`);
  // The server refuses a forced send too.
  const send = await call(member.token, 'POST', `/channels/${generalId}/messages`, { content: 'let me talk' });
  assert.equal(send.status, 403);
  await screenshot(m, 'moderation-timeout.png');
  // Lifting it gives the composer back, live.
  await memberRow(o, 'mallory').click({ button: 'right' });
  await o.getByRole('menuitem', { name: 'Remove timeout from mallory' }).click();
  await waitFor(async () => !(await composer(m).isDisabled()), { timeout: 5000, message: 'the composer enabled again' });
  assert.equal(await m.getByRole('status').filter({ hasText: 'You are timed out' }).count(), 0);
  noPageErrors(owner, member);
});

test('owner bans the member from the context menu; the member client leaves the guild', async () => {
  const o = owner.page;
  const m = member.page;
  await memberRow(o, 'mallory').hover();
  await o.getByRole('button', { name: 'More options for mallory' }).click();
  await o.getByRole('menuitem', { name: 'Ban mallory' }).click();
  await o.getByLabel('Delete message history').selectOption({ label: 'Previous hour' });
  await o.getByLabel('Reason').fill('spamming the slow lane');
  await o.getByRole('button', { name: 'Ban', exact: true }).click();
  await o.getByRole('dialog').waitFor({ state: 'detached' });
  await m.getByRole('navigation', { name: 'Servers' }).getByRole('link', { name: 'Mod Squad' }).waitFor({ state: 'detached', timeout: 5000 });
  await waitFor(async () => (await m.evaluate(() => location.hash)) === '#/', { message: 'the member back home' });
  const ban = await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/bans/${memberId}`);
  assert.equal(ban.reason, 'spamming the slow lane');
  await memberRow(o, 'mallory').waitFor({ state: 'detached', timeout: 5000 });
  noPageErrors(owner, member);
});

test('the audit log lists the actions with their reasons, filters and pages', async () => {
  const o = owner.page;
  await o.getByRole('button', { name: 'Audit log', exact: true }).click();
  const entries = o.getByRole('list', { name: 'Audit log entries' });
  // Entries, not the lists of changes inside them.
  const count = () => entries.locator(':scope > li').count();
  await entries.getByRole('listitem').filter({ hasText: 'olivia banned mallory' }).filter({ hasText: 'Reason: spamming the slow lane' }).waitFor();
  await entries.getByRole('listitem').filter({ hasText: 'olivia timed out mallory until' }).filter({ hasText: 'Reason: cool off please' }).waitFor();
  await entries.getByRole('listitem').filter({ hasText: 'olivia created the channel #slow-lane' }).first().waitFor();
  await entries.getByRole('listitem').filter({ hasText: 'olivia created the role' }).first().waitFor();
  await screenshot(o, 'moderation-auditlog.png');

  await o.getByLabel('Filter by action').selectOption({ label: 'Ban member' });
  await waitFor(async () => {
    const texts = await entries.locator(':scope > li').allInnerTexts();
    return texts.length === 1 && texts[0].includes('olivia banned mallory');
  }, { message: 'only the ban' });
  await o.getByLabel('Filter by action').selectOption({ label: 'All actions' });
  await o.getByLabel('Filter by user').selectOption({ label: 'olivia' });
  await entries.getByRole('listitem').filter({ hasText: 'olivia banned mallory' }).waitFor();

  // Paging: more than one page of entries (channel updates), then "Load more".
  const page1 = await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/audit-logs?limit=100`);
  for (let i = page1.audit_log_entries.length; i < 60; i++) {
    await rest(server.base, owner.token, 'PATCH', `/channels/${generalId}`, { topic: `topic ${i}` });
  }
  await o.getByLabel('Filter by user').selectOption({ label: 'All users' });
  await waitFor(async () => (await count()) === 50, { message: 'a first page of 50' });
  await o.getByRole('button', { name: 'Load more' }).click();
  await waitFor(async () => (await count()) >= 60, { message: 'the next page' });
  assert.equal(await o.getByRole('button', { name: 'Load more' }).isHidden(), true, 'no more pages');
  noPageErrors(owner, member);
});

test('a moderator edits only roles below their own and cannot act on the owner', async () => {
  const harry = await openUser(browser, server.base, 'harry');
  try {
    const harryId = (await rest(server.base, harry.token, 'GET', '/users/@me')).id;
    const { code } = await rest(server.base, owner.token, 'POST', `/channels/${generalId}/invites`, {});
    await rest(server.base, harry.token, 'POST', `/invites/${code}`, {});
    const perms = String((1n << 28n) | (1n << 1n) | (1n << 7n)); // MANAGE_ROLES, KICK_MEMBERS, VIEW_AUDIT_LOG
    const mods = await rest(server.base, owner.token, 'POST', `/guilds/${guildId}/roles`, { name: 'Mods', permissions: perms });
    const senior = await rest(server.base, owner.token, 'POST', `/guilds/${guildId}/roles`, { name: 'Senior' });
    const helpers = (await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/roles`)).find((r) => r.name === 'Helpers');
    await rest(server.base, owner.token, 'PATCH', `/guilds/${guildId}/roles`, [
      { id: helpers.id, position: 1 }, { id: mods.id, position: 2 }, { id: senior.id, position: 3 }]);
    await rest(server.base, owner.token, 'PUT', `/guilds/${guildId}/members/${harryId}/roles/${mods.id}`);
    const h = harry.page;
    await openHash(harry, `#/channels/${guildId}/${generalId}`);
    await composer(h).waitFor();
    await waitConnected(h);
    await h.getByRole('button', { name: 'Roles', exact: true }).click();
    const roles = h.getByRole('list', { name: 'Roles' });
    // Highest first: Senior, Mods, Helpers, @everyone.
    await waitFor(async () => JSON.stringify(await roles.getByRole('button').allInnerTexts()) === JSON.stringify(['Senior', 'Mods', 'Helpers', '@everyone']), { message: 'roles in order' });
    for (const [name, editable] of [['Senior', false], ['Mods', false], ['Helpers', true]]) {
      await roles.getByRole('button', { name, exact: true }).click();
      await h.getByRole('form', { name: `Edit role ${name}` }).waitFor();
      assert.equal(await h.getByRole('button', { name: 'Save role' }).isDisabled(), !editable, `${name} editable: ${editable}`);
      assert.equal(await h.getByLabel('Role name').isDisabled(), !editable);
    }
    // Permissions harry lacks cannot be granted, even on a role below.
    assert.equal(await h.getByRole('switch', { name: 'Ban Members' }).isDisabled(), true);
    assert.equal(await h.getByRole('switch', { name: 'Kick Members' }).isDisabled(), false);
    await h.getByLabel('Role name').fill('Helpers+');
    await h.getByRole('button', { name: 'Save role' }).click();
    await roles.getByRole('button', { name: 'Helpers+', exact: true }).waitFor();
    // The server refuses an edit of a role above harry's.
    const res = await call(harry.token, 'PATCH', `/guilds/${guildId}/roles/${senior.id}`, { name: 'mine now' });
    assert.equal(res.status, 403);
    await h.keyboard.press('Escape');
    // Kick is offered on nobody above or equal: not the owner. Roles
    // below harry's own may be given to anyone (the server checks the
    // role, not the member), so the owner's menu has those only.
    await memberRow(h, 'olivia').hover();
    await h.getByRole('button', { name: 'More options for olivia' }).click();
    const ownerMenu = h.getByRole('menu', { name: 'Options for olivia' });
    await ownerMenu.getByRole('menuitem', { name: 'Roles of olivia' }).waitFor();
    assert.equal(await ownerMenu.getByRole('menuitem', { name: /Kick|Ban|Time out/ }).count(), 0);
    await h.keyboard.press('Escape');

    // Harry gives himself Helpers+ from his own row's menu: the dialog
    // offers only the roles below his highest (not Senior, not Mods).
    await memberRow(h, 'harry').click({ button: 'right' });
    await h.getByRole('menuitem', { name: 'Roles of harry' }).click();
    const dlg = h.getByRole('dialog', { name: 'Roles of harry' });
    assert.deepEqual(await dlg.getByRole('checkbox').evaluateAll((bs) => bs.map((b) => b.labels[0].textContent)), ['Helpers+']);
    await dlg.getByRole('checkbox', { name: 'Helpers+' }).check();
    await dlg.getByRole('button', { name: 'Save roles' }).click();
    await dlg.waitFor({ state: 'detached' });
    await waitFor(async () => (await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/members/${harryId}`)).roles.includes(helpers.id),
      { message: 'harry has Helpers+' });
    // Taking it away again.
    await memberRow(h, 'harry').click({ button: 'right' });
    await h.getByRole('menuitem', { name: 'Roles of harry' }).click();
    await dlg.getByRole('checkbox', { name: 'Helpers+' }).uncheck();
    await dlg.getByRole('button', { name: 'Save roles' }).click();
    await dlg.waitFor({ state: 'detached' });
    await waitFor(async () => !(await rest(server.base, owner.token, 'GET', `/guilds/${guildId}/members/${harryId}`)).roles.includes(helpers.id),
      { message: 'harry without Helpers+' });
    noPageErrors(harry);
  } finally {
    await harry.context.close();
  }
});
