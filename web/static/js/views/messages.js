// The message pane of the open channel: header, the virtualised message list
// with its "beginning of the channel" block, the composer below it; loading
// history over REST and applying message changes from REST or the gateway.

import { client, NARROW, root, scheduleRender, state, ui } from '../context.js';
import { h } from '../dom.js';
import { ensureRoles } from '../perms.js';
import { markRead } from '../reads.js';
import { VirtualList } from '../virtuallist.js';
import { buildComposer } from './composer.js';
import { openInvite } from './dialogs.js';
import { describe, toast } from './feedback.js';
import { estimateRow, renderRow, rowKey } from './messagerow.js';
import { pinsButton } from './pins.js';
import { threadsButton } from './threads.js';
import { setMembersShown, setNav } from './shell.js';
import { renderTyping } from './typing.js';
import { channelLabel, isPrivate } from '../people.js';
import { dmBeginning, renderDMHeader } from './dms.js';
import { webhooksButton } from './webhooks.js';

const PAGE = 50;
const OLDER_PAGE = 100;

/** openChannel shows channel in the chat pane (a no-op if it is already open). */
export function openChannel(channel) {
  if (ui.channelId === channel.id && ui.list) {
    scheduleRender('sidebar', 'rail');
    return;
  }
  closeChannel();
  ui.channelId = channel.id;
  if (channel.guild_id) localStorage.setItem(`accord.last.${channel.guild_id}`, channel.id);
  setNav(false);
  const g = state.guilds.get(channel.guild_id);
  document.title = `${channelLabel(channel)} | ${g ? g.name : 'Direct messages'} — Accord`;
  if (client.gateway) client.gateway.subscribe(channel.guild_id, channel.id);

  const els = ui.els;
  els.header = h('header', { class: 'chat-head' });
  els.beginning = h('div', { class: 'beginning' });
  els.list = h('div', { class: 'message-list', role: 'list', 'aria-label': `Messages in ${channelLabel(channel)}` });
  els.scroller = h('div', { class: 'scroller', tabindex: '-1' }, h('div', { class: 'scroller-spacer' }), els.beginning, els.list);
  els.jump = h('button', { type: 'button', class: 'jump', hidden: true, onclick: () => ui.list && ui.list.scrollToBottom() }, 'Jump to present');
  els.main.replaceChildren(els.header, h('div', { class: 'pane' }, els.scroller, els.jump), buildComposer(channel));

  const log = state.log(channel.id);
  ui.list = new VirtualList({
    scroller: els.scroller,
    list: els.list,
    key: rowKey,
    render: renderRow,
    estimate: estimateRow,
    onNearTop: () => loadOlder(channel.id),
    onBottomChange: (atBottom) => {
      els.jump.hidden = atBottom;
      if (atBottom) markRead(channel.id);
    },
  });
  renderChatHeader();
  renderBeginning();
  renderTyping();
  scheduleRender('sidebar', 'rail', 'members');
  ui.list.setItems(log.view(), { stickToBottom: true });
  if (!log.loaded) loadLatest(channel.id);
  else markRead(channel.id);
  // Which actions a row offers (pin) depends on roles (see messagerow.js).
  if (channel.guild_id) ensureRoles(channel.guild_id);
  if (!NARROW.matches) els.input.focus({ preventScroll: true });
}

/** closeChannel drops the open channel's list and any edit in progress. */
export function closeChannel() {
  if (ui.list) ui.list.destroy();
  ui.list = null;
  ui.channelId = null;
  ui.editingId = null;
  ui.confirmDeleteId = null;
  ui.pinsFor = null;
  if (ui.els) ui.els.pins = null;
}

/** renderChatHeader redraws the channel name, topic and header buttons. */
export function renderChatHeader() {
  const c = ui.channelId && state.channels.get(ui.channelId);
  if (!c || !ui.els.header) return;
  if (isPrivate(c)) {
    renderDMHeader(c);
    return;
  }
  ui.els.header.replaceChildren(...[
    h('button', { type: 'button', class: 'icon-button nav-toggle', 'aria-label': 'Show channels', onclick: () => setNav(!ui.navOpen) }, '☰'),
    h('h1', { class: 'chat-title' }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '#'), c.name),
    c.topic ? h('p', { class: 'topic muted' }, c.topic) : null,
    h('div', { class: 'head-actions' },
      threadsButton(c),
      pinsButton(c),
      h('button', { type: 'button', class: 'secondary', onclick: openInvite }, 'Create invite'),
      webhooksButton(c),
      h('button', { type: 'button', class: 'secondary toggle', id: 'toggle-members', 'aria-pressed': String(ui.showMembers), title: 'Member list', onclick: () => setMembersShown(!ui.showMembers) }, 'Members')),
  ].filter(Boolean));
  root.classList.toggle('members-open', ui.showMembers);
}

