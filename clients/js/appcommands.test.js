// discord.js 14, unmodified, as a slash-command bot on Accord (issue 15):
// commands built with SlashCommandBuilder are set with
// `client.application.commands.set()` (global) and for a guild; a user
// invokes them as Discord's own client does (POST /interactions); the bot
// answers in `interactionCreate` with `interaction.reply` (ephemeral),
// `followUp`, and `deferReply` + `editReply` (the "thinking" message, then
// its completion), and a button on the answer. Each answer is checked as the
// invoker and a bystander see it: the ephemeral one in nobody's history, the
// others with Discord's interaction metadata.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { randomBytes } = require('node:crypto');
const { guard } = require('./guard.js');
const { accordHost, rest, restFull, bootstrap, addBot } = require('./setup.js');

guard(accordHost);
const { GatewayIntentBits: I, Events, SlashCommandBuilder, MessageFlags, MessageType, InteractionType,
  ActionRowBuilder, ButtonBuilder, ButtonStyle } = require('discord.js');
const { login } = require('./client.js');

let s; // bootstrap: owner, guildId, channelId, botId, botToken
let c; // the bot's client
let appId;
let globalCmds; // Collection of the global commands set
let guildCmds;
const handled = new Map(); // command name -> {token, userId} once answered
const errors = [];

