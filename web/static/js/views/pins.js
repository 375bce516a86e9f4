// The pins panel of the open channel (GET /channels/{id}/messages/pins),
// reloaded on CHANNEL_PINS_UPDATE, and the pin/unpin action offered on
// messages to those with PIN_MESSAGES or MANAGE_MESSAGES, and to everyone in a DM.

import { client, state, ui } from '../context.js';
import { h, displayName, formatStamp } from '../dom.js';
import { render } from '../markdown.js';
import { isPrivate } from '../people.js';
import { Perm, permissions } from '../perms.js';
import { describe, toast } from './feedback.js';
import { mentionContext } from './mentions.js';
import { jumpTo } from './replies.js';

/**
 * canPin reports whether the signed-in user may pin and unpin in channelId:
 * in a DM or group DM every recipient may (a block is the server's to refuse).
 */
export function canPin(channelId) {
  const c = state.channels.get(channelId);
  if (c && isPrivate(c)) return true;
  return (permissions(channelId) & (Perm.PIN_MESSAGES | Perm.MANAGE_MESSAGES)) !== 0n;
}

/** pinsButton is the header's toggle for the pins panel of channel c. */
export function pinsButton(c) {
  return h('button', { type: 'button', class: 'secondary toggle', id: 'toggle-pins', 'aria-pressed': String(!!ui.pinsFor && ui.pinsFor === c.id), title: 'Pinned messages', onclick: togglePins }, 'Pins');
}

/** setPinned pins or unpins message m. */
export async function setPinned(m, pinned) {
  const channelId = m.channel_id || ui.channelId;
  try {
    if (pinned) await client.api.pin(channelId, m.id);
    else await client.api.unpin(channelId, m.id);
  } catch (err) {
    toast(describe(err));
  }
}

/** pinsOpen reports whether the panel is showing for the open channel. */
export function pinsOpen() {
  return !!ui.pinsFor && ui.pinsFor === ui.channelId && !!ui.els.pins && ui.els.pins.isConnected;
}

/** togglePins opens or closes the pins panel of the open channel. */
export function togglePins() {
  if (pinsOpen()) {
    closePins();
    return;
  }
  const channelId = ui.channelId;
  if (!channelId) return;
  ui.pinsFor = channelId;
  ui.els.pins = h('section', { class: 'pins-panel', role: 'region', 'aria-label': 'Pinned messages' },
    h('header', { class: 'pins-head' }, h('h2', null, 'Pinned messages'),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close pinned messages', onclick: closePins }, '✕')),
    h('div', { class: 'pins-body' }, h('p', { class: 'muted', role: 'status' }, 'Loading…')));
  ui.els.pins.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closePins(); });
  const pane = ui.els.main.querySelector('.pane');
  if (pane) pane.append(ui.els.pins);
  markButton(true);
  loadPins(channelId);
}

function closePins() {
  if (ui.els.pins) ui.els.pins.remove();
  ui.els.pins = null;
  ui.pinsFor = null;
  markButton(false);
}

function markButton(open) {
  const b = ui.els.header && ui.els.header.querySelector('#toggle-pins');
  if (b) b.setAttribute('aria-pressed', String(open));
}

/** onPinsUpdate handles CHANNEL_PINS_UPDATE: the open panel reloads. */
export function onPinsUpdate(d) {
  if (pinsOpen() && d.channel_id === ui.pinsFor) loadPins(d.channel_id);
}

async function loadPins(channelId) {
  let page;
  try {
    page = await client.api.pins(channelId);
  } catch (err) {
    if (pinsOpen() && ui.pinsFor === channelId) ui.els.pins.querySelector('.pins-body').replaceChildren(h('p', { class: 'form-error', role: 'alert' }, describe(err)));
    return;
  }
  if (!pinsOpen() || ui.pinsFor !== channelId) return;
  const items = (page && Array.isArray(page.items) ? page.items : []).map((x) => x.message).filter(Boolean);
  const allowed = canPin(channelId);
  const body = ui.els.pins.querySelector('.pins-body');
  if (!items.length) {
    body.replaceChildren(h('p', { class: 'muted' }, 'This channel has no pinned messages yet.'));
    return;
  }
  body.replaceChildren(h('ul', { class: 'pins-list', 'aria-label': 'Pinned' }, items.map((m) => h('li', { class: 'pin-item', dataset: { id: m.id } },
    h('div', { class: 'msg-meta' },
      h('span', { class: 'author' }, displayName(m.author, m.author && state.member(ui.guildId, m.author.id))),
      h('time', { datetime: m.timestamp }, formatStamp(new Date(m.timestamp)))),
    h('div', { class: 'msg-content' }, render(m.content || '', mentionContext(m))),
    h('div', { class: 'pin-actions' },
      h('button', { type: 'button', class: 'link', onclick: () => jumpTo(channelId, m.id) }, 'Jump'),
      allowed ? h('button', { type: 'button', class: 'link', 'aria-label': 'Unpin message', onclick: () => setPinned(m, false) }, 'Unpin') : null)))));
}
