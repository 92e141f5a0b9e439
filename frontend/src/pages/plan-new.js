// The form for a custom plan (POST /api/v1/tracks/{track}/plans): a title, a summary and slots
// in the order they run. A slot asks one question from the bank (a built-in one or one of your
// own), draws one from a category at a level, or leaves the candidate time for their own
// questions; each has its time in minutes or, for short drills, seconds. Slots move up and down.
//
// As on the question form, the plain checks run first (a title, a question chosen, a time in
// range, at most 20 slots and 180 minutes) and the server judges the rest (a question twice, a
// category with too few questions, another user's question): its error names the slot's field,
// and the message appears beside it.

import { h, errorBox, humanize, replace } from '../dom.js';
import { api } from '../api.js';
import { fieldErrors } from '../form-errors.js';
import { CATEGORIES, DEFAULT_TRACK, DIFFICULTIES, listOf } from './bank.js';
import { guestNotice, labelled, levelOptions, nextId, saveForm, select, wholeNumber } from './bank-form-parts.js';
import './bank-forms.css';

// The limits of api/openapi.yaml (PlanDraft, Slot).
const LIMITS = { title: 120, summary: 1000, slots: 20, minMinutes: 1, maxMinutes: 60, minSeconds: 1, maxSeconds: 3600, totalMinutes: 180 };
const OWN = 'candidate_questions';

// allQuestions reads every question the caller may use, following the pages of the search.
async function allQuestions(track) {
  const out = [];
  let cursor;
  do {
    const page = await api.questions(track, { cursor });
    out.push(...listOf(page, 'questions'));
    cursor = page?.next_cursor;
  } while (cursor);
  return out;
}

