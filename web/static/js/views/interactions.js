// Interactions as Discord's own client makes them: `POST /interactions` for a
// slash command (type 2), a component click (3), autocomplete (4) and a modal
// submit (5), each carrying the gateway session's id and a nonce; the server
// answers on the user's gateway with INTERACTION_CREATE (accepted),
// INTERACTION_SUCCESS (the application answered) or INTERACTION_FAILURE (it
// did not, or was not allowed), INTERACTION_MODAL_CREATE (a modal to show)
// and APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE. The reply itself arrives as
// a message carrying `interaction_metadata`.
//
// A slash command shows at once as a pending row ("X used /cmd", "Sending
// command…") keyed by its nonce; once the application acknowledges it, "…
// is thinking" until its message (or modal) arrives and replaces the row;
// on failure it says "The application did not respond" with a dismiss.

import { client, state, ui } from '../context.js';
import { h, avatar as avatarInitial } from '../dom.js';
import { nonce as newNonce } from '../snowflake.js';
import { describe } from './feedback.js';
import { rerenderRows } from './messages.js';
import { openModal } from './modal.js';

// Message flags this module reads.
export const Flags = Object.freeze({ EPHEMERAL: 64, LOADING: 128 });

// Interaction types sent to POST /interactions.
export const InteractionType = Object.freeze({ COMMAND: 2, COMPONENT: 3, AUTOCOMPLETE: 4, MODAL_SUBMIT: 5 });

// How long a sent interaction waits for INTERACTION_SUCCESS/FAILURE before the
// client gives up on its own: the server fails it after 3 s without an
// answer; this only covers a lost gateway event.
const GIVE_UP_MS = 15000;

// pending: nonce -> {interactionId, onSuccess, onFailure, timer}, until the verdict.
const pending = new Map();
// byInteraction: interaction id -> nonce, learned from INTERACTION_CREATE.
const byInteraction = new Map();
// autocompletes: nonce -> resolve(choices)
const autocompletes = new Map();
// thinking: the pending rows of commands the application has acknowledged,
// oldest first, waiting for their answer.
let thinking = [];

// THINK_MS is how long an acknowledged command may take to answer: its
// token's lifetime.
const THINK_MS = 15 * 60 * 1000;

function sessionId() {
  return client.gateway ? client.gateway.sessionId : null;
}

/**
 * send posts one interaction. body lacks nonce and session_id, added here;
 * onNonce(nonce) runs before the POST goes out (the gateway's events may
 * arrive before its answer); onSuccess/onFailure(reason) follow the
 * gateway's verdict. It resolves to the nonce, or rejects with the REST
 * error (then neither callback runs).
 */
export async function send(body, { onNonce = null, onSuccess = null, onFailure = null } = {}) {
  const nonce = newNonce();
  const entry = { interactionId: null, onSuccess, onFailure, timer: 0 };
  pending.set(nonce, entry);
  if (onNonce) onNonce(nonce);
  entry.timer = setTimeout(() => settle(nonce, false, 'The application did not respond'), GIVE_UP_MS);
  try {
    await client.api.post('/interactions', { ...body, nonce, session_id: sessionId() });
  } catch (err) {
    clearTimeout(entry.timer);
    pending.delete(nonce);
    throw err;
  }
  return nonce;
}

function settle(nonce, ok, reason) {
  const entry = pending.get(nonce);
  if (!entry) return;
  clearTimeout(entry.timer);
  pending.delete(nonce);
  // The interaction id stays known while its token lives: a deferred
  // answer's MESSAGE_CREATE comes long after INTERACTION_SUCCESS.
  if (entry.interactionId) setTimeout(() => byInteraction.delete(entry.interactionId), THINK_MS);
  if (ok && entry.onSuccess) entry.onSuccess();
  if (!ok && entry.onFailure) entry.onFailure(reason);
}

/** appOf is the application whose components a message carries. */
export function appOf(m) {
  if (m.application_id) return m.application_id;
  return m.author ? m.author.id : null;
}

/**
 * invokeCommand runs a chat-input command in channelId: data is
 * {id, name, type, options} as Discord's client sends it; label is what the
 * user typed ("/cmd sub"), shown in the pending row until the answer comes.
 */
