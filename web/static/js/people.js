// People: direct messages and group DMs, relationships (friends, requests,
// blocks), presence and read states, as the gateway and REST deliver them in
// Discord's shapes. This module keeps them in State (state.presences,
// state.relationships, state.mentions, private channels in state.channels)
// and handles their dispatches; the views that show them are views/dms.js,
// views/friends.js and views/status.js.

import { client, scheduleRender, state, ui } from './context.js';
import { compare } from './snowflake.js';

/** Relationship types (Discord "Relationship Type"). */
export const Rel = Object.freeze({ FRIEND: 1, BLOCKED: 2, INCOMING: 3, OUTGOING: 4 });

/** Channel types of private channels. */
export const DM = 1;
export const GROUP_DM = 3;

/** isPrivate says whether c is a DM or a group DM. */
export function isPrivate(c) {
  return !!c && (c.type === DM || c.type === GROUP_DM);
}

/** privateChannels lists the DMs and group DMs, most recent activity first. */
export function privateChannels() {
  const out = [];
  for (const c of state.channels.values()) if (isPrivate(c)) out.push(c);
  out.sort((a, b) => compare(b.last_message_id || b.id, a.last_message_id || a.id));
  return out;
}

/** recipientsOf returns a private channel's other people (users). */
export function recipientsOf(c) {
  return (c.recipients || []).map((r) => state.users.get(r.id) || r);
}

/** privateName is what a DM (the other person) or a group DM is called. */
export function privateName(c) {
  if (c.name) return c.name;
  const rs = recipientsOf(c);
  if (!rs.length) return c.type === GROUP_DM ? 'Empty group' : 'Unknown user';
  return rs.map((u) => u.global_name || u.username).join(', ');
}

/** channelLabel names a channel for titles and labels: #general, @alice, or a group's name. */
export function channelLabel(c) {
  if (!c) return '';
  if (!isPrivate(c)) return `#${c.name}`;
  return c.type === DM ? `@${privateName(c)}` : privateName(c);
}

/** dmWith returns the open DM channel with userId, if one is known. */
export function dmWith(userId) {
  for (const c of state.channels.values()) {
    if (c.type === DM && (c.recipients || []).some((r) => r.id === userId)) return c;
  }
  return null;
}

/** statusOf is a user's presence status as last heard: online, idle, dnd or offline. */
export function statusOf(userId) {
  if (state.me && userId === state.me.id && ui.myStatus) return ui.myStatus === 'invisible' ? 'offline' : ui.myStatus;
  return state.presences.get(userId) || 'offline';
}

/** relationship returns the relationship with userId ({type, user}) or undefined. */
export function relationship(userId) {
  return state.relationships.get(userId);
}

/** isBlocked says whether the signed-in user blocked userId. */
export function isBlocked(userId) {
  const r = state.relationships.get(userId);
  return !!r && r.type === Rel.BLOCKED;
}

function noteUser(u) {
  if (u && u.id) state.users.set(u.id, { ...(state.users.get(u.id) || {}), ...u });
}

function addPrivate(c) {
  for (const r of c.recipients || []) noteUser(r);
  state.addChannel(c);
}

function addRelationship(r) {
  const id = r.id || r.user_id || (r.user && r.user.id);
  if (!id) return;
  if (r.user) noteUser(r.user);
  state.relationships.set(id, { id, type: r.type, nickname: r.nickname || null, user: r.user || state.users.get(id) || { id } });
}

function notePresence(p) {
  const id = p.user && p.user.id;
  if (!id) return;
  if (p.user.username) noteUser(p.user);
  state.presences.set(id, p.status || 'offline');
}

// readState entries come as a list or, as Discord's READY sends them to user
// accounts, as {entries: [...], partial, version}.
function readEntries(rs) {
  if (Array.isArray(rs)) return rs;
  if (rs && Array.isArray(rs.entries)) return rs.entries;
  return [];
}

/** applyReadState sets what the server says has been read and the mention counts. */
function applyReadState(rs) {
  for (const e of readEntries(rs)) {
    if (!e || !e.id) continue;
    if (e.last_message_id) state.reads.set(e.id, e.last_message_id);
    state.mentions.set(e.id, e.mention_count || 0);
  }
}

/**
 * onPeopleDispatch updates the people model for one dispatch; dispatch.js
 * calls it for every event before its own handling.
 */
