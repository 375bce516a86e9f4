// The web client's side of application commands and interactions, in real
// Chromium against a real Accord server for the session, with the
// application's side played by the test: the command index and
// POST /interactions are answered by page.route (each request body is
// checked as Discord's client sends it) and the gateway's interaction events
// are handed to the client's own dispatcher. commands.test.mjs runs the same
// flows end to end with a real bot once the server has the routes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openAs, messageItems, waitConnected, waitFor, setupGuild, screenshot } from './harness.mjs';

let server;
let browser;
let page;
let errors;
let guild;
let channel;
let me;
const APP = '700000000000000001';
const BOT = { id: '700000000000000002', username: 'Dice Bot', bot: true };
const posted = []; // bodies of POST /interactions
let interactionStatus = 204;

const COMMANDS = {
  applications: [{ id: APP, name: 'Dice Bot' }],
  application_commands: [
    {
      id: '800000000000000001', application_id: APP, type: 1, name: 'roll', description: 'Roll a die', version: '1',
      options: [
        { type: 3, name: 'label', description: 'What the roll is for' },
        { type: 4, name: 'sides', description: 'How many sides', required: true, choices: [{ name: 'six', value: 6 }, { name: 'twenty', value: 20 }] },
      ],
    },
    {
      id: '800000000000000002', application_id: APP, type: 1, name: 'config', description: 'Settings',
      options: [
        { type: 1, name: 'set', description: 'Change a setting', options: [{ type: 3, name: 'key', description: 'Setting', required: true, autocomplete: true }, { type: 5, name: 'on', description: 'Enabled', required: true }] },
        { type: 1, name: 'get', description: 'Show a setting' },
      ],
    },
    { id: '800000000000000003', application_id: APP, type: 2, name: 'User info', description: '' },
  ],
};

// snowflake makes an id newer than anything the server has made so far.
let seq = 0;
function snowflake() {
  return String(((BigInt(Date.now()) - 1420070400000n) << 22n) + BigInt(++seq));
}

function dispatch(name, d) {
  return page.evaluate(async ([n, data]) => {
    const { onDispatch } = await import('/js/dispatch.js');
    onDispatch(n, data);
  }, [name, d]);
}

