// REST v10 client. It speaks only the public API: the bare user token in the
// Authorization header, JSON bodies, and Discord's error shape
// {code, message, errors} turned into sentences a person can read.

/** APIError is a non-2xx answer from the server, carrying Discord's error body. */
export class APIError extends Error {
  constructor(status, body) {
    super(describeBody(status, body));
    this.name = 'APIError';
    this.status = status;
    this.code = body && typeof body.code === 'number' ? body.code : 0;
    this.body = body;
  }
}

/** NetworkError means the request never got an HTTP answer. */
export class NetworkError extends Error {
  constructor(cause) {
    super("Can't reach the server. Check your connection and try again.");
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

// fieldErrors flattens Discord's nested "errors" object
// ({content: {_errors: [{code, message}]}}) into [{path, message}].
export function fieldErrors(errors, path = '') {
  const out = [];
  if (!errors || typeof errors !== 'object') return out;
  for (const [key, value] of Object.entries(errors)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const e of value) out.push({ path, message: String(e.message) });
    } else {
      const p = /^\d+$/.test(key) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      out.push(...fieldErrors(value, p));
    }
  }
  return out;
}

// Plain-language sentences for JSON error codes whose Discord message is
// terse; Discord's own message follows in parentheses.
const EXPLAIN = {
  50001: "You don't have access to this",
  50013: "You don't have permission to do that",
  50006: "You can't send an empty message",
  40005: 'That is too large to send',
  10004: 'That server no longer exists, or you are not in it',
  10003: 'That channel no longer exists',
  10008: 'That message no longer exists',
};

function describeBody(status, body) {
  if (body && typeof body === 'object') {
    const fields = fieldErrors(body.errors);
    let msg = typeof body.message === 'string' && body.message ? body.message : `Request failed (HTTP ${status})`;
    if (EXPLAIN[body.code]) msg = `${EXPLAIN[body.code]} (${msg}).`;
    if (status === 429 && typeof body.retry_after === 'number') {
      msg = `You are being rate limited. Try again in ${Math.ceil(body.retry_after)} s.`;
    }
    if (fields.length) {
      // Field errors say more than "Invalid Form Body"; one distinct message
      // (e.g. "Login or password is invalid." on both fields) is shown once.
      const distinct = [...new Set(fields.map((f) => f.message))];
      msg = distinct.length === 1 ? distinct[0] : fields.map((f) => `${f.path}: ${f.message}`).join(' ');
    }
    return msg;
  }
  if (status === 401) return 'Your session has expired. Please log in again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again.`;
  return `Request failed (HTTP ${status}).`;
}

