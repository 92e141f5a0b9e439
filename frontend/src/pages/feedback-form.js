// The feedback forms as editable controls. The rubric form (about a candidate): per quality a
// score 1–4 with each level's description beside its button, or "not observed" as its own answer,
// evidence text and cited moments; an overall recommendation; strengths; things to improve; per
// question asked a score and a note. The interviewer-quality form (a peer candidate about their
// interviewer): per item a score with its level descriptions, and a comment.
//
// Every group of choices is a fieldset with a legend, every text box has a label, and a
// validation error is shown beside the field it names (and announced) with the control marked
// invalid. The form calls onChange(content) after every edit; content is the plain object the
// server stores (see contentOf in feedback-data.js for its shape).

import { h } from '../dom.js';
import { fieldErrors } from '../form-errors.js';
import { citePicker } from './feedback-moments.js';

let formSeq = 0;

const NOT_OBSERVED = 'not_observed';

// rubricForm builds the form about a candidate.
export function rubricForm({ rubric, questions = [], content, moments, index, onChange, level }) {
  const id = `fb${++formSeq}`;
  const errors = fieldErrors();
  const c = content; // edited in place; onChange gets it after each edit
  const changed = () => onChange?.(c);

  const qualitySections = rubric.qualities.map((q, qi) => {
    const entry = c.qualities[q.id] || (c.qualities[q.id] = { score: null, not_observed: false, evidence: '', moments: [] });
    const evidenceId = `${id}-${q.id}-evidence`;
    const evidence = h('textarea', { id: evidenceId, rows: 3, maxlength: 4000, value: entry.evidence || '' });
    evidence.addEventListener('input', () => {
      entry.evidence = evidence.value;
      changed();
    });
    const prompts = q.evidence_prompts || q.prompts || [];
    const picker = citePicker({
      moments,
      index,
      selected: entry.moments || [],
      label: q.title,
      onChange: (list) => {
        entry.moments = list;
        changed();
      },
    });
    const choice = scoreChoices({
      name: `${id}-${q.id}`,
      levels: q.levels,
      value: entry.not_observed ? NOT_OBSERVED : entry.score,
      notObserved: rubric.not_observed || true,
      onPick: (v) => {
        entry.not_observed = v === NOT_OBSERVED;
        entry.score = v === NOT_OBSERVED ? null : v;
        changed();
      },
    });
    errors.register(`qualities.${qi}.score`, choice.first, choice.errorSlot);
    errors.register(`qualities.${qi}`, choice.first, choice.errorSlot);
    const evidenceField = h(
      'div',
      { class: 'field' },
      h('label', { for: evidenceId }, `Evidence for ${q.title}`),
      prompts.length ? h('ul', { class: 'hint prompts', id: `${evidenceId}-hint` }, prompts.map((p) => h('li', null, p))) : h('small', { class: 'hint', id: `${evidenceId}-hint` }, 'What the candidate said, wrote or did. Required for every score given.'),
      evidence,
    );
    evidence.setAttribute('aria-describedby', `${evidenceId}-hint`);
    errors.register(`qualities.${qi}.evidence`, evidence, evidenceField);
    errors.register(`qualities.${qi}.not_observed`, choice.first, choice.errorSlot);
    errors.register(`qualities.${qi}.moments`, picker.el.querySelector('button'), picker.el);
    return h(
      'fieldset',
      { class: 'quality', id: `${id}-${q.id}`, dataset: { quality: q.id } },
      h('legend', null, q.title),
      q.description ? h('p', { class: 'muted quality-description' }, q.description) : null,
      barNote(rubric, q, level),
      choice.el,
      evidenceField,
      picker.el,
    );
  });

  // The overall recommendation: four steps, each with what it means.
  const rec = scoreChoices({
    name: `${id}-recommendation`,
    levels: (rubric.recommendations || []).map((r) => ({ score: r.id, label: r.label, description: r.description })),
    value: c.recommendation || null,
    onPick: (v) => {
      c.recommendation = v;
      changed();
    },
  });
  errors.register('recommendation', rec.first, rec.errorSlot);

  const strengths = textField(`${id}-strengths`, 'Strengths', c.strengths, 'What went well, with what showed it.', (v) => {
    c.strengths = v;
    changed();
  });
  errors.register('strengths', strengths.control, strengths.el);
  const improve = textField(`${id}-improve`, 'Things to improve', c.improvements, 'What to practise next, concretely.', (v) => {
    c.improvements = v;
    changed();
  });
  errors.register('improvements', improve.control, improve.el);

  const questionSections = c.questions.map((entry, i) => {
    const qa = questions.find((x) => x.index === entry.index) || { index: entry.index };
    const sc = scoreChoices({
      name: `${id}-q${i}`,
      levels: [1, 2, 3, 4].map((n) => ({ score: n })),
      value: entry.score,
      compact: true,
      legend: 'Score',
      onPick: (v) => {
        entry.score = v;
        changed();
      },
    });
    const note = textField(`${id}-q${i}-note`, 'Note', entry.note, null, (v) => {
      entry.note = v;
      changed();
    });
    const picker = citePicker({
      moments,
      index,
      selected: entry.moments || [],
      label: `question ${i + 1}`,
      onChange: (list) => {
        entry.moments = list;
        changed();
      },
    });
    errors.register(`questions.${i}.score`, sc.first, sc.errorSlot);
    errors.register(`questions.${i}`, sc.first, sc.errorSlot);
    errors.register(`questions.${i}.note`, note.control, note.el);
    errors.register(`questions.${i}.moments`, picker.el.querySelector('button'), picker.el);
    return h('fieldset', { class: 'question-score', dataset: { question: i } }, h('legend', null, `Question ${(qa.index ?? i) + 1}: ${qa.title || 'untitled'}`), sc.el, note.el, picker.el);
  });

  const el = h(
    'div',
    { class: 'feedback-form rubric-form' },
    h('section', { class: 'form-part', 'aria-labelledby': `${id}-h-qualities` }, h('h4', { id: `${id}-h-qualities` }, 'The rubric'), h('p', { class: 'muted small' }, 'Score only what you saw. "Not observed" is its own answer and says nothing against the candidate; every score needs evidence.'), rubric.bar?.summary ? h('p', { class: 'small bar-summary' }, rubric.bar.summary) : null, qualitySections),
    h('section', { class: 'form-part', 'aria-labelledby': `${id}-h-questions` }, h('h4', { id: `${id}-h-questions` }, 'Per question'), h('p', { class: 'muted small' }, 'The questions asked in the session; those of the plan that never started are left out.'), questionSections.length ? questionSections : h('p', { class: 'muted' }, 'No question was asked in this session.')),
    h('section', { class: 'form-part', 'aria-labelledby': `${id}-h-overall` }, h('h4', { id: `${id}-h-overall` }, 'Overall'), h('fieldset', { class: 'recommendation' }, h('legend', null, 'Overall recommendation'), rec.el), strengths.el, improve.el),
  );
  return { el, content: c, showErrors: errors.show, clearErrors: errors.clear };
}

