// The page layout once logged in: server rail, channel sidebar with the user
// panel, chat pane, member list, and the connection banner; and the toggles
// that open the sidebar (narrow screens) and the member list.

import { NARROW, root, state, ui } from '../context.js';
import { h, avatar, displayName } from '../dom.js';
import { renderRail } from './guilds.js';
import { renderMembers } from './members.js';
import { statusButton } from './status.js';

/** buildShell replaces the page with the empty layout and fills ui.els. */
export function buildShell({ onLogout }) {
  const els = {};
  els.rail = h('nav', { class: 'rail', 'aria-label': 'Servers' });
  els.sidebar = h('nav', { class: 'sidebar', 'aria-label': 'Channels' });
  els.sidebarBody = h('div', { class: 'sidebar-body' });
  els.userPanel = h('div', { class: 'user-panel' });
  els.sidebar.append(els.sidebarBody, els.userPanel);
  els.main = h('main', { class: 'chat' });
  els.members = h('aside', { class: 'members', 'aria-label': 'Member list' });
  els.connection = h('div', { class: 'connection', role: 'status', 'aria-live': 'polite' });
  els.scrim = h('div', { class: 'scrim', onclick: () => setNav(false), 'aria-hidden': 'true' });
  els.unreadDesc = h('span', { id: 'unread-desc', class: 'sr-only' }, 'unread messages');
  root.replaceChildren(h('div', { class: 'shell' }, els.rail, els.sidebar, els.main, els.members, els.scrim, els.connection, els.unreadDesc));
  ui.els = els;
  renderUserPanel(onLogout);
  renderRail();
}

function renderUserPanel(onLogout) {
  const me = state.me;
  ui.els.userPanel.replaceChildren(
    h('span', { class: 'avatar-wrap' }, avatar(me), statusButton()),
    h('div', { class: 'user-names' }, h('strong', null, displayName(me)), h('span', { class: 'muted' }, '@' + me.username)),
    h('button', { type: 'button', class: 'icon-button', onclick: () => onLogout(), title: 'Log out' }, 'Log out'));
}

/** setNav opens or closes the channel sidebar (an overlay on narrow screens). */
export function setNav(open) {
  ui.navOpen = open;
  root.classList.toggle('nav-open', open);
}

/** setMembersShown shows or hides the member list. */
export function setMembersShown(show) {
  ui.showMembers = show;
  root.classList.toggle('members-open', show);
  const b = document.getElementById('toggle-members');
  if (b) b.setAttribute('aria-pressed', String(show));
  if (show) renderMembers();
}

NARROW.addEventListener('change', () => setMembersShown(!NARROW.matches && ui.showMembers));

/** renderConnection shows the gateway's status (ui.connection) in the banner. */
export function renderConnection(detail) {
  const el = ui.els && ui.els.connection;
  if (!el) return;
  const s = ui.connection;
  let text = '';
  if (s === 'reconnecting') text = 'reconnecting…';
  else if (s === 'connecting') text = 'connecting…';
  else if (s === 'failed') text = detail && detail.code === 4004 ? 'Authentication failed. Please log in again.' : `Disconnected from live updates${detail && detail.code ? ` (code ${detail.code})` : ''}. Reload to try again.`;
  el.textContent = text;
  el.dataset.state = s;
  el.hidden = !text;
}
