// Read state (unread markers and mention badges), kept by the server: READY's
// read_state says how far each channel has been read and how many mentions
// wait in it (people.js), MESSAGE_ACK brings what the user's other sessions
// read, and a channel read here is acknowledged with
// POST /channels/{id}/messages/{id}/ack. A channel is read up to its last
// message once that message has been on screen.

import { client, scheduleRender, state, ui } from './context.js';

/** loadReads forgets the previous user's read state; READY brings this one's. */
export function loadReads() {
  state.reads.clear();
  state.mentions.clear();
}

const ackTimers = new Map(); // channel id -> timer of the pending ack

/**
 * markRead marks channelId read if it is open, the page is visible and the
 * list is at the bottom, and acknowledges it to the server shortly after
 * (one request for a burst of messages read).
 */
export function markRead(channelId) {
  if (channelId !== ui.channelId || document.visibilityState !== 'visible') return;
  if (ui.list && !ui.list.atBottom) return;
  const hadMentions = (state.mentions.get(channelId) || 0) > 0;
  if (!state.markRead(channelId) && !hadMentions) return;
  state.mentions.set(channelId, 0);
  clearTimeout(ackTimers.get(channelId));
  ackTimers.set(channelId, setTimeout(() => ack(channelId), 300));
  scheduleRender('sidebar', 'rail');
}

function ack(channelId) {
  ackTimers.delete(channelId);
  const id = state.reads.get(channelId);
  if (!id || !client.api) return;
  // A failed ack costs only the marker on the user's other sessions.
  client.api.post(`/channels/${channelId}/messages/${id}/ack`, { token: null }).catch(() => {});
}

document.addEventListener('visibilitychange', () => { if (ui.channelId) markRead(ui.channelId); });
