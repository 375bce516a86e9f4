// Threads: started from a message (the row's "Create Thread" action) or
// from the thread list ("New Thread", public or private), shown in a side
// panel with their messages and a composer, and listed per channel (active
// and archived). A private thread's members add people to it ("Add
// people"); only they and MANAGE_THREADS see it. Threads are channels (types 10, 11, 12) kept in
// the State with their parent_id; THREAD_CREATE/UPDATE/DELETE/LIST_SYNC and
// GUILD_CREATE's threads keep them current, and messages in the open thread
// arrive with the usual MESSAGE_* dispatches.

import { client, state, ui } from '../context.js';
import { h, avatar, colorFor, displayName, formatStamp } from '../dom.js';
import { render } from '../markdown.js';
import { Perm, has, permissions } from '../perms.js';
import { nonce as newNonce } from '../snowflake.js';
import { dialog } from './dialogs.js';
import { describe, setBusy, toast } from './feedback.js';
import { mentionContext } from './mentions.js';
import { rerenderRows } from './messages.js';
import { isTimedOut } from './moderation.js';

export const THREAD_TYPES = new Set([10, 11, 12]);

// panel: what the side panel shows: {kind: 'thread', id, messages: Map} or
// {kind: 'list', channelId} or {kind: 'start', message}; el is its element.
let panel = null;

/** isThread reports whether c is a thread channel. */
export function isThread(c) {
  return !!c && THREAD_TYPES.has(c.type);
}

/** noteThreads records threads from GUILD_CREATE or a thread list answer. */
export function noteThreads(guildId, list) {
  for (const t of list || []) state.addChannel({ ...t, guild_id: t.guild_id || guildId });
}

/** threadsOf lists the known threads of parent channel id, newest first. */
export function threadsOf(parentId) {
  const p = state.channels.get(parentId);
  const g = p && state.guilds.get(p.guild_id);
  if (!g) return [];
  const out = [];
  for (const id of g.channelIds) {
    const c = state.channels.get(id);
    if (isThread(c) && c.parent_id === parentId) out.push(c);
  }
  return out.sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
}

/** loadThreads fetches the active and archived public threads of parentId into the State. */
export async function loadThreads(parentId) {
  const p = state.channels.get(parentId);
  if (!p) return;
  const [active, archived] = await Promise.all([
    client.api.get(`/guilds/${p.guild_id}/threads/active`),
    client.api.get(`/channels/${parentId}/threads/archived/public`, { limit: 50 }).catch(() => ({ threads: [] })),
  ]);
  noteThreads(p.guild_id, (active.threads || []).filter((t) => t.parent_id === parentId));
  noteThreads(p.guild_id, archived.threads);
}

/** onThreadDispatch applies THREAD_* dispatches. */
export function onThreadDispatch(name, d) {
  switch (name) {
    case 'THREAD_CREATE':
    case 'THREAD_UPDATE':
      if (d.guild_id && state.guilds.has(d.guild_id)) noteStarter(state.addChannel(d));
      break;
    case 'THREAD_DELETE':
      state.removeChannel(d.id);
      if (panel && panel.kind === 'thread' && panel.id === d.id) closePanel();
      break;
    case 'THREAD_LIST_SYNC':
      noteThreads(d.guild_id, d.threads);
      break;
    default:
      return;
  }
  redrawPanel();
  threadListeners.forEach((fn) => fn(d));
}

// threadListeners are told about thread changes (the forum view).
const threadListeners = new Set();
export function onThreadsChanged(fn) {
  threadListeners.add(fn);
  return () => threadListeners.delete(fn);
}

/** onThreadMessage applies a MESSAGE_CREATE/UPDATE/DELETE to the open thread panel. */
export function onThreadMessage(name, d) {
  const c = state.channels.get(d.channel_id);
  // A forum post's first message has the thread's id and is not counted, as on Discord.
  if (isThread(c) && name === 'MESSAGE_CREATE' && d.id !== c.id) {
    c.message_count = (c.message_count || 0) + 1;
    noteStarter(c);
    threadListeners.forEach((fn) => fn(c));
  }
  if (!panel || panel.kind !== 'thread' || panel.id !== d.channel_id) return;
  if (name === 'MESSAGE_DELETE') panel.messages.delete(d.id);
  else if (name === 'MESSAGE_UPDATE') { if (panel.messages.has(d.id)) Object.assign(panel.messages.get(d.id), d); }
  else panel.messages.set(d.id, d);
  drawMessages();
}

