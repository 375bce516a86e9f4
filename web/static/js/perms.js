// The signed-in user's permissions in a channel, computed as Discord
// documents it (owner, @everyone and member roles, ADMINISTRATOR, then the
// channel's overwrites), from roles seen in GUILD_CREATE or read over REST.
// It decides only which actions the client offers; the server checks again.

import { client, state } from './context.js';

/** Perm names the permission bits the client looks at. */
export const Perm = Object.freeze({
  ADMINISTRATOR: 1n << 3n,
  MANAGE_MESSAGES: 1n << 13n,
  PIN_MESSAGES: 1n << 51n,
});

const ALL = (1n << 64n) - 1n;

// roles: guild id -> Map(role id -> role). Filled from GUILD_CREATE and the
// GUILD_ROLE_* events, or from GET /guilds/{id}/roles when a guild's roles
// were not in its GUILD_CREATE.
const roles = new Map();
const loading = new Map();

/** noteRoles records a guild's roles (GUILD_CREATE, GUILD_UPDATE). */
export function noteRoles(guildId, list) {
  if (!Array.isArray(list)) return;
  roles.set(guildId, new Map(list.map((r) => [r.id, r])));
}

/** noteRole adds or replaces one role (GUILD_ROLE_CREATE/UPDATE). */
export function noteRole(guildId, role) {
  if (!role) return;
  let rs = roles.get(guildId);
  if (!rs) roles.set(guildId, (rs = new Map()));
  rs.set(role.id, role);
}

/** dropRole forgets a deleted role (GUILD_ROLE_DELETE). */
export function dropRole(guildId, roleId) {
  const rs = roles.get(guildId);
  if (rs) rs.delete(roleId);
}

/** role returns a role of guildId by id, or undefined. */
export function role(guildId, roleId) {
  const rs = roles.get(guildId);
  return rs ? rs.get(roleId) : undefined;
}

/** ensureRoles reads a guild's roles over REST once if none are known; resolves true if new ones arrived. */
export function ensureRoles(guildId) {
  if (roles.has(guildId)) return Promise.resolve(false);
  if (!loading.has(guildId)) {
    loading.set(guildId, client.api.guildRoles(guildId).then((list) => {
      noteRoles(guildId, list);
      return true;
    }).catch(() => false).finally(() => loading.delete(guildId)));
  }
  return loading.get(guildId);
}

function big(v) {
  try {
    return BigInt(v || 0);
  } catch {
    return 0n;
  }
}

/** permissions returns the signed-in user's permission bits in channelId (0n if unknown). */
export function permissions(channelId) {
  const c = state.channels.get(channelId);
  const me = state.me;
  if (!c || !me || !c.guild_id) return 0n;
  const g = state.guilds.get(c.guild_id);
  if (g && g.owner_id === me.id) return ALL;
  const rs = roles.get(c.guild_id);
  if (!rs) return 0n;
  const member = state.member(c.guild_id, me.id);
  const mine = member && Array.isArray(member.roles) ? member.roles : [];
  let p = big(rs.get(c.guild_id) && rs.get(c.guild_id).permissions);
  for (const id of mine) p |= big(rs.get(id) && rs.get(id).permissions);
  if (p & Perm.ADMINISTRATOR) return ALL;
  const ows = Array.isArray(c.permission_overwrites) ? c.permission_overwrites : [];
  const apply = (o) => { if (o) p = (p & ~big(o.deny)) | big(o.allow); };
  apply(ows.find((o) => o.id === c.guild_id));
  let allow = 0n;
  let deny = 0n;
  for (const o of ows) {
    if (o.type === 0 && o.id !== c.guild_id && mine.includes(o.id)) {
      allow |= big(o.allow);
      deny |= big(o.deny);
    }
  }
  p = (p & ~deny) | allow;
  apply(ows.find((o) => o.type === 1 && o.id === me.id));
  return p;
}
