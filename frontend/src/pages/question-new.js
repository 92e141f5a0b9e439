// The form for a custom question (POST /api/v1/tracks/{track}/questions). It covers every field
// the API takes: what the candidate reads (category, level, time, title, prompt, and for a coding
// question the language, starter code, examples, test setup, run time limit and whether it runs
// in the browser) and the interviewer's guide (what to look for, red flags, a strong answer,
// follow-ups, rubric qualities, why it is asked, clarifications, hints with the score each
// caps, a scoring guide, a reference solution and tests for coding, a story checklist and probes
// for behavioural questions).
//
// Before sending, the form checks what is plain from the form itself (a required text left
// blank, a number out of range, too few entries); those checks are a subset of the server's
// rules, so the form never refuses what the server would take. Everything else (the order of
// hint costs, a test's exception name, …) is the server's to judge: its error names the field,
// and the message appears beside that input, which is marked invalid and focused.

import { h, errorBox, humanize, replace } from '../dom.js';
import { api } from '../api.js';
import { fieldErrors } from '../form-errors.js';
import { CATEGORIES, DEFAULT_TRACK, DIFFICULTIES, questionCard } from './bank.js';
import { guestNotice, labelled, levelOptions, linesField, nextId, rowList, saveForm, select, wholeNumber } from './bank-form-parts.js';
import './bank-forms.css';

// The limits of api/openapi.yaml (QuestionDraft, Coding, Guidance).
const LIMITS = { minMinutes: 1, maxMinutes: 60, title: 120, prompt: 4000, item: 1000, examples: 20, minExamples: 2, minFollowUps: 2, maxItems: 20, hintsMin: 2, hintsMax: 3, clarifications: 10, tests: 40, minTime: 1, maxTime: 60, note: 300 };
const BEHAVIOURAL = 'behavioral_communication';

