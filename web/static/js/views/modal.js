// An application's modal (interaction response type 9, which reaches the
// user's gateway as INTERACTION_MODAL_CREATE) as a native <dialog>: a title,
// text inputs (short or paragraph, required, min/max length, placeholder and
// pre-filled value) and Submit/Cancel. Every string in it came from a bot, so
// it is set as text and attributes only.

import { h } from '../dom.js';

const TEXT_INPUT = 4;
const PARAGRAPH = 2;

let seq = 0;

/**
 * openModal shows modal {id, custom_id, title, components}; submit(modal,
 * [[custom_id, value], …]) sends it and resolves when the application has
 * answered (the dialog then closes) or rejects with the reason shown.
 */
export function openModal(modal, submit) {
  if (!modal || !Array.isArray(modal.components)) return null;
  const n = ++seq;
  const titleId = `modal-title-${n}`;
  const fields = [];
  for (const row of modal.components) {
    for (const c of (row && row.type === 1 ? row.components : [row]) || []) {
      if (!c || c.type !== TEXT_INPUT || typeof c.custom_id !== 'string') continue;
      fields.push(textInput(c, `modal-${n}-${fields.length}`));
    }
  }
  const err = h('p', { class: 'form-error', role: 'alert' });
  const submitButton = h('button', { type: 'submit', class: 'primary' }, 'Submit');
  const form = h('form', { method: 'dialog', class: 'modal-form' },
    h('h2', { id: titleId, class: 'modal-title' }, String(modal.title || 'Form')),
    ...fields.map((f) => f.wrap), err,
    h('div', { class: 'modal-buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      submitButton));
  const dialog = h('dialog', { class: 'app-modal', 'aria-labelledby': titleId }, form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    submitButton.disabled = true;
    err.textContent = '';
    try {
      await submit(modal, fields.map((f) => [f.customId, f.input.value]));
      dialog.close();
    } catch (e) {
      err.textContent = e && e.message ? e.message : 'The application did not respond';
      submitButton.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector('input, textarea');
  if (first) first.focus();
  return dialog;
}

function textInput(c, id) {
  const paragraph = c.style === PARAGRAPH;
  const input = h(paragraph ? 'textarea' : 'input', {
    id, type: paragraph ? null : 'text', rows: paragraph ? '4' : null,
    required: c.required !== false, placeholder: typeof c.placeholder === 'string' ? c.placeholder : null,
    minlength: Number.isInteger(c.min_length) ? String(c.min_length) : null,
    maxlength: Number.isInteger(c.max_length) ? String(c.max_length) : '4000',
  });
  if (typeof c.value === 'string') input.value = c.value;
  const label = String(c.label || c.custom_id);
  const wrap = h('div', { class: 'modal-field' },
    h('label', { for: id }, label, c.required !== false ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    input);
  return { customId: c.custom_id, input, wrap };
}
