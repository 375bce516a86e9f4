// The slash-command picker. Typing `/` at the start of the composer lists the
// chat-input commands (guild and global) the server says this user may use in
// this guild, with their sub-commands as separate entries; picking one opens
// its options above the composer (required ones first; choices as a list;
// user, role and channel options as lists of the guild's; autocomplete asks
// the application as the user types), and Enter invokes it through
// interactions.js. Command names, descriptions and choices come from bots:
// all of it is set as text.

import { client, state, ui } from '../context.js';
import { h, displayName } from '../dom.js';
import { permissions } from '../perms.js';
import { describe } from './feedback.js';
import { autocomplete, invokeCommand } from './interactions.js';

// Application command option types.
const Opt = Object.freeze({
  SUB_COMMAND: 1, SUB_COMMAND_GROUP: 2, STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10, ATTACHMENT: 11,
});
const CHAT_INPUT = 1;
const INDEX_FRESH_MS = 30000;
const AUTOCOMPLETE_DELAY_MS = 250;
const MAX_SHOWN = 25;

// index: guild id -> {at, entries, apps, promise}
const indexes = new Map();

// The composer's command state: the picker while `/…` is being typed, then
// the chosen entry and its option fields.
const cmd = {
  els: null, // {picker, panel, input}
  shown: [], // entries in the picker
  active: 0, // highlighted entry
  chosen: null, // {entry, fields: [{opt, el, value()}]}
};

/** buildCommandArea makes the picker and option panel for the composer input. */
export function buildCommandArea(input) {
  const picker = h('div', { class: 'cmd-picker', id: 'cmd-picker', role: 'listbox', 'aria-label': 'Commands', hidden: true });
  const panel = h('div', { class: 'cmd-panel', hidden: true });
  cmd.els = { picker, panel, input };
  cmd.shown = [];
  cmd.chosen = null;
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', 'cmd-picker');
  input.setAttribute('aria-expanded', 'false');
  return h('div', { class: 'cmd-area' }, picker, panel);
}

/** loadIndex fetches the commands this user may use in guildId (cached briefly). */
export function loadIndex(guildId, { fresh = false } = {}) {
  const cur = indexes.get(guildId);
  if (cur && (cur.promise || (!fresh && Date.now() - cur.at < INDEX_FRESH_MS))) return cur.promise || Promise.resolve(cur);
  const next = { at: 0, entries: [], apps: new Map(), error: '', promise: null };
  next.promise = client.api.get(`/guilds/${guildId}/application-command-index`).then((data) => {
    Object.assign(next, buildIndex(data));
    return next;
  }, (err) => {
    next.error = describe(err);
    return next;
  }).finally(() => { next.at = Date.now(); next.promise = null; });
  indexes.set(guildId, next);
  return next.promise;
}

/**
 * appForBot is the ID of the application whose bot user is botId, from the
 * guild's command index (Accord's applications, unlike Discord's, have IDs of
 * their own), or null when the index does not name it.
 */
export async function appForBot(guildId, botId) {
  if (!guildId || !botId) return null;
  const idx = await loadIndex(guildId);
  for (const a of idx.apps.values()) if ((a.bot_id || (a.bot && a.bot.id)) === botId) return a.id;
  return null;
}

/**
 * buildIndex turns the index answer ({applications, application_commands},
 * or a bare list of commands) into picker entries, one per runnable
 * command or sub-command, sorted by label.
 */
export function buildIndex(data) {
  const list = Array.isArray(data) ? data : (data && Array.isArray(data.application_commands) ? data.application_commands : []);
  const apps = new Map();
  for (const a of (data && Array.isArray(data.applications) ? data.applications : [])) if (a && a.id) apps.set(a.id, a);
  const entries = [];
  for (const c of list) {
    if (!c || typeof c.name !== 'string' || (c.type !== undefined && c.type !== CHAT_INPUT)) continue;
    const opts = Array.isArray(c.options) ? c.options : [];
    const subs = opts.filter((o) => o && (o.type === Opt.SUB_COMMAND || o.type === Opt.SUB_COMMAND_GROUP));
    if (!subs.length) {
      entries.push(entry(c, [], opts, c.description));
      continue;
    }
    for (const s of subs) {
      if (s.type === Opt.SUB_COMMAND) entries.push(entry(c, [s.name], s.options || [], s.description));
      else for (const t of s.options || []) if (t && t.type === Opt.SUB_COMMAND) entries.push(entry(c, [s.name, t.name], t.options || [], t.description));
    }
  }
  entries.sort((a, b) => a.label.localeCompare(b.label));
  return { entries, apps };
}

