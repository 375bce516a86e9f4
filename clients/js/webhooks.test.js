// discord.js 14, unmodified, with Accord's webhooks and message components
// (issue 15): a bot with MANAGE_WEBHOOKS creates a webhook with
// channel.createWebhook (a webhooksUpdate arrives), fetches it back with
// fetchWebhooks, and a WebhookClient built from its id and token sends
// (the message is the webhook's: webhookId, the override name), edits and
// deletes; a bot message with ActionRowBuilder/ButtonBuilder components is
// read back with its buttons; a duplicate custom_id is refused with 50035;
// the deleted webhook's token stops working.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { guard } = require('./guard.js');
const { base, accordHost, rest, bootstrap, nextEvent } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events, PermissionFlagsBits: P, WebhookClient, ActionRowBuilder, ButtonBuilder, ButtonStyle } = require('discord.js');
const { login, rejectsWith } = require('./client.js');

let s;
let client;
let channel;

before(async () => {
  s = await bootstrap('discordjs-webhooks');
  const role = await rest('POST', `/guilds/${s.guildId}/roles`, s.owner,
    { permissions: String(P.ManageWebhooks | P.ViewChannel | P.SendMessages | P.ReadMessageHistory) }, 200);
  await rest('PUT', `/guilds/${s.guildId}/members/${s.botId}/roles/${role.id}`, s.owner, undefined, 204);
  client = await login(s.botToken, [I.Guilds, I.GuildMessages, I.GuildWebhooks]);
  channel = await client.channels.fetch(s.channelId);
});

after(async () => {
  await client?.destroy();
});

test('createWebhook, fetchWebhooks, WebhookClient send/edit/delete', async () => {
  const updated = nextEvent(client, Events.WebhooksUpdate, (ch) => ch.id === s.channelId, 'webhooksUpdate');
  const wh = await channel.createWebhook({ name: 'Captain Hook' });
  assert.ok(wh.token, 'the token comes with the created webhook');
  assert.equal(wh.channelId, s.channelId);
  assert.equal(wh.owner?.id, s.botId);
  await updated;

  const hooks = await channel.fetchWebhooks();
  assert.ok(hooks.has(wh.id), 'fetchWebhooks lists it');

  const hook = new WebhookClient({ id: wh.id, token: wh.token }, { rest: { api: `${base}/api` } });
  try {
    const sent = await hook.send({ content: 'ahoy', username: 'Smee' });
    assert.equal(sent.webhook_id, wh.id);
    assert.equal(sent.author.id, wh.id);
    assert.equal(sent.author.username, 'Smee');
    assert.equal(sent.author.bot, true);
    const edited = await hook.editMessage(sent.id, { content: 'ahoy, edited' });
    assert.equal(edited.content, 'ahoy, edited');
    const read = await channel.messages.fetch({ message: sent.id, force: true });
    assert.equal(read.content, 'ahoy, edited');
    assert.equal(read.webhookId, wh.id);
    await hook.deleteMessage(sent.id);
    await rejectsWith(channel.messages.fetch({ message: sent.id, force: true }), 10008, 404);
  } finally {
    hook.destroy();
  }

  await wh.delete();
  const gone = new WebhookClient({ id: wh.id, token: wh.token }, { rest: { api: `${base}/api` } });
  try {
    await rejectsWith(gone.send({ content: 'still there?' }), 10015, 404);
  } finally {
    gone.destroy();
  }
});

test('a bot message with buttons is read back with them', async () => {
  const row = new ActionRowBuilder().addComponents(
    new ButtonBuilder().setCustomId('yes').setLabel('Yes').setStyle(ButtonStyle.Success),
    new ButtonBuilder().setURL('https://example.com').setLabel('Docs').setStyle(ButtonStyle.Link));
  const sent = await channel.send({ content: 'pick one', components: [row] });
  const read = await channel.messages.fetch({ message: sent.id, force: true });
  assert.equal(read.components.length, 1);
  const [yes, docs] = read.components[0].components;
  assert.equal(yes.customId, 'yes');
  assert.equal(yes.style, ButtonStyle.Success);
  assert.equal(docs.url, 'https://example.com');

  const dup = new ActionRowBuilder().addComponents(
    new ButtonBuilder().setCustomId('same').setLabel('A').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId('same').setLabel('B').setStyle(ButtonStyle.Primary));
  await rejectsWith(channel.send({ content: 'dup', components: [dup] }), 50035, 400);
});
