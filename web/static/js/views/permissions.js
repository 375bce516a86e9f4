// The channel permissions editor: a channel's overwrites for roles and
// members, each permission bit set to allow, deny or inherit (neither), saved
// with PUT /channels/{id}/permissions/{overwrite_id} and removed with DELETE.
// The bits and their names come from perms.js; the roles editor (roles.js)
// shows the same list as on/off switches.

import { client, scheduleRender, state } from '../context.js';
import { h, displayName } from '../dom.js';
import { Perm, guildPermissions, guildRoles, has } from '../perms.js';
import { dialog } from './dialogs.js';
import { describe, setBusy } from './feedback.js';

const OW_ROLE = 0;
const OW_MEMBER = 1;

/** PERMISSIONS names each permission bit the editors show, grouped as Discord groups them. */
export const PERMISSIONS = [
  ['General', [
    ['VIEW_CHANNEL', 'View Channels'], ['MANAGE_CHANNELS', 'Manage Channels'], ['MANAGE_ROLES', 'Manage Roles'],
    ['MANAGE_GUILD_EXPRESSIONS', 'Manage Expressions'], ['VIEW_AUDIT_LOG', 'View Audit Log'], ['MANAGE_WEBHOOKS', 'Manage Webhooks'],
    ['MANAGE_GUILD', 'Manage Server'],
  ]],
  ['Membership', [
    ['CREATE_INSTANT_INVITE', 'Create Invite'], ['CHANGE_NICKNAME', 'Change Nickname'], ['MANAGE_NICKNAMES', 'Manage Nicknames'],
    ['KICK_MEMBERS', 'Kick Members'], ['BAN_MEMBERS', 'Ban Members'], ['MODERATE_MEMBERS', 'Timeout Members'],
  ]],
  ['Text', [
    ['SEND_MESSAGES', 'Send Messages'], ['SEND_MESSAGES_IN_THREADS', 'Send Messages in Threads'],
    ['CREATE_PUBLIC_THREADS', 'Create Public Threads'], ['CREATE_PRIVATE_THREADS', 'Create Private Threads'],
    ['EMBED_LINKS', 'Embed Links'], ['ATTACH_FILES', 'Attach Files'], ['ADD_REACTIONS', 'Add Reactions'],
    ['USE_EXTERNAL_EMOJIS', 'Use External Emoji'], ['MENTION_EVERYONE', 'Mention @everyone'],
    ['MANAGE_MESSAGES', 'Manage Messages'], ['PIN_MESSAGES', 'Pin Messages'], ['BYPASS_SLOWMODE', 'Bypass Slowmode'],
    ['MANAGE_THREADS', 'Manage Threads'], ['READ_MESSAGE_HISTORY', 'Read Message History'],
  ]],
  ['Advanced', [['ADMINISTRATOR', 'Administrator']]],
];

// Bits that mean nothing on a channel overwrite (Discord's client leaves them out there).
const GUILD_ONLY = new Set(['KICK_MEMBERS', 'BAN_MEMBERS', 'MODERATE_MEMBERS', 'MANAGE_GUILD', 'VIEW_AUDIT_LOG',
  'MANAGE_NICKNAMES', 'CHANGE_NICKNAME', 'MANAGE_GUILD_EXPRESSIONS', 'ADMINISTRATOR']);

function big(v) {
  try { return BigInt(v || 0); } catch { return 0n; }
}

let seq = 0;

