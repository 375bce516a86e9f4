// Slash commands end to end in Chromium against the real server and a real
// bot (botlab.mjs): each person's picker lists the commands the server's
// command index allows them (Bob's lacks the administrators' one); Alice
// picks /roll, fills its option and sends it; the bot defers ("… is
// thinking", for Alice and Bob alike: the server posts the LOADING message)
// and edits the original, which shows under "alice used /roll" for both;
// an ephemeral answer is marked "Only you can see this" for Alice and never
// reaches Bob, live or in history; a modal opens, is filled and its
// submission reaches the bot. commands-webhooks.test.mjs holds the button and
// webhook flows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageItems, waitConnected, waitFor, screenshot } from './harness.mjs';
import { composer, invoke, noPageErrors, useLab } from './botlab.mjs';

const lab = useLab();

test("the picker lists what each person may use, from the server's command index", async () => {
  for (const [u, want] of [[lab.alice, ['/feedback', '/panel', '/purge', '/roll', '/secret']], [lab.bob, ['/feedback', '/panel', '/roll', '/secret']]]) {
    await composer(u.page).fill('/');
    const picker = u.page.getByRole('listbox', { name: 'Commands' });
    await picker.getByRole('option').first().waitFor();
    assert.deepEqual(await picker.getByRole('option').locator('.cmd-label').allInnerTexts(), want, `${u.name}'s commands`);
    assert.ok(await picker.getByText('Dice Bot').first().isVisible(), 'the application is named');
    await composer(u.page).press('Escape');
    await composer(u.page).fill('');
  }
  noPageErrors(lab.alice, lab.bob);
});

test('Alice picks /roll, fills its option, sees the bot thinking, then its edited answer under "alice used /roll"', async () => {
  lab.gate('roll');
  await invoke(lab.alice.page, 'roll', { sides: 'twenty', label: 'initiative' });
  await waitFor(() => lab.bot.interactions.some((d) => d.type === 2 && d.data.name === 'roll'), { message: 'the bot to get /roll' });
  const got = lab.bot.interactions.find((d) => d.data.name === 'roll');
  assert.deepEqual(got.data.options.map((o) => [o.name, o.value]), [['sides', 20], ['label', 'initiative']]);
  assert.equal(got.channel_id, lab.channelId);
  assert.equal(got.guild_id, lab.guildId);
  const thinking = messageItems(lab.alice.page, 'is thinking');
  await thinking.first().waitFor({ timeout: 10000 });
  assert.match(await thinking.first().innerText(), /alice\s+used\s+\/roll/);
  // The server posts the deferral's "thinking" message (flag LOADING) to
  // the channel: Bob sees the bot thinking under "alice used /roll" too.
  const bobThinking = messageItems(lab.bob.page, 'Dice_Bot is thinking'); // the bot user's name
  await bobThinking.first().waitFor({ timeout: 10000 });
  assert.match(await bobThinking.first().innerText(), /alice\s+used\s+\/roll/);
  lab.gates.get('roll').open();
  const reply = messageItems(lab.alice.page, 'initiative: d20 came up 19');
  await reply.first().waitFor({ timeout: 10000 });
  assert.match(await reply.first().innerText(), /alice\s+used\s+\/roll/);
  assert.equal(await lab.alice.page.getByText(/is thinking/).count(), 0);
  // Bob sees the same message completed, still under who used the command.
  const bobReply = messageItems(lab.bob.page, 'initiative: d20 came up 19').first();
  await bobReply.waitFor({ timeout: 10000 });
  assert.match(await bobReply.innerText(), /alice\s+used\s+\/roll/);
  await waitFor(async () => (await lab.bob.page.getByText(/is thinking/).count()) === 0, { message: "Bob's thinking row to complete" });
  await screenshot(lab.alice.page, 'commands-roll.png');
  noPageErrors(lab.alice, lab.bob);
});

test('an ephemeral answer is marked for Alice and never shown to Bob', async () => {
  await invoke(lab.alice.page, 'secret');
  const row = messageItems(lab.alice.page, 'Your secret number is 4242');
  await row.first().waitFor({ timeout: 10000 });
  assert.ok(await row.first().getByText('Only you can see this').isVisible());
  // A later public message reaches Bob; the ephemeral one before it did not.
  await invoke(lab.alice.page, 'panel');
  await messageItems(lab.bob.page, 'Control panel').first().waitFor({ timeout: 10000 });
  assert.equal(await messageItems(lab.bob.page, '4242').count(), 0);
  // Nor is it in the history Bob reads after a reload.
  await lab.bob.page.reload();
  await waitConnected(lab.bob.page);
  await messageItems(lab.bob.page, 'Control panel').first().waitFor({ timeout: 10000 });
  assert.equal(await messageItems(lab.bob.page, '4242').count(), 0);
  await row.first().getByRole('button', { name: 'Dismiss message' }).click();
  await waitFor(async () => (await messageItems(lab.alice.page, '4242').count()) === 0, { message: 'the ephemeral message to be dismissed' });
  noPageErrors(lab.alice, lab.bob);
});

test("a modal opens, is filled, and its submission reaches the bot", async () => {
  await invoke(lab.alice.page, 'feedback');
  const dialog = lab.alice.page.getByRole('dialog', { name: 'Feedback' });
  await dialog.waitFor({ timeout: 10000 });
  await dialog.getByRole('textbox', { name: 'Your note' }).fill('Dice are fair');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await waitFor(() => lab.bot.interactions.some((d) => d.type === 5), { message: 'the bot to get the modal', timeout: 10000 });
  const submit = lab.bot.interactions.find((d) => d.type === 5);
  assert.equal(submit.data.components[0].components[0].value, 'Dice are fair');
  await messageItems(lab.alice.page, 'Thanks for the note: Dice are fair').first().waitFor({ timeout: 10000 });
  await waitFor(async () => (await lab.alice.page.getByRole('dialog').count()) === 0, { message: 'the dialog to close' });
  assert.equal(lab.bot.error, undefined, `the bot failed: ${lab.bot.error}`);
  noPageErrors(lab.alice, lab.bob);
});
