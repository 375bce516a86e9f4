// Moderation in the client: the member context menu (right-click or "…" on
// a member) to kick, ban (choosing how much message history to delete) and
// time out (up to 28 days) with a reason sent as X-Audit-Log-Reason, and to
// give or take the roles below one's own (MANAGE_ROLES); and
// the composer's view of the server's limits: a slowmode countdown after
// one's own message instead of a send that fails, and a disabled composer
// while the user is timed out. Actions are offered only to those whose
// permissions and role hierarchy allow them; the server checks again.

import { client, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { Perm, guildPermissions, guildRoles, has, permissions, topPosition } from '../perms.js';
import { dialog } from './dialogs.js';
import { describe, setBusy, toast } from './feedback.js';

const DAY = 86400;

/** BAN_DELETE lists the "delete message history" choices, in seconds. */
export const BAN_DELETE = [[0, "Don't delete any"], [3600, 'Previous hour'], [6 * 3600, 'Previous 6 hours'], [12 * 3600, 'Previous 12 hours'],
  [DAY, 'Previous 24 hours'], [3 * DAY, 'Previous 3 days'], [7 * DAY, 'Previous 7 days']];

/** TIMEOUTS lists the timeout durations offered, in seconds (Discord allows at most 28 days). */
export const TIMEOUTS = [[60, '60 seconds'], [300, '5 minutes'], [600, '10 minutes'], [3600, '1 hour'], [DAY, '1 day'],
  [7 * DAY, '1 week'], [28 * DAY, '28 days']];

/** reasonHeader is the X-Audit-Log-Reason header for reason (URL-encoded, as Discord's libraries send it). */
export function reasonHeader(reason) {
  const r = (reason || '').trim();
  return r ? { 'X-Audit-Log-Reason': encodeURIComponent(r.slice(0, 512)) } : undefined;
}

/**
 * modActions returns what the signed-in user may do to member m of guildId:
 * {kick, ban, timeout}, each false unless the permission is held and m is
 * below the user in the role hierarchy (and not the owner or oneself); and
 * roles, true when the user may give anyone (themselves included) a role:
 * MANAGE_ROLES and a role below their highest.
 */
export function modActions(guildId, m) {
  const me = state.me;
  const g = state.guilds.get(guildId);
  const none = { kick: false, ban: false, timeout: false, roles: false };
  if (!m || !m.user || !me || !g) return none;
  const p = guildPermissions(guildId);
  const roles = has(p, Perm.MANAGE_ROLES) && assignableRoles(guildId).length > 0;
  if (m.user.id === me.id || m.user.id === g.owner_id) return { ...none, roles };
  if (!(topPosition(guildId, me.id) > topPosition(guildId, m.user.id))) return { ...none, roles };
  return { kick: has(p, Perm.KICK_MEMBERS), ban: has(p, Perm.BAN_MEMBERS), timeout: has(p, Perm.MODERATE_MEMBERS), roles };
}

/** assignableRoles lists the roles the signed-in user may give or take in guildId: below their highest, not @everyone, not an integration's. */
export function assignableRoles(guildId) {
  const top = topPosition(guildId, state.me && state.me.id);
  return guildRoles(guildId).filter((r) => r.id !== guildId && !r.managed && (r.position ?? 0) < top);
}

/** canModerate reports whether the signed-in user holds any moderation permission in guildId. */
export function canModerate(guildId) {
  const p = guildPermissions(guildId);
  return (p & (Perm.KICK_MEMBERS | Perm.BAN_MEMBERS | Perm.MODERATE_MEMBERS)) !== 0n;
}

/** memberMenuButton is the "…" button of a member row, or null when there is nothing to offer. */
export function memberMenuButton(guildId, m) {
  const a = modActions(guildId, m);
  if (!a.kick && !a.ban && !a.timeout && !a.roles) return null;
  return h('button', {
    type: 'button', class: 'icon-button small member-more', 'aria-label': `More options for ${displayName(m.user, m)}`, 'aria-haspopup': 'menu',
    onclick: (ev) => { ev.stopPropagation(); openMemberMenu(guildId, m, ev.currentTarget); },
  }, '…');
}

/** onMemberContextMenu opens the member menu on right-click of a row that has a "…" button. */
export function onMemberContextMenu(ev) {
  const row = ev.target.closest('[data-user-id]');
  const btn = row && row.querySelector('.member-more');
  if (!btn) return;
  ev.preventDefault();
  btn.click();
}

let menu = null;

function closeMenu() {
  if (!menu) return;
  const { el, anchor } = menu;
  menu = null;
  el.remove();
  document.removeEventListener('pointerdown', onOutside, true);
  if (anchor && anchor.isConnected) anchor.focus();
}

function onOutside(ev) {
  if (menu && !menu.el.contains(ev.target)) closeMenu();
}

/** openMemberMenu shows the moderation menu for member m next to anchor. */
export function openMemberMenu(guildId, m, anchor) {
  closeMenu();
  const a = modActions(guildId, m);
  const name = displayName(m.user, m);
  // The row's member may predate a timeout set since (from this menu or elsewhere).
  const timedOut = isTimedOut(state.member(guildId, m.user.id) || m);
  const item = (label, fn, danger) => h('button', {
    type: 'button', role: 'menuitem', class: 'menu-item' + (danger ? ' danger-text' : ''),
    onclick: () => { closeMenu(); fn(); },
  }, label);
  const el = h('div', { class: 'popup-menu', role: 'menu', 'aria-label': `Options for ${name}` },
    a.roles ? item(`Roles of ${name}`, () => openRoles(guildId, m)) : null,
    a.timeout ? (timedOut ? item(`Remove timeout from ${name}`, () => removeTimeout(guildId, m)) : item(`Time out ${name}`, () => openTimeout(guildId, m), true)) : null,
    a.kick ? item(`Kick ${name}`, () => openKick(guildId, m), true) : null,
    a.ban ? item(`Ban ${name}`, () => openBan(guildId, m), true) : null);
  el.addEventListener('keydown', (ev) => {
    const items = [...el.querySelectorAll('[role=menuitem]')];
    const i = items.indexOf(document.activeElement);
    if (ev.key === 'Escape') { ev.preventDefault(); closeMenu(); }
    if (ev.key === 'ArrowDown') { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (ev.key === 'ArrowUp') { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
  });
  document.body.append(el);
  const r = anchor.getBoundingClientRect();
  el.style.top = `${Math.min(r.bottom + 4, window.innerHeight - el.offsetHeight - 8)}px`;
  el.style.left = `${Math.max(8, Math.min(r.left - el.offsetWidth + r.width, window.innerWidth - el.offsetWidth - 8))}px`;
  menu = { el, anchor };
  document.addEventListener('pointerdown', onOutside, true);
  const first = el.querySelector('[role=menuitem]');
  if (first) first.focus();
}

// modDialog opens a confirm dialog with a reason field and extra fields;
// act(reason) performs the request.
function modDialog(title, text, fields, submitLabel, act) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const reason = h('textarea', { id: 'mod-reason', maxlength: 512, rows: '2' });
  const form = h('form', { class: 'dialog-form' }, h('p', null, text), ...fields,
    h('label', { for: 'mod-reason' }, 'Reason'), reason, err,
    h('button', { type: 'submit', class: 'danger' }, submitLabel));
  const dlg = dialog(title, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      await act(reason.value);
      dlg.close();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  reason.focus();
  return dlg;
}

function choice(id, label, options, value) {
  const sel = h('select', { id }, options.map(([v, l]) => h('option', { value: String(v) }, l)));
  sel.value = String(value);
  return [sel, h('label', { for: id }, label), sel];
}

// openRoles lists the roles the user may give or take as checkboxes;
// saving adds and removes the changed ones, one request each (the server
// checks each against the hierarchy again).
function openRoles(guildId, m) {
  const name = displayName(m.user, m);
  const current = new Set((state.member(guildId, m.user.id) || m).roles || []);
  const boxes = assignableRoles(guildId).map((r) => {
    const box = h('input', { type: 'checkbox', id: `role-${r.id}`, value: r.id });
    box.checked = current.has(r.id);
    return [box, h('div', { class: 'check-row' }, box, h('label', { for: `role-${r.id}` }, r.name))];
  });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'dialog-form' },
    h('fieldset', null, h('legend', null, `Roles of ${name}`), ...boxes.map(([, row]) => row)), err,
    h('button', { type: 'submit', class: 'primary' }, 'Save roles'));
  const dlg = dialog(`Roles of ${name}`, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      for (const [box] of boxes) {
        if (box.checked === current.has(box.value)) continue;
        await client.api.request(box.checked ? 'PUT' : 'DELETE', `/guilds/${guildId}/members/${m.user.id}/roles/${box.value}`);
        if (box.checked) current.add(box.value); else current.delete(box.value);
      }
      dlg.close();
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  if (boxes.length) boxes[0][0].focus();
}

function openKick(guildId, m) {
  const name = displayName(m.user, m);
  return modDialog(`Kick ${name}`, `${name} will be removed from the server. They can rejoin with a new invite.`, [], 'Kick',
    (reason) => client.api.request('DELETE', `/guilds/${guildId}/members/${m.user.id}`, undefined, undefined, reasonHeader(reason)));
}

function openBan(guildId, m) {
  const name = displayName(m.user, m);
  const [sel, ...field] = choice('ban-delete', 'Delete message history', BAN_DELETE, 0);
  return modDialog(`Ban ${name}`, `${name} will be removed from the server and cannot rejoin.`, field, 'Ban',
    (reason) => client.api.request('PUT', `/guilds/${guildId}/bans/${m.user.id}`, { delete_message_seconds: Number(sel.value) }, undefined, reasonHeader(reason)));
}

function openTimeout(guildId, m) {
  const name = displayName(m.user, m);
  const [sel, ...field] = choice('timeout-duration', 'Duration', TIMEOUTS, 60);
  return modDialog(`Time out ${name}`, `${name} will not be able to send messages, react or join threads until the timeout ends.`, field, 'Time out',
    async (reason) => {
      // 28 days is Discord's limit, counted by the server when it receives
      // the request: leave a few seconds for the trip.
      const secs = Number(sel.value);
      const until = new Date(Date.now() + secs * 1000 - (secs >= 28 * DAY ? 10000 : 0)).toISOString();
      const updated = await client.api.request('PATCH', `/guilds/${guildId}/members/${m.user.id}`, { communication_disabled_until: until }, undefined, reasonHeader(reason));
      if (updated && updated.user) state.addMember(guildId, updated);
    });
}

async function removeTimeout(guildId, m) {
  try {
    const updated = await client.api.patch(`/guilds/${guildId}/members/${m.user.id}`, { communication_disabled_until: null });
    if (updated && updated.user) state.addMember(guildId, updated);
  } catch (e) {
    toast(describe(e));
  }
}

/** isTimedOut reports whether member m's timeout is still running. */
export function isTimedOut(m, now = Date.now()) {
  const t = m && m.communication_disabled_until && Date.parse(m.communication_disabled_until);
  return !!t && t > now;
}

// --- the composer's limits ---

// cooldowns: channel id -> time (ms) the user may send there again.
const cooldowns = new Map();
let ticker = 0;
const selfLoaded = new Set();

/** ensureSelf reads the user's own member object of guildId once per session (timeouts outlive reloads). */
export function ensureSelf(guildId) {
  if (!guildId || selfLoaded.has(guildId) || !state.me) return;
  selfLoaded.add(guildId);
  client.api.get(`/guilds/${guildId}/members/${state.me.id}`).then((m) => {
    if (m && m.user) state.addMember(guildId, m);
    renderComposerState();
  }).catch(() => selfLoaded.delete(guildId));
}

function slowmodeOf(channelId) {
  const c = state.channels.get(channelId);
  const secs = (c && c.rate_limit_per_user) || 0;
  if (!secs) return 0;
  return has(permissions(channelId), Perm.BYPASS_SLOWMODE) ? 0 : secs;
}

/** noteSent starts the slowmode countdown after the user's own message in channelId. */
export function noteSent(channelId) {
  const secs = slowmodeOf(channelId);
  if (secs) cooldowns.set(channelId, Date.now() + secs * 1000);
  renderComposerState();
}

/**
 * noteSendError turns a refused send into the composer's state: a slowmode
 * refusal (20016) starts the countdown with the server's retry_after.
 * Returns true when the error is shown that way (not as an error line).
 */
export function noteSendError(channelId, err) {
  if (err && err.code === 20016 && err.body && typeof err.body.retry_after === 'number') {
    cooldowns.set(channelId, Date.now() + err.body.retry_after * 1000);
    renderComposerState();
    return true;
  }
  return false;
}

/** sendBlocked says why the composer may not send in channelId now, or '' if it may. */
export function sendBlocked(channelId) {
  const c = state.channels.get(channelId);
  const me = state.me && c && c.guild_id && state.member(c.guild_id, state.me.id);
  if (isTimedOut(me)) return 'timeout';
  const until = cooldowns.get(channelId);
  if (until && until > Date.now()) return 'slowmode';
  return '';
}

const untilFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** renderComposerState shows the open channel's slowmode or timeout on the composer. */
export function renderComposerState() {
  const input = ui.els && ui.els.input;
  const channelId = ui.channelId;
  if (!input || !channelId || !input.isConnected) return;
  const area = input.closest('.composer-area');
  let status = area.querySelector('.composer-status');
  if (!status) {
    status = h('p', { class: 'composer-status muted small', role: 'status', 'aria-live': 'polite' });
    area.prepend(status);
  }
  const c = state.channels.get(channelId);
  const me = c && state.member(c.guild_id, state.me.id);
  const now = Date.now();
  let text = '';
  let running = false;
  if (isTimedOut(me, now)) {
    text = `You are timed out until ${untilFmt.format(new Date(me.communication_disabled_until))}.`;
    running = true;
  } else {
    const until = cooldowns.get(channelId);
    if (until && until > now) {
      text = `Slowmode: ${Math.ceil((until - now) / 1000)}s`;
      running = true;
    } else {
      cooldowns.delete(channelId);
      if (slowmodeOf(channelId)) text = `Slowmode is enabled (${c.rate_limit_per_user}s between messages).`;
    }
  }
  const timedOut = isTimedOut(me, now);
  if (input.disabled !== timedOut) {
    input.disabled = timedOut;
    input.placeholder = timedOut ? 'You are timed out and cannot send messages.' : `Message #${c ? c.name : ''}`;
  }
  if (status.textContent !== text) status.textContent = text;
  status.hidden = !text;
  status.classList.toggle('limited', running);
  if (running && !ticker) ticker = setInterval(renderComposerState, 1000);
  if (!running && ticker) { clearInterval(ticker); ticker = 0; }
}
