// Pieces the forms for custom questions and plans share: the notice a guest gets instead of a
// form, lists typed one entry per line, repeatable rows of fields, and the checks of whole
// numbers. Every control has a label; every place an error can be shown is registered with the
// form's fieldErrors under the path the server names it by.

import { h, errorBox, humanize, replace } from '../dom.js';
import { currentUser } from '../session.js';

let seq = 0;
export const nextId = (prefix) => `${prefix}-${++seq}`;

// guestNotice is what a guest sees instead of a form: the server refuses guests, so say so and
// show the way to an account.
export function guestNotice(el, heading, what) {
  if (!currentUser()?.guest) return false;
  el.append(
    h(
      'section',
      { class: 'page narrow-wide' },
      h('h1', null, heading),
      h(
        'div',
        { class: 'card', id: 'guest-notice' },
        h('p', null, `Guests cannot ${what}. Add an email and a password to keep your identity; then this form is yours to use.`),
        h('div', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: '/signup' }, 'Keep my identity'), h('a', { class: 'btn btn-ghost', href: '/bank' }, 'Back to the question bank')),
      ),
    ),
  );
  return true;
}

// labelled wraps a control with its label, an optional hint (tied by aria-describedby) and
// room for an error; it returns the wrapper, which is where an error for the control goes.
export function labelled(label, control, hint) {
  if (!control.id) control.id = nextId('in');
  const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

// linesField is a list of short texts typed one per line (blank lines are dropped).
export function linesField(label, hint, { rows = 3, value = '' } = {}) {
  const control = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows, value }));
  const el = labelled(label, control, hint);
  return { control, el, items: () => control.value.split('\n').map((s) => s.trim()).filter(Boolean) };
}

/**
 * rowList is a list of rows of fields the user adds to and removes from: examples, hints,
 * clarifications, tests. make(index, values) builds one row's controls and returns
 * { controls: {key: element}, el, value() }.
 * @param {{ legend: string, hint?: string, rowLabel: string, addLabel: string, max: number, make: (i: number, init?: any) => { controls: Record<string, HTMLElement>, el: HTMLElement, value: () => any }, initial?: any[] }} opts
 */
export function rowList({ legend, hint, rowLabel, addLabel, max, make, initial = [] }) {
  /** @type {{ controls: Record<string, HTMLElement>, el: HTMLElement, value: () => any, box: HTMLElement, legend: HTMLElement, remove: HTMLElement }[]} */
  const rows = [];
  const list = h('div', { class: 'row-list' });
  const hintEl = hint ? h('small', { class: 'hint', id: nextId('rows-hint') }, hint) : null;
  const add = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, addLabel));
  if (hintEl) add.setAttribute('aria-describedby', hintEl.id);
  const el = h('fieldset', { class: 'rows' }, h('legend', null, legend), hintEl, list, h('div', null, add));

  const relabel = () => {
    rows.forEach((r, i) => {
      r.legend.textContent = `${rowLabel} ${i + 1}`;
      r.remove.setAttribute('aria-label', `Remove ${rowLabel.toLowerCase()} ${i + 1}`);
    });
    add.disabled = rows.length >= max;
  };
  const addRow = (init) => {
    const row = make(rows.length, init);
    const rowLegend = h('legend', null, '');
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small row-remove' }, 'Remove');
    const box = h('fieldset', { class: 'row' }, rowLegend, row.el, h('div', { class: 'row-actions' }, remove));
    const entry = { ...row, box, legend: rowLegend, remove };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(entry), 1);
      box.remove();
      relabel();
      add.focus();
    });
    rows.push(entry);
    list.append(box);
    relabel();
    return entry;
  };
  add.addEventListener('click', () => {
    const row = addRow();
    Object.values(row.controls)[0]?.focus();
  });
  for (const init of initial) addRow(init);
  return {
    el,
    add,
    rows,
    values: () => rows.map((r) => r.value()),
    // register names each row's controls "<path>[i].<key>", and the list itself "<path>".
    register(errors, path) {
      errors.register(path, add, el);
      rows.forEach((r, i) => {
        for (const [key, control] of Object.entries(r.controls)) errors.register(`${path}[${i}].${key}`, control, /** @type {HTMLElement} */ (control.closest('.field')) || r.box);
        errors.register(`${path}[${i}]`, Object.values(r.controls)[0] || null, r.box);
      });
    },
  };
}

// wholeNumber reads a number input: the integer typed, or NaN for anything else (blank included).
export function wholeNumber(input) {
  const s = String(input.value).trim();
  return /^-?\d+$/.test(s) ? Number(s) : NaN;
}

// select builds a <select> from [value, label] pairs.
export function select(name, options, value) {
  const el = /** @type {HTMLSelectElement} */ (h('select', { name }, options.map(([v, l]) => h('option', { value: v }, l))));
  if (value !== undefined) el.value = value;
  return el;
}

export const levelOptions = (levels) => levels.map((d) => [d, humanize(d)]);

// statusLine shows the outcome of a submit above the button: errors the form could not place
// beside a field, or a summary pointing at those it did.
export function showStatus(status, placed, unplaced) {
  replace(status);
  if (unplaced.length) {
    status.append(h('p', { class: 'alert alert-error', role: 'alert' }, unplaced.map((e) => e.message).join(' ')));
  } else if (placed) {
    status.append(h('p', { class: 'alert alert-error', role: 'alert' }, placed === 1 ? 'One field needs attention; it is marked above.' : `${placed} fields need attention; each is marked beside it.`));
  }
}

// serverProblem turns a refusal into an error to show beside its field. The message sits next
// to the input, so the server's prefix saying which question or plan it is about goes.
export function serverProblem(err) {
  const m = String(err.message).replace(/^custom (question|plan)(: |, )/, '');
  return { field: err.field, message: m.charAt(0).toUpperCase() + m.slice(1) };
}

// saveForm is the submit handler of both bank forms: the page's own plain checks first, then the
// server's; what either refuses is shown beside its field (the rest above the button), and
// done gets what the server saved.
export function saveForm({ errors, status, submit, prepare, check, save, done }) {
  return async (/** @type {Event} */ e) => {
    e.preventDefault();
    const d = prepare();
    const problems = check(d);
    if (problems.length) {
      const unplaced = errors.show(problems);
      showStatus(status, problems.length - unplaced.length, unplaced);
      return;
    }
    errors.clear();
    replace(status);
    submit.disabled = true;
    try {
      done(await save(d));
    } catch (err) {
      const unplaced = err.field ? errors.show([serverProblem(err)]) : [err];
      if (unplaced.length) status.append(errorBox(err));
      else showStatus(status, 1, []);
    } finally {
      submit.disabled = false;
    }
  };
}
