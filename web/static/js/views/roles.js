// The roles editor (server settings): the guild's roles, highest first;
// create, edit name, colour, permissions, hoist and mentionable, reorder and
// delete. It follows Discord's hierarchy: without MANAGE_ROLES nothing is
// editable, and a non-owner edits, moves or deletes only roles below their
// own highest role and grants only permissions they hold. The server checks
// the same rules; the client only greys out what would be refused.

import { client, state } from '../context.js';
import { h } from '../dom.js';
import { Perm, guildPermissions, guildRoles, has, noteRole, dropRole, topPosition } from '../perms.js';
import { dialog } from './dialogs.js';
import { describe, setBusy, toast } from './feedback.js';
import { PERMISSIONS } from './permissions.js';

function big(v) {
  try { return BigInt(v || 0); } catch { return 0n; }
}

const hex = (n) => '#' + (Number(n) || 0).toString(16).padStart(6, '0');

let open = null; // {guildId, redraw} of the open editor, redrawn on GUILD_ROLE_* events

/** rolesChanged redraws the open roles editor (a role changed elsewhere). */
export function rolesChanged(guildId) {
  if (open && open.guildId === guildId) open.redraw();
}

/** canEditRole reports whether the signed-in user may edit role r of guildId. */
export function canEditRole(guildId, r) {
  if (!has(guildPermissions(guildId), Perm.MANAGE_ROLES)) return false;
  // @everyone (position 0) too is below anyone with a role.
  return (r.position ?? 0) < topPosition(guildId, state.me.id);
}

/** openRoles opens the roles editor of guildId. */
export function openRoles(guildId) {
  const list = h('ul', { class: 'role-list', role: 'list', 'aria-label': 'Roles' });
  const editor = h('div', { class: 'role-editor' });
  const manage = has(guildPermissions(guildId), Perm.MANAGE_ROLES);
  const create = h('button', { type: 'button', class: 'primary', disabled: !manage, onclick: async () => {
    try {
      const r = await client.api.post(`/guilds/${guildId}/roles`, { name: 'new role' });
      noteRole(guildId, r);
      selected = r.id;
      redraw();
    } catch (e) {
      toast(describe(e));
    }
  } }, 'Create role');
  const dlg = dialog('Roles', h('div', { class: 'perm-layout' }, h('div', { class: 'perm-side' }, create, list), editor));
  dlg.classList.add('wide');
  dlg.addEventListener('close', () => { open = null; });
  let selected = null;

  const redraw = () => {
    const roles = guildRoles(guildId);
    list.replaceChildren(...roles.map((r) => h('li', null, h('button', {
      type: 'button', class: 'role-button' + (r.id === selected ? ' current' : ''), 'aria-pressed': String(r.id === selected),
      onclick: () => { selected = r.id; redraw(); },
    }, h('span', { class: 'role-dot', 'aria-hidden': 'true', style: `--role-color:${r.color ? hex(r.color) : '#99aab5'}` }), r.id === guildId ? '@everyone' : r.name))));
    const r = roles.find((x) => x.id === selected);
    editor.replaceChildren(r ? roleForm(guildId, r, roles, redraw) : h('p', { class: 'muted' }, 'Pick a role to edit it.'));
  };
  open = { guildId, redraw };
  redraw();
  return dlg;
}

function roleForm(guildId, r, roles, redraw) {
  const everyone = r.id === guildId;
  const editable = canEditRole(guildId, r);
  const mine = guildPermissions(guildId);
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'role-name', maxlength: 100, value: everyone ? '@everyone' : r.name, disabled: !editable || everyone });
  const color = h('input', { id: 'role-color', type: 'color', value: hex(r.color), disabled: !editable || everyone });
  const check = (label, on, disabled) => {
    const box = h('input', { type: 'checkbox', checked: !!on, disabled: !!disabled });
    return [box, h('label', { class: 'check' }, box, ' ', label)];
  };
  const [hoist, hoistRow] = check('Display role members separately', r.hoist, !editable || everyone);
  const [mention, mentionRow] = check('Allow anyone to @mention this role', r.mentionable, !editable || everyone);
  let perms = big(r.permissions);
  const groups = PERMISSIONS.map(([group, bits]) => h('div', { class: 'perm-group' }, h('h3', null, group),
    bits.map(([key, label]) => {
      const bit = Perm[key];
      // A permission one does not hold can be neither granted nor taken.
      const [box, row] = check(label, perms & bit, !editable || !has(mine, bit));
      box.setAttribute('role', 'switch');
      box.addEventListener('change', () => { perms = box.checked ? perms | bit : perms & ~bit; });
      return row;
    })));
  const form = h('form', { class: 'role-form', 'aria-label': `Edit role ${everyone ? '@everyone' : r.name}` },
    h('label', { for: 'role-name' }, 'Role name'), name,
    h('label', { for: 'role-color' }, 'Role colour'), color,
    hoistRow, mentionRow, ...groups, err);
  const idx = roles.findIndex((x) => x.id === r.id);
  const above = roles[idx - 1];
  const below = roles[idx + 1];
  const canMove = (other) => editable && !everyone && other && other.id !== guildId && canEditRole(guildId, other);
  const confirm = h('div', { class: 'confirm-delete', role: 'group', 'aria-label': 'Confirm delete', hidden: true },
    h('span', null, `Delete the role ${r.name}?`),
    h('button', { type: 'button', class: 'danger', onclick: async () => {
      try {
        await client.api.delete(`/guilds/${guildId}/roles/${r.id}`);
        dropRole(guildId, r.id);
        redraw();
      } catch (e) {
        err.textContent = describe(e);
      }
    } }, 'Confirm delete'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; } }, 'Cancel'));
  form.append(h('div', { class: 'settings-actions' },
    h('button', { type: 'submit', class: 'primary', disabled: !editable }, 'Save role'),
    h('button', { type: 'button', class: 'secondary', disabled: !canMove(above), onclick: () => swap(guildId, r, above, redraw) }, 'Move role up'),
    h('button', { type: 'button', class: 'secondary', disabled: !canMove(below), onclick: () => swap(guildId, r, below, redraw) }, 'Move role down'),
    h('button', { type: 'button', class: 'danger', disabled: !editable || everyone, onclick: () => { confirm.hidden = false; } }, 'Delete role')), confirm);
  if (!editable) form.append(h('p', { class: 'muted' }, 'You cannot edit this role: it is not below your highest role, or you lack Manage Roles.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = { permissions: String(perms) };
    if (!everyone) Object.assign(body, { name: name.value.trim(), color: parseInt(color.value.slice(1), 16), hoist: hoist.checked, mentionable: mention.checked });
    setBusy(form, true);
    try {
      const updated = await client.api.patch(`/guilds/${guildId}/roles/${r.id}`, body);
      noteRole(guildId, updated);
      redraw();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  return form;
}

// swap exchanges the positions of roles a and b (PATCH /guilds/{id}/roles).
async function swap(guildId, a, b, redraw) {
  try {
    const list = await client.api.patch(`/guilds/${guildId}/roles`, [{ id: a.id, position: b.position }, { id: b.id, position: a.position }]);
    for (const r of list || []) noteRole(guildId, r);
    redraw();
  } catch (e) {
    toast(describe(e));
  }
}
