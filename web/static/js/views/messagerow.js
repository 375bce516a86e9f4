// One row of the message list: the quoted message it replies to, author and
// time (or grouped under the previous message), markdown content, attachments,
// embeds and reactions, and the actions (react, reply, pin; edit in place and
// delete with confirmation on one's own). The VirtualList calls rowKey,
// estimateRow and renderRow; a row re-renders when its key changes.

import { client, state, ui } from '../context.js';
import { h, avatar, colorFor, displayName, formatFull, formatShortTime, formatStamp } from '../dom.js';
import { expandEmoji } from '../emoji.js';
import { render } from '../markdown.js';
import { time as snowflakeTime } from '../snowflake.js';
import { renderAttachments } from './attachments.js';
import { renderComponents } from './components.js';
import { autosize, tooLong } from './composer.js';
import { renderEmbeds } from './embeds.js';
import { describe, toast } from './feedback.js';
import { authorAvatar, authorTag, commandHeader, commandStatus, ephemeralNote } from './interactions.js';
import { mentionContext } from './mentions.js';
import { applyMessageDelete, applyMessageUpdate, rerenderRows } from './messages.js';
import { canPin, setPinned } from './pins.js';
import { myEmojis, openPicker, renderReactions } from './reactions.js';
import { jumpTo, renderReplyPreview, startReply } from './replies.js';
import { blockedKey, blockedRow, hiddenAsBlocked } from './blocked.js';
import { openThread, openThreadList, threadAction, threadBadge } from './threads.js';

// Message types drawn as a system line rather than a message.
const TYPE_PIN = 6;
const TYPE_THREAD_CREATED = 18;

const GROUP_WITHIN_MS = 7 * 60 * 1000;

// isGrouped: a message shows under the previous one, without avatar and name,
// when the same author sent it within GROUP_WITHIN_MS and it is not a reply.
function isGrouped(items, i) {
  if (i === 0) return false;
  const a = items[i - 1];
  const b = items[i];
  if (!a.author || !b.author || a.author.id !== b.author.id) return false;
  if (b.message_reference || b.type === 19 || b.interaction_metadata || b._command || a.author.username !== b.author.username) return false;
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
  return `${id}|${m._rev || 0}${g}${e}${m.failed ? 'f' : ''}${blockedKey(m)}`;
}

/** estimateRow guesses a row's height in pixels before it is measured. */
export function estimateRow(m, i, items) {
  const text = m.content || '';
  let lines = 1;
  for (let j = 0; j < text.length; j++) if (text.charCodeAt(j) === 10) lines++;
  lines += Math.floor(text.length / 90);
  let extra = 0;
  for (const a of m.attachments || []) extra += a.height > 0 ? Math.min(300, a.height) + 8 : 60;
  extra += (m.embeds || []).length * 120;
  if (m.reactions && m.reactions.length) extra += 32;
  if (m.type === 19) extra += 22;
  extra += (Array.isArray(m.components) ? m.components.length : 0) * 40 + (m.interaction_metadata || m._command ? 22 : 0);
  return (isGrouped(items, i) ? 6 : 30) + lines * 22 + extra;
}

