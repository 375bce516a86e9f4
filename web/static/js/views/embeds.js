// A message's embeds, laid out as Discord's client does: a colour bar, author,
// title (a link when it has a url), description in markdown, fields (inline
// ones side by side), image or thumbnail, footer and timestamp.
//
// Images load only from the server's own CDN: the Content-Security-Policy
// allows no other image origin, and fetching an arbitrary URL a bot chose
// would tell that host who reads the channel (Discord avoids it with its
// media proxy, which Accord does not have). Another host's image is shown as
// a link to it.

import { ui } from '../context.js';
import { h } from '../dom.js';
import { render, safeURL } from '../markdown.js';
import { cdnURL, fitBox } from './attachments.js';

function colour(c) {
  return Number.isInteger(c) && c >= 0 && c <= 0xffffff ? '#' + c.toString(16).padStart(6, '0') : null;
}

function image(img, cls, maxW, maxH) {
  if (!img || !img.url) return null;
  const src = cdnURL(img.proxy_url || img.url);
  if (!src) {
    const href = safeURL(img.url);
    return href ? h('a', { class: `embed-extlink ${cls}`, href, target: '_blank', rel: 'noopener noreferrer nofollow' }, `Image: ${new URL(href).host}`) : null;
  }
  const attrs = { class: cls, src, alt: '', loading: 'lazy', decoding: 'async' };
  if (img.width > 0 && img.height > 0) {
    const { w, h: ht } = fitBox(img.width, img.height, maxW, maxH);
    attrs.width = String(w);
    attrs.height = String(ht);
  } else {
    attrs.style = `max-width:${maxW}px;max-height:${maxH}px`;
  }
  const el = h('img', attrs);
  el.addEventListener('load', () => { if (ui.list) ui.list.schedule(); }, { once: true });
  return el;
}

function linked(text, url, cls) {
  const href = url && safeURL(url);
  return href ? h('a', { class: cls, href, target: '_blank', rel: 'noopener noreferrer nofollow' }, text) : h('span', { class: cls }, text);
}

/** renderEmbeds builds the embeds of message m (ctx resolves mentions), or null. */
export function renderEmbeds(m, ctx) {
  const list = Array.isArray(m.embeds) ? m.embeds : [];
  if (!list.length) return null;
  return h('div', { class: 'embeds' }, list.map((e) => embed(e, ctx)));
}

function embed(e, ctx) {
  const bar = colour(e.color);
  const fields = Array.isArray(e.fields) ? e.fields : [];
  const when = e.timestamp ? new Date(e.timestamp) : null;
  const footerBits = [e.footer && e.footer.text, when && !Number.isNaN(when.getTime()) ? when.toLocaleString() : null].filter(Boolean);
  return h('article', { class: 'embed', 'aria-label': e.title ? `Embed: ${e.title}` : 'Embed', style: bar ? `--embed-color:${bar}` : null },
    h('div', { class: 'embed-main' },
      e.author && e.author.name ? h('div', { class: 'embed-author' },
        image(e.author.icon_url ? { url: e.author.icon_url, width: 24, height: 24 } : null, 'embed-author-icon', 24, 24),
        linked(e.author.name, e.author.url, 'embed-author-name')) : null,
      e.title ? h('div', { class: 'embed-title' }, linked(e.title, e.url, 'embed-title-text')) : null,
      e.description ? h('div', { class: 'embed-description' }, render(e.description, ctx)) : null,
      fields.length ? h('div', { class: 'embed-fields' }, fields.map((f) => h('div', { class: 'embed-field' + (f.inline ? ' inline' : '') },
        h('div', { class: 'embed-field-name' }, render(f.name || '', ctx)),
        h('div', { class: 'embed-field-value' }, render(f.value || '', ctx))))) : null,
      image(e.image, 'embed-image', 400, 300),
      footerBits.length ? h('div', { class: 'embed-footer muted small' },
        image(e.footer && e.footer.icon_url ? { url: e.footer.icon_url, width: 20, height: 20 } : null, 'embed-footer-icon', 20, 20),
        footerBits.join(' • ')) : null),
    image(e.thumbnail, 'embed-thumb', 80, 80));
}
