// The friends page (#/channels/@me): tabs Online, All, Pending and Blocked,
// and "Add friend" by username. Requests are sent, accepted, declined and
// cancelled, friends removed and people blocked and unblocked through
// /users/@me/relationships; RELATIONSHIP_ADD/REMOVE redraw it live.

import { client, scheduleRender, state, ui } from '../context.js';
import { avatar, displayName, h } from '../dom.js';
import { Rel, openDM, statusOf } from '../people.js';
import { describe, setBusy } from './feedback.js';
import { openProfile } from './dms.js';
import { closeChannel } from './messages.js';
import { setNav } from './shell.js';
import { statusDot, statusLabel } from './status.js';

const TABS = [['online', 'Online'], ['all', 'All'], ['pending', 'Pending'], ['blocked', 'Blocked'], ['add', 'Add friend']];

let tab = 'online';
let page = null; // the page's element while it is on screen
let addNote = ''; // the result of the last "Add friend"

/** showFriends shows the friends page in the chat pane. */
export function showFriends() {
  closeChannel();
  ui.guildId = null;
  document.title = 'Friends — Accord';
  page = h('div', { class: 'friends-view' });
  ui.els.main.replaceChildren(page);
  renderFriends();
  scheduleRender('rail', 'sidebar', 'members');
}

/** renderPeople redraws the friends page if it is on screen. */
export function renderPeople() {
  // The "Add friend" form has nothing live and would lose what is typed.
  if (page && page.isConnected && tab !== 'add') renderFriends();
}

function people(which) {
  const out = [];
  for (const r of state.relationships.values()) {
    const u = state.users.get(r.id) || r.user || { id: r.id };
    if (which === 'online' && r.type === Rel.FRIEND && statusOf(r.id) !== 'offline') out.push([r, u]);
    else if (which === 'all' && r.type === Rel.FRIEND) out.push([r, u]);
    else if (which === 'pending' && (r.type === Rel.INCOMING || r.type === Rel.OUTGOING)) out.push([r, u]);
    else if (which === 'blocked' && r.type === Rel.BLOCKED) out.push([r, u]);
  }
  out.sort((a, b) => displayName(a[1]).localeCompare(displayName(b[1])));
  return out;
}

function renderFriends() {
  const active = document.activeElement;
  const focusKey = active && page.contains(active) ? active.dataset.focusKey : null;
  const tabs = h('div', { class: 'friends-tabs', role: 'tablist', 'aria-label': 'Friends' }, TABS.map(([id, label]) => {
    const n = id === 'pending' ? people('pending').filter(([r]) => r.type === Rel.INCOMING).length : 0;
    return h('button', {
      type: 'button', role: 'tab', id: `friends-tab-${id}`, class: 'friends-tab' + (id === 'add' ? ' add' : ''),
      'aria-selected': String(tab === id), 'aria-controls': 'friends-panel', dataset: { focusKey: 'tab' + id },
      onclick: () => { tab = id; addNote = ''; renderFriends(); },
    }, label, n ? h('span', { class: 'badge', 'aria-label': `, ${n} incoming` }, String(n)) : null);
  }));
  const panel = h('section', { id: 'friends-panel', role: 'tabpanel', 'aria-labelledby': `friends-tab-${tab}` });
  if (tab === 'add') panel.append(addForm());
  else {
    const rows = people(tab);
    const title = { online: 'Online', all: 'All friends', pending: 'Pending', blocked: 'Blocked' }[tab];
    panel.append(h('h2', { class: 'friends-count' }, `${title} — ${rows.length}`));
    if (!rows.length) panel.append(h('p', { class: 'muted' }, emptyText(tab)));
    else panel.append(h('ul', { class: 'friend-list', role: 'list', 'aria-label': title }, rows.map(([r, u]) => friendRow(r, u))));
  }
  page.replaceChildren(
    h('header', { class: 'chat-head' },
      h('button', { type: 'button', class: 'icon-button nav-toggle', 'aria-label': 'Show channels', onclick: () => setNav(!ui.navOpen) }, '☰'),
      h('h1', { class: 'chat-title' }, 'Friends'), tabs),
    panel);
  if (focusKey) {
    const again = page.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
  }
}

function emptyText(which) {
  if (which === 'online') return 'No friends are online right now.';
  if (which === 'pending') return 'There are no pending friend requests.';
  if (which === 'blocked') return 'You have not blocked anyone.';
  return 'No friends yet. Add one by their username.';
}

