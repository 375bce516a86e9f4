// Forum channels (type 15): the chat pane shows the channel's posts (its
// threads, active and archived) instead of messages, filtered by the
// channel's tags, with a "New Post" form (title, message, tags) that sends
// POST /channels/{id}/threads with message and applied_tags. A post opens in
// the thread side panel (threads.js).

import { client, state, ui } from '../context.js';
import { h } from '../dom.js';
import { dialog } from './dialogs.js';
import { describe, setBusy, toast } from './feedback.js';
import { closeChannel } from './messages.js';
import { setNav } from './shell.js';
import { loadThreads, onThreadsChanged, openThread, threadsOf } from './threads.js';

export const TYPE_FORUM = 15;

let view = null; // {channelId, filter: Set(tag id), listEl, tagsEl, stop}

/** openForum shows forum channel c in the chat pane. */
export function openForum(c) {
  if (view && view.channelId === c.id && ui.channelId === c.id) return;
  closeChannel();
  if (view && view.stop) view.stop();
  ui.channelId = c.id;
  localStorage.setItem(`accord.last.${c.guild_id}`, c.id);
  setNav(false);
  const g = state.guilds.get(c.guild_id);
  document.title = `${c.name} | ${g ? g.name : ''} — Accord`;
  if (client.gateway) client.gateway.subscribe(c.guild_id, c.id);
  const listEl = h('ul', { class: 'forum-posts', role: 'list', 'aria-label': `Posts in ${c.name}` });
  const tagsEl = h('div', { class: 'forum-tags', role: 'group', 'aria-label': 'Filter by tag' });
  view = { channelId: c.id, filter: new Set(), listEl, tagsEl };
  // Not ui.els.header: renderChatHeader would draw a chat channel's header in it.
  ui.els.header = null;
  const header = h('header', { class: 'chat-head' },
    h('h1', { class: 'chat-title' }, h('span', { class: 'hash', 'aria-hidden': 'true' }, '≡'), c.name),
    c.topic ? h('p', { class: 'topic muted' }, c.topic) : null,
    h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'primary', onclick: () => openNewPost(c.id) }, 'New Post')));
  ui.els.main.replaceChildren(header, h('div', { class: 'forum-view' }, tagsEl, listEl));
  view.stop = onThreadsChanged((t) => { if (view && t && (t.parent_id === c.id || t.id)) draw(); });
  draw();
  loadThreads(c.id).then(draw).catch((e) => toast(describe(e)));
}

/** redrawForum redraws the forum view if it shows channelId (its tags changed). */
export function redrawForum(channelId) {
  if (view && view.channelId === channelId) draw();
}

function tags(c) {
  return Array.isArray(c.available_tags) ? c.available_tags : [];
}

function draw() {
  if (!view || !view.listEl.isConnected) return;
  const c = state.channels.get(view.channelId);
  if (!c) return;
  view.tagsEl.replaceChildren(
    h('button', { type: 'button', class: 'tag-filter', 'aria-pressed': String(view.filter.size === 0), onclick: () => { view.filter.clear(); draw(); } }, 'All'),
    ...tags(c).map((t) => h('button', {
      type: 'button', class: 'tag-filter', 'aria-pressed': String(view.filter.has(t.id)),
      onclick: () => { if (view.filter.has(t.id)) view.filter.delete(t.id); else view.filter.add(t.id); draw(); },
    }, t.emoji_name ? `${t.emoji_name} ${t.name}` : t.name)));
  const names = new Map(tags(c).map((t) => [t.id, t.name]));
  const posts = threadsOf(c.id).filter((p) => [...view.filter].every((id) => (p.applied_tags || []).includes(id)));
  view.listEl.replaceChildren(...(posts.length ? posts.map((p) => h('li', { class: 'forum-post' },
    h('button', { type: 'button', class: 'post-title', onclick: () => openThread(p.id) }, p.name),
    h('div', { class: 'post-meta' },
      ...(p.applied_tags || []).map((id) => h('span', { class: 'post-tag' }, names.get(id) || 'tag')),
      h('span', { class: 'muted small' }, `${p.message_count || 0} ${p.message_count === 1 ? 'reply' : 'replies'}`),
      p.thread_metadata && p.thread_metadata.archived ? h('span', { class: 'muted small' }, ' · archived') : null)))
    : [h('li', { class: 'muted pad' }, view.filter.size ? 'No posts with these tags.' : 'No posts yet. Start one with “New Post”.')]));
}

/** openNewPost opens the form that creates a post in forum channelId. */
export function openNewPost(channelId) {
  const c = state.channels.get(channelId);
  if (!c) return null;
  const err = h('p', { class: 'form-error', role: 'alert' });
  const title = h('input', { id: 'post-title', required: true, maxlength: 100 });
  const body = h('textarea', { id: 'post-message', required: true, rows: '4', maxlength: 2000 });
  const boxes = tags(c).map((t) => {
    const box = h('input', { type: 'checkbox', value: t.id });
    return [box, h('label', { class: 'check' }, box, ' ', t.name)];
  });
  const form = h('form', { class: 'dialog-form' },
    h('label', { for: 'post-title' }, 'Post title'), title,
    h('label', { for: 'post-message' }, 'Message'), body,
    boxes.length ? h('fieldset', { class: 'post-tags' }, h('legend', null, 'Tags'), boxes.map(([, row]) => row)) : null,
    err, h('button', { type: 'submit', class: 'primary' }, 'Post'));
  const dlg = dialog(`New post in ${c.name}`, form);
  title.focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    setBusy(form, true);
    try {
      const t = await client.api.post(`/channels/${channelId}/threads`, {
        name: title.value.trim(), message: { content: body.value },
        applied_tags: boxes.filter(([b]) => b.checked).map(([b]) => b.value),
      });
      const { message, ...thread } = t;
      state.addChannel({ ...thread, guild_id: thread.guild_id || c.guild_id });
      dlg.close();
      draw();
      openThread(thread.id);
    } catch (e) {
      err.textContent = describe(e);
      setBusy(form, false);
    }
  });
  return dlg;
}