function entry(command, path, options, description) {
  const leaf = options.filter((o) => o && typeof o.name === 'string' && o.type !== Opt.SUB_COMMAND && o.type !== Opt.SUB_COMMAND_GROUP);
  // Required options first, as Discord's client lists them.
  leaf.sort((a, b) => (b.required ? 1 : 0) - (a.required ? 1 : 0));
  return { command, path, options: leaf, label: '/' + [command.name, ...path].join(' '), description: String(description || '') };
}

// allowed hides commands whose default_member_permissions the user lacks in
// the channel, when the client knows the user's permissions there (the
// server's index already leaves out what the user may not run).
function allowed(e, channelId) {
  const need = e.command.default_member_permissions;
  if (need === null || need === undefined) return true;
  const have = permissions(channelId);
  if (!have) return true;
  const ADMIN = 8n;
  if (have & ADMIN) return true;
  try {
    const bits = BigInt(need);
    return bits !== 0n && (have & bits) === bits;
  } catch {
    return true;
  }
}

/** onCommandInput follows the composer's text: `/…` at its start opens the picker. */
export function onCommandInput() {
  if (!cmd.els) return;
  const value = cmd.els.input.value;
  if (cmd.chosen && !value.startsWith(cmd.chosen.entry.label)) clearChosen();
  if (cmd.chosen) return;
  const m = /^\/(\S*(?: \S*){0,2})$/.exec(value);
  if (!m || !ui.guildId) {
    closePicker();
    return;
  }
  const guildId = ui.guildId;
  const channelId = ui.channelId;
  const query = m[1].toLowerCase();
  loadIndex(guildId).then((idx) => {
    if (ui.guildId !== guildId || !cmd.els || cmd.els.input.value !== value) return;
    showPicker(idx, query, channelId);
  });
}

function showPicker(idx, query, channelId) {
  const { picker, input } = cmd.els;
  cmd.shown = idx.entries.filter((e) => allowed(e, channelId) && e.label.slice(1).toLowerCase().startsWith(query)).slice(0, MAX_SHOWN);
  if (!cmd.shown.length && query) {
    cmd.shown = idx.entries.filter((e) => allowed(e, channelId) && e.label.toLowerCase().includes(query)).slice(0, MAX_SHOWN);
  }
  cmd.active = 0;
  const children = [];
  if (idx.error) children.push(h('p', { class: 'cmd-empty', role: 'presentation' }, `Commands are unavailable: ${idx.error}`));
  else if (!cmd.shown.length) children.push(h('p', { class: 'cmd-empty', role: 'presentation' }, query ? `No commands match “/${query}”.` : 'No commands in this server.'));
  cmd.shown.forEach((e, i) => {
    const app = idx.apps.get(e.command.application_id);
    children.push(h('div', {
      role: 'option', id: `cmd-opt-${i}`, class: 'cmd-option', 'aria-selected': i === 0 ? 'true' : 'false',
      onmousedown: (ev) => ev.preventDefault(), onclick: () => choose(e),
    },
    h('span', { class: 'cmd-label' }, e.label),
    e.description ? h('span', { class: 'cmd-desc' }, e.description) : null,
    app && app.name ? h('span', { class: 'cmd-app' }, String(app.name)) : null));
  });
  picker.replaceChildren(...children);
  picker.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  setActive(0);
}

function setActive(i) {
  const { picker, input } = cmd.els;
  if (!cmd.shown.length) { input.removeAttribute('aria-activedescendant'); return; }
  cmd.active = (i + cmd.shown.length) % cmd.shown.length;
  picker.querySelectorAll('[role="option"]').forEach((el, j) => el.setAttribute('aria-selected', j === cmd.active ? 'true' : 'false'));
  input.setAttribute('aria-activedescendant', `cmd-opt-${cmd.active}`);
  const el = picker.querySelector(`#cmd-opt-${cmd.active}`);
  if (el) el.scrollIntoView({ block: 'nearest' });
}

function closePicker() {
  if (!cmd.els) return;
  cmd.els.picker.hidden = true;
  cmd.els.picker.replaceChildren();
  cmd.shown = [];
  cmd.els.input.setAttribute('aria-expanded', 'false');
  cmd.els.input.removeAttribute('aria-activedescendant');
}

/** onCommandKey handles the picker's keys; true means the key was used. */
export function onCommandKey(ev) {
  if (!cmd.els) return false;
  if (!cmd.els.picker.hidden && cmd.shown.length) {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      setActive(cmd.active + (ev.key === 'ArrowDown' ? 1 : -1));
      return true;
    }
    if ((ev.key === 'Enter' && !ev.shiftKey) || ev.key === 'Tab') {
      ev.preventDefault();
      choose(cmd.shown[cmd.active]);
      return true;
    }
  }
  if (ev.key === 'Escape' && (!cmd.els.picker.hidden || cmd.chosen)) {
    ev.preventDefault();
    closePicker();
    if (cmd.chosen) { clearChosen(); cmd.els.input.value = ''; }
    return true;
  }
  return false;
}

