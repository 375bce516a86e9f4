// mentionContext resolves the ids in a message's markdown (<@user>, <@&role>,
// <#channel>) to the names the reader knows, for markdown.render.

import { state, ui } from '../context.js';
import { displayName } from '../dom.js';
import { role } from '../perms.js';

/** mentionContext returns the resolvers for message m (its mentions array names users the reader may not have loaded). */
export function mentionContext(m) {
  const guildId = (m && m.guild_id) || ui.guildId;
  return {
    user(id) {
      const u = ((m && m.mentions) || []).find((x) => x.id === id) || state.users.get(id);
      return u ? displayName(u, state.member(guildId, id)) : 'unknown-user';
    },
    role(id) {
      const r = role(guildId, id);
      return r ? { name: r.name, color: r.color || 0 } : null;
    },
    channel(id) {
      const c = state.channels.get(id);
      return c ? { name: c.name, href: `#/channels/${c.guild_id}/${c.id}` } : null;
    },
  };
}
