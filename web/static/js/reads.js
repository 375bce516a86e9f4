// Read state (unread markers), kept per user in localStorage: a channel is
// read up to its last message once that message has been on screen.

import { scheduleRender, state, ui } from './context.js';

function readsKey() {
  return `accord.reads.${state.me.id}`;
}

/** loadReads restores the signed-in user's read state into state.reads. */
export function loadReads() {
  try {
    const saved = JSON.parse(localStorage.getItem(readsKey()) || '{}');
    for (const [k, v] of Object.entries(saved)) state.reads.set(k, v);
  } catch {
    // A corrupt entry only costs unread markers.
  }
}

let saveReadsTimer = 0;

/**
 * markRead marks channelId read if it is open, the page is visible and the
 * list is at the bottom, and saves the read state shortly after.
 */
export function markRead(channelId) {
  if (channelId !== ui.channelId || document.visibilityState !== 'visible') return;
  if (ui.list && !ui.list.atBottom) return;
  if (!state.markRead(channelId)) return;
  clearTimeout(saveReadsTimer);
  saveReadsTimer = setTimeout(() => localStorage.setItem(readsKey(), JSON.stringify(Object.fromEntries(state.reads))), 500);
  scheduleRender('sidebar', 'rail');
}

document.addEventListener('visibilitychange', () => { if (ui.channelId) markRead(ui.channelId); });
