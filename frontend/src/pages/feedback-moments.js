// Moments of a session that feedback can cite: the start of a question, a hint or clarification
// the interviewer gave ("needed hint 2"), a chat line, a stretch of code, a timer warning. The server lists them (each an event offset range with a label and a
// quote); this module shows them, lets the author pick some for a piece of evidence, and shows a
// cited moment again wherever the feedback is read.

import { h, replace } from '../dom.js';

const KIND_NAMES = {
  question: 'Question',
  chat: 'Chat',
  code: 'Code',
  run: 'Run',
  timer: 'Timer',
  hint: 'Hint',
  clarification: 'Clarification',
  note: 'Note',
};

// The order the picker lists the kinds in: the hints and clarifications a question needed come
// right after the questions, since a hint caps the score a question can get.
const KIND_ORDER = ['question', 'hint', 'clarification', 'code', 'run', 'chat', 'timer'];

export function kindName(kind) {
  return KIND_NAMES[kind] || (kind ? kind.charAt(0).toUpperCase() + kind.slice(1) : 'Moment');
}

// citeKey identifies a cited range; two citations of the same range are the same citation.
export function citeKey(c) {
  return `${c.from}-${c.to ?? c.from}`;
}

// asCitation keeps only what a form stores about a moment: its offset range.
export function asCitation(m) {
  return { from: m.from, to: m.to ?? m.from };
}

export function momentTime(m, startedAt) {
  if (!m?.at) return '';
  const at = Date.parse(m.at);
  if (Number.isNaN(at)) return '';
  if (startedAt) {
    const s = Math.max(0, Math.round((at - startedAt) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

// momentIndex resolves a citation to the moment it names, or a stand-in when the list does not
// have it (say, a moment no longer listed for this reader): the form still shows the range.
export function momentIndex(moments) {
  const byKey = new Map(moments.map((m) => [citeKey(m), m]));
  const start = moments.reduce((min, m) => {
    const t = Date.parse(m.at || '');
    return Number.isNaN(t) ? min : Math.min(min, t);
  }, Infinity);
  return {
    startedAt: Number.isFinite(start) ? start : null,
    get(c) {
      return byKey.get(citeKey(c)) || { ...c, kind: c.kind || 'moment', label: c.label || `Moment at ${c.from}${c.to && c.to !== c.from ? `–${c.to}` : ''}`, quote: c.quote || '' };
    },
  };
}

// momentLine is one moment as text and quote, the way the picker, the form and the released view
// all show it.
export function momentLine(m, index) {
  const time = momentTime(m, index?.startedAt);
  return h(
    'span',
    { class: `moment moment-${m.kind || 'moment'}` },
    h('span', { class: 'moment-kind' }, kindName(m.kind)),
    time ? h('span', { class: 'moment-time muted' }, time) : null,
    h('span', { class: 'moment-label' }, m.label || ''),
    m.quote ? h('q', { class: 'moment-quote' }, m.quote) : null,
  );
}

// citedList shows a list of citations read-only (the submitted and released views).
export function citedList(citations, index) {
  if (!citations?.length) return null;
  return h('ul', { class: 'cited-list', 'aria-label': 'Cited moments' }, citations.map((c) => h('li', { class: 'cited' }, momentLine(index.get(c), index))));
}

let pickerSeq = 0;

// citePicker lets the author choose moments for one piece of evidence. The chosen ones show as a
// list with a remove button each; "Cite a moment" opens the session's moments as a group of check
// boxes, filterable by text. Escape or "Done" closes it and gives the focus back.
export function citePicker({ moments, index, selected = [], onChange, label = 'evidence' }) {
  const id = `cite-${++pickerSeq}`;
  let chosen = selected.map(asCitation);
  const chosenList = h('ul', { class: 'cited-list', 'aria-label': `Moments cited for ${label}` });
  const toggle = h('button', { type: 'button', class: 'btn btn-ghost btn-small cite-toggle', 'aria-expanded': 'false', 'aria-controls': `${id}-panel` }, 'Cite a moment');
  const filter = h('input', { type: 'search', id: `${id}-filter`, placeholder: 'Filter by words', autocomplete: 'off' });
  const options = h('div', { class: 'cite-options' });
  const done = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Done');
  const panel = h(
    'div',
    { class: 'cite-panel', id: `${id}-panel`, hidden: true },
    h('div', { class: 'field' }, h('label', { for: filter.id }, 'Filter the moments'), filter),
    options,
    h('div', { class: 'actions' }, done),
  );

  const isChosen = (m) => chosen.some((c) => citeKey(c) === citeKey(m));
  const emit = () => {
    renderChosen();
    onChange?.(chosen.map((c) => ({ ...c })));
  };

  function renderChosen() {
    replace(
      chosenList,
      chosen.map((c) => {
        const m = index.get(c);
        return h(
          'li',
          { class: 'cited' },
          momentLine(m, index),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-ghost btn-small cite-remove',
              'aria-label': `Remove the cited moment: ${m.label || citeKey(c)}`,
              onclick: () => {
                chosen = chosen.filter((x) => citeKey(x) !== citeKey(c));
                emit();
                renderOptions();
                toggle.focus();
              },
            },
            'Remove',
          ),
        );
      }),
    );
    chosenList.hidden = chosen.length === 0;
  }

  function renderOptions() {
    const words = filter.value.trim().toLowerCase();
    const shown = moments.filter((m) => !words || `${m.label || ''} ${m.quote || ''} ${kindName(m.kind)}`.toLowerCase().includes(words));
    const kinds = [...new Set(shown.map((m) => m.kind))].sort((a, b) => rank(a) - rank(b));
    if (!moments.length) {
      replace(options, h('p', { class: 'muted' }, 'This session has no moments to cite.'));
      return;
    }
    if (!shown.length) {
      replace(options, h('p', { class: 'muted' }, 'No moment matches these words.'));
      return;
    }
    replace(
      options,
      kinds.map((kind) =>
        h(
          'fieldset',
          { class: 'cite-group' },
          h('legend', null, `${kindName(kind)} moments`),
          shown
            .filter((m) => m.kind === kind)
            .map((m) => {
              const box = h('input', {
                type: 'checkbox',
                checked: isChosen(m),
                dataset: { moment: citeKey(m) },
                onchange: () => {
                  if (box.checked && !isChosen(m)) chosen.push(asCitation(m));
                  if (!box.checked) chosen = chosen.filter((c) => citeKey(c) !== citeKey(m));
                  emit();
                },
              });
              return h('label', { class: 'cite-option' }, box, momentLine(m, index));
            }),
        ),
      ),
    );
  }

  function open(want) {
    panel.hidden = !want;
    toggle.setAttribute('aria-expanded', String(want));
    if (want) {
      renderOptions();
      filter.focus();
    }
  }

  toggle.addEventListener('click', () => open(panel.hidden));
  done.addEventListener('click', () => {
    open(false);
    toggle.focus();
  });
  filter.addEventListener('input', renderOptions);
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      open(false);
      toggle.focus();
    }
  });

  renderChosen();
  return {
    el: h('div', { class: 'cite-picker' }, chosenList, toggle, panel),
    value: () => chosen.map((c) => ({ ...c })),
  };
}

function rank(kind) {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}
