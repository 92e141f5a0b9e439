// Errors shown beside the fields they name. A form registers, per field path the server (or its
// own checks) may report, the control to mark and the element the message goes in; show() puts
// each message there, marks the control aria-invalid, adds the message to its aria-describedby,
// and moves focus to the first field at fault. Paths are the server's (see the `field` member of
// the API's error body): "qualities[2].evidence" and "qualities.2.evidence" name the same field,
// and a path with no control of its own lands beside the nearest one registered above it
// ("slots[2].minutes" beside "slots[2]" if only that is registered).

import { h } from './dom.js';

/** @param {string} name */
export function fieldKey(name) {
  return String(name).replace(/\[(\d+)\]/g, '.$1');
}

let seq = 0;

export function fieldErrors() {
  /** @type {Map<string, {control: HTMLElement | null, slot: HTMLElement}>} */
  const fields = new Map();
  /** @type {{control: HTMLElement | null, msg: HTMLElement, described: string}[]} */
  const shown = [];
  const clear = () => {
    for (const { control, msg, described } of shown.splice(0)) {
      msg.remove();
      control?.removeAttribute('aria-invalid');
      if (control) {
        if (described) control.setAttribute('aria-describedby', described);
        else control.removeAttribute('aria-describedby');
      }
    }
  };
  return {
    /**
     * @param {string} name
     * @param {HTMLElement | null} control
     * @param {HTMLElement} slot
     */
    register(name, control, slot) {
      const key = fieldKey(name);
      if (!fields.has(key)) fields.set(key, { control, slot });
    },
    // forget drops every registration, for a form whose rows were added, moved or removed.
    forget() {
      fields.clear();
    },
    clear,
    /**
     * show puts each error beside its field and returns the errors that name no known field, for
     * the page to show at the top.
     * @param {{field?: string, message: string}[]} list
     */
    show(list) {
      clear();
      const unplaced = [];
      for (const err of list || []) {
        const f = lookup(fields, err.field);
        if (!f) {
          unplaced.push(err);
          continue;
        }
        const msg = h('p', { class: 'field-error', id: `fe-${++seq}`, dataset: { field: err.field } }, err.message);
        f.slot.append(msg);
        const described = f.control?.getAttribute('aria-describedby') || '';
        if (f.control) {
          f.control.setAttribute('aria-invalid', 'true');
          f.control.setAttribute('aria-describedby', `${described} ${msg.id}`.trim());
        }
        shown.push({ control: f.control, msg, described });
      }
      const first = shown[0]?.control;
      if (first) {
        first.focus({ preventScroll: true });
        // Centre it: a sticky footer would hide a field scrolled to the bottom edge.
        (shown[0].msg || first).scrollIntoView({ block: 'center' });
      }
      return unplaced;
    },
  };
}

// lookup finds the registered field for a reported name, trying shorter names ("qualities.x.moments.0"
// → "qualities.x.moments" → "qualities.x") so a precise path still lands beside its control.
function lookup(fields, name) {
  if (!name) return null;
  let n = fieldKey(name);
  while (n) {
    if (fields.has(n)) return fields.get(n);
    const cut = n.lastIndexOf('.');
    if (cut < 0) break;
    n = n.slice(0, cut);
  }
  return null;
}