function composer() {
  return page.getByRole('textbox', { name: /^Message #/ });
}

async function lastPosted(n) {
  await waitFor(() => posted.length >= n, { message: `POST /interactions #${n}` });
  return posted[n - 1];
}

function noPageErrors() {
  assert.deepEqual(errors, [], 'the page logged errors');
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ({ guild, channel, token: me } = await setupGuild(server.base, 'alice', 'Dice Club'));
  ({ page, errors } = await openAs(browser, server.base, me, `#/channels/${guild.id}/${channel.id}`, {
    setup: async (context) => {
      await context.route('**/api/v10/guilds/*/application-command-index', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(COMMANDS) }));
      await context.route('**/api/v10/interactions', (route) => {
        posted.push(route.request().postDataJSON());
        if (interactionStatus === 204) return route.fulfill({ status: 204, body: '' });
        return route.fulfill({ status: interactionStatus, contentType: 'application/json', body: JSON.stringify({ code: 50013, message: 'Missing Permissions' }) });
      });
    },
  }));
  await waitConnected(page);
  await composer().waitFor();
  me = await page.evaluate(() => window.__accord.state.me);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('typing / lists the chat-input commands with sub-commands; picking one shows its options, required first', async () => {
  await composer().fill('/');
  const picker = page.getByRole('listbox', { name: 'Commands' });
  await picker.waitFor();
  const labels = await picker.getByRole('option').locator('.cmd-label').allInnerTexts();
  assert.deepEqual(labels, ['/config get', '/config set', '/roll'], 'user commands are not chat-input commands');
  assert.equal(await composer().getAttribute('aria-expanded'), 'true');
  await composer().fill('/ro');
  await waitFor(async () => (await picker.getByRole('option').count()) === 1, { message: 'filtered picker' });
  await composer().press('Escape');
  assert.ok(await picker.isHidden());
  await composer().fill('/r');
  await picker.getByRole('option', { name: /\/roll/ }).click();
  const group = page.getByRole('group', { name: 'Options for /roll' });
  await group.waitFor();
  assert.equal(await composer().inputValue(), '/roll ');
  const names = await group.locator('[data-option]').evaluateAll((els) => els.map((e) => e.dataset.option));
  assert.deepEqual(names, ['sides', 'label'], 'required options come first');
  const sides = group.getByRole('combobox', { name: 'sides' });
  assert.deepEqual(await sides.locator('option').allInnerTexts(), ['Choose…', 'six', 'twenty']);
  noPageErrors();
});

test('a command is sent as Discord sends it, shows "Sending command…", then the deferred "is thinking" and the edited answer', async () => {
  const group = page.getByRole('group', { name: 'Options for /roll' });
  // A required option left empty is caught before anything is sent.
  await composer().press('Enter');
  await group.getByRole('alert').filter({ hasText: 'sides' }).waitFor();
  assert.equal(posted.length, 0);
  await group.getByRole('combobox', { name: 'sides' }).selectOption({ label: 'twenty' });
  await group.getByRole('textbox', { name: 'label' }).fill('initiative');
  await group.getByRole('textbox', { name: 'label' }).press('Enter');
  const body = await lastPosted(1);
  const sessionId = await page.evaluate(() => window.__accord.gateway.sessionId);
  assert.equal(body.type, 2);
  assert.equal(body.application_id, APP);
  assert.equal(body.guild_id, guild.id);
  assert.equal(body.channel_id, channel.id);
  assert.equal(body.session_id, sessionId);
  assert.ok(typeof body.nonce === 'string' && body.nonce.length > 0);
  assert.deepEqual(body.data, {
    id: '800000000000000001', name: 'roll', type: 1,
    options: [{ name: 'sides', type: 4, value: 20 }, { name: 'label', type: 3, value: 'initiative' }],
  });
  assert.equal(await composer().inputValue(), '');
  assert.ok(await group.isHidden());

  const pendingRow = messageItems(page, 'used /roll');
  await pendingRow.getByText('Sending command…').waitFor();

  const iid = snowflake();
  await dispatch('INTERACTION_CREATE', { id: iid, nonce: body.nonce });
  await dispatch('INTERACTION_SUCCESS', { id: iid, nonce: body.nonce });
  const answerId = snowflake();
  const meta = { id: iid, type: 2, name: 'roll', user: me, authorizing_integration_owners: { 0: guild.id } };
  await dispatch('MESSAGE_CREATE', {
    id: answerId, channel_id: channel.id, guild_id: guild.id, type: 20, content: '', flags: 128, author: BOT,
    application_id: APP, interaction_metadata: meta, timestamp: new Date().toISOString(), components: [], embeds: [], attachments: [],
  });
  const answer = page.locator(`[role="listitem"][data-id="${answerId}"]`);
  await answer.getByRole('status').filter({ hasText: 'Dice Bot is thinking…' }).waitFor();
  assert.match(await answer.locator('.cmd-used').innerText(), /alice\s+used\s+\/roll/);
  assert.ok(await answer.getByText('APP', { exact: true }).isVisible());
  await waitFor(async () => (await page.getByText('Sending command…').count()) === 0, { message: 'the pending row to go' });

  await dispatch('MESSAGE_UPDATE', { id: answerId, channel_id: channel.id, guild_id: guild.id, content: 'initiative: **17**', flags: 0, edited_timestamp: null });
  await answer.getByText('initiative:').waitFor();
  assert.equal(await answer.locator('strong').innerText(), '17');
  assert.equal(await answer.getByRole('status').count(), 0, 'no longer thinking');
  await screenshot(page, 'interactions-answer.png');
  noPageErrors();
});

test('sub-commands nest their options; autocomplete asks the application; a failure says the application did not respond', async () => {
  await composer().fill('/config s');
  await page.getByRole('listbox', { name: 'Commands' }).getByRole('option', { name: /\/config set/ }).waitFor();
  await composer().press('Enter');
  const group = page.getByRole('group', { name: 'Options for /config set' });
  await group.waitFor();
  const key = group.getByRole('textbox', { name: 'key' });
  await key.fill('col');
  const ac = await waitFor(() => posted.find((p, i) => i >= 1 && p.type === 4 && p.data.options[0].options.some((o) => o.focused && o.value === 'col')), { message: 'autocomplete request' });
  assert.equal(ac.application_id, APP);
  assert.deepEqual(ac.data.options[0].options.find((o) => o.focused), { name: 'key', type: 3, value: 'col', focused: true });
  await dispatch('APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE', { nonce: ac.nonce, choices: [{ name: 'Colour <b>mode</b>', value: 'colour' }, { name: 'Columns', value: 'columns' }] });
  const suggestions = group.getByRole('listbox', { name: 'Suggestions for key' });
  await suggestions.getByRole('option', { name: 'Colour <b>mode</b>' }).click();
  assert.equal(await key.inputValue(), 'colour');
  await group.getByRole('combobox', { name: 'on' }).selectOption({ label: 'True' });
  const before = posted.length;
  await composer().press('Enter');
  const body = await waitFor(() => posted.slice(before).find((p) => p.type === 2), { message: 'the command' });
  assert.deepEqual(body.data, {
    id: '800000000000000002', name: 'config', type: 1,
    options: [{ name: 'set', type: 1, options: [{ name: 'key', type: 3, value: 'colour' }, { name: 'on', type: 5, value: true }] }],
  });
  await messageItems(page, 'used /config set').getByText('Sending command…').waitFor();
  await dispatch('INTERACTION_CREATE', { id: snowflake(), nonce: body.nonce });
  await dispatch('INTERACTION_FAILURE', { id: snowflake(), nonce: body.nonce });
  const row = messageItems(page, 'used /config set');
  await row.getByRole('alert').filter({ hasText: 'The application did not respond' }).waitFor();
  await row.getByRole('button', { name: 'Dismiss message' }).click();
  await waitFor(async () => (await messageItems(page, 'used /config set').count()) === 0, { message: 'the failed row to go' });

  // A refused POST (no permission) fails at once with the server's reason.
  interactionStatus = 403;
  await composer().fill('/config g');
  await page.getByRole('listbox', { name: 'Commands' }).getByRole('option', { name: /\/config get/ }).waitFor();
  await composer().press('Enter');
  await page.getByRole('group', { name: 'Options for /config get' }).waitFor();
  await composer().press('Enter');
  await messageItems(page, 'used /config get').getByRole('alert').filter({ hasText: "You don't have permission" }).waitFor();
  interactionStatus = 204;
  await messageItems(page, 'used /config get').getByRole('button', { name: 'Dismiss message' }).click();
  noPageErrors();
});

test('components render as buttons and selects; clicks and choices send component interactions; bot text stays text', async () => {
  const id = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id, channel_id: channel.id, guild_id: guild.id, type: 0, content: 'Pick one', flags: 0, author: BOT, timestamp: new Date().toISOString(),
    components: [
      {
        type: 1, components: [
          { type: 2, style: 1, label: 'Reroll', custom_id: 'reroll' },
          { type: 2, style: 3, label: 'Keep', custom_id: 'keep', emoji: { name: '✅' } },
          { type: 2, style: 4, label: 'Off', custom_id: 'off', disabled: true },
          { type: 2, style: 5, label: 'Rules', url: 'https://dice.example/rules' },
          { type: 2, style: 5, label: '<img src=x onerror=alert(1)>', url: 'javascript:alert(1)' },
        ],
      },
      { type: 1, components: [{ type: 3, custom_id: 'colour', placeholder: 'Choose a colour', options: [{ label: 'Red', value: 'r' }, { label: 'Blue', value: 'b', description: 'calm' }] }] },
    ],
    embeds: [], attachments: [],
  });
  const row = page.locator(`[role="listitem"][data-id="${id}"]`);
  await row.getByRole('button', { name: 'Reroll' }).waitFor();
  assert.ok(await row.getByRole('button', { name: 'Off' }).isDisabled());
  const link = row.getByRole('link', { name: /Rules/ });
  assert.equal(await link.getAttribute('href'), 'https://dice.example/rules');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.getAttribute('rel'), /\bnoopener\b/);
  // A javascript: URL is no link at all, and the label is text, not markup.
  const hostile = row.getByRole('button', { name: '<img src=x onerror=alert(1)>' });
  assert.ok(await hostile.isDisabled());
  assert.equal(await row.locator('img[src="x"]').count(), 0);
  assert.equal(await row.getByRole('link').count(), 1);

  const before = posted.length;
  await row.getByRole('button', { name: 'Reroll' }).click();
  const click = await waitFor(() => posted[before], { message: 'the click' });
  assert.equal(click.type, 3);
  assert.equal(click.application_id, BOT.id, 'a bot message without application_id belongs to its author');
  assert.equal(click.message_id, id);
  assert.equal(click.message_flags, 0);
  assert.equal(click.channel_id, channel.id);
  assert.equal(click.guild_id, guild.id);
  assert.ok(click.session_id && click.nonce);
  assert.deepEqual(click.data, { component_type: 2, custom_id: 'reroll' });
  await waitFor(() => row.getByRole('button', { name: 'Reroll' }).isDisabled(), { message: 'the button busy' });
  await dispatch('INTERACTION_SUCCESS', { id: snowflake(), nonce: click.nonce });
  await waitFor(() => row.getByRole('button', { name: 'Reroll' }).isEnabled(), { message: 'the button back' });

  // The application answers with an update (type 7): the message changes in place.
  await dispatch('MESSAGE_UPDATE', { id, channel_id: channel.id, guild_id: guild.id, content: 'Rerolled: 3', components: [] });
  await row.getByText('Rerolled: 3').waitFor();
  assert.equal(await row.getByRole('button', { name: 'Reroll' }).count(), 0);
  noPageErrors();
});