/** renderBeginning shows "Loading messages…" or the channel's welcome above the oldest message. */
export function renderBeginning() {
  const cid = ui.channelId;
  if (!cid || !ui.els.beginning) return;
  const c = state.channels.get(cid);
  const log = state.log(cid);
  if (!log.loaded || log.loadingOlder) {
    ui.els.beginning.replaceChildren(h('p', { class: 'muted loading', role: 'status' }, 'Loading messages…'));
  } else if (!log.hasMoreBefore && isPrivate(c)) {
    ui.els.beginning.replaceChildren(...dmBeginning(c));
  } else if (!log.hasMoreBefore) {
    ui.els.beginning.replaceChildren(
      h('div', { class: 'channel-icon', 'aria-hidden': 'true' }, '#'),
      h('h2', null, `Welcome to #${c ? c.name : ''}!`),
      h('p', { class: 'muted' }, `This is the start of the #${c ? c.name : ''} channel.`));
  } else {
    ui.els.beginning.replaceChildren();
  }
}

/** loadLatest fetches the newest page of channelId and merges it into its log. */
export async function loadLatest(channelId) {
  const log = state.log(channelId);
  try {
    const page = await client.api.messages(channelId, { limit: PAGE });
    log.addLatest(page, PAGE);
    for (const m of page) noteAuthor(m);
  } catch (err) {
    toast(describe(err));
    return;
  }
  if (ui.channelId === channelId) {
    ui.list.setItems(log.view());
    renderBeginning();
    markRead(channelId);
  }
}

// loadOlder fetches the page before the oldest loaded message (the list
// calls it when scrolled near the top).
async function loadOlder(channelId) {
  const log = state.log(channelId);
  if (!log.loaded || !log.hasMoreBefore || log.loadingOlder || !log.items.length) return;
  const before = log.items[0].id;
  log.loadingOlder = client.api.messages(channelId, { before, limit: OLDER_PAGE });
  renderBeginning();
  try {
    const page = await log.loadingOlder;
    log.addOlder(page, OLDER_PAGE);
    for (const m of page) noteAuthor(m);
  } catch (err) {
    toast(describe(err));
  } finally {
    log.loadingOlder = null;
  }
  if (ui.channelId === channelId && ui.list) {
    renderBeginning();
    ui.list.setItems(log.view());
  }
}

/** rerenderRows gives the list the open channel's messages again (rows re-key). */
export function rerenderRows() {
  if (!ui.list || !ui.channelId) return;
  const log = state.log(ui.channelId);
  ui.list.setItems(log.view());
}

function noteAuthor(m) {
  if (m.author) state.users.set(m.author.id, m.author);
}

/** applyMessageCreate adds a new message (from the gateway or a send's reply). */
export function applyMessageCreate(m) {
  noteAuthor(m);
  if (m.member && m.guild_id && m.author) state.addMember(m.guild_id, { ...m.member, user: m.author });
  state.noteLastMessage(m.channel_id, m.id);
  const log = state.logs.get(m.channel_id);
  if (log && log.loaded) log.upsert(m);
  const t = state.typing.get(m.channel_id);
  if (t && m.author) t.delete(m.author.id);
  if (m.channel_id === ui.channelId && ui.list) {
    ui.list.setItems(log.view());
    renderTyping();
    markRead(m.channel_id);
  }
  scheduleRender('sidebar', 'rail');
}

/** applyMessageUpdate applies an edit to a loaded message. */
export function applyMessageUpdate(m) {
  const log = state.logs.get(m.channel_id);
  if (!log) return;
  const old = log.byId.get(m.id);
  if (!old) return;
  if (m.author) noteAuthor(m);
  log.update(m);
  old._rev = (old._rev || 0) + 1;
  if (m.channel_id === ui.channelId) rerenderRows();
}

/** applyMessageDelete removes a message from its channel's log. */
export function applyMessageDelete(channelId, id) {
  const log = state.logs.get(channelId);
  if (log && log.remove(id) && channelId === ui.channelId) rerenderRows();
}
