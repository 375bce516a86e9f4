// Routing: the URL hash names what is on screen, #/ (home) or
// #/channels/<guild>[/<channel>]; route() loads what that needs over REST and
// opens it.

import { client, scheduleRender, state, ui } from './context.js';
import { toast, describe } from './views/feedback.js';
import { showEmptyGuild, showHome } from './views/home.js';
import { canSee } from './views/channeltree.js';
import { openForum } from './views/forum.js';
import { openChannel } from './views/messages.js';
import { routePrivate } from './views/dms.js';
import { ensureSelf } from './views/moderation.js';

/** route shows what location.hash names; it runs on every hashchange. */
export async function route() {
  if (routePrivate(location.hash)) return;
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
  ensureSelf(gid);
  const channels = state.textChannels(gid).filter(canSee);
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
  if (channel.type === 15) openForum(channel);
  else openChannel(channel);
}

// ensureChannels loads a guild's channel list once (READY's guilds may come
// without channels); concurrent callers share the request.
function ensureChannels(gid) {
  const g = state.guilds.get(gid);
  if (g && g.channelsComplete) return Promise.resolve();
  if (ui.loadingChannels.has(gid)) return ui.loadingChannels.get(gid);
  const p = client.api.channels(gid).then((list) => {
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

/**
 * ensureMembers shows the guild's member list. It is not loaded over REST:
 * the gateway's op 14 ranges bring the part on screen (views/members.js),
 * which also records those members for names elsewhere.
 */
export function ensureMembers(gid) {
  ui.loadedMembers.add(gid);
  scheduleRender('members');
}
