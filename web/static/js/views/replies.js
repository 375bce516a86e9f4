// Replies: the quoted preview above a reply (click to jump to the original),
// the "Replying to …" bar in the composer, and jumping to a message that may
// not be loaded yet. The loaded history of a channel is one contiguous run
// ending at the newest message (state.js), so a jump to an older message
// reads the page around it (GET messages?around=) and then the pages between
// it and the loaded run, at most MAX_BRIDGE_PAGES of them.

import { client, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { compare } from '../snowflake.js';
import { describe, toast } from './feedback.js';

const MAX_BRIDGE_PAGES = 20;
const BRIDGE_PAGE = 100;
const PREVIEW_CHARS = 120;

// plain shortens content for a one-line preview, without markdown markers
// that would look odd out of context.
function plain(content) {
  const s = String(content || '').replace(/\s+/g, ' ').replace(/<a?:(\w+):\d+>/g, ':$1:').trim();
  return s.length > PREVIEW_CHARS ? s.slice(0, PREVIEW_CHARS - 1) + '…' : s;
}

/** renderReplyPreview builds the quoted line above reply m, or null if m is no reply. */
export function renderReplyPreview(m) {
  if (!m.message_reference || m.type !== 19) return null;
  const ref = m.referenced_message;
  if (!ref) {
    return h('div', { class: 'reply-preview deleted muted small' }, h('span', { class: 'reply-spine', 'aria-hidden': 'true' }), 'Original message was deleted');
  }
  const name = displayName(ref.author, ref.author && state.member(ui.guildId, ref.author.id));
  const text = plain(ref.content) || (ref.attachments && ref.attachments.length ? 'Click to see attachment' : ref.embeds && ref.embeds.length ? 'Click to see embed' : '');
  return h('button', {
    type: 'button', class: 'reply-preview small', 'aria-label': `Replying to ${name}: ${text}. Jump to the original message`,
    onclick: () => jumpTo(m.channel_id || ui.channelId, ref.id),
  }, h('span', { class: 'reply-spine', 'aria-hidden': 'true' }), h('span', { class: 'reply-author' }, '@' + name), ' ', h('span', { class: 'reply-text' }, text));
}

/** startReply makes the composer's next message a reply to m. */
export function startReply(m) {
  ui.replyTo = { id: m.id, channelId: m.channel_id || ui.channelId, name: displayName(m.author, m.author && state.member(ui.guildId, m.author.id)) };
  renderReplyBar();
  if (ui.els.input) ui.els.input.focus();
}

/** cancelReply drops the reply in progress. */
export function cancelReply() {
  ui.replyTo = null;
  renderReplyBar();
}

/** replyTarget is the id of the message being replied to in the open channel, or null. */
export function replyTarget() {
  return ui.replyTo && ui.replyTo.channelId === ui.channelId ? ui.replyTo.id : null;
}

/** renderReplyBar redraws the "Replying to …" bar above the composer. */
export function renderReplyBar() {
  const bar = ui.els && ui.els.replyBar;
  if (!bar) return;
  if (!replyTarget()) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  bar.hidden = false;
  bar.replaceChildren(
    h('span', null, 'Replying to ', h('strong', null, ui.replyTo.name)),
    h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Cancel reply', onclick: () => { cancelReply(); ui.els.input.focus(); } }, '✕'));
}

/** jumpTo scrolls the open channel to message id, loading history around it when needed. */
export async function jumpTo(channelId, id) {
  if (channelId !== ui.channelId || !ui.list) return;
  const log = state.log(channelId);
  if (!log.byId.has(id)) {
    try {
      if (!(await loadBack(channelId, id))) return;
    } catch (err) {
      toast(describe(err));
      return;
    }
    if (channelId !== ui.channelId || !ui.list) return;
  }
  const items = log.view();
  const i = items.findIndex((x) => x.id === id);
  if (i < 0) return;
  ui.list.setItems(items);
  ui.list.scrollToIndex(i);
  const row = ui.els.list.querySelector(`[data-id="${CSS.escape(id)}"]`);
  if (row) {
    row.classList.add('highlight');
    setTimeout(() => row.classList.remove('highlight'), 2000);
  }
}

// loadBack reads the page around id and the pages between it and the oldest
// loaded message, and merges them into the log; false if id cannot be reached.
async function loadBack(channelId, id) {
  const log = state.log(channelId);
  const around = await client.api.messagesAround(channelId, id, 50);
  if (!around.some((x) => x.id === id)) {
    toast('That message no longer exists.');
    return false;
  }
  const byId = new Map(around.map((x) => [x.id, x]));
  const oldestLoaded = log.items.length ? log.items[0].id : null;
  const newest = () => [...byId.keys()].reduce((a, b) => (compare(a, b) > 0 ? a : b));
  let pages = 0;
  while (oldestLoaded && compare(newest(), oldestLoaded) < 0) {
    if (pages++ >= MAX_BRIDGE_PAGES) {
      toast('That message is too far back to show here.');
      return false;
    }
    const next = await client.api.messagesAfter(channelId, newest(), BRIDGE_PAGE);
    if (!next.length) break;
    for (const x of next) byId.set(x.id, x);
  }
  const older = [...byId.values()].filter((x) => !oldestLoaded || compare(x.id, oldestLoaded) < 0);
  older.sort((a, b) => compare(b.id, a.id));
  for (const x of older) if (x.author) state.users.set(x.author.id, x.author);
  // limit 0: this page says nothing about whether older history exists.
  log.addOlder(older, 0);
  return true;
}
