// The "… is typing" line under the composer. TYPING_START dispatches fill
// state.typing with expiry times; this redraws the line, and once a second
// so that expired typers disappear.

import { state, ui } from '../context.js';
import { displayName } from '../dom.js';

/** renderTyping names who is typing in the open channel (not the user). */
export function renderTyping() {
  const el = ui.els && ui.els.typing;
  if (!el || !ui.channelId) return;
  const ids = state.typers(ui.channelId).filter((id) => !state.me || id !== state.me.id);
  const names = ids.map((id) => displayName(state.users.get(id), state.member(ui.guildId, id)));
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length === 3) text = `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  else if (names.length > 3) text = 'Several people are typing…';
  if (el.textContent !== text) el.textContent = text;
}

setInterval(() => { if (ui.channelId) renderTyping(); }, 1000);
