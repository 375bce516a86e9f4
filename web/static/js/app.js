// Accord web client: the bootstrap. It starts and ends sessions (REST client,
// gateway, page layout) and wires the modules together; everything else lives
// in a module per concern:
//
//   context.js    shared runtime: State, UI state, REST/gateway clients, render scheduler
//   router.js     URL hash -> what is on screen; loads channels and members
//   dispatch.js   gateway dispatches -> State changes and redraws
//   reads.js      read state (unread markers, acks) kept by the server
//   people.js     DMs, relationships, presence, read states from the gateway
//   notify.js     desktop notifications for DMs and mentions
//   views/*.js    one module per part of the page (login, shell, guilds = server
//                 rail, channels = sidebar, members, home, messages = chat pane,
//                 messagerow, composer, typing, dialogs, feedback)
//
// Views import each other's functions directly. The message pane's modules
// (messages, messagerow, composer) import each other in a cycle, which ES
// modules allow because none of them calls another at import time.

import { API, APIError } from './api.js';
import { client, scheduleRender, setRenderers, state, ui } from './context.js';
import { onDispatch } from './dispatch.js';
import { Gateway, Intents } from './gateway.js';
import { loadReads } from './reads.js';
import { route } from './router.js';
import { renderSidebar } from './views/channels.js';
import { describe } from './views/feedback.js';
import { renderRail } from './views/guilds.js';
import { renderLogin } from './views/login.js';
import { renderMembers } from './views/members.js';
import { renderBeginning, renderChatHeader } from './views/messages.js';
import { buildShell, renderConnection } from './views/shell.js';
import { renderTyping } from './views/typing.js';
import { renderPeople } from './views/friends.js';
import { initStatus } from './views/status.js';

const TOKEN_KEY = 'accord.token';

// The regions scheduleRender can redraw, in the order a frame redraws them.
setRenderers({
  rail: renderRail,
  sidebar: renderSidebar,
  header: renderChatHeader,
  members: renderMembers,
  typing: renderTyping,
  beginning: renderBeginning,
  people: renderPeople,
});

// Exposed for debugging from the console and for the browser tests, which
// read connection counters (identify vs resume) from it.
Object.defineProperty(window, '__accord', { value: { state, ui, get gateway() { return client.gateway; } } });

boot();

async function boot() {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) {
    showLogin();
    return;
  }
  await startSession(token);
}

// showLogin ends any session and shows the log-in form with message.
function showLogin(message = '') {
  stopSession();
  renderLogin(message, async (token) => {
    localStorage.setItem(TOKEN_KEY, token);
    await startSession(token);
  });
}

async function startSession(token) {
  client.api = new API({ token, onUnauthorized: () => logout('Your session has ended. Please log in again.') });
  let me;
  let guilds;
  try {
    [me, guilds] = await Promise.all([client.api.me(), client.api.myGuilds()]);
  } catch (err) {
    if (err instanceof APIError && err.status === 401) return; // onUnauthorized showed the form
    showLogin(describe(err));
    return;
  }
  state.reset();
  state.me = me;
  state.users.set(me.id, me);
  loadReads();
  for (const g of guilds || []) state.addGuild(g);
  buildShell({ onLogout: () => logout() });
  client.gateway = new Gateway({
    url: async () => (await client.api.gateway()).url,
    token,
    intents: Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_MESSAGES | Intents.GUILD_MESSAGE_TYPING | Intents.MESSAGE_CONTENT
      | Intents.GUILD_MESSAGE_REACTIONS | Intents.GUILD_EXPRESSIONS | Intents.GUILD_PRESENCES | Intents.DIRECT_MESSAGES
      | Intents.DIRECT_MESSAGE_TYPING | Intents.DIRECT_MESSAGE_REACTIONS,
    onDispatch,
    onStatus: (s, detail) => {
      ui.connection = s;
      renderConnection(detail);
      if (s === 'failed' && detail && detail.code === 4004) logout('Your session has ended. Please log in again.');
    },
  });
  initStatus();
  client.gateway.start();
  window.addEventListener('hashchange', route);
  route();
}

function stopSession() {
  if (client.gateway) client.gateway.stop();
  client.gateway = null;
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
  showLogin(message);
}
