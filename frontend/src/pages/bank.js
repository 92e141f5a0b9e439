import { h, field, errorBox, humanize, replace } from '../dom.js';
import { loadRubricTitles, qualityTitle } from '../rubric-titles.js';
import { api } from '../api.js';
import { isSignedIn } from '../session.js';

export const DEFAULT_TRACK = 'python-developer';

// The six bank categories, used until the track's own descriptions arrive.
export const CATEGORIES = [
  ['technical_proficiency', 'Technical proficiency'],
  ['conceptual_understanding', 'Conceptual understanding'],
  ['practical_application', 'Practical application'],
  ['system_design', 'System design and architecture'],
  ['behavioral_communication', 'Behavioral and communication'],
  ['problem_solving', 'Problem solving and critical thinking'],
];
export const DIFFICULTIES = ['junior', 'mid', 'senior'];

export function listOf(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  if (data && Array.isArray(data.items)) return data.items;
  return [];
}

export function renderBank(el, { params, query }) {
  const track = params.track || DEFAULT_TRACK;
  const category = h('select', { name: 'category' }, h('option', { value: '' }, 'All categories'), CATEGORIES.map(([id, title]) => h('option', { value: id }, title)));
  const difficulty = h('select', { name: 'difficulty' }, h('option', { value: '' }, 'Any level'), DIFFICULTIES.map((d) => h('option', { value: d }, humanize(d))));
  const text = h('input', { type: 'search', name: 'q', placeholder: 'e.g. generators, GIL, caching', maxlength: 200 });
  category.value = query.get('category') || '';
  difficulty.value = query.get('difficulty') || '';
  text.value = query.get('q') || '';

  const results = h('div', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' });
  const count = h('p', { class: 'muted', id: 'bank-count' });
  const intro = h('p', { class: 'lead' }, 'Questions for Python developer interviews, across six kinds of question and three levels.');
  const title = h('h1', null, 'Question bank');

  let controller = null;
  let debounce = null;
  async function load() {
    controller?.abort();
    controller = new AbortController();
    const q = { category: category.value, difficulty: difficulty.value, q: text.value.trim() };
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(q)) v ? url.searchParams.set(k, v) : url.searchParams.delete(k);
    history.replaceState(null, '', url.pathname + url.search);
    results.setAttribute('aria-busy', 'true');
    try {
      const [data] = await Promise.all([api.questions(track, q, controller.signal), loadRubricTitles(track)]);
      const questions = listOf(data, 'questions');
      count.textContent = questions.length === 1 ? '1 question' : `${questions.length} questions`;
      replace(results, questions.length ? questions.map(questionCard) : h('p', { class: 'empty' }, 'No question matches these filters.'));
    } catch (err) {
      if (err.name === 'AbortError') return;
      count.textContent = '';
      if (err.status === 401) {
        replace(results, h('div', { class: 'card empty' }, h('p', null, 'Sign in to browse the question bank.'), h('div', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: `/signup?next=${encodeURIComponent(location.pathname + location.search)}` }, 'Create an account'), h('a', { class: 'btn btn-ghost', href: `/login?next=${encodeURIComponent(location.pathname + location.search)}` }, 'Log in'))));
      } else {
        replace(results, errorBox(err));
      }
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  }
  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(load, 200);
  };
  category.addEventListener('change', load);
  difficulty.addEventListener('change', load);
  text.addEventListener('input', schedule);

  api
    .track(track)
    .then((t) => {
      const info = t?.track || t;
      if (info?.title) title.textContent = info.title;
      if (info?.description) intro.textContent = info.description;
      const cats = info?.categories;
      if (Array.isArray(cats) && cats.length) {
        const keep = category.value;
        replace(category, h('option', { value: '' }, 'All categories'), cats.map((c) => h('option', { value: c.id, title: c.description || '' }, c.title || humanize(c.id))));
        category.value = keep;
      }
    })
    .catch(() => {});

  el.append(
    h(
      'section',
      { class: 'page' },
      h(
        'div',
        { class: 'page-head page-head-wrap' },
        title,
        isSignedIn()
          ? h('div', { class: 'actions head-actions' }, h('a', { class: 'btn btn-secondary', href: '/questions/new', id: 'add-question' }, 'Add a question'), h('a', { class: 'btn btn-ghost', href: '/plans/new', id: 'make-plan' }, 'Make a plan'))
          : null,
      ),
      intro,
      h(
        'form',
        { class: 'filters card', role: 'search', 'aria-label': 'Filter questions', onsubmit: (e) => (e.preventDefault(), load()) },
        field('Category', category),
        field('Level', difficulty),
        field('Search', text),
      ),
      count,
      results,
    ),
  );
  load();
  return () => controller?.abort();
}

// questionCard shows a question; the interviewer material, when the server sends it, sits in a
// collapsed section so browsing stays quick.
export function questionCard(q) {
  const guide = q.guide || q.guidance;
  return h(
    'article',
    { class: 'card question', dataset: { id: q.id } },
    h(
      'div',
      { class: 'question-meta' },
      h('span', { class: `chip chip-${q.category}` }, humanize(q.category)),
      h('span', { class: `chip level-${q.difficulty}` }, humanize(q.difficulty)),
      q.minutes ? h('span', { class: 'muted' }, `${q.minutes} min`) : null,
      q.coding ? h('span', { class: 'chip chip-code' }, 'coding') : null,
    ),
    h('h2', { class: 'question-title' }, q.title || q.id),
    h('p', { class: 'prompt' }, q.prompt),
    guide ? h('details', { class: 'guide' }, h('summary', null, 'Interviewer guidance'), guideBody(guide)) : null,
  );
}

export function guideBody(guide) {
  const section = (label, items) => (Array.isArray(items) && items.length ? h('div', null, h('h3', null, label), h('ul', null, items.map((i) => h('li', null, String(i))))) : null);
  if (typeof guide === 'string') return h('p', null, guide);
  return h(
    'div',
    { class: 'guide-body' },
    section('Look for', guide.looks_for),
    section('Red flags', guide.red_flags),
    section('A strong answer', guide.strong_answer),
    section('Follow-up questions', guide.follow_ups),
    section('Rubric qualities', (guide.qualities || []).map(qualityTitle)),
  );
}
