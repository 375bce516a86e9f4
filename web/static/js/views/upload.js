// Files to send with the next message: the composer's upload button, drag and
// drop onto the chat pane, paste into the composer, the tray of chosen files
// (mark as spoiler, remove) and the upload with its progress bar.

import { client, ui } from '../context.js';
import { h } from '../dom.js';
import { formatSize } from './attachments.js';

// Discord's limits: 10 files a message; the server's default size limit is
// 25 MiB a file (it answers 40005 past its configured limit).
const MAX_FILES = 10;
const MAX_FILE_BYTES = 25 * 1024 * 1024;

let nextId = 1;

/**
 * buildUpload builds the upload button (with its hidden file input) and the
 * tray (in ui.els), and wires paste into input and, once, drag and drop onto
 * the chat pane; errors are shown under the composer.
 */
export function buildUpload(input) {
  ui.files = [];
  const picker = h('input', { type: 'file', multiple: true, class: 'sr-only', id: 'upload-input', tabindex: '-1', 'aria-hidden': 'true' });
  picker.addEventListener('change', () => {
    addFiles(picker.files);
    picker.value = '';
  });
  const button = h('button', { type: 'button', class: 'icon-button upload-button', 'aria-label': 'Upload a file', title: 'Upload a file', onclick: () => picker.click() }, '+');
  ui.els.tray = h('ul', { class: 'upload-tray', 'aria-label': 'Files to send', hidden: true });
  ui.els.progress = h('div', { class: 'upload-progress', role: 'status', hidden: true });
  input.addEventListener('paste', (ev) => {
    const files = ev.clipboardData ? ev.clipboardData.files : null;
    if (!files || !files.length) return;
    ev.preventDefault();
    addFiles(files);
  });
  wireDrop(ui.els.main);
  return { button, picker };
}

// wireDrop makes the chat pane (which outlives channel switches) a drop
// target, once.
function wireDrop(pane) {
  if (pane.dataset.dropTarget) return;
  pane.dataset.dropTarget = 'files';
  pane.addEventListener('dragover', (ev) => {
    if (!ui.channelId || !ev.dataTransfer || ![...ev.dataTransfer.types].includes('Files')) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
    pane.classList.add('dropping');
  });
  pane.addEventListener('dragleave', (ev) => { if (!pane.contains(ev.relatedTarget)) pane.classList.remove('dropping'); });
  pane.addEventListener('drop', (ev) => {
    pane.classList.remove('dropping');
    if (!ui.channelId || !ev.dataTransfer || !ev.dataTransfer.files.length) return;
    ev.preventDefault();
    addFiles(ev.dataTransfer.files);
    if (ui.els.input) ui.els.input.focus();
  });
}

function showError(msg) {
  if (ui.els.composerError) ui.els.composerError.textContent = msg;
}

/** addFiles adds files (a FileList or array of File) to the tray, within the limits. */
export function addFiles(files) {
  for (const f of files) {
    if (ui.files.length >= MAX_FILES) {
      showError(`You can send up to ${MAX_FILES} files in one message.`);
      break;
    }
    if (f.size > MAX_FILE_BYTES) {
      showError(`${f.name} is too large: files can be up to ${formatSize(MAX_FILE_BYTES)}.`);
      continue;
    }
    ui.files.push({ id: nextId++, blob: f, name: f.name || 'file', spoiler: false });
  }
  renderTray();
}

/** hasFiles reports whether files wait to be sent. */
export function hasFiles() {
  return !!ui.files && ui.files.length > 0;
}

function renderTray() {
  const tray = ui.els.tray;
  if (!tray) return;
  tray.hidden = !ui.files.length;
  tray.replaceChildren(...ui.files.map((f) => h('li', { class: 'upload-chip' + (f.spoiler ? ' spoiler' : '') },
    h('span', { class: 'upload-name' }, f.name),
    h('span', { class: 'muted small' }, formatSize(f.blob.size)),
    h('button', {
      type: 'button', class: 'icon-button small', 'aria-pressed': String(f.spoiler), 'aria-label': `Mark ${f.name} as spoiler`, title: 'Spoiler',
      onclick: () => { f.spoiler = !f.spoiler; renderTray(); },
    }, '👁'),
    h('button', {
      type: 'button', class: 'icon-button small', 'aria-label': `Remove ${f.name}`, title: 'Remove',
      onclick: () => { ui.files = ui.files.filter((x) => x !== f); renderTray(); },
    }, '✕'))));
}

/**
 * sendFiles posts the tray's files with payload (content, nonce, reply) to
 * channelId, showing the upload's progress; the tray empties on success and
 * keeps its files on failure. It resolves to the created message.
 */
export async function sendFiles(channelId, payload) {
  const files = ui.files.slice();
  const bar = h('progress', { max: '100', value: '0', 'aria-label': 'Upload progress' });
  const label = h('span', null, `Uploading ${files.length === 1 ? files[0].name : `${files.length} files`}…`);
  const progress = ui.els.progress;
  progress.replaceChildren(label, bar);
  progress.hidden = false;
  try {
    const msg = await client.api.upload(channelId, payload,
      files.map((f) => ({ blob: f.blob, name: (f.spoiler && !/^SPOILER_/.test(f.name) ? 'SPOILER_' : '') + f.name })),
      (sent, total) => { if (total) bar.value = Math.round((sent / total) * 100); });
    ui.files = ui.files.filter((f) => !files.includes(f));
    renderTray();
    return msg;
  } finally {
    progress.hidden = true;
    progress.replaceChildren();
  }
}