/** member registers a user who joins the guild by invite; {id, token}. */
async function member(name) {
  const { token } = await rest('POST', '/auth/register', null,
    { username: `${name}_${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple' }, 201);
  const { code } = await rest('POST', `/channels/${s.channelId}/invites`, s.owner, {}, 200);
  await rest('POST', `/invites/${code}`, token, undefined, 200);
  const { id } = await rest('GET', '/users/@me', token, undefined, 200);
  return { id, token };
}

function invoke(u, cmd, options = []) {
  return restFull('POST', '/interactions', u.token, {
    type: 2, application_id: appId, guild_id: s.guildId, channel_id: s.channelId, session_id: 'node',
    nonce: randomBytes(4).toString('hex'), data: { id: cmd.id, name: cmd.name, type: 1, options },
  });
}

async function waitHandled(name) {
  const deadline = Date.now() + 15000;
  while (!handled.has(name) && errors.length === 0) {
    if (Date.now() > deadline) throw new Error(`the bot did not answer /${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(errors, []);
  return handled.get(name);
}

async function history(token) {
  return (await rest('GET', `/channels/${s.channelId}/messages?limit=50`, token, undefined, 200)).map((m) => m.content);
}

before(async () => {
  s = await bootstrap('discordjs-cmds');
  c = await login(s.botToken, [I.Guilds]);
  appId = c.application.id;
  c.on(Events.InteractionCreate, async (interaction) => {
    if (interaction.isButton()) {
      try {
        // interaction.message is the answer with the button: its metadata
        // names the command interaction it answered.
        const meta = interaction.message.interactionMetadata;
        assert.equal(meta?.id, handled.get('slow:reply')?.interactionId);
        assert.equal(meta.type, InteractionType.ApplicationCommand);
        const answer = await interaction.reply({ content: 'again!', withResponse: true });
        const m = answer.resource.message;
        assert.equal(m.type, MessageType.Reply);
        assert.equal(m.reference?.messageId, interaction.message.id);
        assert.equal(m.interactionMetadata.type, InteractionType.MessageComponent);
        assert.equal(m.interactionMetadata.interactedMessageId, interaction.message.id);
        handled.set('button', { id: m.id, token: interaction.token });
      } catch (e) {
        errors.push(String(e.stack ?? e));
      }
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    try {
      if (interaction.commandName === 'echo') {
        const text = interaction.options.getString('text', true);
        await interaction.reply({ content: `secret ${text}`, flags: MessageFlags.Ephemeral });
        await interaction.followUp({ content: `public ${text}` });
      } else if (interaction.commandName === 'slow') {
        await interaction.deferReply();
        // The "thinking" message exists at once, loading and empty.
        const loading = await interaction.fetchReply();
        assert.ok(loading.flags.has(MessageFlags.Loading), `flags ${loading.flags.bitfield}`);
        assert.equal(loading.content, '');
        assert.equal(loading.interactionMetadata?.id, interaction.id);
        const again = new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary);
        const edited = await interaction.editReply({ content: 'thought it over', components: [new ActionRowBuilder().addComponents(again)] });
        assert.equal(edited.id, loading.id, 'editReply completes the thinking message');
        assert.ok(!edited.flags.has(MessageFlags.Loading));
        const reply = await interaction.fetchReply();
        assert.equal(reply.content, 'thought it over');
        assert.equal(reply.type, MessageType.ChatInputCommand);
        assert.equal(reply.applicationId, appId);
        assert.equal(reply.webhookId, appId);
        assert.equal(reply.author.id, c.user.id);
        assert.equal(reply.interactionMetadata.id, interaction.id);
        assert.equal(reply.interactionMetadata.type, InteractionType.ApplicationCommand);
        assert.equal(reply.interactionMetadata.user.id, interaction.user.id);
        assert.equal(reply.interactionMetadata.authorizingIntegrationOwners['0'], interaction.guildId);
        assert.equal(reply.interaction?.commandName, 'slow', 'the deprecated interaction object');
        handled.set('slow:reply', { id: reply.id, interactionId: interaction.id });
      }
      handled.set(interaction.commandName, { token: interaction.token, userId: interaction.user.id,
        guildId: interaction.guildId, memberPerms: interaction.memberPermissions?.bitfield });
    } catch (e) {
      errors.push(String(e.stack ?? e));
    }
  });
  const echo = new SlashCommandBuilder().setName('echo').setDescription('Say it back')
    .addStringOption((o) => o.setName('text').setDescription('What to say').setRequired(true).setMaxLength(50));
  const slow = new SlashCommandBuilder().setName('slow').setDescription('Think first');
  globalCmds = await c.application.commands.set([slow]);
  guildCmds = await c.application.commands.set([echo], s.guildId);
});

after(async () => {
  await c?.destroy();
});

test('commands.set stores the commands (global and guild) and fetch reads them back', async () => {
  assert.deepEqual([...globalCmds.values()].map((x) => x.name), ['slow']);
  assert.deepEqual([...guildCmds.values()].map((x) => x.name), ['echo']);
  const echo = guildCmds.first();
  assert.equal(echo.options[0].name, 'text');
  assert.equal(echo.options[0].required, true);
  assert.equal(echo.options[0].maxLength, 50);
  const fetched = await c.application.commands.fetch();
  assert.deepEqual([...fetched.keys()], [...globalCmds.keys()]);
  const again = await c.application.commands.set([guildCmds.first().toJSON()], s.guildId);
  assert.deepEqual([...again.keys()], [...guildCmds.keys()], 'a second set keeps the IDs');
});

test('reply (ephemeral) and followUp: the ephemeral reply is in nobody\'s history', async () => {
  const invoker = await member('djs-invoker');
  const bystander = await member('djs-bystander');
  const { status, data } = await invoke(invoker, guildCmds.first(), [{ type: 3, name: 'text', value: 'hi' }]);
  assert.equal(status, 204, JSON.stringify(data));
  const h = await waitHandled('echo');
  assert.equal(h.userId, invoker.id);
  assert.equal(h.guildId, s.guildId);
  assert.ok(h.memberPerms > 0n);
  const orig = await rest('GET', `/webhooks/${appId}/${h.token}/messages/@original`, null, undefined, 200);
  assert.equal(orig.content, 'secret hi');
  assert.ok(orig.flags & 64);
  for (const t of [invoker.token, bystander.token, s.owner]) {
    const seen = await history(t);
    assert.ok(seen.includes('public hi'), JSON.stringify(seen));
    assert.ok(!seen.some((m) => m.startsWith('secret')), JSON.stringify(seen));
  }
});

test('deferReply + editReply, and a second answer is refused (40060)', async () => {
  const u = await member('djs-thinker');
  const { status, data } = await invoke(u, globalCmds.first());
  assert.equal(status, 204, JSON.stringify(data));
  const h = await waitHandled('slow');
  assert.ok((await history(s.owner)).includes('thought it over'));
  // As the invoker sees the answer: type 20 with interaction_metadata.
  const { id: replyId } = handled.get('slow:reply');
  const seen = await rest('GET', `/channels/${s.channelId}/messages/${replyId}`, u.token, undefined, 200);
  assert.equal(seen.type, 20);
  assert.equal(seen.flags & 128, 0);
  assert.equal(seen.interaction_metadata.user.id, u.id);
  assert.equal(seen.interaction_metadata.name, 'slow');
  assert.equal(seen.interaction.name, 'slow');
  // The invoker clicks the answer's button; the bot's reply replies to it.
  const click = await restFull('POST', '/interactions', u.token, {
    type: 3, application_id: appId, guild_id: s.guildId, channel_id: s.channelId, message_id: replyId, session_id: 'node',
    nonce: randomBytes(4).toString('hex'), data: { component_type: 2, custom_id: 'again' },
  });
  assert.equal(click.status, 204, JSON.stringify(click.data));
  const b = await waitHandled('button');
  const answer = await rest('GET', `/channels/${s.channelId}/messages/${b.id}`, u.token, undefined, 200);
  assert.equal(answer.type, 19);
  assert.equal(answer.referenced_message.id, replyId);
  assert.equal(answer.interaction_metadata.interacted_message_id, replyId);
  const again = await restFull('POST', `/interactions/${0}/${h.token}/callback`, null, { type: 4, data: { content: 'x' } });
  assert.equal(again.status, 404);
  assert.equal(again.data.code, 10062);
});

test('another application cannot replace these commands', async () => {
  const other = await addBot(s.owner, s.guildId, 'djs-other');
  const { status, data } = await restFull('PUT', `/applications/${appId}/commands`, `Bot ${other.botToken}`, []);
  assert.equal(status, 403);
  assert.equal(data.code, 50001);
  assert.deepEqual([...(await c.application.commands.fetch()).keys()], [...globalCmds.keys()]);
});
