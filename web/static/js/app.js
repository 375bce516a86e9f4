// Accord web client: the controller. It owns the page layout (server rail,
// channel sidebar, message pane, member list), turns user actions into REST
// calls and gateway dispatches into State changes, and re-renders the part of
// the page that changed.

import { API, APIError } from './api.js';
import { Gateway, Intents } from './gateway.js';
import { State } from './state.js';
import { VirtualList } from './virtuallist.js';
import { h, displayName, initials, colorFor, formatStamp, formatShortTime, formatFull, codePoints, richText } from './dom.js';
import { nonce as newNonce, time as snowflakeTime } from './snowflake.js';

const MAX_CONTENT = 2000;
const PAGE = 50;
const OLDER_PAGE = 100;
const TYPING_SEND_EVERY = 8000;
const TYPING_SHOW_FOR = 10000;
const GROUP_WITHIN_MS = 7 * 60 * 1000;
const TOKEN_KEY = 'accord.token';
const NARROW = window.matchMedia('(max-width: 720px)');

const root = document.getElementById('app');
const state = new State();
let api = new API();
let gateway = null;

// UI state that is not part of the data model.
const ui = {
  guildId: null,
  channelId: null,
  list: null, // VirtualList of the open channel
  editingId: null,
  confirmDeleteId: null,
  showMembers: !NARROW.matches,
  navOpen: false,
  connection: 'idle',
  lastTypingSent: 0,
  loadingChannels: new Map(), // guild id -> promise
  loadedMembers: new Set(), // guild ids whose member list came from REST
  els: null,
};

// Exposed for debugging from the console and for the browser tests, which
// read connection counters (identify vs resume) from it.
Object.defineProperty(window, '__accord', { value: { state, ui, get gateway() { return gateway; } } });

// ---------------------------------------------------------------------------
// Start and authentication

boot();

async function boot() {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) {
    renderAuth();
    return;
  }
  await startSession(token);
}

