// The client's shared runtime: the one data model, the UI state that is not
// part of it, the current REST and gateway clients, and the render scheduler.
// Every view imports what it needs from here; this module imports no view, so
// it is evaluated first and its values exist before any view code runs.

import { API } from './api.js';
import { State } from './state.js';

/** NARROW matches phone-sized windows: the sidebar and member list overlay the chat. */
export const NARROW = window.matchMedia('(max-width: 720px)');

/** root is the page's #app element; its classes open the nav and member list. */
export const root = document.getElementById('app');

/** state is the data model: guilds, channels, members, messages, unread. */
export const state = new State();

/**
 * client holds the REST client (anonymous until a session starts) and the
 * gateway of the current session (null while logged out). Both are replaced
 * at each login, so read them at call time rather than keeping a copy.
 */
export const client = { api: new API(), gateway: null };

/** ui is the UI state that is not part of the data model. */
export const ui = {
  guildId: null,
  channelId: null,
  list: null, // VirtualList of the open channel
  editingId: null,
  confirmDeleteId: null,
  replyTo: null, // {id, channelId, name} of the message the composer replies to
  pinsFor: null, // channel id whose pins panel is open
  files: [], // files chosen for the next message (views/upload.js)
  showMembers: !NARROW.matches,
  navOpen: false,
  connection: 'idle',
  myStatus: null, // the status this client sends for the user (views/status.js)
  lastTypingSent: 0,
  readies: 0, // READY dispatches this session; a second one means a new gateway session
  loadingChannels: new Map(), // guild id -> promise
  loadedMembers: new Set(), // guild ids whose member list came from REST
  els: null, // the page's regions, set by buildShell
};

let renderers = {};
let renderQueued = new Set();
let renderFrame = 0;

/**
 * setRenderers names the function that redraws each region ("rail",
 * "sidebar", ...); a frame redraws the queued regions in the order given.
 */
export function setRenderers(byPart) {
  renderers = byPart;
}

/** scheduleRender batches re-renders of whole regions into one frame. */
export function scheduleRender(...parts) {
  for (const p of parts) renderQueued.add(p);
  if (renderFrame) return;
  renderFrame = requestAnimationFrame(flushRender);
}

function flushRender() {
  renderFrame = 0;
  const parts = renderQueued;
  renderQueued = new Set();
  if (!ui.els) return;
  for (const [part, render] of Object.entries(renderers)) if (parts.has(part)) render();
}

/**
 * replaceKeepingFocus swaps a region's children and puts focus back on the
 * element with the same data-focus-key, so live updates never steal focus.
 */
export function replaceKeepingFocus(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  container.replaceChildren(...children.filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}
