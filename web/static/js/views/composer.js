// The composer under the message list: a textarea that grows with its text,
// the character counter, Enter to send (Shift+Enter for a new line), ArrowUp
// to edit the last own message, typing notifications, and the optimistic send
// (a pending row at once, replaced by the server's message by nonce). Files
// (upload.js) and replies (replies.js) ride along with the next message.

import { channelLabel } from '../people.js';
import { client, state, ui } from '../context.js';
import { h, codePoints } from '../dom.js';
import { buildCommandArea, onCommandInput, onCommandKey, sendCommand } from './commands.js';
import { expandEmoji } from '../emoji.js';
import { nonce as newNonce } from '../snowflake.js';
import { describe } from './feedback.js';
import { startEdit } from './messagerow.js';
import { noteSendError, noteSent, renderComposerState, sendBlocked } from './moderation.js';
import { applyMessageCreate } from './messages.js';
import { myEmojis } from './reactions.js';
import { cancelReply, renderReplyBar, replyTarget } from './replies.js';
import { buildUpload, hasFiles, sendFiles } from './upload.js';

// MAX_CONTENT is the server's limit on message content, in characters.
const MAX_CONTENT = 2000;
const TYPING_SEND_EVERY = 8000;

/**
 * buildComposer builds the area under the list for channel (error line,
 * composer, typing line) and puts its parts in ui.els.
 */
export function buildComposer(channel) {
  const els = ui.els;
  els.typing = h('div', { class: 'typing', 'aria-live': 'polite' });
  els.composerError = h('p', { class: 'form-error composer-error', role: 'alert' });
  els.counter = h('span', { class: 'counter', id: 'composer-counter' }, `0/${MAX_CONTENT}`);
  els.input = h('textarea', {
    id: 'composer', rows: '1', 'aria-label': `Message ${channelLabel(channel)}`, placeholder: `Message ${channelLabel(channel)}`,
    'aria-describedby': 'composer-counter', enterkeyhint: 'send',
  });
  els.input.addEventListener('keydown', onComposerKey);
  els.input.addEventListener('input', onComposerInput);
  els.replyBar = h('div', { class: 'reply-bar', hidden: true });
  const upload = buildUpload(els.input);
  const composer = h('form', { class: 'composer' }, els.replyBar, els.tray, els.progress, buildCommandArea(els.input),
    h('div', { class: 'composer-box' }, upload.button, upload.picker, els.input, els.counter));
  composer.addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage(); });
  requestAnimationFrame(renderReplyBar);
  requestAnimationFrame(renderComposerState);
  return h('div', { class: 'composer-area' }, els.composerError, composer, els.typing);
}

/** tooLong is the error for content over MAX_CONTENT, or '' if it fits. */
export function tooLong(content) {
  const n = codePoints(content);
  return n > MAX_CONTENT ? `Your message is too long: ${n} of ${MAX_CONTENT} characters.` : '';
}

/** autosize grows a textarea with its content, up to 40% of the window. */
export function autosize(el) {
  el.style.height = 'auto';
  el.style.height = Math.min(el.scrollHeight + 2, Math.round(window.innerHeight * 0.4)) + 'px';
}

function onComposerKey(ev) {
  if (onCommandKey(ev)) return;
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    sendMessage();
    return;
  }
  if (ev.key === 'Escape' && replyTarget()) {
    ev.preventDefault();
    cancelReply();
    return;
  }
  if (ev.key === 'ArrowUp' && !ui.els.input.value) {
    const log = state.log(ui.channelId);
    for (let i = log.items.length - 1; i >= 0; i--) {
      if (log.items[i].author && log.items[i].author.id === state.me.id) {
        ev.preventDefault();
        startEdit(log.items[i].id);
        return;
      }
    }
  }
}

function onComposerInput() {
  const input = ui.els.input;
  autosize(input);
  updateCounter();
  ui.els.composerError.textContent = '';
  onCommandInput();
  const now = Date.now();
  if (input.value.trim() && now - ui.lastTypingSent > TYPING_SEND_EVERY) {
    ui.lastTypingSent = now;
    client.api.typing(ui.channelId).catch(() => {});
  }
}

function updateCounter() {
  const n = codePoints(ui.els.input.value);
  ui.els.counter.textContent = `${n}/${MAX_CONTENT}`;
  ui.els.counter.classList.toggle('over', n > MAX_CONTENT);
  ui.els.counter.classList.toggle('near', n > MAX_CONTENT - 200);
}

// Sends to one channel go out one at a time, in the order typed, as
// Discord's client sends them: concurrent sends that meet the channel's
// rate limit would each wait out their own retry_after and could land out
// of order.
const sendQueues = new Map();

function inOrder(channelId, fn) {
  const next = (sendQueues.get(channelId) || Promise.resolve()).then(fn);
  const tail = next.catch(() => {});
  sendQueues.set(channelId, tail);
  tail.then(() => { if (sendQueues.get(channelId) === tail) sendQueues.delete(channelId); });
  return next;
}

async function sendMessage() {
  if (sendCommand()) return;
  const input = ui.els.input;
  const channelId = ui.channelId;
  const typed = input.value;
  if (!channelId || (!typed.trim() && !hasFiles())) return;
  // Slowmode and timeouts show on the composer (moderation.js) rather than as a failed send.
  if (sendBlocked(channelId)) return;
  // `:name:` of a server emoji goes out as its mention, as Discord's client
  // sends it; a failed send puts back what was typed.
  const content = expandEmoji(typed, myEmojis());
  const over = tooLong(content);
  if (over) {
    ui.els.composerError.textContent = over;
    return;
  }
  const replyTo = replyTarget();
  if (hasFiles()) {
    sendWithFiles(channelId, content, typed, replyTo);
    return;
  }
  const nonce = newNonce();
  const log = state.log(channelId);
  log.addPending({ nonce, pending: true, content, author: state.me, channel_id: channelId, timestamp: new Date().toISOString() });
  input.value = '';
  autosize(input);
  updateCounter();
  ui.lastTypingSent = 0;
  ui.list.setItems(log.view(), { stickToBottom: true });
  try {
    if (replyTo) cancelReply();
    const msg = await inOrder(channelId, () => (replyTo
      ? client.api.sendReply(channelId, content, nonce, replyTo)
      : client.api.sendMessage(channelId, content, nonce)));
    log.dropPending(nonce);
    applyMessageCreate(msg);
    noteSent(channelId);
  } catch (err) {
    log.dropPending(nonce);
    if (ui.channelId === channelId) {
      ui.list.setItems(log.view());
      if (!input.value) { input.value = typed; autosize(input); updateCounter(); }
      if (!noteSendError(channelId, err)) ui.els.composerError.textContent = describe(err);
    }
  }
}

// sendWithFiles sends content with the tray's files. There is no optimistic
// row: the progress bar stands for it until the server's message arrives.
async function sendWithFiles(channelId, content, typed, replyTo) {
  const input = ui.els.input;
  const payload = { content, nonce: newNonce(), enforce_nonce: true };
  if (replyTo) payload.message_reference = { message_id: replyTo, fail_if_not_exists: false };
  input.value = '';
  autosize(input);
  updateCounter();
  if (replyTo) cancelReply();
  try {
    const msg = await inOrder(channelId, () => sendFiles(channelId, payload));
    applyMessageCreate(msg);
    noteSent(channelId);
  } catch (err) {
    if (ui.channelId === channelId) {
      if (!input.value) { input.value = typed; autosize(input); updateCounter(); }
      if (!noteSendError(channelId, err)) ui.els.composerError.textContent = describe(err);
    }
  }
}