export function renderNewPlan(el, { query }) {
  const track = query.get('track') || DEFAULT_TRACK;
  if (guestNotice(el, 'Make a plan', 'make plans')) return undefined;
  const errors = fieldErrors();
  let categories = CATEGORIES;
  /** @type {any[]} */
  let questions = [];
  const byId = new Map();

  const title = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'title', maxlength: LIMITS.title, placeholder: 'e.g. Backend loop, 45 minutes' }));
  const summary = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'summary', rows: 2, maxlength: LIMITS.summary }));
  const list = h('ol', { class: 'slot-list', 'aria-label': 'Slots in order' });
  const total = h('p', { class: 'plan-total', id: 'plan-total', 'aria-live': 'polite' });
  const addSlot = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary' }, 'Add a slot'));
  const slotsPart = h(
    'fieldset',
    { class: 'form-part', id: 'slots' },
    h('legend', null, 'Slots, in the order they run'),
    h('small', { class: 'hint', id: 'slots-hint' }, `Up to ${LIMITS.slots} slots and ${LIMITS.totalMinutes} minutes in all. A question appears once per plan.`),
    list,
    h('div', { class: 'slot-foot' }, addSlot, total),
  );
  addSlot.setAttribute('aria-describedby', 'slots-hint');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save the plan'));
  const result = h('div');

  /** @type {ReturnType<typeof slotRow>[]} */
  const slots = [];

  function slotRow(init = {}) {
    const n = nextId('slot');
    const kind = select('kind', [
      ['question', 'A question from the bank'],
      ['category', 'A question drawn from a category'],
      [OWN, 'The candidate\'s own questions'],
    ], init.kind || 'question');
    const question = select('question_id', [], undefined);
    const category = select('category', categories, init.category || categories[0][0]);
    const difficulty = select('difficulty', levelOptions(DIFFICULTIES), init.difficulty || 'mid');
    const amount = /** @type {HTMLInputElement} */ (h('input', { type: 'number', name: 'time', min: 1, step: 1, value: String(init.amount ?? 10), inputmode: 'numeric' }));
    const unit = select('unit', [['minutes', 'minutes'], ['seconds', 'seconds']], init.unit || 'minutes');
    const heading = h('h3', { class: 'slot-heading', id: `${n}-heading` });
    // Named "Move slot 2 up" for a screen reader; the visible word is part of that name.
    const up = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Up');
    const down = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Down');
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Remove');
    const questionField = labelled('Question', question);
    const categoryField = labelled('Category', category);
    const difficultyField = labelled('Level', difficulty);
    const kindField = labelled('Asks', kind);
    const timeField = labelled('Time', amount);
    const unitField = labelled('Unit', unit);
    const li = h(
      'li',
      { class: 'slot card', 'aria-labelledby': heading.id },
      h('div', { class: 'slot-head' }, heading, h('div', { class: 'slot-moves' }, up, down, remove)),
      h('div', { class: 'slot-fields' }, kindField, questionField, categoryField, difficultyField, h('div', { class: 'slot-time' }, timeField, unitField)),
    );
    const row = {
      li,
      heading,
      up,
      down,
      remove,
      kind,
      question,
      category,
      difficulty,
      amount,
      unit,
      fill() {
        const keep = question.value || init.question_id || '';
        replace(question, h('option', { value: '' }, 'Choose a question…'), questionOptions());
        question.value = byId.has(keep) ? keep : '';
      },
      sync() {
        const k = kind.value;
        questionField.hidden = k !== 'question';
        categoryField.hidden = k !== 'category';
        difficultyField.hidden = k !== 'category';
        amount.max = unit.value === 'seconds' ? String(LIMITS.maxSeconds) : String(LIMITS.maxMinutes);
      },
      value() {
        const s = {};
        if (kind.value === 'question') s.question_id = question.value;
        else if (kind.value === 'category') Object.assign(s, { category: category.value, difficulty: difficulty.value });
        else s.category = OWN;
        s[unit.value] = wholeNumber(amount);
        return s;
      },
      register(i) {
        const path = `slots[${i}]`;
        const reg = (name, control) => errors.register(`${path}.${name}`, control, control.closest('.field'));
        reg('question_id', kind.value === 'question' ? question : kind);
        reg('category', kind.value === 'category' ? category : kind);
        reg('difficulty', kind.value === 'category' ? difficulty : kind);
        reg('minutes', amount);
        reg('seconds', amount);
        errors.register(path, kind, li);
      },
    };
    // A chosen question brings its own suggested time, until the time is changed by hand.
    let timeTouched = init.amount !== undefined;
    amount.addEventListener('input', () => (timeTouched = true));
    question.addEventListener('change', () => {
      const q = byId.get(question.value);
      if (q?.minutes && !timeTouched) {
        unit.value = 'minutes';
        amount.value = String(q.minutes);
      }
      update();
    });
    kind.addEventListener('change', () => (row.sync(), update()));
    for (const c of [amount, unit, category, difficulty]) c.addEventListener('change', update);
    amount.addEventListener('input', update);
    up.addEventListener('click', () => move(row, -1, up));
    down.addEventListener('click', () => move(row, 1, down));
    remove.addEventListener('click', () => {
      slots.splice(slots.indexOf(row), 1);
      li.remove();
      update();
      (slots[0]?.kind || addSlot).focus();
    });
    row.fill();
    row.sync();
    return row;
  }

  function questionOptions() {
    const groups = [];
    for (const [id, label] of categories) {
      const qs = questions.filter((q) => q.category === id && !q.author && !String(q.id).startsWith('custom-'));
      if (qs.length) groups.push(h('optgroup', { label }, qs.map((q) => h('option', { value: q.id }, `${q.title} (${humanize(q.difficulty)}, ${q.minutes} min)`))));
    }
    const own = questions.filter((q) => String(q.id).startsWith('custom-'));
    if (own.length) groups.unshift(h('optgroup', { label: 'My questions' }, own.map((q) => h('option', { value: q.id }, `${q.title} (${humanize(q.difficulty)}, ${q.minutes} min)`))));
    return groups;
  }

  function move(row, by, button) {
    const i = slots.indexOf(row);
    const j = i + by;
    if (j < 0 || j >= slots.length) return;
    [slots[i], slots[j]] = [slots[j], slots[i]];
    replace(list, slots.map((s) => s.li));
    update();
    // Keep focus on the button pressed, or on its partner at either end of the list.
    (button.disabled ? (by < 0 ? row.down : row.up) : button).focus();
  }

  function update() {
    slots.forEach((s, i) => {
      s.heading.textContent = `Slot ${i + 1}`;
      s.up.disabled = i === 0;
      s.down.disabled = i === slots.length - 1;
      s.up.setAttribute('aria-label', `Move slot ${i + 1} up`);
      s.down.setAttribute('aria-label', `Move slot ${i + 1} down`);
      s.remove.setAttribute('aria-label', `Remove slot ${i + 1}`);
    });
    addSlot.disabled = slots.length >= LIMITS.slots;
    const secs = slots.reduce((n, s) => {
      const v = wholeNumber(s.amount);
      return n + (Number.isNaN(v) ? 0 : s.unit.value === 'seconds' ? v : v * 60);
    }, 0);
    const m = Math.floor(secs / 60);
    const sec = secs % 60;
    total.textContent = `${slots.length === 1 ? '1 slot' : `${slots.length} slots`} · ${m} min${sec ? ` ${sec} s` : ''} in all`;
  }

  function addRow(init) {
    const row = slotRow(init);
    slots.push(row);
    list.append(row.li);
    update();
    return row;
  }

  addSlot.addEventListener('click', () => addRow().kind.focus());

  const pick = query.get('question');
  addRow(pick ? { question_id: pick } : {});

  Promise.all([api.track(track).catch(() => null), allQuestions(track)])
    .then(([t, qs]) => {
      const info = t?.track || t;
      if (Array.isArray(info?.categories) && info.categories.length) categories = info.categories.map((c) => [c.id, c.title || humanize(c.id)]);
      questions = qs;
      for (const q of qs) byId.set(q.id, q);
      for (const s of slots) {
        const keep = s.category.value;
        replace(s.category, categories.map(([v, l]) => h('option', { value: v }, l)));
        s.category.value = keep;
        s.fill();
      }
      const first = slots[0];
      const q = pick && byId.get(pick);
      if (first && q) {
        first.amount.value = String(q.minutes);
        update();
      }
      form.dataset.ready = 'true';
    })
    .catch((err) => status.append(errorBox(err)));

  const registerAll = () => {
    errors.forget();
    errors.register('title', title, title.closest('.field'));
    errors.register('summary', summary, summary.closest('.field'));
    slots.forEach((s, i) => s.register(i));
    errors.register('slots', slots[0]?.kind || addSlot, slotsPart);
  };

  const form = h(
    'form',
    {
      class: 'card form bank-form',
      novalidate: true,
      'aria-labelledby': 'new-plan-title',
      onsubmit: saveForm({
        errors,
        status,
        submit,
        prepare: () => {
          registerAll();
          const d = { title: title.value.trim(), slots: slots.map((s) => s.value()) };
          if (summary.value.trim()) d.summary = summary.value.trim();
          return d;
        },
        check: checkPlan,
        save: (d) => api.addPlan(track, d),
        done: (plan) => {
          form.hidden = true;
          intro.hidden = true;
          showCreated(result, plan, byId);
        },
      }),
    },
    labelled('Title', title, `Up to ${LIMITS.title} characters; you pick the plan by it when you create a room.`),
    labelled('Summary (optional)', summary, 'A line on what the plan is for.'),
    slotsPart,
    status,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-ghost', href: '/rooms/new' }, 'Cancel')),
  );
  const intro = h(
    'p',
    { class: 'lead' },
    'Your own plan: the questions you want, in your order, with the time each gets. Only you see it. Missing a question? ',
    h('a', { href: '/questions/new' }, 'Add one to the bank'),
    ' first.',
  );
  el.append(h('section', { class: 'page narrow-wide' }, h('h1', { id: 'new-plan-title' }, 'Make a plan'), intro, form, result));
  title.focus();
  return undefined;
}

