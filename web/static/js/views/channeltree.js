// The sidebar's channel tree: channels without a category first, then each
// category (type 4) with its channels, in position order as Discord lists
// them. A category collapses (remembered per guild in localStorage); a
// collapsed category still shows the open channel. Channels the user cannot
// view (VIEW_CHANNEL after overwrites) are left out, so an overwrite that
// hides a channel takes it away live on CHANNEL_UPDATE. Those with
// MANAGE_CHANNELS get edit buttons and may drag channels to reorder them.

import { state, ui } from '../context.js';
import { h } from '../dom.js';
import { Perm, guildPermissions, has, knowsRoles, permissions } from '../perms.js';
import { compare } from '../snowflake.js';
import { moveChannel, openChannelSettings, openCreateChannel } from './channeledit.js';
import { setNav } from './shell.js';
import { mentionCount } from '../people.js';

export const TYPE_TEXT = 0;
export const TYPE_CATEGORY = 4;
export const TYPE_ANNOUNCEMENT = 5;
export const TYPE_FORUM = 15;
const LISTED = new Set([TYPE_TEXT, TYPE_ANNOUNCEMENT, TYPE_FORUM]);

const byPosition = (a, b) => (a.position ?? 0) - (b.position ?? 0) || compare(a.id, b.id);

/** canSee reports whether the signed-in user may view channel c (true while roles are unknown). */
export function canSee(c) {
  if (!knowsRoles(c.guild_id)) return true;
  return has(permissions(c.id), Perm.VIEW_CHANNEL);
}

/**
 * channelGroups returns the guild's listed channels as
 * [{category: channel|null, channels: [...]}], uncategorised first.
 */
export function channelGroups(guildId) {
  const g = state.guilds.get(guildId);
  if (!g) return [];
  const cats = [];
  const loose = [];
  const children = new Map();
  for (const id of g.channelIds) {
    const c = state.channels.get(id);
    if (!c) continue;
    if (c.type === TYPE_CATEGORY) cats.push(c);
    else if (LISTED.has(c.type)) {
      if (c.parent_id && state.channels.has(c.parent_id)) {
        if (!children.has(c.parent_id)) children.set(c.parent_id, []);
        children.get(c.parent_id).push(c);
      } else loose.push(c);
    }
  }
  const out = [{ category: null, channels: loose.sort(byPosition) }];
  for (const cat of cats.sort(byPosition)) out.push({ category: cat, channels: (children.get(cat.id) || []).sort(byPosition) });
  return out;
}

function collapsedKey(guildId) {
  return `accord.collapsed.${guildId}`;
}

/** collapsed returns the ids of guildId's collapsed categories. */
export function collapsed(guildId) {
  try {
    return new Set(JSON.parse(localStorage.getItem(collapsedKey(guildId)) || '[]'));
  } catch {
    return new Set();
  }
}

function toggleCollapsed(guildId, catId, rerender) {
  const set = collapsed(guildId);
  if (set.has(catId)) set.delete(catId);
  else set.add(catId);
  localStorage.setItem(collapsedKey(guildId), JSON.stringify([...set]));
  rerender();
}

