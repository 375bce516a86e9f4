// Gateway v10 client: HELLO/IDENTIFY/heartbeat/RESUME over a zlib-stream
// compressed WebSocket, as documented for Discord's gateway.
//
// Transport compression: with compress=zlib-stream the whole connection is one
// zlib stream and every message ends with a sync flush (00 00 ff ff). The
// browser's DecompressionStream cannot say where one message's output ends, so
// we use the vendored fflate streaming inflater, which emits everything it can
// decode for each push.

import { Unzlib } from '../vendor/fflate.js';

/** Opcodes from Discord's gateway documentation. */
export const Op = Object.freeze({
  DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, PRESENCE_UPDATE: 3, RESUME: 6, RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8, INVALID_SESSION: 9, HELLO: 10, HEARTBEAT_ACK: 11,
  GUILD_SUBSCRIPTIONS: 14,
});

/** Intents bits (Discord "Gateway Intents"). */
export const Intents = Object.freeze({
  GUILDS: 1 << 0, GUILD_MEMBERS: 1 << 1, GUILD_MESSAGES: 1 << 9, GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12, DIRECT_MESSAGE_TYPING: 1 << 14, MESSAGE_CONTENT: 1 << 15,
  GUILD_EXPRESSIONS: 1 << 3, GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_PRESENCES: 1 << 8, DIRECT_MESSAGE_REACTIONS: 1 << 13,
});

const PRIVILEGED = Intents.GUILD_MEMBERS | Intents.MESSAGE_CONTENT | Intents.GUILD_PRESENCES;

// Close codes after which reconnecting with the same credentials cannot help.
const FATAL = new Set([4004, 4010, 4011, 4012, 4013]);
// Close codes after which the session may not be resumed: identify again.
const NO_RESUME = new Set([4007, 4009]);

const SYNC_FLUSH = [0x00, 0x00, 0xff, 0xff];

/**
 * Gateway keeps one session alive across dropped connections.
 *
 * Status values passed to onStatus: "connecting", "connected" (READY or RESUMED
 * seen), "reconnecting" (the socket dropped and a new one is on its way),
 * "failed" (authentication failed or a fatal close code).
 */
export class Gateway {
  /**
   * @param {object} opts
   * @param {() => Promise<string>} opts.url resolves to the gateway URL (GET /gateway)
   * @param {string} opts.token
   * @param {number} opts.intents
   * @param {(name: string, data: any, resumed: boolean) => void} opts.onDispatch
   * @param {(status: string, detail?: any) => void} opts.onStatus
   * @param {boolean} [opts.compress] use zlib-stream (default true)
   */
  constructor({ url, token, intents, onDispatch, onStatus, compress = true }) {
    this.urlFn = url;
    this.token = token;
    this.intents = intents;
    this.onDispatch = onDispatch;
    this.onStatus = onStatus;
    this.compress = compress;
    this.ws = null;
    this.sessionId = null;
    this.resumeURL = null;
    this.seq = null;
    this.heartbeatTimer = null;
    this.acked = true;
    this.attempts = 0;
    this.stopped = false;
    this.status = 'idle';
    this.resuming = false;
    this.identifies = 0; // counted for tests and diagnostics
    this.resumes = 0;
  }

  setStatus(s, detail) {
    this.status = s;
    this.onStatus(s, detail);
  }

  /** start opens the first connection. */
  start() {
    this.stopped = false;
    this.connect();
  }

