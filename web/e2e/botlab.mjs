// The end-to-end slash-command bench shared by commands.test.mjs and
// commands-webhooks.test.mjs: a real Accord server; Alice (owner of the guild
// and of the "Dice Bot" application) and Bob in two browser contexts, both in
// its #general; and a tiny bot, plain fetch plus a `ws` gateway connection,
// that registers guild commands and answers each INTERACTION_CREATE through
// POST /interactions/{id}/{token}/callback:
//   /roll sides:<6|20> [label]  defers (type 5), then edits @original
//   /secret                     answers ephemerally (flags 64)
//   /panel                      answers with a button; its click updates the message (type 7)
//   /feedback                   opens a modal (type 9); the submission is thanked
//   /purge                      administrators only (default_member_permissions 8)

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, launchBrowser, openUser, waitConnected, rest } from './harness.mjs';

let server;
let app;

// startBot connects a bot to the gateway (JSON, no compression) and calls
// onInteraction(d) for each INTERACTION_CREATE.
async function startBot(base, token, onInteraction) {
  const { url } = await rest(base, `Bot ${token}`, 'GET', '/gateway/bot');
  const ws = new WebSocket(`${url}/?v=10&encoding=json`);
  const b = { ws, ready: null, seq: null, interactions: [], stop: () => { clearInterval(b.beat); ws.close(); } };
  b.ready = new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (raw) => {
      const p = JSON.parse(raw.toString());
      if (p.s !== null && p.s !== undefined) b.seq = p.s;
      if (p.op === 10) {
        b.beat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: b.seq })), p.d.heartbeat_interval);
        ws.send(JSON.stringify({ op: 2, d: { token: `Bot ${token}`, intents: 1 | 512, properties: { os: 'linux', browser: 'e2e', device: 'e2e' } } }));
      } else if (p.op === 1) {
        ws.send(JSON.stringify({ op: 1, d: b.seq }));
      } else if (p.op === 0 && p.t === 'READY') {
        resolve(p.d);
      } else if (p.op === 0 && p.t === 'INTERACTION_CREATE') {
        b.interactions.push(p.d);
        Promise.resolve(onInteraction(p.d)).catch((err) => { b.error = err; });
      }
    });
  });
  await b.ready;
  return b;
}

// callback answers interaction d with response {type, data}.
function callback(d, response) {
  return rest(server.base, '', 'POST', `/interactions/${d.id}/${d.token}/callback`, response);
}

// gates let the test hold the bot's answer (to see "thinking") and release it.
const gates = new Map();
function gate(name) {
  let open;
  const p = new Promise((r) => { open = r; });
  gates.set(name, { p, open });
}