function renderAuth(message = '') {
  stopSession();
  document.title = 'Accord — Log in';
  const error = h('p', { class: 'form-error', role: 'alert', id: 'auth-error' }, message);
  const username = h('input', { id: 'auth-username', name: 'username', autocomplete: 'username', required: true, maxlength: 32, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'auth-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'auth-card', 'aria-labelledby': 'auth-title' },
    h('div', { class: 'brand', 'aria-hidden': 'true' }, logo()),
    h('h1', { id: 'auth-title' }, 'Welcome to Accord'),
    h('p', { class: 'muted' }, 'Log in, or register a new account.'),
    h('label', { for: 'auth-username' }, 'Username'), username,
    h('label', { for: 'auth-password' }, 'Password'), password,
    error,
    h('div', { class: 'auth-actions' },
      h('button', { type: 'submit', class: 'primary', value: 'login' }, 'Log in'),
      h('button', { type: 'submit', class: 'secondary', value: 'register' }, 'Register')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const action = ev.submitter && ev.submitter.value === 'register' ? 'register' : 'login';
    error.textContent = '';
    setBusy(form, true);
    try {
      const anon = new API();
      const res = action === 'register'
        ? await anon.register(username.value.trim(), password.value)
        : await anon.login(username.value.trim(), password.value);
      localStorage.setItem(TOKEN_KEY, res.token);
      await startSession(res.token);
    } catch (err) {
      error.textContent = describe(err);
      setBusy(form, false);
    }
  });
  root.replaceChildren(h('div', { class: 'auth' }, form));
  username.focus();
}

async function startSession(token) {
  api = new API({ token, onUnauthorized: () => logout('Your session has ended. Please log in again.') });
  let me;
  let guilds;
  try {
    [me, guilds] = await Promise.all([api.me(), api.myGuilds()]);
  } catch (err) {
    if (err instanceof APIError && err.status === 401) return; // onUnauthorized showed the form
    renderAuth(describe(err));
    return;
  }
  state.reset();
  state.me = me;
  state.users.set(me.id, me);
  loadReads();
  for (const g of guilds || []) state.addGuild(g);
  buildShell();
  gateway = new Gateway({
    url: async () => (await api.gateway()).url,
    token,
    intents: Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_MESSAGES | Intents.GUILD_MESSAGE_TYPING | Intents.MESSAGE_CONTENT,
    onDispatch,
    onStatus: (s, detail) => {
      ui.connection = s;
      renderConnection(detail);
    },
  });
  gateway.start();
  window.addEventListener('hashchange', route);
  route();
}

function stopSession() {
  if (gateway) gateway.stop();
  gateway = null;
  if (ui.list) ui.list.destroy();
  ui.list = null;
  ui.guildId = ui.channelId = null;
  ui.readies = 0;
  ui.loadedMembers.clear();
  window.removeEventListener('hashchange', route);
}

function logout(message = '') {
  localStorage.removeItem(TOKEN_KEY);
  state.reset();
  if (location.hash) history.replaceState(null, '', location.pathname);
  renderAuth(message);
}

// ---------------------------------------------------------------------------
// Layout

function buildShell() {
  const els = {};
  els.rail = h('nav', { class: 'rail', 'aria-label': 'Servers' });
  els.sidebar = h('nav', { class: 'sidebar', 'aria-label': 'Channels' });
  els.sidebarBody = h('div', { class: 'sidebar-body' });
  els.userPanel = h('div', { class: 'user-panel' });
  els.sidebar.append(els.sidebarBody, els.userPanel);
  els.main = h('main', { class: 'chat' });
  els.members = h('aside', { class: 'members', 'aria-label': 'Member list' });
  els.connection = h('div', { class: 'connection', role: 'status', 'aria-live': 'polite' });
  els.scrim = h('div', { class: 'scrim', onclick: () => setNav(false), 'aria-hidden': 'true' });
  els.unreadDesc = h('span', { id: 'unread-desc', class: 'sr-only' }, 'unread messages');
  root.replaceChildren(h('div', { class: 'shell' }, els.rail, els.sidebar, els.main, els.members, els.scrim, els.connection, els.unreadDesc));
  ui.els = els;
  renderUserPanel();
  renderRail();
}

function setNav(open) {
  ui.navOpen = open;
  root.classList.toggle('nav-open', open);
}

function setMembersShown(show) {
  ui.showMembers = show;
  root.classList.toggle('members-open', show);
  const b = document.getElementById('toggle-members');
  if (b) b.setAttribute('aria-pressed', String(show));
  if (show) renderMembers();
}

NARROW.addEventListener('change', () => setMembersShown(!NARROW.matches && ui.showMembers));

let renderQueued = new Set();
let renderFrame = 0;
// scheduleRender batches re-renders of whole regions into one frame.
function scheduleRender(...parts) {
  for (const p of parts) renderQueued.add(p);
  if (renderFrame) return;
  renderFrame = requestAnimationFrame(flushRender);
}

function flushRender() {
  renderFrame = 0;
  const parts = renderQueued;
  renderQueued = new Set();
  if (!ui.els) return;
  if (parts.has('rail')) renderRail();
  if (parts.has('sidebar')) renderSidebar();
  if (parts.has('header')) renderChatHeader();
  if (parts.has('members')) renderMembers();
  if (parts.has('typing')) renderTyping();
  if (parts.has('beginning')) renderBeginning();
}

// replaceKeepingFocus swaps a region's children and puts focus back on the
// element with the same data-focus-key, so live updates never steal focus.
function replaceKeepingFocus(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  container.replaceChildren(...children.filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}

function renderRail() {
  const items = state.guildOrder.map((id) => {
    const g = state.guilds.get(id);
    const unread = state.textChannels(id).some((c) => c.id !== ui.channelId && state.isUnread(c.id));
    const current = id === ui.guildId;
    return h('li', { class: 'rail-item' + (current ? ' current' : '') + (unread ? ' unread' : '') },
      h('span', { class: 'pill', 'aria-hidden': 'true' }),
      h('a', {
        class: 'server', href: `#/channels/${id}`, 'aria-label': g.name || 'Server', title: g.name || '',
        'aria-current': current ? 'page' : null, 'aria-describedby': unread ? 'unread-desc' : null,
        dataset: { focusKey: 'g' + id }, style: `--server-color:${colorFor(id)}`,
      }, h('span', { 'aria-hidden': 'true' }, initials(g.name))));
  });
  replaceKeepingFocus(ui.els.rail,
    h('a', { class: 'server home' + (ui.guildId ? '' : ' current'), href: '#/', 'aria-label': 'Home', title: 'Home', dataset: { focusKey: 'home' } }, logo()),
    h('div', { class: 'rail-sep', 'aria-hidden': 'true' }),
    h('ul', { class: 'rail-list', role: 'list' }, items),
    h('button', { type: 'button', class: 'server add', 'aria-label': 'Add a server', title: 'Add a server', dataset: { focusKey: 'add' }, onclick: openAddServer }, h('span', { 'aria-hidden': 'true' }, '+')));
}

function renderUserPanel() {
  const me = state.me;
  ui.els.userPanel.replaceChildren(
    avatar(me),
    h('div', { class: 'user-names' }, h('strong', null, displayName(me)), h('span', { class: 'muted' }, '@' + me.username)),
    h('button', { type: 'button', class: 'icon-button', onclick: () => logout(), title: 'Log out' }, 'Log out'));
}

function renderSidebar() {
  const g = ui.guildId && state.guilds.get(ui.guildId);
  if (!g) {
    replaceKeepingFocus(ui.els.sidebarBody,
      h('header', { class: 'sidebar-head' }, h('h2', null, 'Home')),
      h('p', { class: 'muted pad' }, state.guildOrder.length ? 'Pick a server on the left.' : 'You are not in any server yet.'));
    return;
  }
  const channels = state.textChannels(g.id).map((c) => {
    const current = c.id === ui.channelId;
    const unread = !current && state.isUnread(c.id);
    return h('li', null, h('a', {
      class: 'channel' + (current ? ' current' : '') + (unread ? ' unread' : ''),
      href: `#/channels/${g.id}/${c.id}`,
      'aria-current': current ? 'page' : null,
      'aria-describedby': unread ? 'unread-desc' : null,
      dataset: { focusKey: 'c' + c.id },
      onclick: () => setNav(false),
    }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '#'), h('span', { class: 'channel-name' }, c.name), unread ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null));
  });
  const loading = !g.channelsComplete && channels.length === 0;
  replaceKeepingFocus(ui.els.sidebarBody,
    h('header', { class: 'sidebar-head' }, h('h2', { title: g.name }, g.name)),
    h('div', { class: 'section-head' },
      h('h3', null, 'Text channels'),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Add channel', title: 'Add channel', dataset: { focusKey: 'addch' }, onclick: openAddChannel }, h('span', { 'aria-hidden': 'true' }, '+'))),
    loading ? h('p', { class: 'muted pad' }, 'Loading channels…') : h('ul', { class: 'channel-list', role: 'list' }, channels));
}

function renderMembers() {
  if (!ui.els || !ui.showMembers) return;
  const gid = ui.guildId;
  if (!gid) {
    ui.els.members.replaceChildren();
    return;
  }
  const g = state.guilds.get(gid);
  const ms = [...(state.members.get(gid) || new Map()).values()];
  ms.sort((a, b) => displayName(a.user, a).localeCompare(displayName(b.user, b)));
  const heading = h('h2', { id: 'members-heading' }, `Members — ${ms.length}`);
  const list = h('ul', { class: 'member-list', role: 'list', 'aria-labelledby': 'members-heading' }, ms.map((m) =>
    h('li', { class: 'member' }, avatar(m.user), h('span', { class: 'member-name' }, displayName(m.user, m)),
      g && g.owner_id === m.user.id ? h('span', { class: 'owner', title: 'Server owner', 'aria-label': 'Server owner' }, '♛') : null,
      m.user.bot ? h('span', { class: 'tag' }, 'BOT') : null)));
  ui.els.members.replaceChildren(heading, list);
}

function renderConnection(detail) {
  const el = ui.els && ui.els.connection;
  if (!el) return;
  const s = ui.connection;
  let text = '';
  if (s === 'reconnecting') text = 'reconnecting…';
  else if (s === 'connecting') text = 'connecting…';
  else if (s === 'failed') text = detail && detail.code === 4004 ? 'Authentication failed. Please log in again.' : `Disconnected from live updates${detail && detail.code ? ` (code ${detail.code})` : ''}. Reload to try again.`;
  el.textContent = text;
  el.dataset.state = s;
  el.hidden = !text;
  if (s === 'failed' && detail && detail.code === 4004) logout('Your session has ended. Please log in again.');
}

function avatar(user) {
  const name = displayName(user);
  return h('span', { class: 'avatar', 'aria-hidden': 'true', style: `--avatar-color:${colorFor(user && user.id)}` }, initials(name).slice(0, 1).toUpperCase());
}

function logo() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'logo');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M4 5.5C4 4.1 5.1 3 6.5 3h11C18.9 3 20 4.1 20 5.5v8c0 1.4-1.1 2.5-2.5 2.5H11l-4.2 3.6c-.5.4-1.3 0-1.3-.6V16h0C4.7 16 4 15.3 4 14.5v-9z');
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

// ---------------------------------------------------------------------------
// Routing: #/ (home), #/channels/<guild>[/<channel>]

async function route() {
  const m = /^#\/channels\/(\d+)(?:\/(\d+))?/.exec(location.hash);
  if (!m || !state.guilds.has(m[1])) {
    showHome();
    return;
  }
  const [, gid, cid] = m;
  ui.guildId = gid;
  scheduleRender('rail', 'sidebar', 'members');
  await ensureChannels(gid);
  if (ui.guildId !== gid) return;
  ensureMembers(gid);
  const channels = state.textChannels(gid);
  let channel = cid && state.channels.get(cid);
  if (!channel) {
    if (!channels.length) {
      showEmptyGuild(gid);
      return;
    }
    const remembered = localStorage.getItem(`accord.last.${gid}`);
    channel = channels.find((c) => c.id === remembered) || channels[0];
    history.replaceState(null, '', `#/channels/${gid}/${channel.id}`);
  }
  openChannel(channel);
}

function ensureChannels(gid) {
  const g = state.guilds.get(gid);
  if (g && g.channelsComplete) return Promise.resolve();
  if (ui.loadingChannels.has(gid)) return ui.loadingChannels.get(gid);
  const p = api.channels(gid).then((list) => {
    for (const c of list) state.addChannel({ ...c, guild_id: gid });
    const cur = state.guilds.get(gid);
    if (cur) cur.channelsComplete = true;
  }).catch((err) => toast(describe(err))).finally(() => {
    ui.loadingChannels.delete(gid);
    scheduleRender('sidebar', 'rail');
  });
  ui.loadingChannels.set(gid, p);
  scheduleRender('sidebar');
  return p;
}

async function ensureMembers(gid) {
  if (ui.loadedMembers.has(gid)) return;
  ui.loadedMembers.add(gid);
  try {
    const list = await api.members(gid);
    for (const m of list) state.addMember(gid, m);
    scheduleRender('members');
  } catch (err) {
    ui.loadedMembers.delete(gid);
  }
}

function showHome() {
  closeChannel();
  ui.guildId = null;
  document.title = 'Accord';
  setNav(true);
  scheduleRender('rail', 'sidebar', 'members');
  const me = state.me;
  ui.els.main.replaceChildren(h('div', { class: 'home-view' },
    h('h1', null, `Welcome to Accord, ${displayName(me)}`),
    h('p', { class: 'muted' }, state.guildOrder.length
      ? 'Pick a server on the left, create a new one or join one with an invite code.'
      : 'Servers are where you and your friends chat. Create your own, or join one with an invite code.'),
    serverForms()));
}

function showEmptyGuild(gid) {
  closeChannel();
  const g = state.guilds.get(gid);
  ui.els.main.replaceChildren(h('div', { class: 'home-view' },
    h('h1', null, g ? g.name : 'Server'),
    h('p', { class: 'muted' }, 'This server has no text channels yet.'),
    h('button', { type: 'button', class: 'primary', onclick: openAddChannel }, 'Add channel')));
}

function closeChannel() {
  if (ui.list) ui.list.destroy();
  ui.list = null;
  ui.channelId = null;
  ui.editingId = null;
  ui.confirmDeleteId = null;
}

// ---------------------------------------------------------------------------
// Dialogs and forms: create/join server, create channel, create invite

let formSeq = 0;
function serverForms(onDone) {
  // Unique ids: the home view and the "Add a server" dialog may both exist.
  const n = ++formSeq;
  const createErr = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: `server-name-${n}`, class: 'server-name', name: 'name', required: true, maxlength: 100, value: `${displayName(state.me)}'s server` });
  const create = h('form', { class: 'card', 'aria-labelledby': `create-server-title-${n}` },
    h('h2', { id: `create-server-title-${n}` }, 'Create a server'),
    h('label', { for: `server-name-${n}` }, 'Server name'), name, createErr,
    h('button', { type: 'submit', class: 'primary' }, 'Create server'));
  create.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    createErr.textContent = '';
    setBusy(create, true);
    try {
      const g = await api.createGuild(name.value.trim());
      state.addGuild(g);
      if (onDone) onDone();
      location.hash = `#/channels/${g.id}`;
      scheduleRender('rail');
    } catch (err) {
      createErr.textContent = describe(err);
    } finally {
      setBusy(create, false);
    }
  });
  const joinErr = h('p', { class: 'form-error', role: 'alert' });
  const code = h('input', { id: `invite-code-${n}`, name: 'code', required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', placeholder: 'e.g. hTKzmak' });
  const join = h('form', { class: 'card', 'aria-labelledby': `join-server-title-${n}` },
    h('h2', { id: `join-server-title-${n}` }, 'Join a server'),
    h('label', { for: `invite-code-${n}` }, 'Invite code'), code, joinErr,
    h('button', { type: 'submit', class: 'primary' }, 'Join server'));
  join.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    joinErr.textContent = '';
    // Accept a pasted link as well as a bare code.
    const raw = code.value.trim().replace(/\/+$/, '');
    const c = raw.slice(raw.lastIndexOf('/') + 1);
    setBusy(join, true);
    try {
      const inv = await api.acceptInvite(c);
      const gid = (inv.guild && inv.guild.id) || inv.guild_id;
      if (inv.guild) state.addGuild(inv.guild);
      else if (gid && !state.guilds.has(gid)) state.addGuild({ id: gid, name: 'Server' });
      if (gid && !state.guilds.get(gid).name) state.guilds.get(gid).name = 'Server';
      if (inv.channel && gid) state.addChannel({ ...inv.channel, guild_id: gid });
      if (onDone) onDone();
      scheduleRender('rail');
      const cid = (inv.channel && inv.channel.id) || inv.channel_id;
      location.hash = cid ? `#/channels/${gid}/${cid}` : `#/channels/${gid}`;
    } catch (err) {
      joinErr.textContent = describe(err);
    } finally {
      setBusy(join, false);
    }
  });
  return h('div', { class: 'server-forms' }, create, join);
}