test('a select sends its values; a component that gets no answer says the interaction failed', async () => {
  const id = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id, channel_id: channel.id, guild_id: guild.id, type: 0, content: 'Colours', flags: 0, author: BOT, application_id: APP, timestamp: new Date().toISOString(),
    components: [
      { type: 1, components: [{ type: 3, custom_id: 'colour', placeholder: 'Choose a colour', options: [{ label: 'Red', value: 'r' }, { label: 'Blue', value: 'b' }] }] },
      { type: 1, components: [{ type: 8, custom_id: 'where', placeholder: 'Choose a channel', channel_types: [0] }] },
      { type: 1, components: [{ type: 2, style: 2, label: 'Ping', custom_id: 'ping' }] },
    ],
    embeds: [], attachments: [],
  });
  const row = page.locator(`[role="listitem"][data-id="${id}"]`);
  const before = posted.length;
  await row.getByRole('combobox', { name: 'Choose a colour' }).selectOption({ label: 'Blue' });
  const pick = await waitFor(() => posted[before], { message: 'the select' });
  assert.equal(pick.application_id, APP);
  assert.deepEqual(pick.data, { component_type: 3, custom_id: 'colour', values: ['b'] });
  await dispatch('INTERACTION_SUCCESS', { id: snowflake(), nonce: pick.nonce });
  await row.getByRole('combobox', { name: 'Choose a channel' }).selectOption({ label: '#general' });
  const where = await waitFor(() => posted[before + 1], { message: 'the channel select' });
  assert.deepEqual(where.data, { component_type: 8, custom_id: 'where', values: [channel.id] });
  await dispatch('INTERACTION_SUCCESS', { id: snowflake(), nonce: where.nonce });

  await row.getByRole('button', { name: 'Ping' }).click();
  const ping = await waitFor(() => posted[before + 2], { message: 'the click' });
  await dispatch('INTERACTION_FAILURE', { id: snowflake(), nonce: ping.nonce });
  await row.getByRole('alert').filter({ hasText: 'This interaction failed' }).waitFor();
  assert.ok(await row.getByRole('button', { name: 'Ping' }).isEnabled());
  noPageErrors();
});