export async function invokeCommand(cmd, data, label, app = null, channelId = ui.channelId) {
  const channel = state.channels.get(channelId);
  const log = state.log(channelId);
  const row = {
    nonce: null, pending: true, content: '', channel_id: channelId, author: state.me, timestamp: new Date().toISOString(),
    _command: { label, status: 'sending', appName: app && app.name ? String(app.name) : '', botId: app ? app.bot_id || (app.bot && app.bot.id) || null : null },
  };
  const show = () => {
    row._rev = (row._rev || 0) + 1;
    log.changed();
    if (ui.channelId === channelId) rerenderRows();
  };
  const fail = (reason) => { thinking = thinking.filter((r) => r !== row); row._command.status = 'failed'; row._command.reason = reason; show(); };
  try {
    return await send({
      type: InteractionType.COMMAND, application_id: cmd.application_id, guild_id: channel ? channel.guild_id : undefined,
      channel_id: channelId, data,
    }, {
      onNonce: (nonce) => { row.nonce = nonce; log.addPending(row); show(); },
      // Acknowledged: the answer comes as a message (at once, or after a
      // deferral) or as a modal; until then the application "is thinking".
      onSuccess: () => {
        if (row._answered) return;
        row._command.status = 'thinking';
        thinking.push(row);
        show();
        setTimeout(() => dropRow(row), THINK_MS);
      },
      onFailure: (reason) => { if (!row._answered) fail(reason); },
    });
  } catch (err) {
    fail(describe(err));
    throw err;
  }
}

/**
 * autocomplete asks the application for choices for the focused option and
 * resolves to them (the APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE), or to []
 * when none come.
 */
export async function autocomplete(cmd, data, channelId = ui.channelId) {
  const channel = state.channels.get(channelId);
  const nonce = newNonce();
  const got = new Promise((resolve) => {
    autocompletes.set(nonce, resolve);
    setTimeout(() => { if (autocompletes.delete(nonce)) resolve([]); }, 5000);
  });
  try {
    await client.api.post('/interactions', {
      type: InteractionType.AUTOCOMPLETE, application_id: cmd.application_id, guild_id: channel ? channel.guild_id : undefined,
      channel_id: channelId, data, nonce, session_id: sessionId(),
    });
  } catch {
    autocompletes.delete(nonce);
    return [];
  }
  return got;
}

/** dismiss hides an ephemeral message: it exists only in this client. */
export function dismiss(m) {
  const log = state.logs.get(m.channel_id || ui.channelId);
  if (!log) return;
  log.remove(m.id);
  if ((m.channel_id || ui.channelId) === ui.channelId) rerenderRows();
}

/**
 * onMessage runs before a MESSAGE_CREATE is applied: the application's
 * answer replaces the pending row of the command it answers.
 */
export function onMessage(m) {
  const meta = m.interaction_metadata || m.interaction;
  let row = null;
  if (meta && meta.id) {
    const nonce = byInteraction.get(meta.id);
    if (!nonce) return;
    const log = state.logs.get(m.channel_id);
    row = log && log.dropPending(nonce);
  } else if (m.author && m.author.bot && !m.webhook_id) {
    // An answer without interaction_metadata (a server that does not send
    // it): the application's bot's first message in the channel after it
    // acknowledged is the oldest waiting command's answer, and is shown
    // under "you used /cmd" here, where that is known. Only with the bot's
    // ID from the command index, so no other bot's message is taken.
    row = thinking.find((r) => r.channel_id === m.channel_id && r._command.botId === m.author.id);
    if (!row) return;
    const log = state.logs.get(m.channel_id);
    if (log) log.dropPending(row.nonce);
    m._answerTo = row._command.label;
  }
  if (!row) return;
  row._answered = true;
  thinking = thinking.filter((r) => r !== row);
}

/** onDispatch handles the interaction events of the user's own gateway. */
export function onInteractionDispatch(name, d) {
  switch (name) {
    case 'INTERACTION_CREATE': {
      // Bots get the interaction itself under this name; the invoking user's
      // session gets {id, nonce}.
      if (!d || !d.nonce || !pending.has(d.nonce)) return;
      pending.get(d.nonce).interactionId = d.id;
      byInteraction.set(d.id, d.nonce);
      return;
    }
    case 'INTERACTION_SUCCESS':
      settle(d.nonce, true);
      return;
    case 'INTERACTION_FAILURE':
      settle(d.nonce, false, failureText(d));
      return;
    case 'INTERACTION_MODAL_CREATE':
      if (d && d.nonce) {
        settle(d.nonce, true);
        // A modal, not a message, answers the command: its row is done.
        const row = thinking.find((r) => r.nonce === d.nonce);
        if (row) dropRow(row);
      }
      openModal(d, submitModal);
      return;
    case 'APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE': {
      const resolve = autocompletes.get(d.nonce);
      if (!resolve) return;
      autocompletes.delete(d.nonce);
      resolve(Array.isArray(d.choices) ? d.choices : []);
      return;
    }
    default:
  }
}

function failureText(d) {
  if (d && typeof d.reason === 'string' && d.reason) return d.reason;
  return 'The application did not respond';
}

/**
 * submitModal sends a modal's values (type 5): data.id is the interaction
 * that opened the modal, components its rows of {custom_id, value}.
 */