function dialog(title, ...body) {
  const id = 'dlg-' + Math.random().toString(36).slice(2);
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': id },
    h('div', { class: 'dialog-head' }, h('h2', { id }, title),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: () => dlg.close() }, '✕')),
    ...body);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

function openAddServer() {
  let dlg = null;
  dlg = dialog('Add a server', serverForms(() => dlg && dlg.close()));
  dlg.querySelector('.server-name').select();
}

function openAddChannel() {
  const gid = ui.guildId;
  if (!gid) return;
  const err = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'channel-name', name: 'name', required: true, maxlength: 100, placeholder: 'new-channel' });
  const form = h('form', { class: 'dialog-form' },
    h('label', { for: 'channel-name' }, 'Channel name'), name, err,
    h('button', { type: 'submit', class: 'primary' }, 'Create channel'));
  const dlg = dialog('Create a text channel', form);
  name.focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      const c = await api.createChannel(gid, name.value.trim());
      state.addChannel({ ...c, guild_id: c.guild_id || gid });
      dlg.close();
      location.hash = `#/channels/${gid}/${c.id}`;
      scheduleRender('sidebar');
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
}

async function openInvite() {
  const cid = ui.channelId;
  if (!cid) return;
  const g = state.guilds.get(ui.guildId);
  let inv;
  try {
    inv = await api.createInvite(cid);
  } catch (err) {
    toast(describe(err));
    return;
  }
  const field = h('input', { id: 'invite-share', readonly: true, value: inv.code, 'aria-label': 'Invite to share' });
  const copied = h('span', { class: 'muted', role: 'status' });
  const dlg = dialog(`Invite friends to ${g ? g.name : 'this server'}`,
    h('p', null, 'Send this invite code to a friend. They can paste it under “Join a server”.'),
    h('div', { class: 'invite-row' }, field,
      h('button', {
        type: 'button', class: 'primary', onclick: async () => {
          field.select();
          try { await navigator.clipboard.writeText(inv.code); copied.textContent = 'Copied!'; } catch { copied.textContent = 'Press Ctrl+C to copy.'; }
        },
      }, 'Copy')),
    copied);
  field.select();
  return dlg;
}