/** channelTree builds the channel list of guild g; rerender redraws the sidebar. */
export function channelTree(g, rerender) {
  const manage = has(guildPermissions(g.id), Perm.MANAGE_CHANNELS);
  const closed = collapsed(g.id);
  const parts = [];
  for (const { category, channels } of channelGroups(g.id)) {
    const visible = channels.filter(canSee);
    if (!category) {
      if (visible.length) parts.push(h('ul', { class: 'channel-list', role: 'list', 'aria-label': 'Channels' }, visible.map((c) => channelItem(g, c, manage))));
      continue;
    }
    if (!visible.length && !manage && !canSee(category)) continue;
    const isClosed = closed.has(category.id);
    const shown = isClosed ? visible.filter((c) => c.id === ui.channelId) : visible;
    const listId = `cat-list-${category.id}`;
    parts.push(h('section', { class: 'category' + (isClosed ? ' collapsed' : ''), 'aria-label': category.name, dataset: { categoryId: category.id } },
      h('div', { class: 'category-head', ...dropTarget(g, category, null, manage) },
        h('button', {
          type: 'button', class: 'category-toggle', 'aria-expanded': String(!isClosed), 'aria-controls': listId,
          dataset: { focusKey: 'cat' + category.id }, onclick: () => toggleCollapsed(g.id, category.id, rerender),
        }, h('span', { class: 'chevron', 'aria-hidden': 'true' }, isClosed ? '▸' : '▾'), h('span', { class: 'category-name' }, category.name)),
        manage ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': `New channel in ${category.name}`, title: 'Create channel', dataset: { focusKey: 'catadd' + category.id }, onclick: () => openCreateChannel(g.id, category.id) }, '+') : null,
        manage ? h('button', { type: 'button', class: 'icon-button small', 'aria-label': `Edit category ${category.name}`, title: 'Edit category', dataset: { focusKey: 'catedit' + category.id }, onclick: () => openChannelSettings(category.id) }, '⚙') : null),
      h('ul', { class: 'channel-list', role: 'list', id: listId, 'aria-label': category.name }, shown.map((c) => channelItem(g, c, manage)))));
  }
  return parts;
}

function channelItem(g, c, manage) {
  const current = c.id === ui.channelId;
  const unread = !current && state.isUnread(c.id);
  const mentions = current ? 0 : mentionCount(c.id);
  const icon = c.type === TYPE_FORUM ? '≡' : c.type === TYPE_ANNOUNCEMENT ? '»' : '#';
  return h('li', { class: 'channel-item', ...(manage ? dragSource(c) : null), ...dropTarget(g, null, c, manage) },
    h('a', {
      class: 'channel' + (current ? ' current' : '') + (unread ? ' unread' : ''),
      href: `#/channels/${g.id}/${c.id}`,
      'aria-current': current ? 'page' : null,
      'aria-describedby': unread ? 'unread-desc' : null,
      dataset: { focusKey: 'c' + c.id },
      onclick: () => setNav(false),
    }, h('span', { class: 'hash', 'aria-hidden': 'true' }, icon), h('span', { class: 'channel-name' }, c.name),
    mentions ? h('span', { class: 'badge', role: 'img', 'aria-label': `${mentions} mention${mentions === 1 ? '' : 's'}` }, String(mentions))
      : unread ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null),
    manage ? h('button', { type: 'button', class: 'icon-button small channel-gear', 'aria-label': `Edit channel ${c.name}`, title: 'Edit channel', dataset: { focusKey: 'edit' + c.id }, onclick: () => openChannelSettings(c.id) }, '⚙') : null);
}

// Drag and drop: a channel dropped on another lands before it (in that
// channel's category); dropped on a category head it goes to that
// category's end. The buttons in the channel settings do the same from the
// keyboard.
function dragSource(c) {
  return {
    draggable: 'true',
    ondragstart: (ev) => {
      ev.dataTransfer.setData('application/x-accord-channel', c.id);
      ev.dataTransfer.effectAllowed = 'move';
    },
  };
}

function dropTarget(g, category, before, manage) {
  if (!manage) return {};
  return {
    ondragover: (ev) => {
      if (ev.dataTransfer.types.includes('application/x-accord-channel')) {
        ev.preventDefault();
        ev.currentTarget.classList.add('drop-here');
      }
    },
    ondragleave: (ev) => ev.currentTarget.classList.remove('drop-here'),
    ondrop: (ev) => {
      ev.preventDefault();
      ev.currentTarget.classList.remove('drop-here');
      const id = ev.dataTransfer.getData('application/x-accord-channel');
      if (!id || (before && id === before.id)) return;
      const parent = before ? before.parent_id || null : category.id;
      moveChannel(g.id, id, { parentId: parent, beforeId: before ? before.id : null });
    },
  };
}
