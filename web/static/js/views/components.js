// Message components: action rows of buttons (primary, secondary, success,
// danger, link) and selects (string, user, role, mentionable, channel).
// Clicking a button or choosing in a select sends a MESSAGE_COMPONENT
// interaction (type 3); the button stays busy until the application answers
// (usually by updating the message, response type 7) and says "This
// interaction failed" when it does not. Everything in a component came from
// a bot: labels are text, link buttons open only http(s) URLs, in a new tab
// without an opener.

import { client, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { emojiURL } from '../markdown.js';
import { describe } from './feedback.js';
import { appForBot } from './commands.js';
import { appOf, InteractionType, send } from './interactions.js';

const Type = Object.freeze({ ROW: 1, BUTTON: 2, STRING_SELECT: 3, USER_SELECT: 5, ROLE_SELECT: 6, MENTIONABLE_SELECT: 7, CHANNEL_SELECT: 8 });
const STYLE_CLASS = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link' };
const LINK = 5;

// A select's choices come from the guild's roles, read over REST once.
const roleLists = new Map();

/** renderComponents draws m.components, or returns null when it has none. */
export function renderComponents(m) {
  if (!Array.isArray(m.components) || !m.components.length || !m.id) return null;
  const rows = [];
  for (const row of m.components) {
    if (!row || row.type !== Type.ROW || !Array.isArray(row.components)) continue;
    const parts = row.components.map((c) => component(m, c)).filter(Boolean);
    if (parts.length) rows.push(h('div', { class: 'component-row', role: 'group' }, parts));
  }
  if (!rows.length) return null;
  const status = h('p', { class: 'component-error form-error', role: 'alert' });
  return h('div', { class: 'components' }, rows, status);
}

function component(m, c) {
  if (!c) return null;
  if (c.type === Type.BUTTON) return button(m, c);
  if (c.type >= Type.STRING_SELECT && c.type <= Type.CHANNEL_SELECT && c.type !== 4) return select(m, c);
  return null;
}

function emojiPart(e) {
  if (!e || typeof e !== 'object') return null;
  if (e.id) return h('img', { class: 'component-emoji', src: emojiURL(e.id, !!e.animated), alt: `:${e.name || 'emoji'}:` });
  return e.name ? h('span', { class: 'component-emoji', 'aria-hidden': 'true' }, String(e.name)) : null;
}

function safeURL(s) {
  try {
    const u = new URL(String(s));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function button(m, c) {
  const label = typeof c.label === 'string' ? c.label : '';
  const style = STYLE_CLASS[c.style] || 'secondary';
  const emoji = emojiPart(c.emoji);
  const name = label || (c.emoji && c.emoji.name) || 'Button';
  if (c.style === LINK) {
    const href = safeURL(c.url);
    if (!href || c.disabled) {
      return h('button', { type: 'button', class: 'component-button link-style', disabled: true, 'aria-label': name }, emoji, label);
    }
    return h('a', { class: 'component-button link-style', href, target: '_blank', rel: 'noopener noreferrer' },
      emoji, label, h('span', { class: 'external', 'aria-hidden': 'true' }, ' ↗'));
  }
  const el = h('button', {
    type: 'button', class: `component-button ${style}`, disabled: !!c.disabled || m.pending, 'aria-label': label ? null : name,
    onclick: (ev) => activate(m, ev.currentTarget, { component_type: Type.BUTTON, custom_id: c.custom_id }),
  }, emoji, label);
  return el;
}

function select(m, c) {
  const multiple = (c.max_values ?? 1) > 1;
  const placeholder = typeof c.placeholder === 'string' && c.placeholder ? c.placeholder : 'Make a selection';
  const el = h('select', {
    class: 'component-select', 'aria-label': placeholder, multiple, disabled: !!c.disabled || m.pending,
  });
  if (!multiple) el.append(h('option', { value: '', disabled: true, selected: true }, placeholder));
  const fill = (options) => {
    for (const o of options) {
      el.append(h('option', { value: o.value, selected: !multiple ? false : !!o.default, title: o.description || null }, o.label));
    }
  };
  fill(selectOptions(m, c, (later) => fill(later)));
  const go = () => {
    const values = [...el.selectedOptions].map((o) => o.value).filter((v) => v !== '');
    const min = c.min_values ?? 1;
    if (values.length < min) return;
    activate(m, el, { component_type: c.type, custom_id: c.custom_id, values });
  };
  // A multiple select sends when it loses focus, as Discord's closes its menu;
  // a single one at once.
  el.addEventListener(multiple ? 'blur' : 'change', go);
  return el;
}

// selectOptions lists a select's choices: a string select's own, or the
// guild's members, roles or text channels. later(options) receives choices
// that must be fetched first.
function selectOptions(m, c, later) {
  const guildId = ui.guildId;
  const str = (v) => String(v ?? '');
  switch (c.type) {
    case Type.STRING_SELECT:
      return (Array.isArray(c.options) ? c.options : []).filter((o) => o && typeof o.value === 'string')
        .map((o) => ({ value: o.value, label: str(o.label || o.value), description: typeof o.description === 'string' ? o.description : '', default: !!o.default }));
    case Type.USER_SELECT:
    case Type.MENTIONABLE_SELECT: {
      const out = [];
      for (const [id, mem] of state.members.get(guildId) || []) out.push({ value: id, label: displayName(mem.user, mem) });
      if (c.type === Type.MENTIONABLE_SELECT) roles(guildId).then((rs) => later(rs));
      return out;
    }
    case Type.ROLE_SELECT:
      roles(guildId).then((rs) => later(rs));
      return [];
    case Type.CHANNEL_SELECT: {
      const types = Array.isArray(c.channel_types) ? c.channel_types : null;
      const g = state.guilds.get(guildId);
      const out = [];
      for (const id of g ? g.channelIds : []) {
        const ch = state.channels.get(id);
        if (ch && (!types || types.includes(ch.type)) && ch.type !== 4) out.push({ value: id, label: '#' + str(ch.name) });
      }
      return out;
    }
    default:
      return [];
  }
}

async function roles(guildId) {
  if (!guildId) return [];
  if (!roleLists.has(guildId)) {
    roleLists.set(guildId, client.api.guildRoles(guildId).catch(() => []));
  }
  const list = await roleLists.get(guildId);
  return (list || []).filter((r) => r.id !== guildId).map((r) => ({ value: r.id, label: '@' + String(r.name) }));
}

// activate sends the component interaction and keeps the control busy until
// the application's verdict.
async function activate(m, el, data) {
  const box = el.closest('.components');
  const status = box && box.querySelector('.component-error');
  if (status) status.textContent = '';
  el.disabled = true;
  el.setAttribute('aria-busy', 'true');
  const done = () => { el.disabled = false; el.removeAttribute('aria-busy'); };
  const channelId = m.channel_id || ui.channelId;
  const channel = state.channels.get(channelId);
  try {
    // A bot's own message (not an interaction answer) names no application:
    // the guild's command index maps its bot to one.
    const appId = m.application_id || (m.author && await appForBot(channel && channel.guild_id, m.author.id)) || appOf(m);
    await send({
      type: InteractionType.COMPONENT, application_id: appId, channel_id: channelId,
      guild_id: channel ? channel.guild_id : undefined, message_id: m.id, message_flags: m.flags || 0, data,
    }, {
      onSuccess: done,
      onFailure: (reason) => {
        done();
        if (status && status.isConnected) status.textContent = reason === 'The application did not respond' ? 'This interaction failed' : reason;
      },
    });
  } catch (err) {
    done();
    if (status) status.textContent = describe(err);
  }
}