// ---------------------------------------------------------------------------
// The message pane

function openChannel(channel) {
  if (ui.channelId === channel.id && ui.list) {
    scheduleRender('sidebar', 'rail');
    return;
  }
  closeChannel();
  ui.channelId = channel.id;
  localStorage.setItem(`accord.last.${channel.guild_id}`, channel.id);
  setNav(false);
  const g = state.guilds.get(channel.guild_id);
  document.title = `#${channel.name} | ${g ? g.name : ''} — Accord`;
  if (gateway) gateway.subscribe(channel.guild_id, channel.id);

  const els = ui.els;
  els.header = h('header', { class: 'chat-head' });
  els.beginning = h('div', { class: 'beginning' });
  els.list = h('div', { class: 'message-list', role: 'list', 'aria-label': `Messages in #${channel.name}` });
  els.scroller = h('div', { class: 'scroller', tabindex: '-1' }, h('div', { class: 'scroller-spacer' }), els.beginning, els.list);
  els.jump = h('button', { type: 'button', class: 'jump', hidden: true, onclick: () => ui.list && ui.list.scrollToBottom() }, 'Jump to present');
  els.typing = h('div', { class: 'typing', 'aria-live': 'polite' });
  els.composerError = h('p', { class: 'form-error composer-error', role: 'alert' });
  els.counter = h('span', { class: 'counter', id: 'composer-counter' }, `0/${MAX_CONTENT}`);
  els.input = h('textarea', {
    id: 'composer', rows: '1', 'aria-label': `Message #${channel.name}`, placeholder: `Message #${channel.name}`,
    'aria-describedby': 'composer-counter', enterkeyhint: 'send',
  });
  els.input.addEventListener('keydown', onComposerKey);
  els.input.addEventListener('input', onComposerInput);
  const composer = h('form', { class: 'composer' }, h('div', { class: 'composer-box' }, els.input, els.counter));
  composer.addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage(); });
  els.main.replaceChildren(els.header, h('div', { class: 'pane' }, els.scroller, els.jump), h('div', { class: 'composer-area' }, els.composerError, composer, els.typing));

  const log = state.log(channel.id);
  ui.list = new VirtualList({
    scroller: els.scroller,
    list: els.list,
    key: rowKey,
    render: renderRow,
    estimate: estimateRow,
    onNearTop: () => loadOlder(channel.id),
    onBottomChange: (atBottom) => {
      els.jump.hidden = atBottom;
      if (atBottom) markRead(channel.id);
    },
  });
  renderChatHeader();
  renderBeginning();
  renderTyping();
  scheduleRender('sidebar', 'rail', 'members');
  ui.list.setItems(log.view(), { stickToBottom: true });
  if (!log.loaded) loadLatest(channel.id);
  else markRead(channel.id);
  if (!NARROW.matches) els.input.focus({ preventScroll: true });
}

