// Messages from people the signed-in user blocked are hidden behind a
// "1 blocked message" line, as Discord's client does; a click shows the
// message (until the list is rebuilt for another channel).

import { ui } from '../context.js';
import { h } from '../dom.js';
import { isBlocked } from '../people.js';
import { rerenderRows } from './messages.js';

const revealed = new Set(); // message ids shown anyway

/** hiddenAsBlocked says whether m's row is the "blocked message" line. */
export function hiddenAsBlocked(m) {
  return !!(m.id && m.author && isBlocked(m.author.id) && !revealed.has(m.id));
}

/** blockedKey is part of a row's key: the row changes when its author is (un)blocked. */
export function blockedKey(m) {
  return hiddenAsBlocked(m) ? 'b' : '';
}

/** blockedRow is the collapsed line that stands for a blocked user's message. */
export function blockedRow(m) {
  return h('div', { role: 'listitem', class: 'msg blocked', dataset: { id: m.id } },
    h('button', {
      type: 'button', class: 'link blocked-toggle', 'aria-expanded': 'false',
      onclick: () => {
        revealed.add(m.id);
        rerenderRows();
        if (ui.list) ui.list.renderNow();
      },
    }, '1 blocked message — Show'));
}
