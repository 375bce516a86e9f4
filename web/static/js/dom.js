// Tiny DOM helpers: h() builds elements, and the formatters turn API data into
// the words shown on screen. No framework: every view rebuilds its own part of
// the page when the data it shows changes.

/**
 * h creates an element. attrs: "class", "text", "on<event>" (listener), "dataset"
 * (object), "style" (CSS text, set through CSSOM: the Content-Security-Policy
 * refuses style attributes), boolean values set or omit an attribute, others
 * become attributes.
 * Children may be strings, nodes, arrays, or null/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') el.style.cssText = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** displayName is what a person is called in a guild: nick, global name, username. */
export function displayName(user, member) {
  if (member && member.nick) return member.nick;
  if (!user) return 'Unknown user';
  return user.global_name || user.username || 'Unknown user';
}

/** initials gives up to two letters for an avatar or server icon. */
export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  if (words.length === 1) return [...words[0]].slice(0, 2).join('');
  return words.slice(0, 2).map((w) => [...w][0]).join('').toUpperCase();
}

const PALETTE = ['#5865f2', '#3ba55c', '#faa61a', '#ed4245', '#eb459e', '#00a8fc', '#9b59b6', '#1abc9c'];

/** colorFor picks a stable avatar colour for an id. */
export function colorFor(id) {
  const s = String(id || '0');
  let x = 0;
  for (let i = 0; i < s.length; i++) x = (x * 31 + s.charCodeAt(i)) >>> 0;
  return PALETTE[x % PALETTE.length];
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** formatStamp renders a message time the way chat apps do. */
export function formatStamp(d, now = new Date()) {
  const day = (x) => x.getFullYear() * 10000 + x.getMonth() * 100 + x.getDate();
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (day(d) === day(now)) return 'Today at ' + timeFmt.format(d);
  if (day(d) === day(yesterday)) return 'Yesterday at ' + timeFmt.format(d);
  return dateFmt.format(d) + ' ' + timeFmt.format(d);
}

export function formatShortTime(d) {
  return timeFmt.format(d);
}

export function formatFull(d) {
  return fullFmt.format(d);
}

/** codePoints counts characters the way the server limits content (runes). */
export function codePoints(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** avatar is a user's round initial in their stable colour (decorative). */
export function avatar(user) {
  const name = displayName(user);
  return h('span', { class: 'avatar', 'aria-hidden': 'true', style: `--avatar-color:${colorFor(user && user.id)}` }, initials(name).slice(0, 1).toUpperCase());
}

/** logo is Accord's speech-bubble mark as an inline SVG (decorative). */
export function logo() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'logo');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M4 5.5C4 4.1 5.1 3 6.5 3h11C18.9 3 20 4.1 20 5.5v8c0 1.4-1.1 2.5-2.5 2.5H11l-4.2 3.6c-.5.4-1.3 0-1.3-.6V16h0C4.7 16 4 15.3 4 14.5v-9z');
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
