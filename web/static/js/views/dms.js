// Direct messages: the Home sidebar (Friends, and the DM and group DM list
// with unread markers, mention badges and presence), the header of an open
// DM, group DMs (create with friends, add and remove people, rename, leave),
// the profile popout with its "Message" button, and the #/channels/@me routes.

import { client, replaceKeepingFocus, root, scheduleRender, state, ui } from '../context.js';
import { avatar, displayName, h } from '../dom.js';
import { DM, GROUP_DM, Rel, channelLabel, isPrivate, mentionCount, openDM, privateChannels, privateName, recipientsOf, relationship, statusOf } from '../people.js';
import { dialog } from './dialogs.js';
import { pinsButton } from './pins.js';
import { describe, setBusy, toast } from './feedback.js';
import { showFriends, friendActions } from './friends.js';
import { closeChannel, openChannel } from './messages.js';
import { setNav } from './shell.js';
import { statusDot, statusLabel } from './status.js';

const MAX_GROUP = 10; // people in a group DM, the owner included

/**
 * routePrivate shows what a #/channels/@me hash names: the friends page, or
 * a DM. It returns false for other hashes.
 */
export function routePrivate(hash) {
  const m = /^#\/channels\/@me(?:\/(\d+))?\/?$/.exec(hash);
  if (!m) return false;
  ui.guildId = null;
  const c = m[1] && state.channels.get(m[1]);
  if (m[1] && !c) {
    // Not known yet (a link, or READY still on its way): fetch it.
    client.api.get(`/channels/${m[1]}`).then((ch) => {
      if (isPrivate(ch)) {
        state.addChannel(ch);
        if (location.hash === hash) openChannel(ch);
      }
    }).catch((err) => { toast(describe(err)); location.hash = '#/channels/@me'; });
    closeChannel();
    scheduleRender('rail', 'sidebar', 'members');
    return true;
  }
  if (c) openChannel(c);
  else showFriends();
  scheduleRender('rail', 'sidebar', 'members');
  return true;
}

/** renderHomeSidebar draws the sidebar of Home: Friends and the private channels. */
export function renderHomeSidebar() {
  const friendsOpen = !ui.channelId && /^#\/channels\/@me\/?$/.test(location.hash);
  const pending = [...state.relationships.values()].filter((r) => r.type === Rel.INCOMING).length;
  const items = privateChannels().map((c) => {
    const current = c.id === ui.channelId;
    const unread = !current && state.isUnread(c.id);
    const mentions = current ? 0 : mentionCount(c.id);
    const other = c.type === DM ? recipientsOf(c)[0] : null;
    const label = privateName(c) + (mentions ? `, ${mentions} unread` : '');
    return h('li', { class: 'dm-item' },
      h('a', {
        class: 'channel dm' + (current ? ' current' : '') + (unread ? ' unread' : ''),
        href: `#/channels/@me/${c.id}`, 'aria-label': label, 'aria-current': current ? 'page' : null,
        'aria-describedby': unread ? 'unread-desc' : null, dataset: { focusKey: 'dm' + c.id }, onclick: () => setNav(false),
      },
      h('span', { class: 'avatar-wrap' }, other ? avatar(other) : groupIcon(c), other ? statusDot(other.id) : null),
      h('span', { class: 'channel-name' }, privateName(c), c.type === GROUP_DM ? h('span', { class: 'muted small' }, ` ${(c.recipients || []).length + 1} members`) : null),
      mentions ? h('span', { class: 'badge', 'aria-hidden': 'true' }, String(mentions)) : unread ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null));
  });
  replaceKeepingFocus(ui.els.sidebarBody,
    h('header', { class: 'sidebar-head' }, h('h2', null, 'Home')),
    h('ul', { class: 'channel-list', role: 'list' }, h('li', null, h('a', {
      class: 'channel' + (friendsOpen ? ' current' : ''), href: '#/channels/@me', 'aria-current': friendsOpen ? 'page' : null,
      dataset: { focusKey: 'friends' }, onclick: () => setNav(false),
    }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '☺'), h('span', { class: 'channel-name' }, 'Friends'),
    pending ? h('span', { class: 'badge', 'aria-label': `${pending} pending` }, String(pending)) : null))),
    h('div', { class: 'section-head' },
      h('h3', { id: 'dm-heading' }, 'Direct messages'),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Create group DM', title: 'Create group DM', dataset: { focusKey: 'newgroup' }, onclick: () => openGroupDialog() }, h('span', { 'aria-hidden': 'true' }, '+'))),
    items.length ? h('ul', { class: 'channel-list dm-list', role: 'list', 'aria-labelledby': 'dm-heading' }, items)
      : h('p', { class: 'muted pad small' }, state.guildOrder.length ? 'No direct messages yet.' : 'You are not in any server yet.'));
}

