// The channel sidebar: the current guild's name and its text channels
// (current and unread marked), or the Home placeholder.

import { replaceKeepingFocus, state, ui } from '../context.js';
import { h } from '../dom.js';
import { renderHomeSidebar } from './dms.js';
import { Perm, guildPermissions, has } from '../perms.js';
import { openAuditLog } from './auditlog.js';
import { openCreateChannel } from './channeledit.js';
import { channelTree } from './channeltree.js';
import { openRoles } from './roles.js';

/** renderSidebar redraws the sidebar for ui.guildId. */
export function renderSidebar() {
  const g = ui.guildId && state.guilds.get(ui.guildId);
  if (!g) {
    renderHomeSidebar();
    return;
  }
  // Categories, channel order and the managers' buttons: channeltree.js.
  const tree = channelTree(g, renderSidebar);
  const loading = !g.channelsComplete && tree.length === 0;
  const p = guildPermissions(g.id);
  const tool = (label, key, fn) => h('button', { type: 'button', class: 'secondary small', dataset: { focusKey: key }, onclick: fn }, label);
  replaceKeepingFocus(ui.els.sidebarBody,
    h('header', { class: 'sidebar-head' }, h('h2', { title: g.name }, g.name)),
    has(p, Perm.MANAGE_ROLES) || has(p, Perm.VIEW_AUDIT_LOG) ? h('div', { class: 'guild-tools', role: 'group', 'aria-label': 'Server settings' },
      has(p, Perm.MANAGE_ROLES) ? tool('Roles', 'roles', () => openRoles(g.id)) : null,
      has(p, Perm.VIEW_AUDIT_LOG) ? tool('Audit log', 'audit', () => openAuditLog(g.id)) : null) : null,
    h('div', { class: 'section-head' },
      h('h3', null, 'Channels'),
      has(p, Perm.MANAGE_CHANNELS) ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Add channel', title: 'Add channel', dataset: { focusKey: 'addch' }, onclick: () => openCreateChannel(g.id) }, h('span', { 'aria-hidden': 'true' }, '+')) : null),
    loading ? h('p', { class: 'muted pad' }, 'Loading channels…') : h('div', { class: 'channel-tree' }, tree));
}