function renderChatHeader() {
  const c = ui.channelId && state.channels.get(ui.channelId);
  if (!c || !ui.els.header) return;
  ui.els.header.replaceChildren(...[
    h('button', { type: 'button', class: 'icon-button nav-toggle', 'aria-label': 'Show channels', onclick: () => setNav(!ui.navOpen) }, '☰'),
    h('h1', { class: 'chat-title' }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '#'), c.name),
    c.topic ? h('p', { class: 'topic muted' }, c.topic) : null,
    h('div', { class: 'head-actions' },
      h('button', { type: 'button', class: 'secondary', onclick: openInvite }, 'Create invite'),
      h('button', { type: 'button', class: 'secondary toggle', id: 'toggle-members', 'aria-pressed': String(ui.showMembers), title: 'Member list', onclick: () => setMembersShown(!ui.showMembers) }, 'Members')),
  ].filter(Boolean));
  root.classList.toggle('members-open', ui.showMembers);
}

function renderBeginning() {
  const cid = ui.channelId;
  if (!cid || !ui.els.beginning) return;
  const c = state.channels.get(cid);
  const log = state.log(cid);
  if (!log.loaded || log.loadingOlder) {
    ui.els.beginning.replaceChildren(h('p', { class: 'muted loading', role: 'status' }, 'Loading messages…'));
  } else if (!log.hasMoreBefore) {
    ui.els.beginning.replaceChildren(
      h('div', { class: 'channel-icon', 'aria-hidden': 'true' }, '#'),
      h('h2', null, `Welcome to #${c ? c.name : ''}!`),
      h('p', { class: 'muted' }, `This is the start of the #${c ? c.name : ''} channel.`));
  } else {
    ui.els.beginning.replaceChildren();
  }
}

async function loadLatest(channelId) {
  const log = state.log(channelId);
  try {
    const page = await api.messages(channelId, { limit: PAGE });
    log.addLatest(page, PAGE);
    for (const m of page) noteAuthor(m);
  } catch (err) {
    toast(describe(err));
    return;
  }
  if (ui.channelId === channelId) {
    ui.list.setItems(log.view());
    renderBeginning();
    markRead(channelId);
  }
}

async function loadOlder(channelId) {
  const log = state.log(channelId);
  if (!log.loaded || !log.hasMoreBefore || log.loadingOlder || !log.items.length) return;
  const before = log.items[0].id;
  log.loadingOlder = api.messages(channelId, { before, limit: OLDER_PAGE });
  renderBeginning();
  try {
    const page = await log.loadingOlder;
    log.addOlder(page, OLDER_PAGE);
    for (const m of page) noteAuthor(m);
  } catch (err) {
    toast(describe(err));
  } finally {
    log.loadingOlder = null;
  }
  if (ui.channelId === channelId && ui.list) {
    renderBeginning();
    ui.list.setItems(log.view());
  }
}