/** openPermissions opens the overwrite editor of channelId. */
export function openPermissions(channelId) {
  const c = state.channels.get(channelId);
  if (!c) return null;
  const gid = c.guild_id;
  const canEdit = has(guildPermissions(gid), Perm.MANAGE_ROLES);
  const list = h('ul', { class: 'overwrite-list', role: 'list', 'aria-label': 'Roles and members' });
  const editor = h('div', { class: 'overwrite-editor' });
  const add = h('select', { 'aria-label': 'Add a role or member' });
  const body = h('div', { class: 'perm-layout' }, h('div', { class: 'perm-side' }, list, canEdit ? add : null), editor);
  const dlg = dialog(`Permissions: ${c.type === 4 ? '' : '#'}${c.name}`, body);
  dlg.classList.add('wide');
  let selected = null;

  const overwrites = () => (state.channels.get(channelId) || c).permission_overwrites || [];
  const nameOf = (o) => {
    if (o.type === OW_ROLE) {
      if (o.id === gid) return '@everyone';
      const r = guildRoles(gid).find((x) => x.id === o.id);
      return r ? r.name : 'Deleted role';
    }
    const u = state.users.get(o.id);
    return u ? displayName(u, state.member(gid, o.id)) : `User ${o.id}`;
  };

  const draw = () => {
    const ows = overwrites();
    const rows = [...ows];
    if (selected && !rows.some((o) => o.id === selected.id)) rows.push(selected);
    list.replaceChildren(...rows.map((o) => h('li', null, h('button', {
      type: 'button', class: 'overwrite-target' + (selected && selected.id === o.id ? ' current' : ''),
      'aria-pressed': String(!!selected && selected.id === o.id), onclick: () => { selected = { ...o }; draw(); },
    }, (o.type === OW_ROLE ? '' : '@') + nameOf(o)))));
    const taken = new Set(rows.map((o) => o.id));
    const roleOpts = guildRoles(gid).filter((r) => !taken.has(r.id)).map((r) => h('option', { value: `0:${r.id}` }, r.id === gid ? '@everyone' : r.name));
    const members = [...(state.members.get(gid) || new Map()).values()].filter((m) => m.user && !taken.has(m.user.id));
    const memberOpts = members.map((m) => h('option', { value: `1:${m.user.id}` }, '@' + displayName(m.user, m)));
    add.replaceChildren(...[h('option', { value: '' }, 'Add a role or member…'),
      roleOpts.length ? h('optgroup', { label: 'Roles' }, roleOpts) : null,
      memberOpts.length ? h('optgroup', { label: 'Members' }, memberOpts) : null].filter(Boolean));
    drawEditor();
  };

  add.addEventListener('change', () => {
    if (!add.value) return;
    const [type, id] = add.value.split(':');
    selected = { id, type: Number(type), allow: '0', deny: '0', fresh: true };
    draw();
  });

  const drawEditor = () => {
    if (!selected) {
      editor.replaceChildren(h('p', { class: 'muted' }, 'Pick a role or member to edit what they may do here.'));
      return;
    }
    let allow = big(selected.allow);
    let deny = big(selected.deny);
    const err = h('p', { class: 'form-error', role: 'alert' });
    const groups = PERMISSIONS.map(([group, bits]) => h('div', { class: 'perm-group' }, h('h3', null, group),
      bits.filter(([key]) => !GUILD_ONLY.has(key)).map(([key, label]) => {
        const bit = Perm[key];
        const name = `ow${++seq}`;
        const state3 = allow & bit ? 'allow' : deny & bit ? 'deny' : 'inherit';
        const radio = (value, text) => h('label', { class: `tri tri-${value}` },
          h('input', { type: 'radio', name, value, checked: state3 === value, disabled: !canEdit, onchange: () => {
            allow &= ~bit;
            deny &= ~bit;
            if (value === 'allow') allow |= bit;
            if (value === 'deny') deny |= bit;
          } }), text);
        return h('fieldset', { class: 'perm-row' }, h('legend', null, label), radio('deny', 'Deny'), radio('inherit', 'Inherit'), radio('allow', 'Allow'));
      })));
    const form = h('form', { class: 'overwrite-form', 'aria-label': `Permissions for ${nameOf(selected)}` },
      h('h3', null, nameOf(selected)), ...groups, err,
      canEdit ? h('div', { class: 'settings-actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Save permissions'),
        selected.fresh ? null : h('button', { type: 'button', class: 'danger', onclick: () => remove(form, err) }, 'Remove overwrite')) : null);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      setBusy(form, true);
      const ow = { id: selected.id, type: selected.type, allow: String(allow), deny: String(deny) };
      try {
        await client.api.request('PUT', `/channels/${channelId}/permissions/${selected.id}`, { type: ow.type, allow: ow.allow, deny: ow.deny });
        applyOverwrite(channelId, ow);
        selected = { ...ow };
        draw();
      } catch (e) {
        err.textContent = describe(e);
        setBusy(form, false);
      }
    });
    editor.replaceChildren(form);
  };

  const remove = async (form, err) => {
    setBusy(form, true);
    try {
      await client.api.delete(`/channels/${channelId}/permissions/${selected.id}`);
      applyOverwrite(channelId, { id: selected.id }, true);
      selected = null;
      draw();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  };

  draw();
  return dlg;
}

// applyOverwrite updates the channel's overwrites at once (CHANNEL_UPDATE
// follows with the same list).
function applyOverwrite(channelId, ow, removed = false) {
  const c = state.channels.get(channelId);
  if (!c) return;
  const rest = (c.permission_overwrites || []).filter((o) => o.id !== ow.id);
  c.permission_overwrites = removed ? rest : [...rest, ow];
  scheduleRender('sidebar');
}