/** renderDMHeader draws the header of an open DM or group DM. */
export function renderDMHeader(c) {
  const other = c.type === DM ? recipientsOf(c)[0] : null;
  root.classList.remove('members-open'); // a DM has no member list
  ui.els.header.replaceChildren(
    h('button', { type: 'button', class: 'icon-button nav-toggle', 'aria-label': 'Show channels', onclick: () => setNav(!ui.navOpen) }, '☰'),
    h('h1', { class: 'chat-title' }, other ? statusDot(other.id) : null, h('span', null, channelLabel(c))),
    c.type === GROUP_DM ? h('div', { class: 'head-actions' },
      pinsButton(c),
      h('button', { type: 'button', class: 'secondary', onclick: () => openRecipients(c) }, 'Members'),
      h('button', { type: 'button', class: 'secondary', onclick: () => openGroupDialog(c) }, 'Add people'),
      h('button', { type: 'button', class: 'secondary', onclick: () => openRename(c) }, 'Rename group'),
      h('button', { type: 'button', class: 'secondary', onclick: () => leaveGroup(c) }, 'Leave group'))
      : other ? h('div', { class: 'head-actions' }, pinsButton(c), h('button', { type: 'button', class: 'secondary', onclick: (ev) => openProfile(other, ev.currentTarget) }, 'Profile')) : null);
}

/** dmBeginning is what shows above the first message of a DM. */
export function dmBeginning(c) {
  const other = c.type === DM ? recipientsOf(c)[0] : null;
  return [
    other ? avatar(other) : h('div', { class: 'channel-icon', 'aria-hidden': 'true' }, '#'),
    h('h2', null, privateName(c)),
    h('p', { class: 'muted' }, other ? `This is the beginning of your direct message history with @${other.username}.` : `Welcome to the beginning of the ${privateName(c)} group.`),
  ];
}

function friends() {
  return [...state.relationships.values()].filter((r) => r.type === Rel.FRIEND).map((r) => state.users.get(r.id) || r.user);
}

/**
 * openGroupDialog picks friends for a new group DM, or (with c) people to
 * add to group c.
 */
