// Channel management for those with MANAGE_CHANNELS: create a text channel,
// category or forum (in a category); the channel settings dialog (name,
// topic, slowmode, category, move up/down, delete) with the way into the
// permissions editor; and reordering (PATCH /guilds/{id}/channels) shared
// with the sidebar's drag and drop. The server checks every request again.

import { client, scheduleRender, state } from '../context.js';
import { h } from '../dom.js';
import { channelGroups } from './channeltree.js';
import { dialog } from './dialogs.js';
import { describe, setBusy, toast } from './feedback.js';
import { openPermissions } from './permissions.js';

/** SLOWMODE lists the slowmode choices Discord's client offers, in seconds. */
export const SLOWMODE = [[0, 'Off'], [5, '5s'], [10, '10s'], [15, '15s'], [30, '30s'], [60, '1m'], [120, '2m'], [300, '5m'],
  [600, '10m'], [900, '15m'], [1800, '30m'], [3600, '1h'], [7200, '2h'], [21600, '6h']];

// Channel types (channeltree.js imports this module: its constants are not
// initialised yet when this one runs).
const TYPE_TEXT = 0;
const TYPE_CATEGORY = 4;
const TYPE_FORUM = 15;
const TYPE_NAMES = [[TYPE_TEXT, 'Text channel'], [TYPE_CATEGORY, 'Category'], [TYPE_FORUM, 'Forum channel']];

let seq = 0;

// field builds a labelled control; returns [label, control].
function field(label, control) {
  const id = `f${++seq}`;
  control.id = id;
  return [h('label', { for: id }, label), control];
}

function select(options, value) {
  const el = h('select', null, options.map(([v, label]) => h('option', { value: String(v) }, label)));
  el.value = String(value);
  return el;
}

function categories(guildId) {
  return channelGroups(guildId).filter((g) => g.category).map((g) => g.category);
}

function categorySelect(guildId, value) {
  return select([['', 'No category'], ...categories(guildId).map((c) => [c.id, c.name])], value || '');
}

/** openCreateChannel opens the dialog creating a channel or category in guildId (under parentId). */
export function openCreateChannel(guildId, parentId = null) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const type = select(TYPE_NAMES, TYPE_TEXT);
  const name = h('input', { required: true, maxlength: 100, placeholder: 'new-channel' });
  const parent = categorySelect(guildId, parentId);
  const parentRow = h('div', { class: 'field' }, ...field('Category', parent));
  type.addEventListener('change', () => { parentRow.hidden = Number(type.value) === TYPE_CATEGORY; });
  const form = h('form', { class: 'dialog-form' },
    ...field('Channel type', type), ...field('Channel name', name), parentRow, err,
    h('button', { type: 'submit', class: 'primary' }, 'Create channel'));
  const dlg = dialog('Create channel', form);
  name.focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    const t = Number(type.value);
    const body = { name: name.value.trim(), type: t };
    if (t !== TYPE_CATEGORY && parent.value) body.parent_id = parent.value;
    try {
      const c = await client.api.post(`/guilds/${guildId}/channels`, body);
      state.addChannel({ ...c, guild_id: c.guild_id || guildId });
      dlg.close();
      scheduleRender('sidebar');
      if (t !== TYPE_CATEGORY) location.hash = `#/channels/${guildId}/${c.id}`;
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  return dlg;
}