/** renderRow builds the row for items[i]. */
export function renderRow(m, i, items) {
  if (m.type === TYPE_PIN) return systemRow(m);
  if (m.type === TYPE_THREAD_CREATED) return threadCreatedRow(m);
  if (hiddenAsBlocked(m)) return blockedRow(m);
  const grouped = isGrouped(items, i);
  const mine = state.me && m.author && m.author.id === state.me.id;
  const guildId = ui.guildId;
  const member = m.author && state.member(guildId, m.author.id);
  const name = displayName(m.author, m.member || member);
  const when = new Date(msgTime(m));
  const ctx = mentionContext(m);
  const body = h('div', { class: 'msg-body' });
  if (grouped) {
    body.append(h('span', { class: 'sr-only' }, name + ' '));
  } else {
    body.append(h('h3', { class: 'msg-meta' },
      h('span', { class: 'author', style: `--author-color:${colorFor(m.author && m.author.id)}` }, name),
      authorTag(m),
      h('time', { datetime: when.toISOString(), title: formatFull(when) }, formatStamp(when)),
      m.pinned ? h('span', { class: 'pinned-mark', title: 'Pinned' }, ' 📌', h('span', { class: 'sr-only' }, 'pinned')) : null));
  }
  if (m.id && m.id === ui.editingId) {
    body.append(editBox(m));
  } else {
    if (m.content) {
      const content = h('div', { class: 'msg-content' }, render(m.content, ctx));
      if (m.edited_timestamp) content.append(h('span', { class: 'edited', title: formatFull(new Date(m.edited_timestamp)) }, ' (edited)'));
      body.append(content);
    }
    for (const part of [commandStatus(m, name), renderAttachments(m), renderEmbeds(m, ctx), renderComponents(m), ephemeralNote(m)]) if (part) body.append(part);
  }
  const reactions = m.id ? renderReactions(m) : null;
  if (reactions) body.append(reactions);
  const thread = threadBadge(m);
  if (thread) body.append(thread);
  if (m.failed) body.append(h('p', { class: 'form-error' }, m.failed));
  if (m.id && m.id === ui.confirmDeleteId) {
    body.append(h('div', { class: 'confirm-delete', role: 'group', 'aria-label': 'Confirm delete' },
      h('span', null, 'Delete this message?'),
      h('button', { type: 'button', class: 'danger', onclick: () => deleteMessage(m) }, 'Confirm delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => setConfirmDelete(null) }, 'Cancel')));
  }
  const row = h('div', {
    role: 'listitem', class: 'msg' + (grouped ? ' grouped' : '') + (m.pending ? ' pending' : '') + (mine ? ' mine' : '') + (m.type === 19 ? ' reply' : ''),
    dataset: { id: m.id || '' }, 'aria-busy': m.pending ? 'true' : null,
  },
  renderReplyPreview(m) || commandHeader(m),
  grouped ? h('time', { class: 'msg-side-time', datetime: when.toISOString(), 'aria-hidden': 'true' }, formatShortTime(when)) : authorAvatar(m) || avatar(m.author),
  body);
  if (m.id && !m.pending && m.id !== ui.editingId && !((m.flags || 0) & 64)) {
    // The actions are built when the pointer or focus arrives, not with the
    // row: most rows are scrolled past without either (and the list builds
    // rows in bursts while scrolling), and what may be done (pin) follows
    // roles and overwrites, which change without the row changing.
    const refresh = () => {
      const old = row.querySelector(':scope > .msg-actions');
      if (!old) row.append(actions(m, mine));
      else if (!old.contains(document.activeElement)) old.replaceWith(actions(m, mine));
    };
    row.addEventListener('pointerenter', refresh);
    row.addEventListener('focusin', () => { if (!row.querySelector(':scope > .msg-actions')) refresh(); });
  }
  return row;
}

// actions are the buttons shown on hover or focus: react, reply, pin for
// those allowed, and edit and delete on one's own messages only.
function actions(m, mine) {
  const channelId = m.channel_id || ui.channelId;
  return h('div', { class: 'msg-actions' },
    h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Add reaction', title: 'Add reaction', onclick: (ev) => openPicker(m, ev.currentTarget) }, '☺'),
    h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Reply', title: 'Reply', onclick: () => startReply(m) }, '↩'),
    threadAction(m),
    canPin(channelId) ? h('button', {
      type: 'button', class: 'icon-button small', 'aria-label': m.pinned ? 'Unpin message' : 'Pin message', title: m.pinned ? 'Unpin' : 'Pin',
      onclick: () => setPinned(m, !m.pinned),
    }, '📌') : null,
    mine ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Edit message', title: 'Edit', onclick: () => startEdit(m.id) }, '✎') : null,
    mine ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Delete message', title: 'Delete', onclick: () => setConfirmDelete(m.id) }, '🗑') : null);
}

// systemRow draws a pin notice: "<name> pinned a message to this channel."
function systemRow(m) {
  const name = displayName(m.author, m.author && state.member(ui.guildId, m.author.id));
  const ref = m.message_reference && m.message_reference.message_id;
  return h('div', { role: 'listitem', class: 'msg system', dataset: { id: m.id || '' } },
    h('span', { class: 'system-icon', 'aria-hidden': 'true' }, '📌'),
    h('div', { class: 'msg-body' },
      h('span', { class: 'author' }, name), ' pinned ',
      ref ? h('button', { type: 'button', class: 'link', onclick: () => jumpTo(m.channel_id || ui.channelId, ref) }, 'a message') : 'a message',
      ' to this channel. ',
      h('time', { class: 'muted small', datetime: new Date(msgTime(m)).toISOString() }, formatStamp(new Date(msgTime(m))))));
}

// threadCreatedRow is a THREAD_CREATED message: "alice started a thread:
// name", the name opening the thread (its reference), and a link to the
// channel's thread list.
function threadCreatedRow(m) {
  const name = displayName(m.author, m.author && state.member(ui.guildId, m.author.id));
  const threadId = m.message_reference && m.message_reference.channel_id;
  const parentId = m.channel_id || ui.channelId;
  return h('div', { role: 'listitem', class: 'msg system', dataset: { id: m.id || '' } },
    h('span', { class: 'system-icon', 'aria-hidden': 'true' }, '🧵'),
    h('div', { class: 'msg-body' },
      h('span', { class: 'author' }, name), ' started a thread: ',
      threadId ? h('button', { type: 'button', class: 'link', 'aria-label': `Open thread ${m.content || ''}`, onclick: () => openThread(threadId) }, m.content || 'a thread') : (m.content || 'a thread'),
      '. ',
      h('button', { type: 'button', class: 'link', onclick: () => openThreadList(parentId) }, 'See all threads'),
      ' ',
      h('time', { class: 'muted small', datetime: new Date(msgTime(m)).toISOString() }, formatStamp(new Date(msgTime(m))))));
}

function editBox(m) {
  const box = h('textarea', { class: 'edit-box', 'aria-label': 'Edit message', rows: '1' });
  box.value = m.content || '';
  const err = h('p', { class: 'form-error', role: 'alert' });
  const save = async () => {
    const content = expandEmoji(box.value, myEmojis());
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
