// The audit log view (VIEW_AUDIT_LOG): GET /guilds/{id}/audit-logs newest
// first, filtered by the user who acted and by action, paged with before=
// ("Load more"); each entry as a sentence ("owner banned member"), its
// reason and the changes it made.

import { client, state } from '../context.js';
import { h, displayName, formatStamp } from '../dom.js';
import { guildRoles } from '../perms.js';
import { time as snowflakeTime } from '../snowflake.js';
import { dialog } from './dialogs.js';
import { describe } from './feedback.js';

const PAGE = 50;

/** ACTIONS names Discord's audit log action types: [type, filter label, verb]. */
export const ACTIONS = [
  [1, 'Update server', 'updated the server'],
  [10, 'Create channel', 'created the channel'], [11, 'Update channel', 'updated the channel'], [12, 'Delete channel', 'deleted the channel'],
  [13, 'Create permission overwrite', 'added a permission overwrite to'], [14, 'Update permission overwrite', 'updated a permission overwrite on'],
  [15, 'Delete permission overwrite', 'removed a permission overwrite from'],
  [20, 'Kick member', 'kicked'], [21, 'Prune members', 'pruned members'], [22, 'Ban member', 'banned'], [23, 'Unban member', 'unbanned'],
  [24, 'Update member', 'updated'], [25, 'Update member roles', 'changed the roles of'],
  [30, 'Create role', 'created the role'], [31, 'Update role', 'updated the role'], [32, 'Delete role', 'deleted the role'],
  [40, 'Create invite', 'created the invite'], [41, 'Update invite', 'updated the invite'], [42, 'Delete invite', 'deleted the invite'],
  [50, 'Create webhook', 'created the webhook'], [51, 'Update webhook', 'updated the webhook'], [52, 'Delete webhook', 'deleted the webhook'],
  [60, 'Create emoji', 'created the emoji'], [61, 'Update emoji', 'updated the emoji'], [62, 'Delete emoji', 'deleted the emoji'],
  [72, 'Delete message', 'deleted a message of'], [73, 'Bulk delete messages', 'bulk deleted messages in'],
  [74, 'Pin message', 'pinned a message of'], [75, 'Unpin message', 'unpinned a message of'],
  [110, 'Create thread', 'created the thread'], [111, 'Update thread', 'updated the thread'], [112, 'Delete thread', 'deleted the thread'],
  [140, 'Create AutoMod rule', 'created the AutoMod rule'], [141, 'Update AutoMod rule', 'updated the AutoMod rule'],
  [142, 'Delete AutoMod rule', 'deleted the AutoMod rule'], [143, 'AutoMod blocked a message', 'had a message blocked by AutoMod:'],
  [144, 'AutoMod flagged a message', 'had a message flagged by AutoMod:'], [145, 'AutoMod timed out a member', 'was timed out by AutoMod:'],
];
const BY_TYPE = new Map(ACTIONS.map(([t, label, verb]) => [t, { label, verb }]));
const CHANNEL_ACTIONS = new Set([10, 11, 12, 13, 14, 15, 73, 110, 111, 112]);
const ROLE_ACTIONS = new Set([30, 31, 32]);

/** actionName is the readable name of an action type. */
export function actionName(type) {
  const a = BY_TYPE.get(type);
  return a ? a.label : `Action ${type}`;
}

