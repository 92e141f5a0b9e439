// Rendering of a question's interviewer-only material. The server decides what is private and
// sends it only to the interviewer's socket; this module just lays it out, whatever its shape
// (a string, a list, or an object of lists such as {looks_for, red_flags}).

import { h, replace, humanize } from '../dom.js';
import { qualityTitle } from '../rubric-titles.js';

const ORDER = ['guidance', 'looks_for', 'red_flags', 'strong_answer', 'follow_ups', 'story', 'probes', 'qualities'];
const LABELS = {
  guidance: 'How to judge the answer',
  looks_for: 'Look for',
  red_flags: 'Red flags',
  strong_answer: 'A strong answer',
  follow_ups: 'Follow-up questions',
  story: 'A good story holds',
  probes: 'Probes',
  qualities: 'Rubric qualities',
};

function value(v, key) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string' || typeof v === 'number') return h('p', null, key === 'qualities' ? qualityTitle(String(v)) : String(v));
  if (Array.isArray(v)) return v.length ? h('ul', null, v.map((i) => h('li', null, typeof i === 'object' ? value(i) : key === 'qualities' ? qualityTitle(String(i)) : String(i)))) : null;
  if (typeof v === 'object') return h('div', { class: 'guide-body' }, sections(v));
  return null;
}

function sections(obj) {
  const rank = (k) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b));
  return keys.map((k) => {
    const body = value(obj[k], k);
    return body ? h('div', { class: `guide-part guide-${k}` }, h('h3', null, LABELS[k] || humanize(k)), body) : null;
  });
}

export function privateMaterial(p) {
  if (typeof p !== 'object' || p === null) return value(p);
  if (p.guide && typeof p.guide === 'object') p = { ...p.guide, ...Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'guide')) };
  return h('div', { class: 'guide-body' }, sections(p));
}

// The interviewer's guide for the running question, laid out in the order an interview uses it:
// why we ask, clarifications and hints (each with a button that gives it to the candidate; hints
// only in order), the 1–4 scoring guide, then what to listen for. given is {hints: Set of
// numbers, clarifications: Set of numbers}; give(type, number) sends the command. It returns the
// element and update(given), which marks newly given items in place: the rest of the guide (and
// where the reader is in it) stays as it is.
const REST = ['looks_for', 'red_flags', 'strong_answer', 'follow_ups', 'story', 'probes', 'qualities'];

export function guidePanel(guide, given, give) {
  const part = (key, title, ...body) => h('div', { class: `guide-part guide-${key}` }, h('h3', null, title), ...body);
  const parts = [];
  // Each clarification and hint is an item whose last slot holds its button or its "Given" badge.
  /** @type {{li: HTMLElement, slot: HTMLElement, done: boolean|null}[]} */
  const clarItems = [];
  /** @type {{li: HTMLElement, slot: HTMLElement, done: boolean|null, button: HTMLButtonElement|null}[]} */
  const hintItems = [];
  if (guide.why) parts.push(part('why', 'Why we ask', h('p', null, guide.why)));
  const clar = guide.clarifications || [];
  if (clar.length) {
    const list = clar.map((c) => {
      const slot = h('span', { class: 'give-slot' });
      const li = h('li', null, h('strong', null, c.question), ' ', h('span', null, c.answer), ' ', slot);
      clarItems.push({ li, slot, done: null });
      return li;
    });
    parts.push(part('clarifications', 'If the candidate asks', h('ul', { class: 'give-list', id: 'guide-clarifications' }, list)));
  }
  const hints = guide.hints || [];
  if (hints.length) {
    const list = hints.map((hint) => {
      const slot = h('span', { class: 'give-slot' });
      const li = h('li', null, h('span', null, hint.text), ' ', h('span', { class: 'muted small' }, `(caps the score at ${hint.max_score})`), ' ', slot);
      hintItems.push({ li, slot, done: null, button: null });
      return li;
    });
    parts.push(part('hints', 'Hints, in order', h('ol', { class: 'give-list', id: 'guide-hints' }, list)));
  }
  if (guide.scoring?.length === 4) {
    parts.push(part('scoring', 'Scoring this question', h('ol', { class: 'scoring' }, guide.scoring.map((s, i) => h('li', null, h('strong', null, `${i + 1}: `), s)))));
  }
  const rest = Object.fromEntries(REST.filter((k) => guide[k] !== undefined).map((k) => [k, guide[k]]));
  parts.push(...sections(rest));
  if (guide.solution) parts.push(part('solution', 'Reference solution', h('pre', { class: 'example' }, guide.solution)));
  if (guide.tests?.length) {
    parts.push(part('tests', 'Checks of a solution', h('ul', null, guide.tests.map((t) => h('li', null, h('code', null, t.call), t.raises ? ` raises ${t.raises}` : ` → ${t.expect}`)))));
  }

  // update touches only the items whose state changed, so a focused button that is still a
  // button keeps its focus.
  function update(g) {
    clarItems.forEach((it, i) => {
      const n = i + 1;
      const done = g.clarifications.has(n);
      if (done === it.done) return;
      it.done = done;
      it.li.className = done ? 'given' : '';
      replace(
        it.slot,
        done
          ? h('span', { class: 'badge', id: `clarification-given-${n}` }, 'Given')
          : h('button', { type: 'button', class: 'btn btn-small btn-ghost', id: `give-clarification-${n}`, onclick: () => give('clarification.give', n) }, 'Give answer'),
      );
    });
    const next = hintItems.findIndex((_, i) => !g.hints.has(i + 1)) + 1;
    hintItems.forEach((it, i) => {
      const n = i + 1;
      const done = g.hints.has(n);
      if (done !== it.done) {
        it.done = done;
        it.li.className = done ? 'given' : '';
        it.button = done ? null : /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-small btn-ghost', id: `give-hint-${n}`, onclick: () => give('hint.give', n) }, `Give hint ${n}`));
        replace(it.slot, done ? h('span', { class: 'badge', id: `hint-given-${n}` }, 'Given') : it.button);
      }
      if (it.button) {
        it.button.disabled = n !== next;
        if (n !== next) it.button.title = 'Give the hints before it first';
        else it.button.removeAttribute('title');
      }
    });
  }
  update(given);
  return { el: h('div', { class: 'guide-body' }, parts), update };
}
