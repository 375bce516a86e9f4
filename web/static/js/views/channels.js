// The channel sidebar: the current guild's name and its text channels
// (current and unread marked), or the Home placeholder.

import { replaceKeepingFocus, state, ui } from '../context.js';
import { h } from '../dom.js';
import { openAddChannel } from './dialogs.js';
import { setNav } from './shell.js';

/** renderSidebar redraws the sidebar for ui.guildId. */
export function renderSidebar() {
  const g = ui.guildId && state.guilds.get(ui.guildId);
  if (!g) {
    replaceKeepingFocus(ui.els.sidebarBody,
      h('header', { class: 'sidebar-head' }, h('h2', null, 'Home')),
      h('p', { class: 'muted pad' }, state.guildOrder.length ? 'Pick a server on the left.' : 'You are not in any server yet.'));
    return;
  }
  const channels = state.textChannels(g.id).map((c) => {
    const current = c.id === ui.channelId;
    const unread = !current && state.isUnread(c.id);
    return h('li', null, h('a', {
      class: 'channel' + (current ? ' current' : '') + (unread ? ' unread' : ''),
      href: `#/channels/${g.id}/${c.id}`,
      'aria-current': current ? 'page' : null,
      'aria-describedby': unread ? 'unread-desc' : null,
      dataset: { focusKey: 'c' + c.id },
      onclick: () => setNav(false),
    }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '#'), h('span', { class: 'channel-name' }, c.name), unread ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null));
  });
  const loading = !g.channelsComplete && channels.length === 0;
  replaceKeepingFocus(ui.els.sidebarBody,
    h('header', { class: 'sidebar-head' }, h('h2', { title: g.name }, g.name)),
    h('div', { class: 'section-head' },
      h('h3', null, 'Text channels'),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Add channel', title: 'Add channel', dataset: { focusKey: 'addch' }, onclick: openAddChannel }, h('span', { 'aria-hidden': 'true' }, '+'))),
    loading ? h('p', { class: 'muted pad' }, 'Loading channels…') : h('ul', { class: 'channel-list', role: 'list' }, channels));
}
