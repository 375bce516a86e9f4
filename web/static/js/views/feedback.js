// How the views report progress and failure: error sentences, busy forms and
// the toast for errors that have no form to show them in.

import { h } from '../dom.js';

/** describe turns an error (usually an APIError) into a sentence for the user. */
export function describe(err) {
  if (err && err.message) return err.message;
  return 'Something went wrong.';
}

/** setBusy disables a form's buttons while its request is in flight. */
export function setBusy(form, busy) {
  for (const b of form.querySelectorAll('button')) b.disabled = busy;
  form.setAttribute('aria-busy', String(busy));
}

let toastTimer = 0;

/** toast shows text in an alert at the bottom of the page for six seconds. */
export function toast(text) {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', role: 'alert' });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}
