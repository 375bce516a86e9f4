// Forms and modal dialogs: create or join a server (on the home view and in
// the "Add a server" dialog), create a channel, create an invite.

import { client, scheduleRender, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { openCreateChannel } from './channeledit.js';
import { describe, setBusy, toast } from './feedback.js';

let formSeq = 0;

/**
 * serverForms builds the "Create a server" and "Join a server" forms; onDone,
 * if given, runs after either succeeds (the dialog closes itself with it).
 */
export function serverForms(onDone) {
  // Unique ids: the home view and the "Add a server" dialog may both exist.
  const n = ++formSeq;
  const createErr = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: `server-name-${n}`, class: 'server-name', name: 'name', required: true, maxlength: 100, value: `${displayName(state.me)}'s server` });
  const create = h('form', { class: 'card', 'aria-labelledby': `create-server-title-${n}` },
    h('h2', { id: `create-server-title-${n}` }, 'Create a server'),
    h('label', { for: `server-name-${n}` }, 'Server name'), name, createErr,
    h('button', { type: 'submit', class: 'primary' }, 'Create server'));
  create.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    createErr.textContent = '';
    setBusy(create, true);
    try {
      const g = await client.api.createGuild(name.value.trim());
      state.addGuild(g);
      if (onDone) onDone();
      location.hash = `#/channels/${g.id}`;
      scheduleRender('rail');
    } catch (err) {
      createErr.textContent = describe(err);
    } finally {
      setBusy(create, false);
    }
  });
  const joinErr = h('p', { class: 'form-error', role: 'alert' });
  const code = h('input', { id: `invite-code-${n}`, name: 'code', required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'e.g. hTKzmak' });
  const join = h('form', { class: 'card', 'aria-labelledby': `join-server-title-${n}` },
    h('h2', { id: `join-server-title-${n}` }, 'Join a server'),
    h('label', { for: `invite-code-${n}` }, 'Invite code'), code, joinErr,
    h('button', { type: 'submit', class: 'primary' }, 'Join server'));
  join.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    joinErr.textContent = '';
    // Accept a pasted link as well as a bare code.
    const raw = code.value.trim().replace(/\/+$/, '');
    const c = raw.slice(raw.lastIndexOf('/') + 1);
    setBusy(join, true);
    try {
      const inv = await client.api.acceptInvite(c);
      const gid = (inv.guild && inv.guild.id) || inv.guild_id;
      if (inv.guild) state.addGuild(inv.guild);
      else if (gid && !state.guilds.has(gid)) state.addGuild({ id: gid, name: 'Server' });
      if (gid && !state.guilds.get(gid).name) state.guilds.get(gid).name = 'Server';
      if (inv.channel && gid) state.addChannel({ ...inv.channel, guild_id: gid });
      if (onDone) onDone();
      scheduleRender('rail');
      const cid = (inv.channel && inv.channel.id) || inv.channel_id;
      location.hash = cid ? `#/channels/${gid}/${cid}` : `#/channels/${gid}`;
    } catch (err) {
      joinErr.textContent = describe(err);
    } finally {
      setBusy(join, false);
    }
  });
  return h('div', { class: 'server-forms' }, create, join);
}

/** dialog opens a modal <dialog> titled title; it removes itself when closed. */
export function dialog(title, ...body) {
  const id = 'dlg-' + Math.random().toString(36).slice(2);
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': id },
    h('div', { class: 'dialog-head' }, h('h2', { id }, title),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: () => dlg.close() }, '✕')),
    ...body);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

/** openAddServer opens the create-or-join dialog (the rail's "+"). */
export function openAddServer() {
  let dlg = null;
  dlg = dialog('Add a server', serverForms(() => dlg && dlg.close()));
  dlg.querySelector('.server-name').select();
}

/** openAddChannel opens the create-channel dialog (channeledit.js) for ui.guildId. */
export function openAddChannel() {
  if (ui.guildId) openCreateChannel(ui.guildId);
}

/** openInvite creates an invite to ui.channelId and shows its code to copy. */
export async function openInvite() {
  const cid = ui.channelId;
  if (!cid) return;
  const g = state.guilds.get(ui.guildId);
  let inv;
  try {
    inv = await client.api.createInvite(cid);
  } catch (err) {
    toast(describe(err));
    return;
  }
  const field = h('input', { id: 'invite-share', readonly: true, value: inv.code, 'aria-label': 'Invite to share' });
  const copied = h('span', { class: 'muted', role: 'status' });
  const dlg = dialog(`Invite friends to ${g ? g.name : 'this server'}`,
    h('p', null, 'Send this invite code to a friend. They can paste it under “Join a server”.'),
    h('div', { class: 'invite-row' }, field,
      h('button', {
        type: 'button', class: 'primary', onclick: async () => {
          field.select();
          try { await navigator.clipboard.writeText(inv.code); copied.textContent = 'Copied!'; } catch { copied.textContent = 'Press Ctrl+C to copy.'; }
        },
      }, 'Copy')),
    copied);
  field.select();
  return dlg;
}