function submitModal(modal, values) {
  const channelId = modal.channel_id || ui.channelId;
  const channel = state.channels.get(channelId);
  const appId = modal.application ? modal.application.id : modal.application_id;
  return new Promise((resolve, reject) => {
    send({
      type: InteractionType.MODAL_SUBMIT, application_id: appId, channel_id: channelId, guild_id: channel ? channel.guild_id : undefined,
      data: {
        id: modal.id, custom_id: modal.custom_id,
        components: values.map(([customId, value]) => ({ type: 1, components: [{ type: 4, custom_id: customId, value }] })),
      },
    }, { onSuccess: () => resolve(), onFailure: (reason) => reject(new Error(reason)) }).catch(reject);
  });
}

/**
 * commandHeader is the line above an interaction's answer: "X used /cmd"
 * (or, on the pending row, the user's own), or null for other messages.
 */
export function commandHeader(m) {
  const mine = m._command ? m._command.label : m._answerTo;
  if (mine && !(m.interaction_metadata || m.interaction)) return h('div', { class: 'cmd-used' }, h('span', { class: 'cmd-user' }, displayUser(state.me)), ' used ', h('span', { class: 'cmd-name' }, mine));
  // interaction_metadata is today's field; `interaction` the older one.
  const meta = m.interaction_metadata || m.interaction;
  if (!meta || (meta.type !== undefined && meta.type !== InteractionType.COMMAND)) return null;
  const name = meta.name || (m.interaction && m.interaction.name);
  if (!name) return null;
  const user = meta.user || (m.interaction && m.interaction.user);
  // A user or message command (command_type 2, 3) is named without the
  // slash, as Discord's client shows it.
  const label = meta.command_type === 2 || meta.command_type === 3 ? name : '/' + name;
  return h('div', { class: 'cmd-used' }, h('span', { class: 'cmd-user' }, displayUser(user)), ' used ', h('span', { class: 'cmd-name' }, label));
}

function displayUser(u) {
  if (!u) return 'Someone';
  const member = ui.guildId ? state.member(ui.guildId, u.id) : null;
  return (member && member.nick) || u.global_name || u.username || 'Someone';
}

/**
 * commandStatus is the pending row's body ("Sending command…", failure with
 * a dismiss), or the "… is thinking" line of a deferred answer, or null.
 */
export function commandStatus(m, authorName) {
  if (m._command) {
    const c = m._command;
    if (c.status === 'failed') {
      return h('div', { class: 'cmd-status failed', role: 'alert' },
        h('span', null, c.reason || 'The application did not respond'), ' ',
        h('button', { type: 'button', class: 'link', onclick: () => dropRow(m) }, 'Dismiss message'));
    }
    return h('div', { class: 'cmd-status', role: 'status' }, h('span', { class: 'dots', 'aria-hidden': 'true' }),
      c.status === 'thinking' ? `${c.appName || 'The application'} is thinking…` : 'Sending command…');
  }
  if ((m.flags || 0) & Flags.LOADING) {
    return h('div', { class: 'cmd-status', role: 'status' }, h('span', { class: 'dots', 'aria-hidden': 'true' }), `${authorName} is thinking…`);
  }
  return null;
}

function dropRow(m) {
  thinking = thinking.filter((r) => r !== m);
  const log = state.logs.get(m.channel_id);
  if (log && log.dropPending(m.nonce) && m.channel_id === ui.channelId) rerenderRows();
}

/** ephemeralNote marks a flag-64 message: only its recipient sees it. */
export function ephemeralNote(m) {
  if (!((m.flags || 0) & Flags.EPHEMERAL) || !m.id) return null;
  return h('div', { class: 'ephemeral-note' },
    h('span', { 'aria-hidden': 'true' }, '👁 '), 'Only you can see this • ',
    h('button', { type: 'button', class: 'link', onclick: () => dismiss(m) }, 'Dismiss message'));
}

/**
 * authorTag is the tag after an author's name: "APP" for an application's
 * messages (interaction answers, its webhooks), "BOT" for other bots and
 * webhooks, or null for people.
 */
export function authorTag(m) {
  if (!m.author) return null;
  if (m.application_id || m.interaction_metadata) return h('span', { class: 'tag', title: 'Application' }, 'APP');
  if (m.author.bot || m.webhook_id) return h('span', { class: 'tag', title: m.webhook_id ? 'Webhook' : 'Bot' }, 'BOT');
  return null;
}

/**
 * authorAvatar is a webhook message's avatar override, loaded from the
 * server's own CDN (or null: the usual initial then stands in).
 */
export function authorAvatar(m) {
  if (!m.webhook_id || !m.author || typeof m.author.avatar !== 'string' || !/^(a_)?[0-9a-f]{8,64}$/.test(m.author.avatar)) return null;
  const img = h('img', { class: 'avatar avatar-img', alt: '', 'aria-hidden': 'true', src: `/avatars/${encodeURIComponent(m.author.id)}/${m.author.avatar}.png?size=64` });
  img.addEventListener('error', () => img.replaceWith(avatarInitial(m.author)));
  return img;
}