test('an ephemeral reply says only you can see it and can be dismissed', async () => {
  const id = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id, channel_id: channel.id, guild_id: guild.id, type: 20, content: 'Your secret roll: 5', flags: 64, author: BOT, application_id: APP,
    interaction_metadata: { id: snowflake(), type: 2, name: 'roll', user: me }, timestamp: new Date().toISOString(), embeds: [], attachments: [], components: [],
  });
  const row = page.locator(`[role="listitem"][data-id="${id}"]`);
  await row.getByText('Only you can see this').waitFor();
  // No reactions, replies or pins on a message only this client has.
  await row.hover();
  assert.equal(await row.getByRole('button', { name: 'Reply' }).count(), 0);
  await row.getByRole('button', { name: 'Dismiss message' }).click();
  await waitFor(async () => (await page.locator(`[role="listitem"][data-id="${id}"]`).count()) === 0, { message: 'the ephemeral message to go' });
  noPageErrors();
});

test('a message command\'s answer is "used Quote", without the slash, as Discord shows it', async () => {
  const id = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id, channel_id: channel.id, guild_id: guild.id, type: 23, content: '> quoted', flags: 0, author: BOT, application_id: APP, webhook_id: APP,
    interaction_metadata: { id: snowflake(), type: 2, name: 'Quote', command_type: 3, user: me, authorizing_integration_owners: { 0: guild.id } },
    interaction: { id: snowflake(), type: 2, name: 'Quote', user: me },
    timestamp: new Date().toISOString(), embeds: [], attachments: [], components: [],
  });
  const row = page.locator(`[role="listitem"][data-id="${id}"]`);
  await row.getByText('> quoted').or(row.getByText('quoted')).first().waitFor();
  assert.match(await row.locator('.cmd-used').innerText(), /used\s+Quote$/);
  noPageErrors();
});