function isGrouped(items, i) {
  if (i === 0) return false;
  const a = items[i - 1];
  const b = items[i];
  if (!a.author || !b.author || a.author.id !== b.author.id) return false;
  if (b.message_reference || b.type === 19) return false;
  return msgTime(b) - msgTime(a) < GROUP_WITHIN_MS;
}

// msgTime is cached on the message: grouping asks for it for every row each
// time the list changes.
function msgTime(m) {
  if (m._t === undefined) m._t = m.timestamp ? Date.parse(m.timestamp) : m.id ? snowflakeTime(m.id).getTime() : Date.now();
  return m._t;
}

function rowKey(m, i, items) {
  const id = m.id || 'p' + m.nonce;
  const g = isGrouped(items, i) ? 'g' : '';
  const e = m.id && m.id === ui.editingId ? 'e' : m.id && m.id === ui.confirmDeleteId ? 'd' : '';
  return `${id}|${m._rev || 0}${g}${e}${m.failed ? 'f' : ''}`;
}

function estimateRow(m, i, items) {
  const text = m.content || '';
  let lines = 1;
  for (let j = 0; j < text.length; j++) if (text.charCodeAt(j) === 10) lines++;
  lines += Math.floor(text.length / 90);
  return (isGrouped(items, i) ? 6 : 30) + lines * 22;
}

function renderRow(m, i, items) {
  const grouped = isGrouped(items, i);
  const mine = state.me && m.author && m.author.id === state.me.id;
  const guildId = ui.guildId;
  const member = m.author && state.member(guildId, m.author.id);
  const name = displayName(m.author, m.member || member);
  const when = new Date(msgTime(m));
  const nameOf = (id) => {
    const u = (m.mentions || []).find((x) => x.id === id) || state.users.get(id);
    return u ? displayName(u, state.member(guildId, id)) : 'unknown-user';
  };
  const body = h('div', { class: 'msg-body' });
  if (grouped) {
    body.append(h('span', { class: 'sr-only' }, name + ' '));
  } else {
    body.append(h('h3', { class: 'msg-meta' },
      h('span', { class: 'author', style: `--author-color:${colorFor(m.author && m.author.id)}` }, name),
      m.author && m.author.bot ? h('span', { class: 'tag' }, 'BOT') : null,
      h('time', { datetime: when.toISOString(), title: formatFull(when) }, formatStamp(when))));
  }
  if (m.id && m.id === ui.editingId) {
    body.append(editBox(m));
  } else {
    const content = h('div', { class: 'msg-content' }, richText(m.content || '', nameOf));
    if (m.edited_timestamp) content.append(h('span', { class: 'edited', title: formatFull(new Date(m.edited_timestamp)) }, ' (edited)'));
    body.append(content);
    if (m.attachments && m.attachments.length) {
      body.append(h('ul', { class: 'attachments' }, m.attachments.map((a) => h('li', null, h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.filename || 'attachment')))));
    }
  }
  if (m.failed) body.append(h('p', { class: 'form-error' }, m.failed));
  if (m.id && m.id === ui.confirmDeleteId) {
    body.append(h('div', { class: 'confirm-delete', role: 'group', 'aria-label': 'Confirm delete' },
      h('span', null, 'Delete this message?'),
      h('button', { type: 'button', class: 'danger', onclick: () => deleteMessage(m) }, 'Confirm delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => setConfirmDelete(null) }, 'Cancel')));
  }
  const row = h('div', {
    role: 'listitem', class: 'msg' + (grouped ? ' grouped' : '') + (m.pending ? ' pending' : '') + (mine ? ' mine' : ''),
    dataset: { id: m.id || '' }, 'aria-busy': m.pending ? 'true' : null,
  },
  grouped ? h('time', { class: 'msg-side-time', datetime: when.toISOString(), 'aria-hidden': 'true' }, formatShortTime(when)) : avatar(m.author),
  body);
  if (mine && m.id && !m.pending && m.id !== ui.editingId) {
    row.append(h('div', { class: 'msg-actions' },
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Edit message', title: 'Edit', onclick: () => startEdit(m.id) }, '✎'),
      h('button', { type: 'button', class: 'icon-button small', 'aria-label': 'Delete message', title: 'Delete', onclick: () => setConfirmDelete(m.id) }, '🗑')));
  }
  return row;
}

function editBox(m) {
  const box = h('textarea', { class: 'edit-box', 'aria-label': 'Edit message', rows: '1' });
  box.value = m.content || '';
  const err = h('p', { class: 'form-error', role: 'alert' });
  const save = async () => {
    const content = box.value;
    if (content === m.content) { stopEdit(); return; }
    if (!content.trim()) { setConfirmDelete(m.id); stopEdit(); return; }
    if (codePoints(content) > MAX_CONTENT) { err.textContent = `Your message is too long: ${codePoints(content)} of ${MAX_CONTENT} characters.`; return; }
    try {
      const updated = await api.editMessage(m.channel_id || ui.channelId, m.id, content);
      applyMessageUpdate(updated);
      stopEdit();
    } catch (e) {
      err.textContent = describe(e);
    }
  };
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); save(); }
    if (ev.key === 'Escape') { ev.preventDefault(); stopEdit(); }
  });
  box.addEventListener('input', () => autosize(box));
  requestAnimationFrame(() => autosize(box));
  return h('div', { class: 'edit' }, box, err,
    h('p', { class: 'muted small' }, 'Escape to ', h('button', { type: 'button', class: 'link', onclick: stopEdit }, 'cancel'), ' • Enter to ', h('button', { type: 'button', class: 'link', onclick: save }, 'save')));
}

