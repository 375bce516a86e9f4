// The member list of the current guild, sorted by display name.

import { state, ui } from '../context.js';
import { h, avatar, displayName } from '../dom.js';

/** renderMembers redraws the list when it is shown. */
export function renderMembers() {
  if (!ui.els || !ui.showMembers) return;
  const gid = ui.guildId;
  if (!gid) {
    ui.els.members.replaceChildren();
    return;
  }
  const g = state.guilds.get(gid);
  const ms = [...(state.members.get(gid) || new Map()).values()];
  ms.sort((a, b) => displayName(a.user, a).localeCompare(displayName(b.user, b)));
  const heading = h('h2', { id: 'members-heading' }, `Members — ${ms.length}`);
  const list = h('ul', { class: 'member-list', role: 'list', 'aria-labelledby': 'members-heading' }, ms.map((m) =>
    h('li', { class: 'member' }, avatar(m.user), h('span', { class: 'member-name' }, displayName(m.user, m)),
      g && g.owner_id === m.user.id ? h('span', { class: 'owner', title: 'Server owner', 'aria-label': 'Server owner' }, '♛') : null,
      m.user.bot ? h('span', { class: 'tag' }, 'BOT') : null)));
  ui.els.members.replaceChildren(heading, list);
}
