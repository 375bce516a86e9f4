// What the chat pane shows when no channel is open: the Home view (welcome
// and the server forms) and a guild that has no text channel yet.

import { scheduleRender, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { openAddChannel, serverForms } from './dialogs.js';
import { closeChannel } from './messages.js';
import { setNav } from './shell.js';

/** showHome closes the open channel and shows the Home view. */
export function showHome() {
  closeChannel();
  ui.guildId = null;
  document.title = 'Accord';
  setNav(true);
  scheduleRender('rail', 'sidebar', 'members');
  const me = state.me;
  ui.els.main.replaceChildren(h('div', { class: 'home-view' },
    h('h1', null, `Welcome to Accord, ${displayName(me)}`),
    h('p', { class: 'muted' }, state.guildOrder.length
      ? 'Pick a server on the left, create a new one or join one with an invite code.'
      : 'Servers are where you and your friends chat. Create your own, or join one with an invite code.'),
    serverForms()));
}

/** showEmptyGuild shows a guild with no text channels and offers to add one. */
export function showEmptyGuild(gid) {
  closeChannel();
  const g = state.guilds.get(gid);
  ui.els.main.replaceChildren(h('div', { class: 'home-view' },
    h('h1', null, g ? g.name : 'Server'),
    h('p', { class: 'muted' }, 'This server has no text channels yet.'),
    h('button', { type: 'button', class: 'primary', onclick: openAddChannel }, 'Add channel')));
}