export function openGroupDialog(c = null) {
  const inGroup = new Set((c && c.recipients || []).map((r) => r.id));
  const choices = friends().filter((u) => !inGroup.has(u.id));
  const err = h('p', { class: 'form-error', role: 'alert' });
  const boxes = choices.map((u) => h('label', { class: 'pick' },
    h('input', { type: 'checkbox', value: u.id, name: 'friend' }), avatar(u), displayName(u), h('span', { class: 'muted' }, ` @${u.username}`)));
  const form = h('form', { class: 'dialog-form', 'aria-label': c ? 'Add people' : 'Create group DM' },
    choices.length ? h('fieldset', null, h('legend', null, 'Friends'), boxes) : h('p', { class: 'muted' }, 'Add friends first: a group DM is made of friends.'),
    err, h('button', { type: 'submit', class: 'primary', disabled: !choices.length }, c ? 'Add to group' : 'Create group DM'));
  const dlg = dialog(c ? `Add people to ${privateName(c)}` : 'Create a group DM', form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ids = [...form.querySelectorAll('input[name=friend]:checked')].map((i) => i.value);
    err.textContent = '';
    if (!ids.length) { err.textContent = 'Pick at least one friend.'; return; }
    if (ids.length + inGroup.size + 1 > MAX_GROUP) { err.textContent = `A group DM holds at most ${MAX_GROUP} people.`; return; }
    setBusy(form, true);
    try {
      if (c && c.type === GROUP_DM) {
        for (const id of ids) await client.api.put(`/channels/${c.id}/recipients/${id}`);
        dlg.close();
      } else {
        const others = c ? (c.recipients || []).map((r) => r.id) : [];
        const g = await client.api.post('/users/@me/channels', { recipients: [...new Set(others.concat(ids))] });
        state.addChannel(g);
        dlg.close();
        location.hash = `#/channels/@me/${g.id}`;
      }
      scheduleRender('sidebar', 'header');
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
}

function openRecipients(c) {
  const me = state.me;
  const owner = c.owner_id === me.id;
  const rows = recipientsOf(c).map((u) => h('li', { class: 'member' },
    h('span', { class: 'avatar-wrap' }, avatar(u), statusDot(u.id)), h('span', { class: 'member-name' }, displayName(u)),
    c.owner_id === u.id ? h('span', { class: 'owner', 'aria-label': 'Group owner', title: 'Group owner' }, '♛') : null,
    owner ? h('button', {
      type: 'button', class: 'secondary small', 'aria-label': `Remove ${displayName(u)} from the group`,
      onclick: async (ev) => {
        try {
          await client.api.delete(`/channels/${c.id}/recipients/${u.id}`);
          ev.target.closest('li').remove();
        } catch (e) { toast(describe(e)); }
      },
    }, 'Remove') : null));
  dialog(`Members of ${privateName(c)}`, h('ul', { class: 'member-list', role: 'list' },
    h('li', { class: 'member' }, h('span', { class: 'avatar-wrap' }, avatar(me), statusDot(me.id)), h('span', { class: 'member-name' }, `${displayName(me)} (you)`)), rows));
}

/** groupIcon is a group DM's icon (its image from the CDN, else a "#"). */
export function groupIcon(c) {
  if (c.icon) return h('img', { class: 'avatar group', alt: '', src: `/channel-icons/${c.id}/${c.icon}.png?size=64` });
  return h('span', { class: 'avatar group', 'aria-hidden': 'true' }, '#');
}

// readImage reads a chosen file as Discord's image data (a data URI).
function readImage(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

function openRename(c) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'group-name', name: 'name', maxlength: 100, value: c.name || '' });
  const icon = h('input', { id: 'group-icon', name: 'icon', type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp' });
  const clear = h('input', { id: 'group-icon-clear', type: 'checkbox' });
  const form = h('form', { class: 'dialog-form' }, h('label', { for: 'group-name' }, 'Group name'), name,
    h('label', { for: 'group-icon' }, 'Group icon'), icon,
    c.icon ? h('div', { class: 'check-row' }, clear, h('label', { for: 'group-icon-clear' }, 'Remove the icon')) : null,
    err, h('button', { type: 'submit', class: 'primary' }, 'Save'));
  const dlg = dialog('Rename group', form);
  name.select();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setBusy(form, true);
    try {
      const body = { name: name.value.trim() || null };
      if (icon.files && icon.files[0]) body.icon = await readImage(icon.files[0]);
      else if (clear.checked) body.icon = null;
      const u = await client.api.patch(`/channels/${c.id}`, body);
      state.addChannel(u);
      dlg.close();
      scheduleRender('sidebar', 'header');
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
}

async function leaveGroup(c) {
  try {
    await client.api.delete(`/channels/${c.id}`);
    state.removeChannel(c.id);
    location.hash = '#/channels/@me';
  } catch (e) {
    toast(describe(e));
  }
}

let popout = null;

function closeProfile() {
  if (!popout) return;
  popout.el.remove();
  document.removeEventListener('pointerdown', popout.onDoc, true);
  const back = popout.anchor;
  popout = null;
  if (back && back.isConnected) back.focus();
}

/**
 * openProfile shows user's profile beside anchor: name, username, status,
 * and buttons to message them and (for other people) friend actions.
 */
export function openProfile(user, anchor) {
  closeProfile();
  const me = state.me;
  const self = user.id === me.id;
  const err = h('p', { class: 'form-error', role: 'alert' });
  const message = self ? null : h('button', {
    type: 'button', class: 'primary', onclick: async () => {
      err.textContent = '';
      message.disabled = true;
      try {
        await openDM(user.id);
        closeProfile();
      } catch (e) {
        err.textContent = describe(e);
        message.disabled = false;
      }
    },
  }, 'Message');
  const s = statusOf(user.id);
  const el = h('div', { class: 'profile-popout', role: 'dialog', 'aria-label': `Profile of ${displayName(user)}` },
    h('div', { class: 'profile-head' }, h('span', { class: 'avatar-wrap' }, avatar(user), statusDot(user.id)),
      h('div', null, h('strong', null, displayName(user)), h('div', { class: 'muted' }, '@' + (user.username || '')), h('div', { class: 'muted small' }, statusLabel(s)))),
    user.bio ? h('p', { class: 'bio' }, user.bio) : null,
    h('div', { class: 'profile-more' }),
    h('div', { class: 'profile-actions' }, message, self ? null : friendActions(user, relationship(user.id), err)),
    err);
  el.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeProfile(); });
  const onDoc = (ev) => { if (!el.contains(ev.target) && !(anchor && anchor.contains(ev.target))) closeProfile(); };
  document.addEventListener('pointerdown', onDoc, true);
  document.body.append(el);
  const r = anchor ? anchor.getBoundingClientRect() : { left: 200, top: 100, right: 200, bottom: 100 };
  const left = Math.max(8, Math.min(window.innerWidth - 320, r.left - 310 > 8 ? r.left - 310 : r.right + 8));
  const top = Math.max(8, Math.min(window.innerHeight - 260, r.top));
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
  popout = { el, onDoc, anchor };
  (message || el.querySelector('button') || el).focus();
  if (!self && !user.bio) loadProfile(user, el);
}

// loadProfile adds the bio and the servers in common (GET
// /users/{id}/profile) to an open popout; a stranger's profile is refused
// (50001) and the popout stays as it is.
async function loadProfile(user, el) {
  let p;
  try {
    p = await client.api.get(`/users/${user.id}/profile`);
  } catch {
    return;
  }
  const more = el.querySelector('.profile-more');
  if (!more || !el.isConnected || !p) return;
  const bio = (p.user_profile && p.user_profile.bio) || (p.user && p.user.bio);
  const mutual = (p.mutual_guilds || []).map((g) => state.guilds.get(g.id)).filter(Boolean);
  more.replaceChildren(...[
    bio ? h('p', { class: 'bio' }, bio) : null,
    mutual.length ? h('p', { class: 'muted small' }, `Servers in common: ${mutual.map((g) => g.name).join(', ')}`) : null,
  ].filter(Boolean));
}