export function renderNewQuestion(el, { query }) {
  const track = query.get('track') || DEFAULT_TRACK;
  if (guestNotice(el, 'Add a question', 'add questions to the bank')) return undefined;
  const errors = fieldErrors();

  // What the candidate reads.
  const category = select('category', CATEGORIES, query.get('category') || 'technical_proficiency');
  const difficulty = select('difficulty', levelOptions(DIFFICULTIES), 'mid');
  const minutes = /** @type {HTMLInputElement} */ (h('input', { type: 'number', name: 'minutes', min: LIMITS.minMinutes, max: LIMITS.maxMinutes, step: 1, value: '10', inputmode: 'numeric' }));
  const title = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'title', maxlength: LIMITS.title, placeholder: 'e.g. Flatten a nested list' }));
  const prompt = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'prompt', rows: 5, maxlength: LIMITS.prompt }));

  // Coding material, shown when the question is worked in the editor.
  const isCoding = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'is_coding', id: nextId('coding') }));
  const language = select('language', [['python', 'Python']], 'python');
  const starter = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'starter', rows: 5, class: 'code', spellcheck: 'false', value: 'def solution(items):\n    ...\n' }));
  const examples = rowList({
    legend: 'Examples',
    hint: `At least ${LIMITS.minExamples}. The candidate sees them; Run tests compares the repr of each input's value with its output.`,
    rowLabel: 'Example',
    addLabel: 'Add an example',
    max: LIMITS.examples,
    initial: [{}, {}],
    make: () => {
      const input = h('input', { type: 'text', class: 'code', spellcheck: 'false', placeholder: 'solution([1, [2]])' });
      const output = h('input', { type: 'text', class: 'code', spellcheck: 'false', placeholder: '[1, 2]' });
      return {
        controls: { input, output },
        el: h('div', { class: 'row-fields' }, labelled('Input (a Python expression)', input), labelled('Expected output', output, 'Its repr; for an input that raises, "raises ExceptionName" or "ExceptionName: message".')),
        value: () => ({ input: /** @type {HTMLInputElement} */ (input).value.trim(), output: /** @type {HTMLInputElement} */ (output).value.trim() }),
      };
    },
  });
  const testSetup = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'test_setup', rows: 3, class: 'code', spellcheck: 'false' }));
  const timeLimit = /** @type {HTMLInputElement} */ (h('input', { type: 'number', name: 'time_limit_s', min: LIMITS.minTime, max: LIMITS.maxTime, step: 1, placeholder: '10', inputmode: 'numeric' }));
  const inBrowser = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'runs_in_browser', checked: true, id: nextId('browser') }));
  const browserNote = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'browser_note', rows: 2, maxlength: LIMITS.note }));
  const browserNoteField = labelled('Why it cannot run in the browser', browserNote, 'Shown beside the disabled test buttons, e.g. "It starts threads, which the browser\'s Python cannot."');
  const inBrowserField = h('div', { class: 'field' }, h('label', { class: 'check', for: inBrowser.id }, inBrowser, ' The code and its tests run in the browser\'s Python'), browserNoteField);
  const codingPart = h(
    'fieldset',
    { class: 'form-part', id: 'coding-part' },
    h('legend', null, 'Coding'),
    labelled('Language', language, 'The editor\'s language. Code runs in the browser in Python.'),
    labelled('Starter code', starter, 'What the editor holds when the question starts.'),
    examples.el,
    labelled('Test setup (optional)', testSetup, 'Python run after the candidate\'s code and before the tests: imports and helpers the tests use. The candidate sees it.'),
    labelled('Run time limit in seconds (optional)', timeLimit, `${LIMITS.minTime} to ${LIMITS.maxTime}; 10 if left blank. A run that takes longer is stopped.`),
    inBrowserField,
  );

  // The interviewer's guide.
  const looksFor = linesField('What a good answer covers', 'One point per line; at least one.');
  const redFlags = linesField('Red flags', 'One per line; at least one.');
  const strong = linesField('A strong answer', 'Its outline, one point per line; at least one.');
  const followUps = linesField('Follow-up questions', `One per line; at least ${LIMITS.minFollowUps}.`);
  const qualityBox = h('div', { class: 'choice-grid' }, h('p', { class: 'muted' }, 'Loading the rubric…'));
  const qualities = h('fieldset', { class: 'qualities' }, h('legend', null, 'Rubric qualities an answer shows'), h('small', { class: 'hint' }, 'At least one. The feedback form asks about these.'), qualityBox);
  const why = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'why', rows: 2, maxlength: LIMITS.item }));
  const clarifications = rowList({
    legend: 'Clarifications (optional)',
    hint: `Questions a candidate may ask about the task, with the answer to give; up to ${LIMITS.clarifications}.`,
    rowLabel: 'Clarification',
    addLabel: 'Add a clarification',
    max: LIMITS.clarifications,
    make: () => {
      const question = h('input', { type: 'text', maxlength: LIMITS.item });
      const answer = h('input', { type: 'text', maxlength: LIMITS.item });
      return {
        controls: { question, answer },
        el: h('div', { class: 'row-fields' }, labelled('The candidate asks', question), labelled('You answer', answer)),
        value: () => ({ question: /** @type {HTMLInputElement} */ (question).value.trim(), answer: /** @type {HTMLInputElement} */ (answer).value.trim() }),
      };
    },
  });
  const hints = rowList({
    legend: 'Hints (optional)',
    hint: `None, or ${LIMITS.hintsMin} to ${LIMITS.hintsMax} in the order you give them. Each caps the score the answer can reach; a later hint never caps higher than the one before.`,
    rowLabel: 'Hint',
    addLabel: 'Add a hint',
    max: LIMITS.hintsMax,
    make: (i, init) => {
      const text = h('input', { type: 'text', maxlength: LIMITS.item });
      const cap = select('max_score', [1, 2, 3, 4].map((n) => [String(n), `${n} of 4`]), String(init?.max_score ?? Math.max(1, 3 - i)));
      return {
        controls: { text, max_score: cap },
        el: h('div', { class: 'row-fields' }, labelled('Hint', text), labelled('Highest score after it', cap)),
        value: () => ({ text: /** @type {HTMLInputElement} */ (text).value.trim(), max_score: Number(cap.value) }),
      };
    },
  });
  const scoring = [1, 2, 3, 4].map((n) => /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 2, maxlength: LIMITS.item, name: `scoring_${n}` })));
  const scoringFields = scoring.map((c, i) => labelled(`An answer scoring ${i + 1}`, c));
  const scoringPart = h('fieldset', { class: 'rows' }, h('legend', null, 'Scoring guide (optional)'), h('small', { class: 'hint' }, 'What an answer to this question scoring 1, 2, 3 and 4 looks like: all four, or none.'), scoringFields);
  const solution = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'solution', rows: 5, class: 'code', spellcheck: 'false', maxlength: 20000 }));
  const tests = rowList({
    legend: 'Hidden tests (optional)',
    hint: 'Only you see them; Run hidden tests checks the candidate\'s code against them. Each is a call and either the value it equals or the exception it raises.',
    rowLabel: 'Test',
    addLabel: 'Add a test',
    max: LIMITS.tests,
    make: () => {
      const call = h('input', { type: 'text', class: 'code', spellcheck: 'false', placeholder: 'solution([])' });
      const expect = h('input', { type: 'text', class: 'code', spellcheck: 'false', placeholder: '[]' });
      const raises = h('input', { type: 'text', class: 'code', spellcheck: 'false', placeholder: 'ValueError' });
      return {
        controls: { call, expect, raises },
        el: h('div', { class: 'row-fields' }, labelled('Call', call), labelled('Equals (a Python expression)', expect), labelled('Or raises (an exception class)', raises)),
        value: () => {
          const t = { call: /** @type {HTMLInputElement} */ (call).value.trim() };
          const e = /** @type {HTMLInputElement} */ (expect).value.trim();
          const r = /** @type {HTMLInputElement} */ (raises).value.trim();
          if (e) t.expect = e;
          if (r) t.raises = r;
          return t;
        },
      };
    },
  });
  const codingGuide = h('div', { class: 'form-part', id: 'coding-guide' }, labelled('Reference solution (optional)', solution, 'Only you see it, in the room.'), tests.el);
  const story = ['situation', 'action', 'result', 'reflection'].map((part) => [part, /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 2, maxlength: LIMITS.item, name: `story_${part}` }))]);
  const storyFields = story.map(([part, c]) => labelled(humanize(/** @type {string} */ (part)), /** @type {HTMLElement} */ (c)));
  const probes = linesField('Probes (optional)', 'Questions that dig into the story, one per line.');
  const behaviouralGuide = h(
    'div',
    { class: 'form-part', id: 'behavioural-guide' },
    h('fieldset', { class: 'rows' }, h('legend', null, 'What a good story holds (optional)'), h('small', { class: 'hint' }, 'All four parts, or none.'), storyFields),
    probes.el,
  );

  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add the question'));
  const result = h('div');

  const sync = () => {
    codingPart.hidden = !isCoding.checked;
    codingGuide.hidden = !isCoding.checked;
    behaviouralGuide.hidden = category.value !== BEHAVIOURAL;
    browserNoteField.hidden = inBrowser.checked;
  };
  isCoding.addEventListener('change', sync);
  inBrowser.addEventListener('change', sync);
  category.addEventListener('change', sync);

  /** @type {HTMLInputElement[]} */
  let qualityInputs = [];
  api
    .track(track)
    .then((t) => {
      const info = t?.track || t;
      const cats = info?.categories;
      if (Array.isArray(cats) && cats.length) {
        const keep = category.value;
        replace(category, cats.map((c) => h('option', { value: c.id }, c.title || humanize(c.id))));
        category.value = keep;
      }
      const list = info?.rubric?.qualities || [];
      qualityInputs = list.map((q) => /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'quality', value: q.id, id: nextId('quality') })));
      replace(
        qualityBox,
        list.map((q, i) => h('label', { class: 'check choice', for: qualityInputs[i].id, title: q.description || '' }, qualityInputs[i], ' ', q.title || humanize(q.id))),
      );
      if (!list.length) replace(qualityBox, h('p', { class: 'muted' }, 'This track has no rubric qualities.'));
    })
    .catch((err) => replace(qualityBox, errorBox(err)));

  // registerAll tells the error display where each field the server may name lives; rows come
  // and go, so it runs before every display.
  const registerAll = () => {
    errors.forget();
    const reg = (name, control) => errors.register(name, control, control.closest('.field') || control.parentElement);
    reg('category', category);
    reg('difficulty', difficulty);
    reg('minutes', minutes);
    reg('title', title);
    reg('prompt', prompt);
    reg('coding.language', language);
    reg('coding.starter', starter);
    examples.register(errors, 'coding.examples');
    reg('coding.test_setup', testSetup);
    reg('coding.time_limit_s', timeLimit);
    reg('coding.browser_note', inBrowser.checked ? inBrowser : browserNote);
    reg('coding', isCoding);
    reg('guide.looks_for', looksFor.control);
    reg('guide.red_flags', redFlags.control);
    reg('guide.strong_answer', strong.control);
    reg('guide.follow_ups', followUps.control);
    errors.register('guide.qualities', qualityInputs[0] || null, qualities);
    qualityInputs.forEach((q, i) => errors.register(`guide.qualities[${i}]`, q, qualities));
    reg('guide.why', why);
    clarifications.register(errors, 'guide.clarifications');
    hints.register(errors, 'guide.hints');
    errors.register('guide.scoring', scoring[0], scoringPart);
    scoring.forEach((c, i) => reg(`guide.scoring[${i}]`, c));
    reg('guide.solution', solution);
    tests.register(errors, 'guide.tests');
    for (const [part, c] of story) reg(`guide.story.${part}`, c);
    reg('guide.probes', probes.control);
    reg('guide', looksFor.control);
  };

  const body = () => {
    const chosen = qualityInputs.filter((q) => q.checked).map((q) => q.value);
    const guide = { looks_for: looksFor.items(), red_flags: redFlags.items(), strong_answer: strong.items(), follow_ups: followUps.items(), qualities: chosen };
    if (why.value.trim()) guide.why = why.value.trim();
    if (clarifications.rows.length) guide.clarifications = clarifications.values();
    if (hints.rows.length) guide.hints = hints.values();
    if (scoring.some((c) => c.value.trim())) guide.scoring = scoring.map((c) => c.value.trim());
    const d = {
      category: category.value,
      difficulty: difficulty.value,
      minutes: wholeNumber(minutes),
      title: title.value.trim(),
      prompt: prompt.value.trim(),
      guide,
    };
    if (isCoding.checked) {
      const coding = { language: language.value, starter: starter.value, examples: examples.values() };
      if (testSetup.value.trim()) coding.test_setup = testSetup.value;
      if (timeLimit.value.trim()) coding.time_limit_s = wholeNumber(timeLimit);
      if (!inBrowser.checked) {
        coding.runs_in_browser = false;
        coding.browser_note = browserNote.value.trim();
      }
      d.coding = coding;
      if (solution.value.trim()) guide.solution = solution.value;
      if (tests.rows.length) guide.tests = tests.values();
    }
    if (category.value === BEHAVIOURAL) {
      if (story.some(([, c]) => /** @type {HTMLTextAreaElement} */ (c).value.trim())) guide.story = Object.fromEntries(story.map(([p, c]) => [p, /** @type {HTMLTextAreaElement} */ (c).value.trim()]));
      if (probes.items().length) guide.probes = probes.items();
    }
    return d;
  };

  const form = h(
    'form',
    {
      class: 'card form bank-form',
      novalidate: true,
      'aria-labelledby': 'new-question-title',
      onsubmit: saveForm({
        errors,
        status,
        submit,
        prepare: () => {
          registerAll();
          return body();
        },
        check: checkQuestion,
        save: (d) => api.addQuestion(track, d),
        done: (q) => {
          form.hidden = true;
          intro.hidden = true;
          showCreated(result, q, track);
        },
      }),
    },
    h(
      'fieldset',
      { class: 'form-part' },
      h('legend', null, 'What the candidate reads'),
      h('div', { class: 'form-row' }, labelled('Category', category), labelled('Level', difficulty), labelled('Minutes', minutes, `${LIMITS.minMinutes} to ${LIMITS.maxMinutes}; a plan may give it another time.`)),
      labelled('Title', title, `Up to ${LIMITS.title} characters; shown in the bank and the room.`),
      labelled('Prompt', prompt, 'The question or task as the candidate reads it.'),
      h('label', { class: 'check', for: isCoding.id }, isCoding, ' The candidate works it in the shared code editor'),
    ),
    codingPart,
    h(
      'fieldset',
      { class: 'form-part' },
      h('legend', null, 'Your guide (only you see it)'),
      looksFor.el,
      redFlags.el,
      strong.el,
      followUps.el,
      qualities,
      labelled('Why you ask it (optional)', why, 'What the question finds out about the candidate.'),
      clarifications.el,
      hints.el,
      scoringPart,
      codingGuide,
      behaviouralGuide,
    ),
    status,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-ghost', href: '/bank' }, 'Cancel')),
  );
  sync();
  const intro = h('p', { class: 'lead' }, 'A question of your own joins the bank for you alone: nobody else sees it. Use it in your plans and rooms like any other.');
  el.append(h('section', { class: 'page narrow-wide' }, h('h1', { id: 'new-question-title' }, 'Add a question'), intro, form, result));
  title.focus();
  return undefined;
}