export function onPeopleDispatch(name, d) {
  switch (name) {
    case 'READY':
      if (d.user) state.presences.delete(d.user.id);
      for (const u of d.users || []) noteUser(u);
      if (Array.isArray(d.private_channels)) {
        for (const c of [...state.channels.values()]) if (isPrivate(c)) state.removeChannel(c.id);
        for (const c of d.private_channels) addPrivate(c);
      }
      if (Array.isArray(d.relationships)) {
        state.relationships.clear();
        for (const r of d.relationships) addRelationship(r);
      }
      if (d.read_state) {
        state.reads.clear();
        state.mentions.clear();
        applyReadState(d.read_state);
      }
      for (const p of d.presences || []) notePresence(p);
      scheduleRender('sidebar', 'rail', 'people');
      break;
    case 'GUILD_CREATE':
      for (const p of d.presences || []) notePresence(p);
      scheduleRender('people');
      break;
    case 'PRESENCE_UPDATE':
      notePresence(d);
      scheduleRender('sidebar', 'members', 'people');
      break;
    case 'RELATIONSHIP_ADD':
    case 'RELATIONSHIP_UPDATE':
      addRelationship({ ...(state.relationships.get(d.id) || {}), ...d });
      if (d.presence) notePresence({ ...d.presence, user: d.user });
      scheduleRender('people', 'sidebar');
      break;
    case 'RELATIONSHIP_REMOVE':
      state.relationships.delete(d.id);
      scheduleRender('people', 'sidebar');
      break;
    case 'CHANNEL_CREATE':
    case 'CHANNEL_UPDATE':
      if (isPrivate(d)) {
        addPrivate(d);
        scheduleRender('sidebar', 'header', 'rail');
      }
      break;
    case 'CHANNEL_DELETE':
      if (isPrivate(d)) scheduleRender('sidebar', 'rail');
      break;
    case 'CHANNEL_RECIPIENT_ADD':
    case 'CHANNEL_RECIPIENT_REMOVE': {
      const c = state.channels.get(d.channel_id);
      if (!c || !d.user) break;
      noteUser(d.user);
      const others = (c.recipients || []).filter((r) => r.id !== d.user.id);
      c.recipients = name === 'CHANNEL_RECIPIENT_ADD' ? others.concat(d.user) : others;
      scheduleRender('sidebar', 'header');
      break;
    }
    case 'MESSAGE_ACK':
      if (d.channel_id && d.message_id) {
        const cur = state.reads.get(d.channel_id);
        if (!cur || compare(d.message_id, cur) >= 0) {
          state.reads.set(d.channel_id, d.message_id);
          state.mentions.set(d.channel_id, d.mention_count || 0);
        }
        scheduleRender('sidebar', 'rail');
      }
      break;
    case 'MESSAGE_CREATE':
      noteIncoming(d);
      break;
    default:
      break;
  }
}

/** mentionsMe says whether message m pings the signed-in user. */
export function mentionsMe(m) {
  const me = state.me && state.me.id;
  if (!me || !m.author || m.author.id === me) return false;
  if (m.mention_everyone) return true;
  if ((m.mentions || []).some((u) => u.id === me)) return true;
  const mine = m.guild_id && state.member(m.guild_id, me);
  return !!mine && (m.mention_roles || []).some((r) => (mine.roles || []).includes(r));
}

// noteIncoming counts a new message towards its channel's mentions (every
// DM message counts, as Discord counts them) before the message pane marks
// it read if it is on screen. One's own message is read by definition.
function noteIncoming(m) {
  const me = state.me && state.me.id;
  if (!m.author) return;
  if (m.author.id === me) {
    state.reads.set(m.channel_id, m.id);
    state.mentions.set(m.channel_id, 0);
    return;
  }
  if (!m.guild_id && !state.channels.has(m.channel_id)) loadPrivate(m.channel_id);
  const c = state.channels.get(m.channel_id);
  if (isBlocked(m.author.id)) return;
  if ((c && isPrivate(c)) || (!m.guild_id && !c) || mentionsMe(m)) {
    state.mentions.set(m.channel_id, (state.mentions.get(m.channel_id) || 0) + 1);
  }
}

// loadPrivate fetches a DM the client has not heard of (its first message
// may arrive before or without its CHANNEL_CREATE).
const loadingPrivate = new Set();
function loadPrivate(id) {
  if (loadingPrivate.has(id)) return;
  loadingPrivate.add(id);
  client.api.get(`/channels/${id}`).then((c) => {
    if (isPrivate(c)) addPrivate({ last_message_id: c.last_message_id, ...c });
    scheduleRender('sidebar', 'rail');
  }).catch(() => {}).finally(() => loadingPrivate.delete(id));
}

/** mentionCount is the badge number of a channel (0 once read). */
export function mentionCount(channelId) {
  return state.isUnread(channelId) ? state.mentions.get(channelId) || 0 : 0;
}

/** privateBadge sums the mention counts of the unread DMs (the Home icon's badge). */
export function privateBadge() {
  let n = 0;
  for (const c of privateChannels()) n += mentionCount(c.id);
  return n;
}

/** openDM opens (or creates) the DM with userId and shows it. */
export async function openDM(userId) {
  let c = dmWith(userId);
  if (!c) {
    c = await client.api.post('/users/@me/channels', { recipient_id: userId });
    addPrivate(c);
  }
  location.hash = `#/channels/@me/${c.id}`;
  return c;
}