async function answer(d) {
  const name = d.data && d.data.name;
  if (d.type === 2 && name === 'roll') {
    await callback(d, { type: 5 });
    if (gates.has('roll')) await gates.get('roll').p;
    const sides = d.data.options.find((o) => o.name === 'sides').value;
    const label = (d.data.options.find((o) => o.name === 'label') || {}).value || 'roll';
    await rest(server.base, '', 'PATCH', `/webhooks/${app.id}/${d.token}/messages/@original`, { content: `${label}: d${sides} came up ${sides - 1}` });
  } else if (d.type === 2 && name === 'secret') {
    await callback(d, { type: 4, data: { content: 'Your secret number is 4242', flags: 64 } });
  } else if (d.type === 2 && name === 'panel') {
    await callback(d, { type: 4, data: { content: 'Control panel', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Press me', custom_id: 'press' }] }] } });
  } else if (d.type === 3 && d.data.custom_id === 'press') {
    await callback(d, { type: 7, data: { content: `Pressed by ${d.member.user.username}`, components: [] } });
  } else if (d.type === 2 && name === 'feedback') {
    await callback(d, {
      type: 9,
      data: { custom_id: 'fb', title: 'Feedback', components: [{ type: 1, components: [{ type: 4, custom_id: 'note', style: 2, label: 'Your note', required: true, max_length: 200 }] }] },
    });
  } else if (d.type === 5 && d.data.custom_id === 'fb') {
    const note = d.data.components[0].components[0].value;
    await callback(d, { type: 4, data: { content: `Thanks for the note: ${note}` } });
  }
}

export function composer(page) {
  return page.getByRole('textbox', { name: /^Message #/ });
}

// invoke types `/name`, picks the command and fills options {name: value}
// (a select by its label, a text box by its text), then sends it.
export async function invoke(page, name, options = {}) {
  await composer(page).fill(`/${name}`);
  await page.getByRole('listbox', { name: 'Commands' }).getByRole('option', { name: new RegExp(`^/${name}\\b`) }).click();
  const group = page.getByRole('group', { name: `Options for /${name}` });
  await group.waitFor();
  for (const [opt, value] of Object.entries(options)) {
    const select = group.getByRole('combobox', { name: opt });
    if (await select.count()) await select.selectOption({ label: value });
    else await group.getByRole('textbox', { name: opt }).fill(value);
  }
  await composer(page).press('Enter');
}

/**
 * startLab sets the bench up; lab.stop() ends it. lab: {server, browser,
 * alice, bob, guildId, channelId, app, bot, gate, gates, invoke, composer}.
 */
export async function startLab() {
  server = await startServer();
  const browser = await launchBrowser();
  try {
    return await setUp(browser);
  } catch (err) {
    await browser.close();
    await server.stop();
    throw err;
  }
}

async function setUp(browser) {
  const alice = await openUser(browser, server.base, 'alice');
  const bob = await openUser(browser, server.base, 'bob');
  const guild = await rest(server.base, alice.token, 'POST', '/guilds', { name: 'Bot Lab' });
  const guildId = guild.id;
  const channelId = (await rest(server.base, alice.token, 'GET', `/guilds/${guildId}/channels`)).find((c) => c.type === 0).id;
  const { code } = await rest(server.base, alice.token, 'POST', `/channels/${channelId}/invites`, {});
  await rest(server.base, bob.token, 'POST', `/invites/${code}`, {});

  app = await rest(server.base, alice.token, 'POST', '/applications', { name: 'Dice Bot' });
  const { token } = await rest(server.base, alice.token, 'POST', `/applications/${app.id}/bot/reset-token`);
  await rest(server.base, alice.token, 'POST', `/oauth2/authorize?client_id=${app.id}&scope=bot+applications.commands&permissions=0`, { guild_id: guildId, authorize: true });
  await rest(server.base, `Bot ${token}`, 'PUT', `/applications/${app.id}/guilds/${guildId}/commands`, [
    {
      name: 'roll', description: 'Roll a die', options: [
        { type: 4, name: 'sides', description: 'Sides', required: true, choices: [{ name: 'six', value: 6 }, { name: 'twenty', value: 20 }] },
        { type: 3, name: 'label', description: 'What for' },
      ],
    },
    { name: 'secret', description: 'Tell me a secret' },
    { name: 'panel', description: 'Show a button' },
    { name: 'feedback', description: 'Send feedback' },
    { name: 'purge', description: 'Administrators only', default_member_permissions: '8' },
  ]);
  const bot = await startBot(server.base, token, answer);

  for (const u of [alice, bob]) {
    await u.page.goto(`${server.base}/#/channels/${guildId}/${channelId}`);
    await waitConnected(u.page);
    await composer(u.page).waitFor();
  }
  return {
    server, browser, alice, bob, guildId, channelId, app, bot, gate, gates, invoke, composer,
    async stop() {
      bot.stop();
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * useLab registers the test file's before/after hooks for one bench and
 * returns it, filled in once before has run.
 */
export function useLab() {
  const lab = {};
  before(async () => { Object.assign(lab, await startLab()); });
  after(async () => { if (lab.stop) await lab.stop(); });
  return lab;
}

/** noPageErrors fails the test when a person's page logged an error. */
export function noPageErrors(...users) {
  for (const u of users) assert.deepEqual(u.errors, [], `${u.name}'s page logged errors`);
}
