// The flows of the slash-command bench (botlab.mjs) with buttons and
// webhooks:
//   - a button on a bot's message, clicked; the click names the bot's
//     application, found through the command index
//   - a webhook's message with a name override, and the webhooks panel
//     against the real routes
//   - Bob seeing "alice used /roll" above the answer, from the
//     interaction_metadata the server puts on answers in the channel

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageItems, waitFor, rest } from './harness.mjs';
import { invoke, noPageErrors, useLab } from './botlab.mjs';

const lab = useLab();

test('/panel answers with a button', async () => {
  await invoke(lab.alice.page, 'panel');
  await messageItems(lab.alice.page, 'Control panel').first().getByRole('button', { name: 'Press me' }).waitFor({ timeout: 10000 });
  noPageErrors(lab.alice, lab.bob);
});

test('a button click reaches the bot as a component interaction and the bot updates the message', async () => {
  const panel = messageItems(lab.alice.page, 'Control panel').first();
  await panel.getByRole('button', { name: 'Press me' }).click();
  await waitFor(() => lab.bot.interactions.some((d) => d.type === 3), { message: 'the bot to get the click', timeout: 10000 });
  const click = lab.bot.interactions.find((d) => d.type === 3);
  assert.equal(click.data.custom_id, 'press');
  assert.equal(click.data.component_type, 2);
  assert.equal(click.member.user.username, 'alice');
  await messageItems(lab.alice.page, 'Pressed by alice').first().waitFor({ timeout: 10000 });
  await messageItems(lab.bob.page, 'Pressed by alice').first().waitFor({ timeout: 10000 });
  assert.equal(await messageItems(lab.bob.page, 'Pressed by alice').first().getByRole('button', { name: 'Press me' }).count(), 0);
  noPageErrors(lab.alice, lab.bob);
});

test("a webhook's message shows its name override with a tag", async () => {
  const hook = await rest(lab.server.base, lab.alice.token, 'POST', `/channels/${lab.channelId}/webhooks`, { name: 'Deploys' });
  await rest(lab.server.base, '', 'POST', `/webhooks/${hook.id}/${hook.token}?wait=true`, { content: 'Shipped v2.0', username: 'Release Train' });
  const row = messageItems(lab.bob.page, 'Shipped v2.0').first();
  await row.waitFor({ timeout: 10000 });
  assert.equal(await row.locator('.author').innerText(), 'Release Train');
  assert.ok(await row.getByText(/^(BOT|APP)$/).isVisible());
  noPageErrors(lab.alice, lab.bob);
});

test('Bob sees who used the command above its answer', async () => {
  await invoke(lab.alice.page, 'roll', { sides: 'six' });
  const reply = messageItems(lab.bob.page, 'roll: d6 came up 5').first();
  await reply.waitFor({ timeout: 10000 });
  assert.match(await reply.innerText(), /alice\s+used\s+\/roll/);
  noPageErrors(lab.alice, lab.bob);
});

test('the webhooks panel creates a webhook whose copied URL posts to the channel', async () => {
  const page = lab.alice.page;
  await lab.alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Webhooks' }).click();
  const dialog = page.getByRole('dialog', { name: 'Webhooks for #general' });
  await dialog.getByRole('textbox', { name: 'New webhook name' }).fill('Nightly');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.getByRole('button', { name: 'Copy URL of Nightly' }).click();
  await dialog.getByRole('status').filter({ hasText: 'copied' }).waitFor();
  const url = await page.evaluate(() => navigator.clipboard.readText());
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ content: 'Nightly build green' }) });
  assert.ok(res.ok, `executing the copied URL: HTTP ${res.status}`);
  await messageItems(lab.bob.page, 'Nightly build green').first().waitFor({ timeout: 10000 });
  assert.equal(await messageItems(lab.bob.page, 'Nightly build green').first().locator('.author').innerText(), 'Nightly');
  // Bob may not manage webhooks: no button for him.
  assert.equal(await lab.bob.page.getByRole('button', { name: 'Webhooks' }).count(), 0);
  await dialog.getByRole('button', { name: 'Delete Nightly' }).click();
  await waitFor(async () => (await dialog.getByText('Nightly').count()) === 0, { message: 'the webhook deleted' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  noPageErrors(lab.alice, lab.bob);
});