test('a modal opens as a dialog, checks its inputs and is submitted as type 5', async () => {
  const modalId = snowflake();
  await dispatch('INTERACTION_MODAL_CREATE', {
    id: modalId, nonce: 'not-ours', channel_id: channel.id, custom_id: 'feedback', title: 'Tell us <b>more</b>', application: { id: APP, name: 'Dice Bot' },
    components: [
      { type: 1, components: [{ type: 4, custom_id: 'name', style: 1, label: 'Your name', required: true, min_length: 2, max_length: 20 }] },
      { type: 1, components: [{ type: 4, custom_id: 'story', style: 2, label: 'What happened', required: false, placeholder: 'Optional', value: 'prefilled' }] },
    ],
  });
  const dialog = page.getByRole('dialog', { name: 'Tell us <b>more</b>' });
  await dialog.waitFor();
  const name = dialog.getByRole('textbox', { name: 'Your name' });
  assert.equal(await name.getAttribute('maxlength'), '20');
  assert.equal(await dialog.getByRole('textbox', { name: 'What happened' }).inputValue(), 'prefilled');
  assert.equal(await dialog.locator('textarea').count(), 1, 'a paragraph input is a textarea');
  const before = posted.length;
  await dialog.getByRole('button', { name: 'Submit' }).click();
  assert.equal(posted.length, before, 'a required field left empty is not submitted');
  await name.fill('A');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  assert.equal(posted.length, before, 'a value under min_length is not submitted');
  await name.fill('Ada');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  const body = await waitFor(() => posted[before], { message: 'the modal submit' });
  assert.equal(body.type, 5);
  assert.equal(body.application_id, APP);
  assert.equal(body.channel_id, channel.id);
  assert.equal(body.guild_id, guild.id);
  assert.deepEqual(body.data, {
    id: modalId, custom_id: 'feedback',
    components: [{ type: 1, components: [{ type: 4, custom_id: 'name', value: 'Ada' }] }, { type: 1, components: [{ type: 4, custom_id: 'story', value: 'prefilled' }] }],
  });
  assert.ok(await dialog.isVisible(), 'the dialog waits for the answer');
  await dispatch('INTERACTION_SUCCESS', { id: snowflake(), nonce: body.nonce });
  await waitFor(async () => (await page.getByRole('dialog').count()) === 0, { message: 'the dialog to close' });
  noPageErrors();
});