function choose(e) {
  const { input, panel } = cmd.els;
  closePicker();
  input.value = e.label + ' ';
  const fields = e.options.map((opt, i) => field(e, opt, i));
  cmd.chosen = { entry: e, fields, error: h('p', { class: 'form-error', role: 'alert' }) };
  panel.replaceChildren(h('div', { role: 'group', class: 'cmd-fields', 'aria-label': `Options for ${e.label}` },
    h('div', { class: 'cmd-head' }, h('span', { class: 'cmd-label' }, e.label), e.description ? h('span', { class: 'cmd-desc' }, ' — ' + e.description) : null),
    fields.length ? fields.map((f) => f.wrap) : h('p', { class: 'muted small' }, 'This command has no options. Press Enter to send it.'),
    cmd.chosen.error));
  panel.hidden = false;
  const first = fields.find((f) => f.focusable);
  if (first) first.focusable.focus();
  else input.focus();
}

function clearChosen() {
  cmd.chosen = null;
  if (cmd.els) { cmd.els.panel.hidden = true; cmd.els.panel.replaceChildren(); }
}

// field builds one option's labelled input and how to read its value.
function field(e, opt, i) {
  const id = `cmd-field-${i}`;
  const hintId = `${id}-hint`;
  const name = String(opt.name);
  const label = h('label', { for: id }, name, opt.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null);
  const hint = opt.description ? h('span', { class: 'cmd-hint muted small', id: hintId }, String(opt.description)) : null;
  const common = { id, 'aria-describedby': hint ? hintId : null, required: !!opt.required, dataset: { option: name } };
  let el;
  let extra = null;
  let value;
  const choices = Array.isArray(opt.choices) ? opt.choices.filter((c) => c && c.name !== undefined) : [];
  if (choices.length) {
    el = h('select', common, h('option', { value: '' }, opt.required ? 'Choose…' : '(none)'),
      choices.map((c, j) => h('option', { value: String(j) }, String(c.name))));
    value = () => (el.value === '' ? undefined : choices[Number(el.value)].value);
  } else if (opt.type === Opt.BOOLEAN) {
    el = h('select', common, h('option', { value: '' }, opt.required ? 'Choose…' : '(none)'), h('option', { value: 'true' }, 'True'), h('option', { value: 'false' }, 'False'));
    value = () => (el.value === '' ? undefined : el.value === 'true');
  } else if (opt.type === Opt.USER || opt.type === Opt.ROLE || opt.type === Opt.CHANNEL || opt.type === Opt.MENTIONABLE) {
    el = h('select', common, h('option', { value: '' }, opt.required ? 'Choose…' : '(none)'), entityOptions(opt));
    value = () => (el.value === '' ? undefined : el.value);
  } else if (opt.type === Opt.INTEGER || opt.type === Opt.NUMBER) {
    el = h('input', {
      ...common, type: 'number', step: opt.type === Opt.INTEGER ? '1' : 'any',
      min: typeof opt.min_value === 'number' ? String(opt.min_value) : null, max: typeof opt.max_value === 'number' ? String(opt.max_value) : null,
    });
    value = () => (el.value === '' ? undefined : opt.type === Opt.INTEGER ? parseInt(el.value, 10) : Number(el.value));
  } else if (opt.type === Opt.ATTACHMENT) {
    el = null;
    value = () => undefined;
    extra = h('span', { class: 'muted small' }, 'Attachments cannot be sent with commands from this client yet.');
  } else {
    el = h('input', {
      ...common, type: 'text', autocomplete: 'off',
      minlength: Number.isInteger(opt.min_length) ? String(opt.min_length) : null, maxlength: Number.isInteger(opt.max_length) ? String(opt.max_length) : '6000',
    });
    value = () => (el.value === '' ? undefined : el.value);
  }
  const f = { opt, el, value, focusable: el, wrap: null };
  if (el && opt.autocomplete && !choices.length && el.tagName === 'INPUT') extra = autocompleteList(e, f, id);
  if (el) el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.defaultPrevented) { ev.preventDefault(); sendCommand(); }
    if (ev.key === 'Escape') { ev.preventDefault(); clearChosen(); cmd.els.input.value = ''; cmd.els.input.focus(); }
  });
  f.wrap = h('div', { class: 'cmd-field' }, label, el, extra, hint);
  return f;
}

