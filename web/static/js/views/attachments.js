// A message's attachments: images as previews sized from the attachment's
// width/height (so the row does not jump when they load) that open a
// full-size view, other files as cards with name, size and a download link,
// and spoiler attachments blurred until clicked. Attachment URLs are signed
// and expire (24 h, as Discord's): an image that fails to load asks the
// server for a fresh URL once (POST /attachments/refresh-urls).

import { client, ui } from '../context.js';
import { h } from '../dom.js';

// CDN_PATHS are the server's CDN routes. The client and the CDN are served by
// the same binary, so a CDN URL is loaded from the page's own origin: the
// server may name itself by another address (a proxy, --public-url), and the
// Content-Security-Policy allows images from this origin only.
const CDN_PATHS = /^\/(attachments|emojis|avatars|icons|banners)\//;

/** cdnURL returns url as a same-origin path if it is one of the server's CDN URLs, else null. */
export function cdnURL(url) {
  try {
    const u = new URL(String(url), location.href);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.origin === location.origin || CDN_PATHS.test(u.pathname)) {
      return CDN_PATHS.test(u.pathname) ? u.pathname + u.search : u.href;
    }
  } catch {
    // not a URL
  }
  return null;
}

/** formatSize renders a byte count as people read it. */
export function formatSize(n) {
  if (!(n >= 0)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const SPOILER_FLAG = 1 << 3;
const MAX_W = 400;
const MAX_H = 300;

function isSpoiler(a) {
  return ((a.flags || 0) & SPOILER_FLAG) !== 0 || /^SPOILER_/.test(a.filename || '');
}

function isImage(a) {
  return /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(a.content_type || '') && a.width > 0 && a.height > 0;
}

/** fitBox scales width x height down to fit maxW x maxH, keeping the ratio. */
export function fitBox(width, height, maxW = MAX_W, maxH = MAX_H) {
  const s = Math.min(1, maxW / width, maxH / height);
  return { w: Math.max(1, Math.round(width * s)), h: Math.max(1, Math.round(height * s)) };
}

/** renderAttachments builds the attachments block of message m, or null. */
export function renderAttachments(m) {
  const list = Array.isArray(m.attachments) ? m.attachments : [];
  if (!list.length) return null;
  return h('div', { class: 'attachments' }, list.map((a) => {
    const item = isImage(a) ? imagePreview(a) : fileCard(a);
    return isSpoiler(a) ? spoilerWrap(item, a) : item;
  }));
}

function imagePreview(a) {
  const src = cdnURL(a.proxy_url || a.url);
  if (!src) return fileCard(a);
  const { w, h: ht } = fitBox(a.width, a.height);
  const name = a.filename || 'image';
  const img = h('img', { src, alt: a.description || name, width: String(w), height: String(ht), loading: 'lazy', decoding: 'async' });
  img.addEventListener('load', () => { if (ui.list) ui.list.schedule(); }, { once: true });
  refreshOnError(img, a);
  return h('button', {
    type: 'button', class: 'att-image', 'aria-label': `Open image ${name}`, style: `width:${w}px;height:${ht}px`,
    onclick: () => openLightbox(a),
  }, img);
}

function fileCard(a) {
  const href = cdnURL(a.url);
  const name = a.filename || 'file';
  return h('div', { class: 'file-card', role: 'group', 'aria-label': `File ${name}` },
    h('span', { class: 'file-icon', 'aria-hidden': 'true' }, '📄'),
    h('div', { class: 'file-meta' },
      href ? h('a', { href, download: name, class: 'file-name', rel: 'noopener noreferrer' }, name) : h('span', { class: 'file-name' }, name),
      h('span', { class: 'muted small' }, formatSize(a.size))),
    href ? h('a', { href, download: name, class: 'icon-button', 'aria-label': `Download ${name}`, title: 'Download' }, '⬇') : null);
}

function spoilerWrap(item, a) {
  const wrap = h('div', { class: 'att-spoiler' }, item);
  // While hidden, the attachment's own controls are out of reach: the
  // first click (or Enter) only reveals it.
  item.inert = true;
  const cover = h('button', {
    type: 'button', class: 'att-spoiler-cover', 'aria-label': `Reveal spoiler ${a.filename || 'attachment'}`,
    onclick: () => { wrap.classList.add('revealed'); item.inert = false; cover.remove(); },
  }, 'SPOILER');
  wrap.append(cover);
  return wrap;
}

// refreshOnError gives img, showing attachment a, one retry with a freshly
// signed URL when it fails to load; the attachment keeps the new URL (its
// links and the full-size view use it too).
function refreshOnError(img, a) {
  img.addEventListener('error', async () => {
    if (a.refreshedAt && Date.now() - a.refreshedAt < 60000) return;
    a.refreshedAt = Date.now();
    let fresh = null;
    try {
      const res = await client.api.post('/attachments/refresh-urls', { attachment_urls: [a.url] });
      const hit = res && Array.isArray(res.refreshed_urls) ? res.refreshed_urls.find((r) => r.original === a.url) : null;
      fresh = hit ? hit.refreshed : null;
    } catch {
      // The image stays broken; its alt text says what it was.
    }
    const src = fresh && cdnURL(fresh);
    if (!src) return;
    a.url = fresh;
    a.proxy_url = fresh;
    img.src = src;
  }, { once: true });
}

/** openLightbox shows attachment a full-size in a modal dialog. */
export function openLightbox(a) {
  const src = cdnURL(a.url);
  if (!src) return;
  const name = a.filename || 'image';
  const close = () => dlg.close();
  const img = h('img', { src, alt: a.description || name, class: 'lightbox-img' });
  refreshOnError(img, a);
  const dlg = h('dialog', { class: 'lightbox', 'aria-label': `Image ${name}` },
    img,
    h('div', { class: 'lightbox-bar' },
      h('a', { href: src, target: '_blank', rel: 'noopener noreferrer' }, 'Open original'),
      h('button', { type: 'button', class: 'secondary', onclick: close }, 'Close')));
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  dlg.addEventListener('click', (ev) => { if (ev.target === dlg) close(); });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
