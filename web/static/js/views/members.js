// The member list of the open channel, as Discord's client shows it: members
// grouped under their hoisted role, "Online" and "Offline", each group with
// its count. The list is not loaded over REST: the gateway watches ranges of
// 100 items (op 14 channels) and the server sends GUILD_MEMBER_LIST_UPDATE
// with a SYNC of each range and INSERT/UPDATE/DELETE/INVALIDATE as the list
// changes. Only the rows on screen are in the DOM (rows have a fixed height),
// so a guild of 100,000 members scrolls as a guild of ten does; rows the
// client does not hold yet show as placeholders until their range arrives.

import { client, state, ui } from '../context.js';
import { h, avatar, displayName } from '../dom.js';
import { statusDot, statusLabel } from './status.js';
import { openProfile } from './dms.js';
import { memberMenuButton, modActions, onMemberContextMenu } from './moderation.js';

const ROW = 42; // px per row, headers included (see .member-row in app.css)
const RANGE = 100; // items per range, as the server counts them
const OVERSCAN = 10; // rows rendered above and below the view

// list is the client's copy of the watched list. items is sparse: holes are
// items not received (outside the watched ranges, or not synced yet).
const list = {
  guildId: null,
  channelId: null,
  id: null,
  items: [],
  groups: [],
  memberCount: 0,
  onlineCount: 0,
  ranges: '', // JSON of the ranges last asked for
};

let dom = null; // {heading, ul, rows: Map(index -> element)}
let frame = 0;

/** renderMembers redraws the list when it is shown. */
export function renderMembers() {
  if (!ui.els || !ui.showMembers) return;
  const gid = ui.guildId;
  if (!gid) {
    ui.els.members.replaceChildren();
    dom = null;
    return;
  }
  if (list.guildId !== gid || list.channelId !== ui.channelId) resetList(gid, ui.channelId);
  if (!dom || dom.root !== ui.els.members || !ui.els.members.contains(dom.ul)) buildDOM();
  dom.heading.textContent = `Members — ${list.memberCount}`;
  dom.ul.style.height = `${list.items.length * ROW}px`;
  drawRows(); // rows whose content changed have a new key and are rebuilt
}

function buildDOM() {
  const scroller = ui.els.members;
  const heading = h('h2', { id: 'members-heading' }, 'Members');
  const ul = h('ul', { class: 'member-list virtual', role: 'list', 'aria-labelledby': 'members-heading' });
  scroller.replaceChildren(heading, ul);
  dom = { root: scroller, heading, ul, drawn: null };
  if (!scroller.dataset.virtual) {
    scroller.dataset.virtual = '1';
    scroller.addEventListener('contextmenu', onMemberContextMenu);
    scroller.addEventListener('scroll', () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        drawRows();
      });
    }, { passive: true });
    new ResizeObserver(() => drawRows()).observe(scroller);
  }
}

// resetList forgets the list when another channel opens; the gateway's
// op 14 for a new channel asks for [[0,99]] by itself.
function resetList(gid, cid) {
  Object.assign(list, { guildId: gid, channelId: cid, id: null, items: [], groups: [], memberCount: 0, onlineCount: 0, ranges: JSON.stringify([[0, RANGE - 1]]) });
  if (dom) {
    dom.ul.replaceChildren();
    dom.drawn = null;
  }
}

// visible returns the first and last item index on screen.
function visible() {
  const s = dom.root;
  const top = Math.max(0, s.scrollTop - dom.ul.offsetTop);
  const first = Math.floor(top / ROW);
  const last = Math.ceil((top + s.clientHeight) / ROW);
  return [first, last];
}

// drawRows puts the rows on screen (plus overscan) in the DOM, removes the
// others, and asks for the ranges that cover the view.
function drawRows() {
  if (!dom || !ui.showMembers) return;
  const [first, last] = visible();
  const lo = Math.max(0, first - OVERSCAN);
  const hi = Math.min(list.items.length - 1, last + OVERSCAN);
  const keep = new Map();
  const old = dom.drawn || new Map();
  for (let i = lo; i <= hi; i++) {
    const it = list.items[i];
    const key = itemKey(it);
    let el = old.get(i);
    if (!el || el.dataset.key !== key) el = renderItem(it, i, key);
    keep.set(i, el);
  }
  for (const [i, el] of old) if (keep.get(i) !== el) el.remove();
  for (const [, el] of keep) if (el.parentNode !== dom.ul) dom.ul.append(el);
  dom.drawn = keep;
  watchRanges(first, last);
}