/** API is a small REST v10 client bound to one token. */
export class API {
  /**
   * @param {object} opts
   * @param {string} [opts.base] URL prefix of REST v10, default "/api/v10"
   * @param {string} [opts.token] the user token sent as Authorization
   * @param {() => void} [opts.onUnauthorized] called when a request with a token answers 401
   */
  constructor({ base = '/api/v10', token = '', onUnauthorized = null } = {}) {
    this.base = base;
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  /**
   * request sends one call and resolves to the parsed JSON (null for 204).
   * extra: more headers (X-Audit-Log-Reason, URL-encoded as Discord's libraries send it).
   */
  async request(method, path, body, query, extra) {
    let url = this.base + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
      const s = q.toString();
      if (s) url += '?' + s;
    }
    const headers = {};
    if (this.token) headers.Authorization = this.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, extra);
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (err) {
        throw new NetworkError(err);
      }
      let data = null;
      const text = await res.text();
      if (text) {
        try { data = JSON.parse(text); } catch { data = null; }
      }
      if (res.ok) return data;
      // A short rate limit is waited out once, as Discord's own client does.
      // Slowmode (20016) is not a rate limit to wait out: the composer shows its countdown.
      if (res.status === 429 && attempt === 0 && data && data.retry_after <= 5 && data.code !== 20016) {
        await new Promise((r) => setTimeout(r, data.retry_after * 1000 + 50));
        continue;
      }
      if (res.status === 401 && this.token && this.onUnauthorized) this.onUnauthorized();
      throw new APIError(res.status, data);
    }
  }

  get(path, query) { return this.request('GET', path, undefined, query); }
  post(path, body = {}) { return this.request('POST', path, body); }
  patch(path, body) { return this.request('PATCH', path, body); }
  delete(path) { return this.request('DELETE', path); }

  register(username, password) { return this.post('/auth/register', { username, password }); }
  login(login, password) { return this.post('/auth/login', { login, password }); }
  me() { return this.get('/users/@me'); }
  myGuilds() { return this.get('/users/@me/guilds'); }
  createGuild(name) { return this.post('/guilds', { name }); }
  guild(id) { return this.get(`/guilds/${id}`); }
  channels(guildId) { return this.get(`/guilds/${guildId}/channels`); }
  createChannel(guildId, name) { return this.post(`/guilds/${guildId}/channels`, { name, type: 0 }); }
  members(guildId) { return this.get(`/guilds/${guildId}/members`, { limit: 1000 }); }
  createInvite(channelId) { return this.post(`/channels/${channelId}/invites`, {}); }
  acceptInvite(code) { return this.post(`/invites/${encodeURIComponent(code)}`, {}); }
  messages(channelId, { before, limit = 50 } = {}) { return this.get(`/channels/${channelId}/messages`, { before, limit }); }
  sendMessage(channelId, content, nonce) {
    return this.post(`/channels/${channelId}/messages`, { content, nonce, enforce_nonce: true });
  }
  editMessage(channelId, id, content) { return this.patch(`/channels/${channelId}/messages/${id}`, { content }); }
  deleteMessage(channelId, id) { return this.delete(`/channels/${channelId}/messages/${id}`); }
  typing(channelId) { return this.post(`/channels/${channelId}/typing`); }
  gateway() { return this.get('/gateway'); }

  put(path) { return this.request('PUT', path); }
  /** messagesAround fetches up to limit messages centred on id (newest first). */
  messagesAround(channelId, id, limit = 50) { return this.get(`/channels/${channelId}/messages`, { around: id, limit }); }
  messagesAfter(channelId, id, limit = 100) { return this.get(`/channels/${channelId}/messages`, { after: id, limit }); }
  /** reply sends content as a reply to message replyTo. */
  sendReply(channelId, content, nonce, replyTo) {
    return this.post(`/channels/${channelId}/messages`, {
      content, nonce, enforce_nonce: true, message_reference: { message_id: replyTo, fail_if_not_exists: false },
    });
  }
  react(channelId, id, emoji) { return this.put(`/channels/${channelId}/messages/${id}/reactions/${encodeURIComponent(emoji)}/@me`); }
  unreact(channelId, id, emoji) { return this.delete(`/channels/${channelId}/messages/${id}/reactions/${encodeURIComponent(emoji)}/@me`); }
  pins(channelId) { return this.get(`/channels/${channelId}/messages/pins`, { limit: 50 }); }
  pin(channelId, id) { return this.put(`/channels/${channelId}/messages/pins/${id}`); }
  unpin(channelId, id) { return this.delete(`/channels/${channelId}/messages/pins/${id}`); }
  guildRoles(guildId) { return this.get(`/guilds/${guildId}/roles`); }

  /**
   * upload sends a message with files as multipart/form-data (payload_json
   * and files[n], as Discord's libraries do) through XMLHttpRequest, whose
   * upload events fetch() lacks: onProgress(sent, total) is called as the
   * body goes out. It resolves to the created message.
   */
  upload(channelId, payload, files, onProgress) {
    const form = new FormData();
    form.append('payload_json', JSON.stringify({
      ...payload,
      attachments: files.map((f, i) => ({ id: i, filename: f.name })),
    }));
    files.forEach((f, i) => form.append(`files[${i}]`, f.blob, f.name));
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${this.base}/channels/${channelId}/messages`);
      if (this.token) xhr.setRequestHeader('Authorization', this.token);
      xhr.responseType = 'text';
      if (onProgress) xhr.upload.addEventListener('progress', (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : 0));
      xhr.addEventListener('error', () => reject(new NetworkError(new Error('upload failed'))));
      xhr.addEventListener('abort', () => reject(new NetworkError(new Error('upload aborted'))));
      xhr.addEventListener('load', () => {
        let data = null;
        try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else {
          if (xhr.status === 401 && this.token && this.onUnauthorized) this.onUnauthorized();
          reject(new APIError(xhr.status, data));
        }
      });
      xhr.send(form);
    });
  }
}
