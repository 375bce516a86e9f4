// Client-side model of what the user can see: guilds, channels, members, the
// loaded part of each channel's history, who is typing and what has been read.
// It is fed by REST answers and gateway dispatches alike, and everything is
// keyed by snowflake so that the same object arriving twice (REST reply and
// MESSAGE_CREATE, or a RESUME replay) is merged, never duplicated.

import { compare, max } from './snowflake.js';

/** MessageLog is the loaded, contiguous newest part of one channel's history. */
export class MessageLog {
  constructor(channelId) {
    this.channelId = channelId;
    this.items = []; // confirmed messages, oldest first
    this.byId = new Map();
    this.pending = []; // messages being sent, by nonce, shown after the confirmed ones
    this.hasMoreBefore = true; // older history exists on the server
    this.loaded = false; // the newest page has been fetched
    this.loadingOlder = null; // in-flight promise of an older page
    this.rows = null; // cached items+pending for the list
  }

  /** view returns the rows to show: confirmed messages then pending ones. */
  view() {
    if (!this.rows) this.rows = this.pending.length ? this.items.concat(this.pending) : this.items;
    return this.rows;
  }

  changed() {
    this.rows = null;
  }

  /** upsert adds or updates one message; returns "insert", "update" or "" (ignored). */
  upsert(msg) {
    if (msg.nonce !== undefined && msg.nonce !== null) this.dropPending(String(msg.nonce));
    const old = this.byId.get(msg.id);
    if (old) {
      Object.assign(old, msg);
      this.changed();
      return 'update';
    }
    // Only messages newer than the oldest loaded one belong to the loaded
    // contiguous range; older ones will come with paging.
    if (this.items.length && this.hasMoreBefore && compare(msg.id, this.items[0].id) < 0) return '';
    const m = { ...msg };
    this.byId.set(m.id, m);
    // Usually the newest: append. Otherwise binary-insert in id order.
    const n = this.items.length;
    if (n === 0 || compare(this.items[n - 1].id, m.id) < 0) {
      this.items.push(m);
    } else {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(this.items[mid].id, m.id) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.items.splice(lo, 0, m);
    }
    this.changed();
    return 'insert';
  }

  /** update applies a partial MESSAGE_UPDATE to a loaded message. */
  update(partial) {
    const old = this.byId.get(partial.id);
    if (!old) return false;
    for (const [k, v] of Object.entries(partial)) if (v !== undefined) old[k] = v;
    this.changed();
    return true;
  }

  remove(id) {
    if (!this.byId.delete(id)) return false;
    const i = this.items.findIndex((m) => m.id === id);
    if (i >= 0) this.items.splice(i, 1);
    this.changed();
    return true;
  }

  /**
   * addOlder merges a page fetched with before=<oldest id> (newest first, as
   * the API returns it) at the top of the log.
   */
  addOlder(page, limit) {
    if (page.length < limit) this.hasMoreBefore = false;
    const older = [];
    for (let i = page.length - 1; i >= 0; i--) {
      const m = page[i];
      if (this.byId.has(m.id)) continue;
      this.byId.set(m.id, { ...m });
      older.push(this.byId.get(m.id));
    }
    if (older.length) {
      this.items = older.concat(this.items);
      this.changed();
    }
    return older.length;
  }

  /**
   * addLatest merges the newest page (fetched on open or after a re-identify).
   * If it does not overlap what is loaded, history in between is unknown: the
   * log restarts from this page.
   */
  addLatest(page, limit) {
    const newestLoaded = this.items.length ? this.items[this.items.length - 1].id : null;
    const oldestInPage = page.length ? page[page.length - 1].id : null;
    if (!this.loaded || (newestLoaded && oldestInPage && page.length >= limit && compare(oldestInPage, newestLoaded) > 0)) {
      this.items = [];
      this.byId.clear();
      this.hasMoreBefore = page.length >= limit;
    }
    for (let i = page.length - 1; i >= 0; i--) this.upsert(page[i]);
    if (!this.items.length) this.hasMoreBefore = false;
    this.loaded = true;
    this.changed();
  }

  addPending(p) {
    this.pending.push(p);
    this.changed();
  }

  dropPending(nonce) {
    const i = this.pending.findIndex((p) => p.nonce === nonce);
    if (i < 0) return null;
    const [p] = this.pending.splice(i, 1);
    this.changed();
    return p;
  }

  get newestId() {
    return this.items.length ? this.items[this.items.length - 1].id : null;
  }
}

/** State is everything the client knows; views read it, events change it. */
export class State {
  constructor() {
    this.reset();
  }

