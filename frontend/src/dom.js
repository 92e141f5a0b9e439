// A tiny element builder: enough to write pages as plain functions without a framework.
// Text children are always inserted as text nodes, never as HTML, so server-supplied strings
// (question prompts, chat, names) cannot inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'class') {
        el.className = value;
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// replace swaps an element's children for new ones.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// toast shows a short message in the polite live region.
export function toast(message, kind = 'info', ms = 4000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const item = h('div', { class: `toast toast-${kind}` }, message);
  box.appendChild(item);
  setTimeout(() => item.remove(), ms);
}

// field builds a labelled form control; the label is tied to the input for screen readers.
let fieldSeq = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

// errorBox renders an API error (or any Error) as an alert.
export function errorBox(err) {
  return h('p', { class: 'alert alert-error', role: 'alert' }, describeError(err));
}

export function describeError(err) {
  if (!err) return '';
  if (err.status === 0) return 'The server could not be reached. Check your connection and try again.';
  return err.message || String(err);
}

// humanize turns "technical_proficiency" into "Technical proficiency".
export function humanize(s) {
  if (!s) return '';
  const words = String(s).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatDuration(ms) {
  const neg = ms < 0;
  const total = Math.floor(Math.abs(ms) / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${neg ? '−' : ''}${m}:${String(s).padStart(2, '0')}`;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard');
  } catch {
    // Clipboard access needs a secure context or permission; fall back to a selectable prompt.
    window.prompt('Copy this link:', text);
  }
}
