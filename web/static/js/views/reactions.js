// Reactions under a message: one button per emoji with its count (pressed
// when the signed-in user reacted), a picker of common emoji and the guild's
// custom emoji, and the MESSAGE_REACTION_* events that keep counts live.
// A click sends PUT or DELETE .../reactions/{emoji}/@me; the count changes
// when the gateway event arrives, for this user as for everyone else.

import { client, state, ui } from '../context.js';
import { h } from '../dom.js';
import { usable } from '../emoji.js';
import { emojiURL } from '../markdown.js';
import { describe, toast } from './feedback.js';
import { rerenderRows } from './messages.js';

/** COMMON is the picker's unicode emoji. */
export const COMMON = ['👍', '👎', '❤️', '😂', '😮', '😢', '🎉', '🔥', '👀', '✅'];

/**
 * noteEmojis records a guild's custom emoji in the state (GUILD_CREATE,
 * GUILD_EMOJIS_UPDATE) and redraws an open picker of that guild, so an
 * emoji added or deleted meanwhile appears or goes at once.
 */
export function noteEmojis(guildId, emojis) {
  if (!Array.isArray(emojis)) return;
  state.setEmojis(guildId, emojis);
  if (picker && picker.guildId === guildId && picker.el.isConnected) {
    const grid = customGrid(picker.pick);
    const old = picker.el.querySelector('.emoji-grid.custom');
    if (old && grid) old.replaceWith(grid);
    else if (old) old.remove();
    else if (grid) picker.el.append(grid);
  }
}

/** myEmojis lists the custom emoji of the guild on screen the signed-in user may use. */
export function myEmojis(guildId = ui.guildId) {
  const g = state.guilds.get(guildId);
  const me = state.me && state.member(guildId, state.me.id);
  return usable(state.emojis.get(guildId), me && me.roles, !!(g && state.me && g.owner_id === state.me.id));
}

/** emojiKey identifies an emoji in a message's reactions: its id, or the unicode text. */
function emojiKey(e) {
  return e && e.id ? e.id : e ? e.name : '';
}

/** emojiParam is the emoji as the reactions routes take it: "name:id" or the unicode text. */
function emojiParam(e) {
  return e.id ? `${e.name}:${e.id}` : e.name;
}

function emojiLabel(e) {
  return e.id ? `:${e.name}:` : e.name;
}

function emojiNode(e) {
  if (!e.id) return h('span', { class: 'reaction-emoji', 'aria-hidden': 'true' }, e.name);
  const label = `:${e.name}:`;
  const img = h('img', { class: 'emoji', src: emojiURL(e.id, e.animated), alt: label, title: label, draggable: 'false' });
  img.addEventListener('error', () => img.replaceWith(document.createTextNode(`:${e.name}:`)), { once: true });
  return img;
}

/** renderReactions builds the reactions bar of message m, or null when it has none. */
export function renderReactions(m) {
  const list = Array.isArray(m.reactions) ? m.reactions.filter((r) => r.count > 0) : [];
  if (!list.length) return null;
  return h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' }, list.map((r) => h('button', {
    type: 'button', class: 'reaction' + (r.me ? ' me' : ''), 'aria-pressed': String(!!r.me),
    'aria-label': `${emojiLabel(r.emoji)} ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}`,
    dataset: { emoji: emojiKey(r.emoji) },
    onclick: () => toggle(m, r.emoji, !r.me),
  }, emojiNode(r.emoji), h('span', { class: 'reaction-count' }, String(r.count)))),
  h('button', { type: 'button', class: 'reaction add', 'aria-label': 'Add reaction', onclick: (ev) => openPicker(m, ev.currentTarget) }, '+'));
}

async function toggle(m, emoji, add) {
  const channelId = m.channel_id || ui.channelId;
  try {
    if (add) await client.api.react(channelId, m.id, emojiParam(emoji));
    else await client.api.unreact(channelId, m.id, emojiParam(emoji));
  } catch (err) {
    toast(describe(err));
  }
}

let picker = null;

