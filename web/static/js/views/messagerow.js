// One row of the message list: author and time (or grouped under the previous
// message), content, attachments, and the own-message actions (edit in place,
// delete with confirmation). The VirtualList calls rowKey, estimateRow and
// renderRow; a row re-renders when its key changes.

import { client, state, ui } from '../context.js';
import { h, avatar, colorFor, displayName, formatFull, formatShortTime, formatStamp, richText } from '../dom.js';
import { time as snowflakeTime } from '../snowflake.js';
import { autosize, tooLong } from './composer.js';
import { describe, toast } from './feedback.js';
import { applyMessageDelete, applyMessageUpdate, rerenderRows } from './messages.js';

const GROUP_WITHIN_MS = 7 * 60 * 1000;

// isGrouped: a message shows under the previous one, without avatar and name,
// when the same author sent it within GROUP_WITHIN_MS and it is not a reply.
function isGrouped(items, i) {
  if (i === 0) return false;
  const a = items[i - 1];
  const b = items[i];
  if (!a.author || !b.author || a.author.id !== b.author.id) return false;
  if (b.message_reference || b.type === 19) return false;
  return msgTime(b) - msgTime(a) < GROUP_WITHIN_MS;
}

// msgTime is cached on the message: grouping asks for it for every row each
// time the list changes.
function msgTime(m) {
  if (m._t === undefined) m._t = m.timestamp ? Date.parse(m.timestamp) : m.id ? snowflakeTime(m.id).getTime() : Date.now();
  return m._t;
}

/** rowKey changes whenever the row must be drawn again. */
export function rowKey(m, i, items) {
  const id = m.id || 'p' + m.nonce;
  const g = isGrouped(items, i) ? 'g' : '';
  const e = m.id && m.id === ui.editingId ? 'e' : m.id && m.id === ui.confirmDeleteId ? 'd' : '';
  return `${id}|${m._rev || 0}${g}${e}${m.failed ? 'f' : ''}`;
}

/** estimateRow guesses a row's height in pixels before it is measured. */
export function estimateRow(m, i, items) {
  const text = m.content || '';
  let lines = 1;
  for (let j = 0; j < text.length; j++) if (text.charCodeAt(j) === 10) lines++;
  lines += Math.floor(text.length / 90);
  return (isGrouped(items, i) ? 6 : 30) + lines * 22;
}

/** renderRow builds the row for items[i]. */
export function renderRow(m, i, items) {
  const grouped = isGrouped(items, i);
  const mine = state.me && m.author && m.author.id === state.me.id;
  const guildId = ui.guildId;
  const member = m.author && state.member(guildId, m.author.id);
  const name = displayName(m.author, m.member || member);
  const when = new Date(msgTime(m));
  const nameOf = (id) => {
    const u = (m.mentions || []).find((x) => x.id === id) || state.users.get(id);
    return u ? displayName(u, state.member(guildId, id)) : 'unknown-user';
  };
  const body = h('div', { class: 'msg-body' });
  if (grouped) {
    body.append(h('span', { class: 'sr-only' }, name + ' '));
  } else {
    body.append(h('h3', { class: 'msg-meta' },
      h('span', { class: 'author', style: `--author-color:${colorFor(m.author && m.author.id)}` }, name),
      m.author && m.author.bot ? h('span', { class: 'tag' }, 'BOT') : null,
      h('time', { datetime: when.toISOString(), title: formatFull(when) }, formatStamp(when))));
  }
  if (m.id && m.id === ui.editingId) {
    body.append(editBox(m));
  } else {
    const content = h('div', { class: 'msg-content' }, richText(m.content || '', nameOf));
    if (m.edited_timestamp) content.append(h('span', { class: 'edited', title: formatFull(new Date(m.edited_timestamp)) }, ' (edited)'));
    body.append(content);
    if (m.attachments && m.attachments.length) {
      body.append(h('ul', { class: 'attachments' }, m.attachments.map((a) => h('li', null, h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.filename || 'attachment')))));
    }
  }
  if (m.failed) body.append(h('p', { class: 'form-error' }, m.failed));
  if (m.id && m.id === ui.confirmDeleteId) {
    body.append(h('div', { class: 'confirm-delete', role: 'group', 'aria-label': 'Confirm delete' },
      h('span', null, 'Delete this message?'),
      h('button', { type: 'button', class: 'danger', onclick: () => deleteMessage(m) }, 'Confirm delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => setConfirmDelete(null) }, 'Cancel')));
  }
  const row = h('div', {
    role: 'listitem', class: 'msg' + (grouped ? ' grouped' : '') + (m.pending ? ' pending' : '') + (mine ? ' mine' : ''),
    dataset: { id: m.id || '' }, 'aria-busy': m.pending ? 'true' : null,
  },
  grouped ? h('time', { class: 'msg-side-time', datetime: when.toISOString(), 'aria-hidden': 'true' }, formatShortTime(when)) : avatar(m.author),
  body);
  if (mine && m.id && !m.pending && m.id !== ui.editingId) {
    row.append(h('div', { class: 'msg-actions' },
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Edit message', title: 'Edit', onclick: () => startEdit(m.id) }, '✎'),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Delete message', title: 'Delete', onclick: () => setConfirmDelete(m.id) }, '🗑')));
  }
  return row;
}

function editBox(m) {
  const box = h('textarea', { class: 'edit-box', 'aria-label': 'Edit message', rows: '1' });
  box.value = m.content || '';
  const err = h('p', { class: 'form-error', role: 'alert' });
  const save = async () => {
    const content = box.value;
    if (content === m.content) { stopEdit(); return; }
    if (!content.trim()) { setConfirmDelete(m.id); stopEdit(); return; }
    const over = tooLong(content);
    if (over) { err.textContent = over; return; }
    try {
      const updated = await client.api.editMessage(m.channel_id || ui.channelId, m.id, content);
      applyMessageUpdate(updated);
      stopEdit();
    } catch (e) {
      err.textContent = describe(e);
    }
  };
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); save(); }
    if (ev.key === 'Escape') { ev.preventDefault(); stopEdit(); }
  });
  box.addEventListener('input', () => autosize(box));
  requestAnimationFrame(() => autosize(box));
  return h('div', { class: 'edit' }, box, err,
    h('p', { class: 'muted small' }, 'Escape to ', h('button', { type: 'button', class: 'link', onclick: stopEdit }, 'cancel'), ' • Enter to ', h('button', { type: 'button', class: 'link', onclick: save }, 'save')));
}

/** startEdit turns message id's row into an edit box and focuses it. */
export function startEdit(id) {
  ui.editingId = id;
  ui.confirmDeleteId = null;
  rerenderRows();
  ui.list.renderNow();
  const box = ui.els.list.querySelector('.edit-box');
  if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
}

function stopEdit() {
  ui.editingId = null;
  rerenderRows();
  if (ui.els.input) ui.els.input.focus({ preventScroll: true });
}

function setConfirmDelete(id) {
  ui.confirmDeleteId = id;
  rerenderRows();
  if (id) {
    ui.list.renderNow();
    const b = ui.els.list.querySelector('.confirm-delete .danger');
    if (b) b.focus();
  }
}

async function deleteMessage(m) {
  try {
    await client.api.deleteMessage(m.channel_id || ui.channelId, m.id);
    ui.confirmDeleteId = null;
    applyMessageDelete(m.channel_id || ui.channelId, m.id);
  } catch (err) {
    toast(describe(err));
  }
}