// barNote says what a 3 means for this quality at the level practised (or every level's note
// when the level is not known).
function barNote(rubric, q, level) {
  const notes = q.bar_notes || {};
  if (level && notes[level]) return h('p', { class: 'small bar-note' }, h('strong', null, `The bar (3) for ${level}: `), notes[level]);
  const all = ['junior', 'mid', 'senior'].filter((l) => notes[l]);
  if (!all.length) return null;
  return h('details', { class: 'small bar-note' }, h('summary', null, 'Where the bar (3) differs by level'), h('ul', null, all.map((l) => h('li', null, h('strong', null, `${l}: `), notes[l]))));
}

// interviewerForm builds the short form on which a peer candidate rates their interviewer.
export function interviewerForm({ items, content, onChange }) {
  const id = `fb${++formSeq}`;
  const errors = fieldErrors();
  const c = content;
  const changed = () => onChange?.(c);
  const sections = items.map((item, ii) => {
    const entry = c.items[item.id] || (c.items[item.id] = { score: null });
    const choice = scoreChoices({
      name: `${id}-${item.id}`,
      levels: item.levels,
      value: entry.score,
      onPick: (v) => {
        entry.score = v;
        changed();
      },
    });
    errors.register(`items.${ii}`, choice.first, choice.errorSlot);
    errors.register(`items.${ii}.score`, choice.first, choice.errorSlot);
    return h('fieldset', { class: 'quality', dataset: { item: item.id } }, h('legend', null, item.title), item.description ? h('p', { class: 'muted quality-description' }, item.description) : null, choice.el);
  });
  const comment = textField(`${id}-comment`, 'Anything else for your interviewer', c.comment, 'Optional: what helped, what would have helped more.', (v) => {
    c.comment = v;
    changed();
  });
  errors.register('comment', comment.control, comment.el);
  return {
    el: h('div', { class: 'feedback-form interviewer-form' }, h('section', { class: 'form-part' }, sections, comment.el)),
    content: c,
    showErrors: errors.show,
    clearErrors: errors.clear,
  };
}

// scoreChoices is a radio group: one button per level with its label and description beside it,
// and optionally "not observed" as a separate answer after a divider. Arrow keys move between
// the buttons (native radio behaviour).
/**
 * @param {{ name: string, levels: any[], value: any, onPick: (v: any) => void,
 *   notObserved?: any, compact?: boolean, legend?: any }} options notObserved: false, true, or the
 *   rubric's not_observed ({ label, description }) to offer "not observed" with its wording
 */
export function scoreChoices({ name, levels, value, onPick, notObserved = false, compact = false, legend = null }) {
  const inputs = [];
  const option = (v, title, description, extraClass = '') => {
    const input = h('input', { type: 'radio', name, value: String(v), checked: value === v, dataset: { value: String(v) } });
    input.addEventListener('change', () => {
      if (input.checked) onPick(v);
    });
    inputs.push(input);
    return h('label', { class: `score-option${compact ? ' compact' : ''} ${extraClass}` }, input, h('span', { class: 'score-text' }, h('span', { class: 'score-title' }, title), description ? h('span', { class: 'score-description' }, description) : null));
  };
  const opts = levels.map((l) => option(l.score, typeof l.score === 'number' ? `${l.score} · ${l.label || ''}`.replace(/ · $/, '') : l.label, compact ? null : l.description));
  const no = notObserved ? option(NOT_OBSERVED, notObserved.label || 'Not observed', notObserved.description || 'This session gave no evidence either way.', 'not-observed') : null;
  const errorSlot = h('div', { class: 'choice-error' });
  const group = h('div', { class: `score-choices${compact ? ' compact' : ''}` }, opts, no);
  // Without a legend of its own the group is named by the fieldset around it.
  // The error goes above the buttons, where it is read before them.
  const el = legend ? h('fieldset', { class: 'score-block nested' }, h('legend', null, legend), errorSlot, group) : h('div', { class: 'score-block' }, errorSlot, group);
  return { el, first: inputs[0], errorSlot };
}

function textField(id, label, value, hint, onInput) {
  const control = h('textarea', { id, rows: 3, maxlength: 4000, value: value || '' });
  control.addEventListener('input', () => onInput(control.value));
  const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return { control, el: h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control) };
}