function rerenderRows() {
  if (!ui.list || !ui.channelId) return;
  const log = state.log(ui.channelId);
  ui.list.setItems(log.view());
}

function startEdit(id) {
  ui.editingId = id;
  ui.confirmDeleteId = null;
  rerenderRows();
  ui.list.renderNow();
  const box = ui.els.list.querySelector('.edit-box');
  if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
}

function stopEdit() {
  ui.editingId = null;
  rerenderRows();
  if (ui.els.input) ui.els.input.focus({ preventScroll: true });
}

function setConfirmDelete(id) {
  ui.confirmDeleteId = id;
  rerenderRows();
  if (id) {
    ui.list.renderNow();
    const b = ui.els.list.querySelector('.confirm-delete .danger');
    if (b) b.focus();
  }
}

async function deleteMessage(m) {
  try {
    await api.deleteMessage(m.channel_id || ui.channelId, m.id);
    ui.confirmDeleteId = null;
    applyMessageDelete(m.channel_id || ui.channelId, m.id);
  } catch (err) {
    toast(describe(err));
  }
}

function onComposerKey(ev) {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    sendMessage();
    return;
  }
  if (ev.key === 'ArrowUp' && !ui.els.input.value) {
    const log = state.log(ui.channelId);
    for (let i = log.items.length - 1; i >= 0; i--) {
      if (log.items[i].author && log.items[i].author.id === state.me.id) {
        ev.preventDefault();
        startEdit(log.items[i].id);
        return;
      }
    }
  }
}

function onComposerInput() {
  const input = ui.els.input;
  autosize(input);
  updateCounter();
  ui.els.composerError.textContent = '';
  const now = Date.now();
  if (input.value.trim() && now - ui.lastTypingSent > TYPING_SEND_EVERY) {
    ui.lastTypingSent = now;
    api.typing(ui.channelId).catch(() => {});
  }
}

function updateCounter() {
  const n = codePoints(ui.els.input.value);
  ui.els.counter.textContent = `${n}/${MAX_CONTENT}`;
  ui.els.counter.classList.toggle('over', n > MAX_CONTENT);
  ui.els.counter.classList.toggle('near', n > MAX_CONTENT - 200);
}

function autosize(el) {
  el.style.height = 'auto';
  el.style.height = Math.min(el.scrollHeight + 2, Math.round(window.innerHeight * 0.4)) + 'px';
}

async function sendMessage() {
  const input = ui.els.input;
  const channelId = ui.channelId;
  const content = input.value;
  if (!content.trim() || !channelId) return;
  const n = codePoints(content);
  if (n > MAX_CONTENT) {
    ui.els.composerError.textContent = `Your message is too long: ${n} of ${MAX_CONTENT} characters.`;
    return;
  }
  const nonce = newNonce();
  const log = state.log(channelId);
  log.addPending({ nonce, pending: true, content, author: state.me, channel_id: channelId, timestamp: new Date().toISOString() });
  input.value = '';
  autosize(input);
  updateCounter();
  ui.lastTypingSent = 0;
  ui.list.setItems(log.view(), { stickToBottom: true });
  try {
    const msg = await api.sendMessage(channelId, content, nonce);
    log.dropPending(nonce);
    applyMessageCreate(msg);
  } catch (err) {
    log.dropPending(nonce);
    if (ui.channelId === channelId) {
      ui.list.setItems(log.view());
      if (!input.value) { input.value = content; autosize(input); updateCounter(); }
      ui.els.composerError.textContent = describe(err);
    }
  }
}

