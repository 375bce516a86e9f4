// The server rail: Home, one icon per guild (current and unread marked), and
// the "Add a server" button.

import { replaceKeepingFocus, state, ui } from '../context.js';
import { h, colorFor, initials, logo } from '../dom.js';
import { openAddServer } from './dialogs.js';
import { mentionCount, privateBadge } from '../people.js';

/** renderRail redraws the rail from state.guildOrder. */
export function renderRail() {
  const items = state.guildOrder.map((id) => {
    const g = state.guilds.get(id);
    const unread = state.textChannels(id).some((c) => c.id !== ui.channelId && state.isUnread(c.id));
    const mentions = state.textChannels(id).reduce((n, c) => n + (c.id === ui.channelId ? 0 : mentionCount(c.id)), 0);
    const current = id === ui.guildId;
    return h('li', { class: 'rail-item' + (current ? ' current' : '') + (unread ? ' unread' : '') },
      h('span', { class: 'pill', 'aria-hidden': 'true' }),
      h('a', {
        class: 'server', href: `#/channels/${id}`, 'aria-label': (g.name || 'Server') + (mentions ? `, ${mentions} mention${mentions === 1 ? '' : 's'}` : ''), title: g.name || '',
        'aria-current': current ? 'page' : null, 'aria-describedby': unread ? 'unread-desc' : null,
        dataset: { focusKey: 'g' + id }, style: `--server-color:${colorFor(id)}`,
      }, h('span', { 'aria-hidden': 'true' }, initials(g.name)), mentions ? h('span', { class: 'badge rail-badge', 'aria-hidden': 'true' }, String(mentions)) : null));
  });
  const dms = privateBadge();
  replaceKeepingFocus(ui.els.rail,
    h('a', { class: 'server home' + (ui.guildId ? '' : ' current'), href: '#/', 'aria-label': dms ? `Home, ${dms} unread direct message${dms === 1 ? '' : 's'}` : 'Home', title: 'Home', dataset: { focusKey: 'home' } },
      logo(), dms ? h('span', { class: 'badge rail-badge', 'aria-hidden': 'true' }, String(dms)) : null),
    h('div', { class: 'rail-sep', 'aria-hidden': 'true' }),
    h('ul', { class: 'rail-list', role: 'list' }, items),
    h('button', { type: 'button', class: 'server add', 'aria-label': 'Add a server', title: 'Add a server', dataset: { focusKey: 'add' }, onclick: openAddServer }, h('span', { 'aria-hidden': 'true' }, '+')));
}