function entityOptions(opt) {
  const guildId = ui.guildId;
  const out = [];
  if (opt.type === Opt.USER || opt.type === Opt.MENTIONABLE) {
    for (const [id, mem] of state.members.get(guildId) || []) out.push(h('option', { value: id }, displayName(mem.user, mem)));
  }
  if (opt.type === Opt.CHANNEL) {
    const types = Array.isArray(opt.channel_types) ? opt.channel_types : null;
    const g = state.guilds.get(guildId);
    for (const id of g ? g.channelIds : []) {
      const ch = state.channels.get(id);
      if (ch && ch.type !== 4 && (!types || types.includes(ch.type))) out.push(h('option', { value: id }, '#' + String(ch.name)));
    }
  }
  if (opt.type === Opt.ROLE || opt.type === Opt.MENTIONABLE) {
    // Roles come over REST; the list fills in when they arrive.
    const holder = document.createDocumentFragment();
    client.api.guildRoles(guildId).then((roles) => {
      const sel = document.querySelector(`select[data-option="${CSS.escape(String(opt.name))}"]`);
      if (!sel) return;
      for (const r of roles || []) if (r.id !== guildId) sel.append(h('option', { value: r.id }, '@' + String(r.name)));
    }).catch(() => {});
    out.push(holder);
  }
  return out;
}

// autocompleteList makes a text option ask the application for choices as
// the user types (interaction type 4) and list them under the input.
function autocompleteList(e, f, id) {
  const list = h('div', { class: 'cmd-autocomplete', role: 'listbox', id: `${id}-choices`, 'aria-label': `Suggestions for ${f.opt.name}`, hidden: true });
  f.el.setAttribute('aria-autocomplete', 'list');
  f.el.setAttribute('aria-controls', list.id);
  let timer = 0;
  let asked = 0;
  const ask = async () => {
    const n = ++asked;
    const focused = { name: f.opt.name, type: f.opt.type, value: f.el.value, focused: true };
    const choices = await autocomplete(e.command, dataFor(e, focused));
    if (n !== asked || !f.el.isConnected) return;
    list.replaceChildren(...choices.slice(0, 25).map((c) => h('div', {
      role: 'option', class: 'cmd-option', 'aria-selected': 'false',
      onmousedown: (ev) => ev.preventDefault(),
      onclick: () => { f.el.value = String(c.value); list.hidden = true; f.el.focus(); },
    }, String(c.name))));
    list.hidden = !choices.length;
  };
  f.el.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(ask, AUTOCOMPLETE_DELAY_MS); });
  f.el.addEventListener('focus', () => { if (list.hidden) { clearTimeout(timer); timer = setTimeout(ask, 0); } });
  f.el.addEventListener('blur', () => setTimeout(() => { list.hidden = true; }, 150));
  return list;
}

// dataFor builds the interaction's data: {id, name, type, options} with the
// sub-command path as nested options and, for autocomplete, the focused
// option (its value as typed) among the filled ones.
function dataFor(e, focused = null) {
  let options = [];
  for (const f of cmd.chosen ? cmd.chosen.fields : []) {
    if (focused && f.opt.name === focused.name) { options.push(focused); continue; }
    const v = f.value();
    if (v !== undefined) options.push({ name: f.opt.name, type: f.opt.type, value: v });
  }
  if (e.path.length === 2) options = [{ name: e.path[0], type: Opt.SUB_COMMAND_GROUP, options: [{ name: e.path[1], type: Opt.SUB_COMMAND, options }] }];
  else if (e.path.length === 1) options = [{ name: e.path[0], type: Opt.SUB_COMMAND, options }];
  return { id: e.command.id, name: e.command.name, type: CHAT_INPUT, options };
}

/**
 * sendCommand invokes the chosen command when there is one; true means the
 * composer's Enter was used for it (a message must not be sent).
 */
export function sendCommand() {
  if (!cmd.chosen || !cmd.els) return false;
  const { entry: e, fields, error } = cmd.chosen;
  for (const f of fields) {
    if (f.opt.required && f.value() === undefined) {
      error.textContent = `Fill in the required option “${f.opt.name}”.`;
      if (f.el) f.el.focus();
      return true;
    }
    if (f.el && f.el.checkValidity && !f.el.checkValidity()) {
      error.textContent = `${f.opt.name}: ${f.el.validationMessage}`;
      f.el.focus();
      return true;
    }
  }
  const data = dataFor(e);
  clearChosen();
  cmd.els.input.value = '';
  cmd.els.input.dispatchEvent(new Event('input'));
  cmd.els.input.focus();
  const idx = indexes.get(ui.guildId);
  invokeCommand(e.command, data, e.label, idx ? idx.apps.get(e.command.application_id) : null).catch(() => {});
  return true;
}
