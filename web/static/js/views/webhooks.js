// The channel's webhooks panel, for those with MANAGE_WEBHOOKS: the channel's
// webhooks with their URL to copy (what a CI job or another service posts
// to), a form to create one, and delete. Webhook names are user-chosen: text
// only.

import { client, state, ui } from '../context.js';
import { h } from '../dom.js';
import { permissions } from '../perms.js';
import { describe, toast } from './feedback.js';

const MANAGE_WEBHOOKS = 1n << 29n;

/** webhooksButton is the header's "Webhooks" button, or null without the permission. */
export function webhooksButton(channel) {
  if (!(permissions(channel.id) & MANAGE_WEBHOOKS)) return null;
  // On a phone-sized header the button is a glyph, so the header fits.
  return h('button', { type: 'button', class: 'secondary webhooks-button', 'aria-label': 'Webhooks', title: 'Webhooks', onclick: () => openWebhooks(channel.id) },
    h('span', { class: 'wide-only', 'aria-hidden': 'true' }, 'Webhooks'), h('span', { class: 'narrow-only', 'aria-hidden': 'true' }, '⚓'));
}

/** webhookURL is where a webhook is executed: the server's own, or built from this origin. */
export function webhookURL(w) {
  if (typeof w.url === 'string' && /^https?:\/\//.test(w.url)) return w.url;
  return `${location.origin}/api/webhooks/${w.id}/${w.token}`;
}

async function openWebhooks(channelId) {
  const c = state.channels.get(channelId);
  const titleId = 'webhooks-title';
  const list = h('ul', { class: 'webhook-list', 'aria-label': 'Webhooks' });
  const status = h('p', { class: 'muted small', role: 'status' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'webhook-name', maxlength: '80', required: true, autocomplete: 'off' });
  const form = h('form', { class: 'webhook-form' },
    h('label', { for: 'webhook-name' }, 'New webhook name'), h('div', { class: 'invite-row' }, name, h('button', { type: 'submit', class: 'primary' }, 'Create webhook')));
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
    h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, `Webhooks for #${c ? c.name : 'channel'}`),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: () => dlg.close() }, '✕')),
    list, form, err, status);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();

  const show = (hooks) => {
    list.replaceChildren(...hooks.map((w) => item(w)));
    if (!hooks.length) list.append(h('li', { class: 'muted' }, 'No webhooks yet.'));
  };
  let hooks = [];
  const item = (w) => h('li', { class: 'webhook-item' },
    h('span', { class: 'webhook-name' }, String(w.name || 'Webhook')),
    w.token ? h('button', {
      type: 'button', class: 'secondary', 'aria-label': `Copy URL of ${w.name}`, onclick: async () => {
        try { await navigator.clipboard.writeText(webhookURL(w)); status.textContent = 'Webhook URL copied.'; } catch { status.textContent = webhookURL(w); }
      },
    }, 'Copy URL') : null,
    h('button', {
      type: 'button', class: 'danger', 'aria-label': `Delete ${w.name}`, onclick: async () => {
        try {
          await client.api.delete(`/webhooks/${w.id}`);
          hooks = hooks.filter((x) => x.id !== w.id);
          show(hooks);
        } catch (e) { err.textContent = describe(e); }
      },
    }, 'Delete'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      const w = await client.api.post(`/channels/${channelId}/webhooks`, { name: name.value.trim() });
      hooks.push(w);
      show(hooks);
      name.value = '';
      status.textContent = `Created ${w.name}.`;
    } catch (e) {
      err.textContent = describe(e);
    }
  });
  try {
    hooks = (await client.api.get(`/channels/${channelId}/webhooks`)) || [];
    show(hooks);
  } catch (e) {
    if (ui.channelId === channelId) err.textContent = describe(e);
    else toast(describe(e));
  }
  return dlg;
}