function renderTyping() {
  const el = ui.els && ui.els.typing;
  if (!el || !ui.channelId) return;
  const ids = state.typers(ui.channelId).filter((id) => !state.me || id !== state.me.id);
  const names = ids.map((id) => displayName(state.users.get(id), state.member(ui.guildId, id)));
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length === 3) text = `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  else if (names.length > 3) text = 'Several people are typing…';
  if (el.textContent !== text) el.textContent = text;
}

setInterval(() => { if (ui.channelId) renderTyping(); }, 1000);

// ---------------------------------------------------------------------------
// Read state (unread markers), kept per user in localStorage

function readsKey() {
  return `accord.reads.${state.me.id}`;
}

function loadReads() {
  try {
    const saved = JSON.parse(localStorage.getItem(readsKey()) || '{}');
    for (const [k, v] of Object.entries(saved)) state.reads.set(k, v);
  } catch {
    // A corrupt entry only costs unread markers.
  }
}

let saveReadsTimer = 0;
function markRead(channelId) {
  if (channelId !== ui.channelId || document.visibilityState !== 'visible') return;
  if (ui.list && !ui.list.atBottom) return;
  if (!state.markRead(channelId)) return;
  clearTimeout(saveReadsTimer);
  saveReadsTimer = setTimeout(() => localStorage.setItem(readsKey(), JSON.stringify(Object.fromEntries(state.reads))), 500);
  scheduleRender('sidebar', 'rail');
}

document.addEventListener('visibilitychange', () => { if (ui.channelId) markRead(ui.channelId); });

// ---------------------------------------------------------------------------
// Gateway dispatches

function noteAuthor(m) {
  if (m.author) state.users.set(m.author.id, m.author);
}

function applyMessageCreate(m) {
  noteAuthor(m);
  if (m.member && m.guild_id && m.author) state.addMember(m.guild_id, { ...m.member, user: m.author });
  state.noteLastMessage(m.channel_id, m.id);
  const log = state.logs.get(m.channel_id);
  if (log && log.loaded) log.upsert(m);
  const t = state.typing.get(m.channel_id);
  if (t && m.author) t.delete(m.author.id);
  if (m.channel_id === ui.channelId && ui.list) {
    ui.list.setItems(log.view());
    renderTyping();
    markRead(m.channel_id);
  }
  scheduleRender('sidebar', 'rail');
}

function applyMessageUpdate(m) {
  const log = state.logs.get(m.channel_id);
  if (!log) return;
  const old = log.byId.get(m.id);
  if (!old) return;
  if (m.author) noteAuthor(m);
  log.update(m);
  old._rev = (old._rev || 0) + 1;
  if (m.channel_id === ui.channelId) rerenderRows();
}

function applyMessageDelete(channelId, id) {
  const log = state.logs.get(channelId);
  if (log && log.remove(id) && channelId === ui.channelId) rerenderRows();
}

function onDispatch(name, d) {
  switch (name) {
    case 'READY': {
      state.me = { ...state.me, ...d.user };
      if (Array.isArray(d.guilds)) {
        const ids = new Set(d.guilds.map((g) => g.id));
        for (const id of [...state.guilds.keys()]) if (!ids.has(id)) state.removeGuild(id);
        for (const g of d.guilds) state.addGuild(g);
      }
      // A new session (not a resume) may have missed events while no session
      // existed: reload what is on screen, merging by id so nothing shows
      // twice, and forget the other channels' history.
      ui.readies = (ui.readies || 0) + 1;
      if (ui.readies > 1) {
        for (const cid of [...state.logs.keys()]) if (cid !== ui.channelId) state.logs.delete(cid);
        if (ui.channelId) loadLatest(ui.channelId);
        ui.loadedMembers.clear();
        if (ui.guildId) ensureMembers(ui.guildId);
      }
      scheduleRender('rail', 'sidebar', 'members');
      break;
    }
    case 'GUILD_CREATE':
    case 'GUILD_UPDATE':
      state.addGuild(d);
      scheduleRender('rail', 'sidebar', 'members', 'header');
      if (name === 'GUILD_CREATE' && ui.guildId === d.id && !ui.channelId) route();
      break;
    case 'GUILD_DELETE':
      if (d.unavailable) break;
      state.removeGuild(d.id);
      if (ui.guildId === d.id) location.hash = '#/';
      scheduleRender('rail');
      break;
    case 'CHANNEL_CREATE':
    case 'CHANNEL_UPDATE':
      if (!d.guild_id || !state.guilds.has(d.guild_id)) break;
      state.addChannel(d);
      scheduleRender('sidebar', 'header');
      break;
    case 'CHANNEL_DELETE':
      state.removeChannel(d.id);
      if (ui.channelId === d.id) location.hash = `#/channels/${d.guild_id}`;
      scheduleRender('sidebar', 'rail');
      break;
    case 'GUILD_MEMBER_ADD':
    case 'GUILD_MEMBER_UPDATE':
      state.addMember(d.guild_id, d);
      scheduleRender('members');
      break;
    case 'GUILD_MEMBER_REMOVE': {
      const ms = state.members.get(d.guild_id);
      if (ms && d.user) ms.delete(d.user.id);
      if (d.user && state.me && d.user.id === state.me.id) {
        state.removeGuild(d.guild_id);
        if (ui.guildId === d.guild_id) location.hash = '#/';
        scheduleRender('rail');
      }
      scheduleRender('members');
      break;
    }
    case 'MESSAGE_CREATE':
      applyMessageCreate(d);
      break;
    case 'MESSAGE_UPDATE':
      applyMessageUpdate(d);
      break;
    case 'MESSAGE_DELETE':
      applyMessageDelete(d.channel_id, d.id);
      break;
    case 'MESSAGE_DELETE_BULK':
      for (const id of d.ids || []) applyMessageDelete(d.channel_id, id);
      break;
    case 'TYPING_START': {
      if (state.me && d.user_id === state.me.id) break;
      if (d.member && d.member.user) state.addMember(d.guild_id, d.member);
      let t = state.typing.get(d.channel_id);
      if (!t) state.typing.set(d.channel_id, (t = new Map()));
      t.set(d.user_id, Date.now() + TYPING_SHOW_FOR);
      if (d.channel_id === ui.channelId) renderTyping();
      break;
    }
    case 'PASSIVE_UPDATE_V1':
      for (const c of d.channels || []) if (c.last_message_id) state.noteLastMessage(c.id, c.last_message_id);
      for (const m of d.members || []) state.addMember(d.guild_id, m);
      scheduleRender('sidebar', 'rail', 'members');
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------
// Small helpers

function describe(err) {
  if (err && err.message) return err.message;
  return 'Something went wrong.';
}

function setBusy(form, busy) {
  for (const b of form.querySelectorAll('button')) b.disabled = busy;
  form.setAttribute('aria-busy', String(busy));
}

let toastTimer = 0;
function toast(text) {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', role: 'alert' });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}
