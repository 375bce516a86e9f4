// Discord-flavoured markdown. Parsing is done by simple-markdown (vendored,
// the parser Discord's own client grew from) with Discord's rule set: a
// message is one inline run in which a few rules (headers, subtext, lists,
// quotes) only match at the start of a line. Rendering builds DOM nodes from
// the syntax tree with createElement and text nodes, never from HTML strings,
// so no input can add an element, attribute or script the renderer did not
// choose; link targets are limited to http(s).

import SimpleMarkdown from '../vendor/simple-markdown.js';

const D = SimpleMarkdown.defaultRules;

// MAX_PARSE is the longest text parsed as markdown (an embed description is
// 4096, a message 2000); longer text is shown as it is. MAX_DEPTH bounds
// nesting (quote in spoiler in bold...), past which the rest is plain text:
// hostile input must not cost a deep recursion per message.
const MAX_PARSE = 6000;
const MAX_DEPTH = 12;

// atLineStart: rules such as "# header" apply only at the start of a line,
// i.e. at the start of the text or after a newline.
function atLineStart(prev) {
  return !prev || prev.endsWith('\n');
}

function lineRule(order, re, parse) {
  return {
    order,
    match: (source, state, prev) => (atLineStart(prev) ? re.exec(source) : null),
    parse,
  };
}

// nestedLine parses a line's content as the start of a line again (so
// "> # title" is a header inside a quote).
function nestedLine(content, parse, state) {
  state.prevCapture = null;
  return parse(content, state);
}

// A list is consecutive lines with the same kind of marker ("-"/"*" or "1.").
const LIST_RE = /^( *)(?:[-*] +[^\n]+(?:\n\1[-*] +[^\n]+)*|\d{1,9}\. +[^\n]+(?:\n\1\d{1,9}\. +[^\n]+)*)\n?/;
const LIST_ITEM_RE = /^ *([-*]|\d{1,9}\.) +([^\n]+)$/;

