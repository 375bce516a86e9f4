// Desktop notifications for messages that ask for attention: a DM, or a
// mention of the signed-in user, when the tab is hidden or that channel is
// not open. The browser's permission is asked only from a user gesture (the
// status menu's "Enable desktop notifications"), as browsers require; in
// Do Not Disturb nothing is shown.

import { state, ui } from './context.js';
import { channelLabel, isBlocked, isPrivate, mentionsMe } from './people.js';

/** notificationsState is the browser's permission: default, granted, denied, or unsupported. */
export function notificationsState() {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** askNotifications shows the browser's permission prompt (call it from a click). */
export async function askNotifications() {
  if (notificationsState() !== 'default') return notificationsState();
  try {
    return await Notification.requestPermission();
  } catch {
    return notificationsState();
  }
}

/** notifyMessage shows a notification for m if it deserves one. */
export function notifyMessage(m) {
  if (notificationsState() !== 'granted' || !m.author || !state.me) return;
  if (m.author.id === state.me.id || isBlocked(m.author.id) || ui.myStatus === 'dnd') return;
  const c = state.channels.get(m.channel_id);
  const dm = (c && isPrivate(c)) || (!m.guild_id && !c);
  if (!dm && !mentionsMe(m)) return;
  if (document.visibilityState === 'visible' && ui.channelId === m.channel_id) return;
  const who = m.author.global_name || m.author.username;
  const where = c && !isPrivate(c) ? ` (${channelLabel(c)})` : '';
  const href = m.guild_id ? `#/channels/${m.guild_id}/${m.channel_id}` : `#/channels/@me/${m.channel_id}`;
  try {
    const n = new Notification(`${who}${where}`, { body: (m.content || 'Sent an attachment').slice(0, 200), tag: m.channel_id });
    n.onclick = () => {
      window.focus();
      location.hash = href;
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}
