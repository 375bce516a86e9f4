// The signed-in user's permissions in a channel, computed as Discord
// documents it (owner, @everyone and member roles, ADMINISTRATOR, then the
// channel's overwrites), from roles seen in GUILD_CREATE or read over REST.
// It decides only which actions the client offers; the server checks again.

import { client, state } from './context.js';

/** Perm names the permission bits the client looks at. */
export const Perm = Object.freeze({
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_AUDIT_LOG: 1n << 7n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_WEBHOOKS: 1n << 29n,
  MANAGE_GUILD_EXPRESSIONS: 1n << 30n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  CREATE_PRIVATE_THREADS: 1n << 36n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  MODERATE_MEMBERS: 1n << 40n,
  PIN_MESSAGES: 1n << 51n,
  BYPASS_SLOWMODE: 1n << 52n,
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

/** knowsRoles reports whether guildId's roles are known (else permissions() is 0n, not "none"). */
export function knowsRoles(guildId) {
  return roles.has(guildId);
}

/** guildRoles lists a guild's known roles, highest position first. */
export function guildRoles(guildId) {
  const rs = roles.get(guildId);
  if (!rs) return [];
  return [...rs.values()].sort((a, b) => (b.position ?? 0) - (a.position ?? 0) || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** guildPermissions returns the signed-in user's guild-level bits (roles only, no overwrites). */
export function guildPermissions(guildId) {
  const me = state.me;
  const g = state.guilds.get(guildId);
  if (!g || !me) return 0n;
  if (g.owner_id === me.id) return ALL;
  const rs = roles.get(guildId);
  if (!rs) return 0n;
  const member = state.member(guildId, me.id);
  let p = big(rs.get(guildId) && rs.get(guildId).permissions);
  for (const id of (member && member.roles) || []) p |= big(rs.get(id) && rs.get(id).permissions);
  return p & Perm.ADMINISTRATOR ? ALL : p;
}

/** has reports whether bits p include every bit of want. */
export function has(p, want) {
  return (p & want) === want;
}

/**
 * topPosition is the highest role position userId holds in guildId (0 for
 * @everyone only, Infinity for the owner): the hierarchy Discord checks for
 * editing roles, kicking, banning and timing out.
 */
export function topPosition(guildId, userId) {
  const g = state.guilds.get(guildId);
  if (g && g.owner_id === userId) return Infinity;
  const rs = roles.get(guildId);
  const member = state.member(guildId, userId);
  let top = 0;
  for (const id of (member && member.roles) || []) {
    const r = rs && rs.get(id);
    if (r && (r.position ?? 0) > top) top = r.position ?? 0;
  }
  return top;
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