// rules is Discord's set. Orders follow simple-markdown's defaults (block
// constructs first, then links, emphasis, code, text); em/strong/u share an
// order and the longest match wins, as in simple-markdown.
const rules = {
  codeBlock: {
    order: D.codeBlock.order,
    match: SimpleMarkdown.anyScopeRegex(/^```(?:([a-z0-9_+\-.#]{1,32})\n)?\n*([^\n][\s\S]*?)\n*```/i),
    parse: (c) => ({ lang: c[1] || '', content: c[2] }),
  },
  blockQuote: lineRule(D.blockQuote.order, /^(?:>>> ([\s\S]*)|> ([^\n]*)(?:\n|$)(?:> ([^\n]*)(?:\n|$))*)/, (c, parse, state) => {
    if (state.inQuote) return { type: 'text', content: c[0] };
    let body;
    if (c[1] !== undefined) body = c[1];
    else body = c[0].replace(/\n$/, '').split('\n').map((l) => l.replace(/^> ?/, '')).join('\n');
    state.inQuote = true;
    try {
      return { content: nestedLine(body, parse, state) };
    } finally {
      state.inQuote = false;
    }
  }),
  heading: lineRule(D.heading.order, /^(#{1,3}) +([^\n]+)(?:\n|$)/, (c, parse, state) => ({ level: c[1].length, content: parse(c[2].trim(), state) })),
  subtext: lineRule(D.heading.order, /^-# +([^\n]+)(?:\n|$)/, (c, parse, state) => ({ content: parse(c[1].trim(), state) })),
  list: lineRule(D.list.order, LIST_RE, (c, parse, state) => {
    const lines = c[0].replace(/\n$/, '').split('\n');
    const first = LIST_ITEM_RE.exec(lines[0]);
    const ordered = /\d/.test(first[1]);
    return {
      ordered,
      start: ordered ? parseInt(first[1], 10) : undefined,
      items: lines.map((l) => parse(LIST_ITEM_RE.exec(l)[2], state)),
    };
  }),
  newline: { order: D.newline.order, match: SimpleMarkdown.anyScopeRegex(/^\n/), parse: () => ({}) },
  escape: D.escape,
  autolink: D.autolink,
  url: D.url,
  link: D.link,
  timestamp: {
    order: D.autolink.order,
    match: SimpleMarkdown.anyScopeRegex(/^<t:(-?\d{1,17})(?::([tTdDfFR]))?>/),
    parse: (c) => ({ unix: Number(c[1]), style: c[2] || 'f', raw: c[0] }),
  },
  emoji: {
    order: D.autolink.order,
    match: SimpleMarkdown.anyScopeRegex(/^<(a?):(\w{2,32}):(\d{1,20})>/),
    parse: (c) => ({ animated: c[1] === 'a', name: c[2], id: c[3] }),
  },
  userMention: { order: D.autolink.order, match: SimpleMarkdown.anyScopeRegex(/^<@!?(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  roleMention: { order: D.autolink.order, match: SimpleMarkdown.anyScopeRegex(/^<@&(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  channelMention: { order: D.autolink.order, match: SimpleMarkdown.anyScopeRegex(/^<#(\d{1,20})>/), parse: (c) => ({ id: c[1] }) },
  everyone: { order: D.autolink.order, match: SimpleMarkdown.anyScopeRegex(/^@(everyone|here)\b/), parse: (c) => ({ which: c[1] }) },
  spoiler: {
    order: D.em.order - 0.5,
    match: SimpleMarkdown.anyScopeRegex(/^\|\|([\s\S]+?)\|\|/),
    parse: (c, parse, state) => ({ content: parse(c[1], state) }),
  },
  em: D.em,
  strong: D.strong,
  u: D.u,
  del: D.del,
  inlineCode: D.inlineCode,
  // text stops before a newline as well as before punctuation, so that the
  // newline rule, and with it every line-start rule, sees each line break.
  text: {
    order: D.text.order,
    match: SimpleMarkdown.anyScopeRegex(/^[\s\S]+?(?=[^0-9A-Za-z\s\u00c0-\uffff]|\n|\w+:\S|$)/),
    parse: (c) => ({ content: c[0] }),
  },
};

// Every rule's parse runs under a depth guard: past MAX_DEPTH the matched
// text stays text.
for (const [type, rule] of Object.entries(rules)) {
  const inner = rule.parse;
  rules[type] = {
    ...rule,
    parse(capture, parse, state) {
      if ((state.depth || 0) >= MAX_DEPTH) return { type: 'text', content: capture[0] };
      state.depth = (state.depth || 0) + 1;
      try {
        return inner(capture, parse, state);
      } finally {
        state.depth--;
      }
    },
  };
}

const parser = SimpleMarkdown.parserFor(rules);

/**
 * parse returns content's syntax tree (an array of {type, ...} nodes), or
 * one text node when content is too long or the parser fails.
 */
export function parse(content) {
  const s = String(content ?? '');
  if (s.length > MAX_PARSE) return [{ type: 'text', content: s }];
  try {
    return parser(s, { inline: true, depth: 0 });
  } catch {
    return [{ type: 'text', content: s }];
  }
}

/** safeURL returns url if it is an absolute http(s) URL, else null. */
export function safeURL(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// Timestamp styles as Discord's client shows them.
const STYLES = {
  t: { hour: 'numeric', minute: '2-digit' },
  T: { hour: 'numeric', minute: '2-digit', second: '2-digit' },
  d: { year: 'numeric', month: '2-digit', day: '2-digit' },
  D: { year: 'numeric', month: 'long', day: 'numeric' },
  f: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' },
  F: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' },
};
const RELATIVE = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

/** formatTimestamp renders a <t:unix:style> time in one of Discord's styles. */
export function formatTimestamp(unix, style, now = Date.now()) {
  const d = new Date(unix * 1000);
  if (Number.isNaN(d.getTime())) return null;
  if (style === 'R') {
    const diff = Math.round((d.getTime() - now) / 1000);
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    for (const [unit, secs] of RELATIVE) {
      if (Math.abs(diff) >= secs || unit === 'second') return rtf.format(Math.trunc(diff / secs), unit);
    }
  }
  return new Intl.DateTimeFormat(undefined, STYLES[style] || STYLES.f).format(d);
}

/**
 * render turns content into DOM nodes. ctx resolves mentions:
 * user(id) -> name, role(id) -> {name, color} | null, channel(id) ->
 * {name, href} | null.
 */
export function render(content, ctx = {}) {
  return nodes(parse(content), ctx);
}

function nodes(ast, ctx) {
  const out = [];
  for (const n of Array.isArray(ast) ? ast : [ast]) {
    const el = node(n, ctx);
    if (el) out.push(el);
  }
  return out;
}

function el(tag, cls, children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (children) e.append(...children);
  return e;
}

function node(n, ctx) {
  switch (n.type) {
    case 'text':
      return document.createTextNode(n.content);
    case 'newline':
      return document.createElement('br');
    case 'em':
      return el('em', null, nodes(n.content, ctx));
    case 'strong':
      return el('strong', null, nodes(n.content, ctx));
    case 'u':
      return el('u', null, nodes(n.content, ctx));
    case 'del':
      return el('s', null, nodes(n.content, ctx));
    case 'inlineCode':
      return el('code', 'md-code', [n.content]);
    case 'codeBlock': {
      const code = el('code', n.lang ? `language-${n.lang.toLowerCase()}` : null, [n.content]);
      return el('pre', 'md-pre', [code]);
    }
    case 'blockQuote':
      return el('blockquote', 'md-quote', nodes(n.content, ctx));
    case 'heading':
      return el(`h${n.level}`, `md-h md-h${n.level}`, nodes(n.content, ctx));
    case 'subtext':
      return el('small', 'md-subtext', nodes(n.content, ctx));
    case 'list': {
      const list = el(n.ordered ? 'ol' : 'ul', 'md-list', n.items.map((item) => el('li', null, nodes(item, ctx))));
      if (n.ordered && n.start !== 1) list.start = n.start;
      return list;
    }
    case 'spoiler':
      return spoiler(nodes(n.content, ctx));
    case 'link':
    case 'autolink':
    case 'url':
      return link(n, ctx);
    case 'timestamp': {
      const text = formatTimestamp(n.unix, n.style);
      if (!text) return document.createTextNode(n.raw);
      const t = el('time', 'md-time', [text]);
      t.dateTime = new Date(n.unix * 1000).toISOString();
      t.title = formatTimestamp(n.unix, 'F');
      return t;
    }
    case 'userMention':
      return el('span', 'mention', ['@' + (ctx.user ? ctx.user(n.id) : 'unknown-user')]);
    case 'roleMention': {
      const r = ctx.role ? ctx.role(n.id) : null;
      const s = el('span', 'mention role-mention', ['@' + (r ? r.name : 'unknown-role')]);
      if (r && r.color) s.style.setProperty('--role-color', '#' + r.color.toString(16).padStart(6, '0'));
      return s;
    }
    case 'channelMention': {
      const c = ctx.channel ? ctx.channel(n.id) : null;
      if (!c) return el('span', 'mention', ['#unknown']);
      const a = el('a', 'mention', ['#' + c.name]);
      a.href = c.href;
      return a;
    }
    case 'everyone':
      return el('span', 'mention everyone', ['@' + n.which]);
    case 'emoji':
      return emoji(n);
    default:
      // A node type this renderer does not know is shown as nothing rather
      // than guessed at.
      return null;
  }
}

function link(n, ctx) {
  const href = safeURL(n.target);
  const label = n.type === 'link' ? nodes(n.content, ctx) : [n.target];
  if (!href) return el('span', null, n.type === 'link' ? label : [n.target]);
  const a = el('a', null, label);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  if (n.type === 'link') a.title = href;
  return a;
}

function spoiler(children) {
  const s = el('span', 'spoiler', children);
  s.tabIndex = 0;
  s.setAttribute('role', 'button');
  s.setAttribute('aria-label', 'Spoiler, press to reveal');
  s.setAttribute('aria-expanded', 'false');
  const reveal = (ev) => {
    if (s.classList.contains('revealed')) return;
    ev.preventDefault();
    s.classList.add('revealed');
    s.setAttribute('aria-expanded', 'true');
    s.removeAttribute('aria-label');
    s.removeAttribute('role');
  };
  s.addEventListener('click', reveal);
  s.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') reveal(ev); });
  return s;
}

/**
 * emojiURL is the CDN path of a custom emoji's image: a GIF for an animated
 * one (the CDN serves it animated only as .gif), WebP otherwise. 64, not the
 * 48 Discord's client asks for: Accord's CDN takes only powers of two.
 */
export function emojiURL(id, animated = false) {
  return `/emojis/${encodeURIComponent(id)}.${animated ? 'gif' : 'webp'}?size=64`;
}

function emoji(n) {
  const img = document.createElement('img');
  img.className = 'emoji';
  img.alt = `:${n.name}:`;
  img.title = `:${n.name}:`;
  img.draggable = false;
  img.loading = 'lazy';
  img.src = emojiURL(n.id, n.animated);
  // An emoji the CDN cannot serve (deleted, or another server's) shows its
  // name instead of a broken image.
  img.addEventListener('error', () => img.replaceWith(document.createTextNode(img.alt)), { once: true });
  return img;
}
