// The log-in and register form shown while there is no session.

import { API } from '../api.js';
import { root } from '../context.js';
import { h, logo } from '../dom.js';
import { describe, setBusy } from './feedback.js';

/**
 * renderLogin replaces the page with the form, showing message (why the user
 * is here) if any. On success it awaits onToken(token), which starts the
 * session; an error from either is shown on the form.
 */
export function renderLogin(message, onToken) {
  document.title = 'Accord — Log in';
  const error = h('p', { class: 'form-error', role: 'alert', id: 'auth-error' }, message);
  const username = h('input', { id: 'auth-username', name: 'username', autocomplete: 'username', required: true, maxlength: 32, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'auth-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'auth-card', 'aria-labelledby': 'auth-title' },
    h('div', { class: 'brand', 'aria-hidden': 'true' }, logo()),
    h('h1', { id: 'auth-title' }, 'Welcome to Accord'),
    h('p', { class: 'muted' }, 'Log in, or register a new account.'),
    h('label', { for: 'auth-username' }, 'Username'), username,
    h('label', { for: 'auth-password' }, 'Password'), password,
    error,
    h('div', { class: 'auth-actions' },
      h('button', { type: 'submit', class: 'primary', value: 'login' }, 'Log in'),
      h('button', { type: 'submit', class: 'secondary', value: 'register' }, 'Register')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const action = ev.submitter && ev.submitter.value === 'register' ? 'register' : 'login';
    error.textContent = '';
    setBusy(form, true);
    try {
      const anon = new API();
      const res = action === 'register'
        ? await anon.register(username.value.trim(), password.value)
        : await anon.login(username.value.trim(), password.value);
      await onToken(res.token);
    } catch (err) {
      error.textContent = describe(err);
      setBusy(form, false);
    }
  });
  root.replaceChildren(h('div', { class: 'auth' }, form));
  username.focus();
}