  reset() {
    this.me = null;
    this.guilds = new Map(); // id -> guild {id, name, owner_id, channelIds: Set}
    this.guildOrder = [];
    this.channels = new Map(); // id -> channel
    this.members = new Map(); // guild id -> Map(user id -> member)
    this.users = new Map(); // user id -> user
    this.logs = new Map(); // channel id -> MessageLog
    this.typing = new Map(); // channel id -> Map(user id -> expiry ms)
    this.reads = new Map(); // channel id -> last read message id
    this.mentions = new Map(); // channel id -> mentions not yet read (people.js)
    this.presences = new Map(); // user id -> status (people.js)
    this.relationships = new Map(); // user id -> {id, type, user} (people.js)
    this.emojis = new Map(); // guild id -> custom emoji list (GUILD_CREATE, GUILD_EMOJIS_UPDATE)
  }

  log(channelId) {
    let l = this.logs.get(channelId);
    if (!l) {
      l = new MessageLog(channelId);
      this.logs.set(channelId, l);
    }
    return l;
  }

  addGuild(g) {
    let cur = this.guilds.get(g.id);
    if (!cur) {
      cur = { id: g.id, channelIds: new Set() };
      this.guilds.set(g.id, cur);
      this.guildOrder.push(g.id);
    }
    for (const k of ['name', 'icon', 'owner_id', 'member_count', 'unavailable']) if (g[k] !== undefined) cur[k] = g[k];
    if (Array.isArray(g.channels)) {
      // GUILD_CREATE carries every channel the user can see.
      for (const c of g.channels) this.addChannel({ ...c, guild_id: g.id });
      cur.channelsComplete = true;
    }
    if (Array.isArray(g.members)) for (const m of g.members) this.addMember(g.id, m);
    return cur;
  }

  removeGuild(id) {
    const g = this.guilds.get(id);
    if (!g) return;
    for (const c of g.channelIds) this.channels.delete(c);
    this.guilds.delete(id);
    this.guildOrder = this.guildOrder.filter((x) => x !== id);
    this.members.delete(id);
    this.emojis.delete(id);
  }

  /** setEmojis replaces a guild's custom emoji (the whole list, as GUILD_EMOJIS_UPDATE sends it). */
  setEmojis(guildId, list) {
    if (Array.isArray(list)) this.emojis.set(guildId, list.filter((e) => e && e.id && e.name));
  }

  addChannel(c) {
    const cur = this.channels.get(c.id) || {};
    const merged = Object.assign(cur, c);
    this.channels.set(c.id, merged);
    if (c.guild_id) {
      const g = this.guilds.get(c.guild_id);
      if (g) g.channelIds.add(c.id);
    }
    return merged;
  }

  removeChannel(id) {
    const c = this.channels.get(id);
    if (!c) return;
    this.channels.delete(id);
    const g = c.guild_id && this.guilds.get(c.guild_id);
    if (g) g.channelIds.delete(id);
  }

  /** textChannels lists a guild's text channels in display order. */
  textChannels(guildId) {
    const g = this.guilds.get(guildId);
    if (!g) return [];
    const out = [];
    for (const id of g.channelIds) {
      const c = this.channels.get(id);
      if (c && (c.type === 0 || c.type === 5)) out.push(c);
    }
    out.sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || compare(a.id, b.id));
    return out;
  }

  addMember(guildId, m) {
    if (!m || !m.user) return;
    this.users.set(m.user.id, m.user);
    let ms = this.members.get(guildId);
    if (!ms) {
      ms = new Map();
      this.members.set(guildId, ms);
    }
    ms.set(m.user.id, { ...(ms.get(m.user.id) || {}), ...m });
  }

  member(guildId, userId) {
    const ms = this.members.get(guildId);
    return ms ? ms.get(userId) : undefined;
  }

  noteLastMessage(channelId, id) {
    const c = this.channels.get(channelId);
    if (c) c.last_message_id = max(c.last_message_id, id);
  }

  isUnread(channelId) {
    const c = this.channels.get(channelId);
    if (!c || !c.last_message_id) return false;
    const read = this.reads.get(channelId);
    return !read || compare(c.last_message_id, read) > 0;
  }

  markRead(channelId) {
    const c = this.channels.get(channelId);
    if (!c || !c.last_message_id) return false;
    if (this.reads.get(channelId) === c.last_message_id) return false;
    this.reads.set(channelId, c.last_message_id);
    return true;
  }

  /** typers returns the user ids typing in a channel now, pruning expired ones. */
  typers(channelId, now = Date.now()) {
    const t = this.typing.get(channelId);
    if (!t) return [];
    const out = [];
    for (const [u, exp] of t) {
      if (exp <= now) t.delete(u);
      else out.push(u);
    }
    return out;
  }
}