  /** stop closes the session for good (log out). */
  stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    if (this.ws) this.ws.close(1000, 'logout');
    this.ws = null;
  }

  /**
   * subscribe tells the server which guild and channel the user is looking
   * at (op 14, as Discord's own client does), so that in large guilds the
   * session leaves passive mode (PASSIVE_UPDATE_V1 only) for that guild and
   * gets its full event stream. It is re-sent after every READY/RESUMED.
   */
  subscribe(guildId, channelId) {
    this.subscription = guildId ? { guildId, channelId, ranges: null } : null;
    if (this.status === 'connected') this.sendSubscription();
  }

  /**
   * setMemberRanges changes the member-list ranges watched in the open
   * channel (op 14 channels; views/members.js asks for what is on screen).
   */
  setMemberRanges(channelId, ranges) {
    const sub = this.subscription;
    if (!sub || sub.channelId !== channelId) return;
    sub.ranges = ranges;
    if (this.status === 'connected') this.sendSubscription();
  }

  sendSubscription() {
    const sub = this.subscription;
    if (!sub) return;
    const d = { guild_id: sub.guildId, typing: true, activities: true, threads: true };
    if (sub.channelId) d.channels = { [sub.channelId]: sub.ranges || [[0, 99]] };
    this.send(Op.GUILD_SUBSCRIPTIONS, d);
  }

  /**
   * drop closes the socket as a network failure would (non-1000 code keeps the
   * session resumable); used by the "reconnect" debugging hook.
   */
  drop() {
    if (this.ws) this.ws.close(4000, 'client drop');
  }

  async connect() {
    if (this.stopped) return;
    this.setStatus(this.sessionId ? 'reconnecting' : 'connecting');
    let base;
    try {
      base = this.sessionId && this.resumeURL ? this.resumeURL : await this.urlFn();
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const u = new URL(base, location.href);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    u.searchParams.set('v', '10');
    u.searchParams.set('encoding', 'json');
    if (this.compress) u.searchParams.set('compress', 'zlib-stream');
    let ws;
    try {
      ws = new WebSocket(u.toString());
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    const decoder = new ZlibStreamDecoder();
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      if (typeof ev.data === 'string') {
        this.handle(JSON.parse(ev.data));
        return;
      }
      let text;
      try {
        text = decoder.push(new Uint8Array(ev.data));
      } catch (err) {
        ws.close(4002, 'inflate failed');
        return;
      }
      if (text) this.handle(JSON.parse(text));
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.stopHeartbeat();
      this.onClose(ev.code, ev.reason);
    };
    ws.onerror = () => {}; // onclose follows and decides
  }

  onClose(code, reason) {
    if (this.stopped) return;
    if (code === 4004) {
      this.setStatus('failed', { code, reason: 'Authentication failed' });
      return;
    }
    if (code === 4014 && this.intents & PRIVILEGED) {
      // Not allowed the privileged intents: carry on without them (the member
      // list then comes from REST).
      this.intents &= ~PRIVILEGED;
      this.sessionId = null;
      this.seq = null;
      this.connect();
      return;
    }
    if (FATAL.has(code) || code === 4014) {
      this.setStatus('failed', { code, reason });
      return;
    }
    if (NO_RESUME.has(code)) {
      this.sessionId = null;
      this.seq = null;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.setStatus(this.sessionId ? 'reconnecting' : 'connecting');
    // The first retry is immediate-ish; later ones back off up to 10 s.
    const delay = Math.min(10000, this.attempts === 0 ? 250 : 500 * 2 ** Math.min(this.attempts, 5)) * (0.8 + Math.random() * 0.4);
    this.attempts++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  send(op, d) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op, d }));
  }

  handle(p) {
    if (typeof p.s === 'number' && p.s !== null) this.seq = p.s;
    switch (p.op) {
      case Op.HELLO:
        this.startHeartbeat(p.d.heartbeat_interval);
        if (this.sessionId && this.seq !== null) {
          this.resuming = true;
          this.resumes++;
          this.send(Op.RESUME, { token: this.token, session_id: this.sessionId, seq: this.seq });
        } else {
          this.identify();
        }
        break;
      case Op.HEARTBEAT:
        this.heartbeat();
        break;
      case Op.HEARTBEAT_ACK:
        this.acked = true;
        break;
      case Op.RECONNECT:
        if (this.ws) this.ws.close(4000, 'reconnect requested');
        break;
      case Op.INVALID_SESSION:
        this.resuming = false;
        if (!p.d) {
          this.sessionId = null;
          this.seq = null;
          this.resumeURL = null;
        }
        // Discord asks clients to wait 1-5 s before identifying again.
        clearTimeout(this.reidentifyTimer);
        this.reidentifyTimer = setTimeout(() => {
          if (this.sessionId && this.seq !== null) {
            this.resumes++;
            this.send(Op.RESUME, { token: this.token, session_id: this.sessionId, seq: this.seq });
          } else {
            this.identify();
          }
        }, 1000 + Math.random() * 1500);
        break;
      case Op.DISPATCH:
        if (p.t === 'READY') {
          this.sessionId = p.d.session_id;
          this.resumeURL = p.d.resume_gateway_url || null;
          this.attempts = 0;
          this.resuming = false;
          this.onDispatch('READY', p.d, false);
          this.setStatus('connected');
          this.sendSubscription();
          return;
        }
        if (p.t === 'RESUMED') {
          this.attempts = 0;
          this.resuming = false;
          this.onDispatch('RESUMED', p.d, true);
          this.setStatus('connected');
          this.sendSubscription();
          return;
        }
        this.onDispatch(p.t, p.d, this.resuming);
        break;
      default:
        break;
    }
  }

  identify() {
    this.identifies++;
    this.send(Op.IDENTIFY, {
      token: this.token,
      intents: this.intents,
      properties: { os: navigator.platform || 'web', browser: 'Accord Web', device: 'Accord Web' },
      large_threshold: 250,
      // The status chosen in the client (views/status.js), so a new session
      // does not start online when the user picked another.
      ...(this.presence ? { presence: this.presence } : {}),
    });
  }

  startHeartbeat(interval) {
    this.stopHeartbeat();
    this.acked = true;
    // Discord: wait interval * jitter before the first heartbeat.
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), interval);
    }, interval * Math.random());
  }

  stopHeartbeat() {
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  heartbeat() {
    if (!this.acked && this.ws) {
      // No ACK since the last heartbeat: the connection is a zombie.
      this.ws.close(4000, 'heartbeat not acknowledged');
      return;
    }
    this.acked = false;
    this.send(Op.HEARTBEAT, this.seq);
  }
}

/**
 * ZlibStreamDecoder inflates one connection's zlib-stream: push each binary
 * frame; it returns the decoded text once a frame ends with the sync-flush
 * marker (a payload may span several frames), else null. One decoder per
 * connection: the zlib context carries over from message to message.
 */
export class ZlibStreamDecoder {
  constructor() {
    this.pending = [];
    this.out = [];
    this.inflater = new Unzlib();
    this.inflater.ondata = (chunk) => { if (chunk.length) this.out.push(chunk); };
    this.text = new TextDecoder();
  }

  push(frame) {
    this.pending.push(frame);
    if (!endsWithFlush(frame)) return null;
    const input = concat(this.pending);
    this.pending = [];
    this.out = [];
    this.inflater.push(input, false);
    const text = this.text.decode(concat(this.out));
    this.out = [];
    return text;
  }
}

function endsWithFlush(b) {
  const n = b.length;
  return n >= 4 && b[n - 4] === SYNC_FLUSH[0] && b[n - 3] === SYNC_FLUSH[1] && b[n - 2] === SYNC_FLUSH[2] && b[n - 1] === SYNC_FLUSH[3];
}

function concat(parts) {
  if (parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