// checkPlan finds what is plainly wrong before the server is asked; paths are the server's.
export function checkPlan(d) {
  const out = [];
  const need = (field, ok, message) => ok || out.push({ field, message });
  need('title', d.title !== '', 'Give the plan a title.');
  need('slots', d.slots.length >= 1, 'Add at least one slot.');
  need('slots', d.slots.length <= LIMITS.slots, `A plan has at most ${LIMITS.slots} slots.`);
  let secs = 0;
  d.slots.forEach((s, i) => {
    if ('question_id' in s) need(`slots[${i}].question_id`, s.question_id !== '', 'Choose a question.');
    if ('minutes' in s) {
      need(`slots[${i}].minutes`, Number.isInteger(s.minutes) && s.minutes >= LIMITS.minMinutes && s.minutes <= LIMITS.maxMinutes, `Give whole minutes from ${LIMITS.minMinutes} to ${LIMITS.maxMinutes}.`);
      secs += (s.minutes || 0) * 60;
    } else {
      need(`slots[${i}].seconds`, Number.isInteger(s.seconds) && s.seconds >= LIMITS.minSeconds && s.seconds <= LIMITS.maxSeconds, `Give whole seconds from ${LIMITS.minSeconds} to ${LIMITS.maxSeconds}.`);
      secs += s.seconds || 0;
    }
  });
  need('slots', secs <= LIMITS.totalMinutes * 60, `The slots add up to more than ${LIMITS.totalMinutes} minutes.`);
  return out.filter((p, i) => out.findIndex((o) => o.field === p.field) === i);
}

function showCreated(el, plan, byId) {
  const budget = (s) => (s.seconds ? `${s.seconds} s` : `${s.minutes} min`);
  const what = (s) => {
    if (s.question_id) return byId.get(s.question_id)?.title || s.question_id;
    if (s.category === OWN) return 'The candidate\'s own questions';
    return `A ${humanize(s.difficulty).toLowerCase()} question drawn from ${CATEGORIES.find(([id]) => id === s.category)?.[1] || humanize(s.category)}`;
  };
  replace(
    el,
    h(
      'div',
      { class: 'created card', id: 'created-plan', dataset: { id: plan.id } },
      h('p', { class: 'alert alert-info', role: 'status' }, 'Your plan is saved. Only you can see it.'),
      h('h2', null, plan.title),
      plan.summary ? h('p', null, plan.summary) : null,
      h('ol', { class: 'created-slots' }, (plan.slots || []).map((s) => h('li', null, `${what(s)} · ${budget(s)}`))),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: `/rooms/new?plan=${encodeURIComponent(plan.id)}` }, 'Create a room with this plan'),
        h('a', { class: 'btn btn-ghost', href: '/plans/new' }, 'Make another plan'),
      ),
    ),
  );
}