// checkQuestion finds what is plainly wrong before the server is asked; the server checks
// everything again. Paths are the server's.
export function checkQuestion(d) {
  const out = [];
  const need = (field, ok, message) => ok || out.push({ field, message });
  need('minutes', Number.isInteger(d.minutes) && d.minutes >= LIMITS.minMinutes && d.minutes <= LIMITS.maxMinutes, `Give a whole number of minutes from ${LIMITS.minMinutes} to ${LIMITS.maxMinutes}.`);
  need('title', d.title !== '', 'Give the question a title.');
  need('prompt', d.prompt !== '', 'Write the prompt the candidate reads.');
  const c = d.coding;
  if (c) {
    need('coding.starter', c.starter.trim() !== '', 'A coding question needs starter code.');
    need('coding.examples', c.examples.length >= LIMITS.minExamples, `Give at least ${LIMITS.minExamples} examples.`);
    c.examples.forEach((ex, i) => {
      need(`coding.examples[${i}].input`, ex.input !== '', 'Give the example\'s input.');
      need(`coding.examples[${i}].output`, ex.output !== '', 'Give the output a correct solution produces.');
    });
    if ('time_limit_s' in c) need('coding.time_limit_s', Number.isInteger(c.time_limit_s) && c.time_limit_s >= LIMITS.minTime && c.time_limit_s <= LIMITS.maxTime, `Give whole seconds from ${LIMITS.minTime} to ${LIMITS.maxTime}, or leave it blank for 10.`);
    if (c.runs_in_browser === false) need('coding.browser_note', c.browser_note !== '', 'Say why the code cannot run in the browser.');
  }
  const g = d.guide;
  need('guide.looks_for', g.looks_for.length >= 1, 'Name at least one thing a good answer covers.');
  need('guide.red_flags', g.red_flags.length >= 1, 'Name at least one red flag.');
  need('guide.strong_answer', g.strong_answer.length >= 1, 'Outline a strong answer.');
  need('guide.follow_ups', g.follow_ups.length >= LIMITS.minFollowUps, `Give at least ${LIMITS.minFollowUps} follow-up questions, one per line.`);
  need('guide.qualities', g.qualities.length >= 1, 'Choose at least one rubric quality.');
  (g.clarifications || []).forEach((cl, i) => {
    need(`guide.clarifications[${i}].question`, cl.question !== '', 'Write the question the candidate may ask.');
    need(`guide.clarifications[${i}].answer`, cl.answer !== '', 'Write the answer you give.');
  });
  if (g.hints) {
    need('guide.hints', g.hints.length >= LIMITS.hintsMin, `Give ${LIMITS.hintsMin} to ${LIMITS.hintsMax} hints, or none.`);
    g.hints.forEach((hint, i) => need(`guide.hints[${i}].text`, hint.text !== '', 'Write the hint.'));
  }
  (g.scoring || []).forEach((s, i) => need(`guide.scoring[${i}]`, s !== '', `Describe an answer scoring ${i + 1}, or clear all four.`));
  (g.tests || []).forEach((t, i) => {
    need(`guide.tests[${i}].call`, t.call !== '', 'Write the call the test makes.');
    need(`guide.tests[${i}].expect`, !!t.expect !== !!t.raises, 'Give the value it equals or the exception it raises, not both.');
  });
  if (g.story) for (const part of ['situation', 'action', 'result', 'reflection']) need(`guide.story.${part}`, g.story[part] !== '', 'Fill in all four parts of the story, or none.');
  return out;
}

function showCreated(el, q, track) {
  const planHref = `/plans/new?question=${encodeURIComponent(q.id)}${track !== DEFAULT_TRACK ? `&track=${encodeURIComponent(track)}` : ''}`;
  const bankHref = `/bank${track !== DEFAULT_TRACK ? `/${encodeURIComponent(track)}` : ''}?q=${encodeURIComponent(q.title)}`;
  replace(
    el,
    h(
      'div',
      { class: 'created', id: 'created-question', dataset: { id: q.id } },
      h('p', { class: 'alert alert-info', role: 'status' }, 'Your question is in the bank. Only you can see it.'),
      questionCard(q),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: planHref }, 'Use it in a new plan'),
        h('a', { class: 'btn btn-secondary', href: bankHref }, 'See it in the bank'),
        h('a', { class: 'btn btn-ghost', href: '/questions/new' }, 'Add another question'),
      ),
    ),
  );
}
