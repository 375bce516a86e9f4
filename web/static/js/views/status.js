// Presence on screen: the status dot beside a person, and the signed-in
// user's status picker (online, idle, do not disturb, invisible) in the user
// panel. The chosen status goes to the gateway as op 3 and with every
// IDENTIFY; after a while without input an "online" user shows as idle
// (as Discord's client does) and comes back on the next input.

import { client, scheduleRender, state, ui } from '../context.js';
import { h } from '../dom.js';
import { askNotifications, notificationsState } from '../notify.js';
import { statusOf } from '../people.js';

export const STATUSES = [
  ['online', 'Online'],
  ['idle', 'Idle'],
  ['dnd', 'Do Not Disturb'],
  ['invisible', 'Invisible'],
];

const LABEL = { online: 'Online', idle: 'Idle', dnd: 'Do Not Disturb', offline: 'Offline', invisible: 'Invisible' };

/** IDLE_AFTER_MS is how long without input makes an online user idle (5 minutes). */
const IDLE_AFTER_MS = 5 * 60 * 1000;

/** statusLabel is a status's name on screen. */
export function statusLabel(s) {
  return LABEL[s] || 'Offline';
}

/** statusDot is userId's presence as a coloured dot with its name for screen readers. */
export function statusDot(userId, s = statusOf(userId)) {
  return h('span', { class: `status-dot status-${s}`, role: 'img', 'aria-label': statusLabel(s), title: statusLabel(s) });
}

function statusKey() {
  return `accord.status.${state.me.id}`;
}

// idleAfter may be shortened for tests (localStorage accord.idleAfterMs).
function idleAfter() {
  const v = Number(localStorage.getItem('accord.idleAfterMs'));
  return v > 0 ? v : IDLE_AFTER_MS;
}

let chosen = 'online'; // what the user picked
let away = false; // idle because of inactivity
let idleTimer = 0;

// effective is the status sent: the chosen one, or idle while away from an
// "online" choice.
function effective() {
  return chosen === 'online' && away ? 'idle' : chosen;
}

function payload() {
  const s = effective();
  return { status: s, since: s === 'idle' ? Date.now() : 0, activities: [], afk: away };
}

// sendPresence tells the gateway (op 3) and keeps the payload for the next
// IDENTIFY, so a new session starts with the same status.
function sendPresence() {
  ui.myStatus = effective();
  const gw = client.gateway;
  if (gw) {
    gw.presence = payload();
    if (gw.status === 'connected') gw.send(3, gw.presence);
  }
  scheduleRender('people', 'members', 'sidebar');
  renderStatusButton();
}

/** initStatus restores the chosen status before the gateway identifies. */
export function initStatus() {
  chosen = localStorage.getItem(statusKey()) || 'online';
  if (!STATUSES.some(([s]) => s === chosen)) chosen = 'online';
  away = false;
  ui.myStatus = effective();
  if (client.gateway) client.gateway.presence = payload();
  armIdle();
}

/** setStatus changes the chosen status. */
export function setStatus(s) {
  chosen = s;
  localStorage.setItem(statusKey(), s);
  sendPresence();
}

function armIdle() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (!state.me || away) return;
    away = true;
    if (chosen === 'online') sendPresence();
  }, idleAfter());
}

let lastActivity = 0;
function onActivity() {
  const now = Date.now();
  if (away) {
    away = false;
    if (chosen === 'online' && state.me) sendPresence();
  }
  if (now - lastActivity > 1000) {
    lastActivity = now;
    armIdle();
  }
}

for (const ev of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'focus']) window.addEventListener(ev, onActivity, { passive: true, capture: true });

let button = null;

/** statusButton is the user panel's button that opens the status picker. */
export function statusButton() {
  button = h('button', { type: 'button', class: 'status-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: togglePicker });
  renderStatusButton();
  return button;
}

function renderStatusButton() {
  if (!button || !state.me) return;
  const s = effective();
  button.setAttribute('aria-label', `Set status (now ${statusLabel(s)})`);
  button.title = statusLabel(s);
  button.replaceChildren(h('span', { class: `status-dot status-${s === 'invisible' ? 'offline' : s}`, 'aria-hidden': 'true' }));
}

let picker = null;

function closePicker() {
  if (!picker) return;
  picker.el.remove();
  document.removeEventListener('pointerdown', picker.onDoc, true);
  picker = null;
  if (button) button.setAttribute('aria-expanded', 'false');
}

function togglePicker() {
  if (picker) {
    closePicker();
    return;
  }
  const items = STATUSES.map(([s, label]) => h('button', {
    type: 'button', role: 'menuitemradio', class: 'status-option', 'aria-checked': String(s === chosen),
    onclick: () => { setStatus(s); closePicker(); button.focus(); },
  }, h('span', { class: `status-dot status-${s === 'invisible' ? 'offline' : s}`, 'aria-hidden': 'true' }), label));
  const n = notificationsState();
  if (n === 'default') {
    items.push(h('button', { type: 'button', role: 'menuitem', class: 'status-option', onclick: () => { askNotifications(); closePicker(); } }, 'Enable desktop notifications'));
  }
  const el = h('div', { class: 'status-menu', role: 'menu', 'aria-label': 'Status' }, items);
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { closePicker(); button.focus(); }
  });
  const onDoc = (ev) => { if (!el.contains(ev.target) && ev.target !== button && !button.contains(ev.target)) closePicker(); };
  document.addEventListener('pointerdown', onDoc, true);
  ui.els.userPanel.append(el);
  picker = { el, onDoc };
  button.setAttribute('aria-expanded', 'true');
  el.querySelector('[aria-checked="true"]').focus();
}