function value(v) {
  if (v === undefined || v === null) return 'none';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return formatStamp(new Date(v));
  if (Array.isArray(v)) return v.map((x) => (x && x.name) || JSON.stringify(x)).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** openAuditLog opens the audit log of guildId. */
export function openAuditLog(guildId) {
  const users = new Map(); // id -> user, from the answers' users
  const list = h('ol', { class: 'audit-list', role: 'list', 'aria-label': 'Audit log entries' });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const userSel = h('select', { id: 'audit-user' }, h('option', { value: '' }, 'All users'));
  const actionSel = h('select', { id: 'audit-action' }, h('option', { value: '' }, 'All actions'),
    ACTIONS.map(([t, label]) => h('option', { value: String(t) }, label)));
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const filters = h('div', { class: 'audit-filters' },
    h('label', { for: 'audit-user' }, 'Filter by user'), userSel,
    h('label', { for: 'audit-action' }, 'Filter by action'), actionSel);
  const dlg = dialog('Audit log', filters, err, list, more);
  dlg.classList.add('wide');
  let oldest = null;
  let gen = 0;

  const fillUsers = () => {
    const known = new Map(users);
    for (const m of (state.members.get(guildId) || new Map()).values()) if (m.user) known.set(m.user.id, m.user);
    const cur = userSel.value;
    userSel.replaceChildren(h('option', { value: '' }, 'All users'),
      ...[...known.values()].sort((a, b) => displayName(a).localeCompare(displayName(b))).map((u) => h('option', { value: u.id }, displayName(u, state.member(guildId, u.id)))));
    userSel.value = cur;
  };

  const load = async (reset) => {
    const my = reset ? ++gen : gen;
    if (reset) { oldest = null; list.replaceChildren(); }
    err.textContent = '';
    more.disabled = true;
    try {
      const res = await client.api.get(`/guilds/${guildId}/audit-logs`, {
        limit: PAGE, before: oldest, user_id: userSel.value, action_type: actionSel.value,
      });
      if (my !== gen) return;
      for (const u of res.users || []) users.set(u.id, u);
      const entries = res.audit_log_entries || [];
      list.append(...entries.map((e) => entryRow(guildId, e, users, res)));
      if (entries.length) oldest = entries[entries.length - 1].id;
      more.hidden = entries.length < PAGE;
      if (!list.children.length) list.append(h('li', { class: 'muted' }, 'No entries.'));
      fillUsers();
    } catch (e) {
      err.textContent = describe(e);
    } finally {
      more.disabled = false;
    }
  };
  userSel.addEventListener('change', () => load(true));
  actionSel.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  load(true);
  return dlg;
}

function entryRow(guildId, e, users, res) {
  const who = (id) => {
    const u = users.get(id) || state.users.get(id);
    return u ? displayName(u, state.member(guildId, id)) : id ? `user ${id}` : 'Someone';
  };
  const a = BY_TYPE.get(e.action_type);
  const nameChange = (e.changes || []).find((c) => c.key === 'name');
  let target = '';
  if (CHANNEL_ACTIONS.has(e.action_type)) {
    const c = state.channels.get(e.target_id) || (res.threads || []).find((t) => t.id === e.target_id);
    target = '#' + ((c && c.name) || (nameChange && (nameChange.new_value || nameChange.old_value)) || e.target_id);
  } else if (ROLE_ACTIONS.has(e.action_type)) {
    const r = guildRoles(guildId).find((x) => x.id === e.target_id);
    target = (r && r.name) || (nameChange && (nameChange.new_value || nameChange.old_value)) || e.target_id;
  } else if (e.target_id) {
    target = who(e.target_id);
  }
  let sentence = `${who(e.user_id)} ${a ? a.verb : `did action ${e.action_type} to`} ${target}`.trim();
  const timeout = (e.changes || []).find((c) => c.key === 'communication_disabled_until');
  if (e.action_type === 24 && timeout) {
    sentence = timeout.new_value
      ? `${who(e.user_id)} timed out ${target} until ${value(timeout.new_value)}`
      : `${who(e.user_id)} removed the timeout of ${target}`;
  }
  const changes = (e.changes || []).filter((c) => c !== timeout).map((c) => h('li', null, `${c.key}: ${value(c.old_value)} → ${value(c.new_value)}`));
  const when = snowflakeTime(e.id);
  return h('li', { class: 'audit-entry', dataset: { action: String(e.action_type) } },
    h('p', { class: 'audit-sentence' }, h('strong', null, sentence), ' ', h('time', { class: 'muted small', datetime: when.toISOString() }, formatStamp(when))),
    h('p', { class: 'muted small' }, actionName(e.action_type)),
    e.reason ? h('p', { class: 'audit-reason' }, `Reason: ${e.reason}`) : null,
    changes.length ? h('ul', { class: 'audit-changes' }, changes) : null);
}