function itemKey(it) {
  if (!it) return 'hole';
  // A header's count is the list's (groups), which changes without an op on
  // the header item when a member far away joins or leaves the group.
  if (it.group) return `g:${it.group.id}:${groupCount(it.group)}`;
  const m = it.member;
  // What the viewer may do to the member (moderation.js) changes with roles.
  const a = modActions(list.guildId, m);
  return `m:${+a.kick}${+a.ban}${+a.timeout}${+a.roles}:${m.user.id}:${m.nick || ''}:${m.user.global_name || m.user.username}:${memberStatus(m)}`;
}

// memberStatus is a member's status: what PRESENCE_UPDATE last said (the
// list's item may be older), else the list's.
function memberStatus(m) {
  return state.presences.get(m.user.id) || (m.presence && m.presence.status) || 'offline';
}

function groupCount(group) {
  return (list.groups.find((g) => g.id === group.id) || group).count;
}

function groupName(id) {
  if (id === 'online') return 'Online';
  if (id === 'offline') return 'Offline';
  const g = state.guilds.get(list.guildId);
  const r = g && Array.isArray(g.roles) ? g.roles.find((x) => x.id === id) : null;
  return r ? r.name : 'Role';
}

function renderItem(it, i, key) {
  const style = `top:${i * ROW}px`;
  if (!it) return h('li', { class: 'member member-row placeholder', style, 'aria-hidden': 'true', 'data-key': key });
  if (it.group) {
    const count = groupCount(it.group);
    return h('li', { class: 'member-group member-row', role: 'heading', 'aria-level': '3', style, 'data-key': key },
      `${groupName(it.group.id)} — ${count}`);
  }
  const m = it.member;
  const g = state.guilds.get(list.guildId);
  const status = memberStatus(m);
  return h('li', { class: `member member-row status-${status}`, style, 'data-key': key, 'data-user-id': m.user.id },
    h('button', {
      type: 'button', class: 'member-open', 'aria-label': `${displayName(m.user, m)}, ${statusLabel(status)}`, 'aria-haspopup': 'dialog',
      onclick: (ev) => openProfile(state.users.get(m.user.id) || m.user, ev.currentTarget),
    }, h('span', { class: 'avatar-wrap' }, avatar(m.user), statusDot(m.user.id, status)), h('span', { class: 'member-name' }, displayName(m.user, m))),
    g && g.owner_id === m.user.id ? h('span', { class: 'owner', title: 'Server owner', 'aria-label': 'Server owner' }, '♛') : null,
    m.user.bot ? h('span', { class: 'tag' }, 'BOT') : null,
    memberMenuButton(list.guildId, m));
}

// watchRanges asks for [0,99] (the top stays known, as Discord's client
// keeps it) and the ranges of 100 that cover the view.
function watchRanges(first, last) {
  if (!list.channelId || !client.gateway || !client.gateway.setMemberRanges) return;
  const ranges = [[0, RANGE - 1]];
  for (let c = Math.floor(first / RANGE); c <= Math.floor(last / RANGE); c++) {
    if (c > 0) ranges.push([c * RANGE, c * RANGE + RANGE - 1]);
  }
  const key = JSON.stringify(ranges);
  if (key === list.ranges) return;
  list.ranges = key;
  client.gateway.setMemberRanges(list.channelId, ranges);
}

/** applyMemberListUpdate applies one GUILD_MEMBER_LIST_UPDATE to the list. */
export function applyMemberListUpdate(d) {
  if (list.guildId !== ui.guildId || list.channelId !== ui.channelId) resetList(ui.guildId, ui.channelId);
  if (d.guild_id !== list.guildId) return;
  if (list.id !== d.id) list.items = []; // another list (the channel changed)
  list.id = d.id;
  list.groups = d.groups || [];
  list.memberCount = d.member_count || 0;
  list.onlineCount = d.online_count || 0;
  const items = list.items;
  for (const op of d.ops || []) {
    switch (op.op) {
      case 'SYNC':
        (op.items || []).forEach((it, k) => { items[op.range[0] + k] = it; });
        break;
      case 'INSERT':
        items.splice(op.index, 0, op.item);
        break;
      case 'UPDATE':
        items[op.index] = op.item;
        break;
      case 'DELETE':
        items.splice(op.index, 1);
        break;
      case 'INVALIDATE':
        for (let k = op.range[0]; k <= op.range[1] && k < items.length; k++) delete items[k];
        break;
      default:
        break;
    }
    const it = op.item;
    if (it && it.member) state.addMember(d.guild_id, it.member);
    for (const x of op.items || []) if (x.member) state.addMember(d.guild_id, x.member);
  }
  // The list is as long as its groups say (a header per group plus its
  // members); items past what we hold stay holes.
  items.length = list.groups.reduce((n, g) => n + g.count + 1, 0);
  renderMembers();
}