// --- the side panel ---

function ensurePanel(label) {
  if (!panel || !panel.el || !panel.el.isConnected) {
    const el = h('aside', { class: 'thread-panel' });
    document.querySelector('.shell').append(el);
    panel = { ...(panel || {}), el };
  }
  panel.el.setAttribute('aria-label', label);
  return panel.el;
}

/** closePanel closes the thread side panel. */
export function closePanel() {
  if (panel && panel.el) panel.el.remove();
  panel = null;
}

function head(title, back) {
  return h('header', { class: 'thread-head' },
    back ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Back to threads', onclick: back }, '←') : null,
    h('h2', null, title),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close thread panel', onclick: closePanel }, '✕'));
}

function redrawPanel() {
  if (!panel || !panel.el || !panel.el.isConnected) return;
  if (panel.kind === 'list') drawList();
  if (panel.kind === 'thread') drawThreadHead();
}

/** canStartThread reports whether the user may start a public thread in channelId. */
export function canStartThread(channelId) {
  const c = state.channels.get(channelId);
  if (!c || (c.type !== 0 && c.type !== 5)) return false;
  const me = state.me && state.member(c.guild_id, state.me.id);
  if (isTimedOut(me)) return false;
  return has(permissions(channelId), Perm.CREATE_PUBLIC_THREADS | Perm.VIEW_CHANNEL);
}

/** canStartPrivateThread reports whether the user may start a private thread in channelId (text channels only). */
export function canStartPrivateThread(channelId) {
  const c = state.channels.get(channelId);
  if (!c || c.type !== 0) return false;
  const me = state.me && state.member(c.guild_id, state.me.id);
  if (isTimedOut(me)) return false;
  return has(permissions(channelId), Perm.CREATE_PRIVATE_THREADS | Perm.VIEW_CHANNEL);
}

/** threadAction is the message row's "Create Thread" button (or null). */
export function threadAction(m) {
  const channelId = m.channel_id || ui.channelId;
  if (m.thread || !canStartThread(channelId)) return null;
  return h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Create Thread', title: 'Create Thread', onclick: () => openStart(m) }, '↳');
}

/** threadBadge is the row's link to the thread started from it (or null). */
export function threadBadge(m) {
  const t = m.thread && (state.channels.get(m.thread.id) || m.thread);
  if (!t) return null;
  const n = t.message_count || 0;
  return h('button', { type: 'button', class: 'thread-badge', onclick: () => openThread(t.id) },
    h('span', { 'aria-hidden': 'true' }, '↳ '), `${t.name} — ${n} ${n === 1 ? 'message' : 'messages'}`);
}

// openStart shows the "start a thread" form for message m.
function openStart(m) {
  panel = { ...(panel || {}), kind: 'start', message: m };
  const el = ensurePanel('New thread');
  const err = h('p', { class: 'form-error', role: 'alert' });
  const first = (m.content || '').split('\n')[0].trim();
  const name = h('input', { id: 'thread-name', required: true, maxlength: 100, value: first.slice(0, 40) || 'New thread' });
  const form = h('form', { class: 'dialog-form thread-start' },
    h('blockquote', { class: 'thread-starter' }, h('strong', null, displayName(m.author)), ' ', m.content || ''),
    h('label', { for: 'thread-name' }, 'Thread name'), name, err,
    h('button', { type: 'submit', class: 'primary' }, 'Create Thread'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      const t = await client.api.post(`/channels/${m.channel_id || ui.channelId}/messages/${m.id}/threads`, { name: name.value.trim(), auto_archive_duration: 1440 });
      state.addChannel({ ...t, guild_id: t.guild_id || ui.guildId });
      openThread(t.id);
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  el.replaceChildren(head('New thread'), form);
  name.select();
}

// openNewThread shows the "New Thread" form of channelId: a name and, where
// the user may start both kinds, whether it is private.
function openNewThread(channelId) {
  panel = { ...(panel || {}), kind: 'new', channelId };
  const el = ensurePanel('New thread');
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'thread-name', required: true, maxlength: 100, value: '' });
  const pub = canStartThread(channelId);
  const priv = h('input', { type: 'checkbox', id: 'thread-private' });
  priv.checked = !pub;
  priv.disabled = !pub || !canStartPrivateThread(channelId);
  const form = h('form', { class: 'dialog-form thread-start' },
    h('label', { for: 'thread-name' }, 'Thread name'), name,
    h('div', { class: 'check-row' }, priv, h('label', { for: 'thread-private' }, 'Private thread: only people added and moderators see it')),
    err, h('button', { type: 'submit', class: 'primary' }, 'Create Thread'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      const t = await client.api.post(`/channels/${channelId}/threads`, { name: name.value.trim(), type: priv.checked ? 12 : 11, auto_archive_duration: 1440 });
      state.addChannel({ ...t, guild_id: t.guild_id || ui.guildId });
      openThread(t.id);
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  el.replaceChildren(head('New thread', () => openThreadList(channelId)), form);
  name.focus();
}

// openAddPeople lets a private thread's member add people who see its
// channel: the guild's members this client knows, as checkboxes.
function openAddPeople(t) {
  const members = state.members.get(t.guild_id);
  const people = [...(members ? members.values() : [])].filter((m) => m.user && state.me && m.user.id !== state.me.id && !m.user.bot);
  const boxes = people.map((m) => {
    const box = h('input', { type: 'checkbox', id: `add-${m.user.id}`, value: m.user.id });
    return [box, h('div', { class: 'check-row' }, box, h('label', { for: `add-${m.user.id}` }, displayName(m.user, m)))];
  });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'dialog-form' },
    h('fieldset', null, h('legend', null, `Add people to ${t.name}`), ...boxes.map(([, row]) => row)), err,
    h('button', { type: 'submit', class: 'primary' }, 'Add'));
  const dlg = dialog(`Add people to ${t.name}`, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      for (const [box] of boxes) if (box.checked) await client.api.put(`/channels/${t.id}/thread-members/${box.value}`);
      dlg.close();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
}

/** openThreadList shows the threads of channelId (active, then archived). */
export async function openThreadList(channelId) {
  panel = { ...(panel || {}), kind: 'list', channelId };
  ensurePanel('Threads');
  drawList();
  try {
    await loadThreads(channelId);
  } catch (e) {
    toast(describe(e));
  }
  if (panel && panel.kind === 'list' && panel.channelId === channelId) drawList();
}

function drawList() {
  const c = state.channels.get(panel.channelId);
  const threads = threadsOf(panel.channelId);
  const item = (t) => h('li', null, h('button', { type: 'button', class: 'thread-item', onclick: () => openThread(t.id) },
    h('span', { class: 'thread-name' }, t.name),
    h('span', { class: 'muted small' }, ` ${t.message_count || 0} messages`)));
  const active = threads.filter((t) => !(t.thread_metadata && t.thread_metadata.archived));
  const archived = threads.filter((t) => t.thread_metadata && t.thread_metadata.archived);
  const canNew = canStartThread(panel.channelId) || canStartPrivateThread(panel.channelId);
  const channelId = panel.channelId;
  panel.el.replaceChildren(head(`Threads in #${c ? c.name : ''}`),
    canNew ? h('button', { type: 'button', class: 'secondary new-thread', onclick: () => openNewThread(channelId) }, 'New Thread') : null,
    h('h3', { class: 'thread-section' }, 'Active threads'),
    active.length ? h('ul', { class: 'thread-list', role: 'list', 'aria-label': 'Active threads' }, active.map(item)) : h('p', { class: 'muted' }, 'No active threads.'),
    h('h3', { class: 'thread-section' }, 'Archived threads'),
    archived.length ? h('ul', { class: 'thread-list', role: 'list', 'aria-label': 'Archived threads' }, archived.map(item)) : h('p', { class: 'muted' }, 'No archived threads.'));
}

/** openThread shows thread id's messages and composer in the side panel. */
export async function openThread(id) {
  const back = panel && panel.kind === 'list' ? panel.channelId : null;
  panel = { ...(panel || {}), kind: 'thread', id, back, messages: new Map() };
  const t = state.channels.get(id);
  const el = ensurePanel(`Thread ${t ? t.name : ''}`);
  panel.headEl = h('div');
  panel.listEl = h('div', { class: 'thread-messages', role: 'list', 'aria-label': `Messages in thread ${t ? t.name : ''}` });
  panel.err = h('p', { class: 'form-error', role: 'alert' });
  const input = h('textarea', { class: 'thread-input', rows: '1', 'aria-label': `Message thread ${t ? t.name : ''}`, placeholder: `Message ${t ? t.name : 'thread'}` });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      sendInThread(id, input);
    }
  });
  panel.input = input;
  // A timed-out member cannot post in threads either (the server refuses it).
  const me = t && state.me && state.member(t.guild_id, state.me.id);
  if (isTimedOut(me)) {
    input.disabled = true;
    input.placeholder = 'You are timed out and cannot send messages.';
  }
  el.replaceChildren(panel.headEl, panel.listEl, h('div', { class: 'thread-composer' }, panel.err, input));
  drawThreadHead();
  drawMessages();
  input.focus();
  try {
    const page = await client.api.get(`/channels/${id}/messages`, { limit: 50 });
    if (!panel || panel.id !== id) return;
    for (const m of page) if (!panel.messages.has(m.id)) panel.messages.set(m.id, m);
    drawMessages();
  } catch (e) {
    panel.err.textContent = describe(e);
  }
}