function friendRow(r, u) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const sub = r.type === Rel.INCOMING ? 'Incoming friend request' : r.type === Rel.OUTGOING ? 'Outgoing friend request'
    : r.type === Rel.BLOCKED ? 'Blocked' : statusLabel(statusOf(u.id));
  return h('li', { class: 'friend', 'aria-label': displayName(u) },
    h('button', {
      type: 'button', class: 'friend-open', 'aria-label': `Profile of ${displayName(u)}`, 'aria-haspopup': 'dialog', dataset: { focusKey: 'p' + u.id },
      onclick: (ev) => openProfile(state.users.get(u.id) || u, ev.currentTarget),
    }, h('span', { class: 'avatar-wrap' }, avatar(u), statusDot(u.id))),
    h('div', { class: 'friend-names' }, h('strong', null, displayName(u)), h('span', { class: 'muted small' }, ` @${u.username || ''} · ${sub}`)),
    h('div', { class: 'friend-actions' }, r.type === Rel.FRIEND ? messageButton(u, err) : null, friendActions(u, r, err)),
    err);
}

function messageButton(u, err) {
  return h('button', {
    type: 'button', class: 'secondary', 'aria-label': `Message ${displayName(u)}`, dataset: { focusKey: 'msg' + u.id },
    onclick: async () => {
      err.textContent = '';
      try { await openDM(u.id); } catch (e) { err.textContent = describe(e); }
    },
  }, 'Message');
}

// act runs one relationship request and shows its error in err.
async function act(err, fn) {
  err.textContent = '';
  try {
    await fn();
  } catch (e) {
    err.textContent = describe(e);
  }
}

/**
 * friendActions are the buttons for the relationship r with user u (none:
 * "Add friend"), used on the friends page and in the profile popout.
 */
export function friendActions(u, r, err) {
  const name = displayName(u);
  const path = `/users/@me/relationships/${u.id}`;
  const btn = (label, aria, cls, fn) => h('button', {
    type: 'button', class: cls, 'aria-label': aria, dataset: { focusKey: aria },
    onclick: () => act(err, fn),
  }, label);
  const block = btn('Block', `Block ${name}`, 'secondary danger-text', () => client.api.request('PUT', path, { type: Rel.BLOCKED }));
  if (!r) return [btn('Add friend', `Add ${name} as a friend`, 'secondary', () => client.api.request('PUT', path, {})), block];
  switch (r.type) {
    case Rel.FRIEND:
      return [btn('Remove', `Remove friend ${name}`, 'secondary', () => client.api.delete(path)), block];
    case Rel.INCOMING:
      return [btn('Accept', `Accept friend request from ${name}`, 'primary', () => client.api.request('PUT', path, {})),
        btn('Decline', `Decline friend request from ${name}`, 'secondary', () => client.api.delete(path)), block];
    case Rel.OUTGOING:
      return [btn('Cancel', `Cancel friend request to ${name}`, 'secondary', () => client.api.delete(path)), block];
    case Rel.BLOCKED:
      return [btn('Unblock', `Unblock ${name}`, 'secondary', () => client.api.delete(path))];
    default:
      return [];
  }
}

function addForm() {
  const note = h('p', { class: 'form-note', role: 'status' }, addNote);
  const err = h('p', { class: 'form-error', role: 'alert' });
  const input = h('input', { id: 'add-friend-name', name: 'username', required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: 32, placeholder: 'username' });
  const form = h('form', { class: 'card add-friend', 'aria-labelledby': 'add-friend-title' },
    h('h2', { id: 'add-friend-title' }, 'Add friend'),
    h('p', { class: 'muted' }, 'You can add friends with their Accord username.'),
    h('label', { for: 'add-friend-name' }, 'Username'), input, err, note,
    h('button', { type: 'submit', class: 'primary' }, 'Send friend request'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const username = input.value.trim().replace(/^@/, '');
    setBusy(form, true);
    try {
      await client.api.post('/users/@me/relationships', { username });
      addNote = `Success! Your friend request to ${username} was sent.`;
      note.textContent = addNote;
      input.value = '';
    } catch (e) {
      err.textContent = describe(e);
    } finally {
      setBusy(form, false);
    }
  });
  queueMicrotask(() => input.focus());
  return form;
}