test("a webhook message shows the webhook's name override with a tag", async () => {
  const id = snowflake();
  const hookId = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id, channel_id: channel.id, guild_id: guild.id, type: 0, content: 'Deployed v2', flags: 0, webhook_id: hookId,
    author: { id: hookId, username: 'Deploy Hook', bot: true, avatar: null }, timestamp: new Date().toISOString(), embeds: [], attachments: [], components: [],
  });
  const row = page.locator(`[role="listitem"][data-id="${id}"]`);
  await row.getByText('Deployed v2').waitFor();
  assert.equal(await row.locator('.author').innerText(), 'Deploy Hook');
  assert.ok(await row.getByText('BOT', { exact: true }).isVisible());
  // The same webhook under another name is another author: not grouped.
  const id2 = snowflake();
  await dispatch('MESSAGE_CREATE', {
    id: id2, channel_id: channel.id, guild_id: guild.id, type: 0, content: 'Rolled back', flags: 0, webhook_id: hookId,
    author: { id: hookId, username: 'Rollback Hook', bot: true }, timestamp: new Date().toISOString(), embeds: [], attachments: [], components: [],
  });
  const row2 = page.locator(`[role="listitem"][data-id="${id2}"]`);
  await row2.getByText('Rolled back').waitFor();
  assert.equal(await row2.locator('.author').innerText(), 'Rollback Hook');
  await screenshot(page, 'interactions-webhook.png');
  noPageErrors();
});

test('the webhooks panel lists, creates (with a URL to copy) and deletes a channel webhook', async () => {
  const hooks = [{ id: '710000000000000001', type: 1, channel_id: channel.id, guild_id: guild.id, name: 'CI <script>', token: 'tok-1' }];
  const calls = [];
  await page.route(`**/api/v10/channels/${channel.id}/webhooks`, (route) => {
    const req = route.request();
    calls.push([req.method(), req.postDataJSON && req.method() === 'POST' ? req.postDataJSON() : null]);
    if (req.method() === 'GET') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(hooks) });
    const w = { id: '710000000000000002', type: 1, channel_id: channel.id, guild_id: guild.id, name: req.postDataJSON().name, token: 'tok-2' };
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(w) });
  });
  await page.route('**/api/v10/webhooks/*', (route) => { calls.push([route.request().method(), route.request().url()]); return route.fulfill({ status: 204, body: '' }); });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Webhooks' }).click();
  const dialog = page.getByRole('dialog', { name: 'Webhooks for #general' });
  const list = dialog.getByRole('list', { name: 'Webhooks' });
  await list.getByText('CI <script>').waitFor();
  await dialog.getByRole('textbox', { name: 'New webhook name' }).fill('Deploys');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await list.getByText('Deploys').waitFor();
  assert.deepEqual(calls.find((c) => c[0] === 'POST'), ['POST', { name: 'Deploys' }]);
  await dialog.getByRole('button', { name: 'Copy URL of Deploys' }).click();
  await dialog.getByRole('status').filter({ hasText: 'copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${server.base}/api/webhooks/710000000000000002/tok-2`);
  await dialog.getByRole('button', { name: 'Delete CI <script>' }).click();
  await waitFor(async () => (await list.getByText('CI <script>').count()) === 0, { message: 'the deleted webhook to go' });
  assert.ok(calls.some((c) => c[0] === 'DELETE' && c[1].endsWith('/webhooks/710000000000000001')));
  await dialog.getByRole('button', { name: 'Close' }).click();
  noPageErrors();
});