function drawThreadHead() {
  const t = state.channels.get(panel.id);
  if (!panel.headEl) return;
  const archived = t && t.thread_metadata && t.thread_metadata.archived;
  const priv = t && t.type === 12;
  panel.headEl.replaceChildren(head(t ? t.name : 'Thread', panel.back ? () => openThreadList(panel.back) : null),
    priv ? h('div', { class: 'pad thread-private' }, h('span', { class: 'muted small' }, 'Private thread'), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => openAddPeople(t) }, 'Add people')) : null,
    archived ? h('p', { class: 'muted small pad' }, 'This thread is archived. Sending a message unarchives it.') : null);
}

function drawMessages() {
  if (!panel || !panel.listEl) return;
  const ms = [...panel.messages.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const wasBottom = panel.listEl.scrollTop + panel.listEl.clientHeight >= panel.listEl.scrollHeight - 8;
  panel.listEl.replaceChildren(...(ms.length ? ms.map(threadRow) : [h('p', { class: 'muted pad' }, 'No messages yet. Say something!')]));
  if (wasBottom) panel.listEl.scrollTop = panel.listEl.scrollHeight;
}

function threadRow(m) {
  const when = new Date(m.timestamp || Date.now());
  return h('div', { role: 'listitem', class: 'msg thread-msg', dataset: { id: m.id } }, avatar(m.author),
    h('div', { class: 'msg-body' },
      h('h3', { class: 'msg-meta' }, h('span', { class: 'author', style: `--author-color:${colorFor(m.author && m.author.id)}` }, displayName(m.author, m.member)),
        h('time', { datetime: when.toISOString() }, formatStamp(when))),
      m.content ? h('div', { class: 'msg-content' }, render(m.content, mentionContext(m))) : null));
}

async function sendInThread(id, input) {
  const content = input.value;
  if (!content.trim()) return;
  panel.err.textContent = '';
  input.value = '';
  try {
    const m = await client.api.post(`/channels/${id}/messages`, { content, nonce: newNonce(), enforce_nonce: true });
    if (panel && panel.id === id) {
      panel.messages.set(m.id, m);
      drawMessages();
    }
  } catch (e) {
    if (!input.value) input.value = content;
    if (panel && panel.id === id) panel.err.textContent = describe(e);
  }
}

/** threadsButton is the chat header's "Threads" button for channel c (text and announcement channels). */
export function threadsButton(c) {
  if (c.type !== 0 && c.type !== 5) return null;
  return h('button', { type: 'button', class: 'secondary', onclick: () => openThreadList(c.id) }, 'Threads');
}

/** noteStarter shows thread t on its starter message in the parent's loaded log (a thread started from a message has its id). */
export function noteStarter(t) {
  const log = t && t.parent_id && state.logs.get(t.parent_id);
  const m = log && log.byId.get(t.id);
  if (!m) return;
  m.thread = { ...(m.thread || {}), ...t };
  m._rev = (m._rev || 0) + 1;
  log.changed();
  if (t.parent_id === ui.channelId) rerenderRows();
}