function closePicker() {
  if (!picker) return;
  const { el, anchor, onDoc } = picker;
  picker = null;
  el.remove();
  document.removeEventListener('pointerdown', onDoc, true);
  if (anchor && anchor.isConnected) anchor.focus({ preventScroll: true });
}

/** openPicker shows the reaction picker for message m next to anchor. */
export function openPicker(m, anchor) {
  closePicker();
  const mine = new Set((m.reactions || []).filter((r) => r.me).map((r) => emojiKey(r.emoji)));
  const pick = (e) => {
    closePicker();
    toggle(m, e, !mine.has(emojiKey(e)));
  };
  const el = h('div', { class: 'emoji-picker', role: 'dialog', 'aria-label': 'Pick a reaction' },
    h('div', { class: 'emoji-grid' }, COMMON.map((name) => h('button', {
      type: 'button', class: 'emoji-choice', 'aria-label': `React with ${name}`, onclick: () => pick({ id: null, name }),
    }, name))),
    customGrid(pick));
  el.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); closePicker(); } });
  const r = anchor.getBoundingClientRect();
  const top = Math.max(8, Math.min(r.bottom + 4, window.innerHeight - 220));
  const left = Math.max(8, Math.min(r.left, window.innerWidth - 300));
  el.style.cssText = `top:${top}px;left:${left}px`;
  const onDoc = (ev) => { if (!el.contains(ev.target) && ev.target !== anchor) closePicker(); };
  document.addEventListener('pointerdown', onDoc, true);
  document.body.append(el);
  picker = { el, anchor, onDoc, pick, guildId: ui.guildId };
  const first = el.querySelector('button');
  if (first) first.focus();
}

// customGrid is the picker's row of the guild's custom emoji (after the
// unicode ones), or null when the user may use none.
function customGrid(pick) {
  const custom = myEmojis();
  if (!custom.length) return null;
  return h('div', { class: 'emoji-grid custom', role: 'group', 'aria-label': 'Server emoji' }, custom.map((e) => h('button', {
    type: 'button', class: 'emoji-choice', 'aria-label': `React with :${e.name}:`, title: `:${e.name}:`,
    onclick: () => pick({ id: e.id, name: e.name, animated: !!e.animated }),
  }, emojiNode(e))));
}

// withMessage applies fn to the loaded message d names (if loaded) and
// redraws its row when its channel is open.
function withMessage(d, fn) {
  const log = state.logs.get(d.channel_id);
  const m = log && log.byId.get(d.message_id);
  if (!m) return;
  if (!Array.isArray(m.reactions)) m.reactions = [];
  fn(m);
  m.reactions = m.reactions.filter((r) => r.count > 0);
  m._rev = (m._rev || 0) + 1;
  log.changed();
  if (d.channel_id === ui.channelId) rerenderRows();
}

/** applyReactionEvent applies one MESSAGE_REACTION_* dispatch. */
export function applyReactionEvent(name, d) {
  const me = state.me && d.user_id === state.me.id;
  switch (name) {
    case 'MESSAGE_REACTION_ADD':
      withMessage(d, (m) => {
        const key = emojiKey(d.emoji);
        let r = m.reactions.find((x) => emojiKey(x.emoji) === key);
        if (!r) m.reactions.push((r = { count: 0, count_details: { burst: 0, normal: 0 }, me: false, emoji: d.emoji }));
        if (me && r.me) return; // a replay of what is already counted
        r.count++;
        if (me) r.me = true;
      });
      break;
    case 'MESSAGE_REACTION_REMOVE':
      withMessage(d, (m) => {
        const r = m.reactions.find((x) => emojiKey(x.emoji) === emojiKey(d.emoji));
        if (!r || (me && !r.me)) return;
        r.count--;
        if (me) r.me = false;
      });
      break;
    case 'MESSAGE_REACTION_REMOVE_ALL':
      withMessage(d, (m) => { m.reactions = []; });
      break;
    case 'MESSAGE_REACTION_REMOVE_EMOJI':
      withMessage(d, (m) => { m.reactions = m.reactions.filter((x) => emojiKey(x.emoji) !== emojiKey(d.emoji)); });
      break;
    default:
      break;
  }
}