/** openChannelSettings opens the settings of channel (or category) channelId. */
export function openChannelSettings(channelId) {
  const c = state.channels.get(channelId);
  if (!c) return null;
  const isCat = c.type === TYPE_CATEGORY;
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { required: true, maxlength: 100, value: c.name });
  const topic = isCat ? null : h('textarea', { maxlength: 1024, rows: '3' });
  if (topic) topic.value = c.topic || '';
  const slow = isCat ? null : select(SLOWMODE, c.rate_limit_per_user || 0);
  const parent = isCat ? null : categorySelect(c.guild_id, c.parent_id);
  // A forum's tags, edited as a list of names; a kept name keeps its tag's id.
  const oldTags = Array.isArray(c.available_tags) ? c.available_tags : [];
  const tags = c.type === TYPE_FORUM ? h('input', { maxlength: 400, placeholder: 'e.g. question, bug, idea', value: oldTags.map((t) => t.name).join(', ') }) : null;
  const label = isCat ? 'Category name' : 'Channel name';
  const form = h('form', { class: 'dialog-form', 'aria-label': 'Overview' },
    ...field(label, name),
    topic ? field('Channel topic', topic) : null,
    slow ? field('Slowmode', slow) : null,
    parent ? field('Category', parent) : null,
    tags ? field('Tags (comma separated)', tags) : null,
    err,
    h('button', { type: 'submit', class: 'primary' }, 'Save changes'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = {};
    if (name.value.trim() !== c.name) body.name = name.value.trim();
    if (topic && topic.value !== (c.topic || '')) body.topic = topic.value;
    if (slow && Number(slow.value) !== (c.rate_limit_per_user || 0)) body.rate_limit_per_user = Number(slow.value);
    if (parent && (parent.value || null) !== (c.parent_id || null)) body.parent_id = parent.value || null;
    if (tags) {
      const names = [...new Set(tags.value.split(',').map((s) => s.trim()).filter(Boolean))];
      if (names.join(',') !== oldTags.map((t) => t.name).join(',')) {
        body.available_tags = names.map((name) => {
          const old = oldTags.find((t) => t.name === name);
          return old ? { id: old.id, name } : { name };
        });
      }
    }
    if (!Object.keys(body).length) { dlg.close(); return; }
    setBusy(form, true);
    try {
      const updated = await client.api.patch(`/channels/${c.id}`, body);
      state.addChannel({ ...updated, guild_id: c.guild_id });
      scheduleRender('sidebar', 'header');
      dlg.close();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  const confirm = h('div', { class: 'confirm-delete', role: 'group', 'aria-label': 'Confirm delete', hidden: true },
    h('span', null, `Delete ${isCat ? 'category' : 'channel'} ${c.name}? This cannot be undone.`),
    h('button', { type: 'button', class: 'danger', onclick: () => deleteChannel(c, dlg) }, 'Confirm delete'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; } }, 'Cancel'));
  const actions = h('div', { class: 'settings-actions' },
    h('button', { type: 'button', class: 'secondary', onclick: () => moveChannel(c.guild_id, c.id, { delta: -1 }) }, 'Move up'),
    h('button', { type: 'button', class: 'secondary', onclick: () => moveChannel(c.guild_id, c.id, { delta: 1 }) }, 'Move down'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { dlg.close(); openPermissions(c.id); } }, 'Permissions'),
    h('button', { type: 'button', class: 'danger', onclick: () => { confirm.hidden = false; confirm.querySelector('.danger').focus(); } }, isCat ? 'Delete category' : 'Delete channel'));
  const dlg = dialog(isCat ? `Category settings: ${c.name}` : `Channel settings: #${c.name}`, form, actions, confirm);
  name.focus();
  return dlg;
}

async function deleteChannel(c, dlg) {
  try {
    await client.api.delete(`/channels/${c.id}`);
    state.removeChannel(c.id);
    dlg.close();
    scheduleRender('sidebar');
  } catch (e) {
    toast(describe(e));
  }
}

/**
 * moveChannel reorders channel id among its siblings: by delta (-1 up, +1
 * down), or into parentId before beforeId (at the end when null), and sends
 * every sibling's new position with PATCH /guilds/{id}/channels.
 */
export async function moveChannel(guildId, id, { delta = 0, parentId, beforeId = null } = {}) {
  const c = state.channels.get(id);
  if (!c) return;
  const isCat = c.type === TYPE_CATEGORY;
  const target = isCat ? null : parentId === undefined ? c.parent_id || null : parentId;
  const siblings = isCat
    ? categories(guildId)
    : (channelGroups(guildId).find((g) => (g.category ? g.category.id : null) === target) || { channels: [] }).channels.slice();
  const from = siblings.findIndex((s) => s.id === id);
  if (from >= 0) siblings.splice(from, 1);
  let to;
  if (delta) to = Math.max(0, Math.min(siblings.length, from + delta));
  else if (beforeId) to = Math.max(0, siblings.findIndex((s) => s.id === beforeId));
  else to = siblings.length;
  if (delta && to === from) return;
  siblings.splice(to, 0, c);
  const body = siblings.map((s, i) => {
    const row = { id: s.id, position: i };
    if (!isCat) row.parent_id = target;
    return row;
  });
  try {
    await client.api.patch(`/guilds/${guildId}/channels`, body);
    // The CHANNEL_UPDATEs that follow say the same; apply it now so the
    // list does not jump back in between.
    for (const row of body) state.addChannel({ id: row.id, position: row.position, ...(isCat ? {} : { parent_id: row.parent_id }) });
    scheduleRender('sidebar');
  } catch (e) {
    toast(describe(e));
  }
}
