// Feedback read-only: the author's submitted version (and earlier ones) and what was released to
// the person it is about. Scores are shown with their level's label and description, "not
// observed" as itself, and each cited moment with its label and quote.

import { h } from '../dom.js';
import { citedList } from './feedback-moments.js';
import { modelOf } from './feedback-data.js';

function levelOf(levels, score) {
  return (levels || []).find((l) => l.score === score);
}

function scoreLine(levels, entry, notObserved) {
  // What "not observed" means is said once above the list, not under every quality.
  if (entry?.not_observed) return h('p', { class: 'score-read not-observed' }, h('strong', null, notObserved?.label || 'Not observed'));
  if (entry?.score === null || entry?.score === undefined) return h('p', { class: 'score-read muted' }, 'No score given.');
  const l = levelOf(levels, entry.score);
  return h('p', { class: 'score-read' }, h('strong', { class: 'score-number' }, `${entry.score} of 4`), l?.label ? ` · ${l.label}` : '', l?.description ? h('span', { class: 'score-description' }, l.description) : null);
}

function textBlock(title, text) {
  if (!text) return null;
  return h('div', { class: 'read-block' }, h('h4', null, title), h('p', { class: 'read-text' }, text));
}

// rubricView shows a rubric form's content (as the server stores it); questions are the titles
// of the questions asked, [{index, title}].
export function rubricView({ rubric, content: stored, questions = [], index }) {
  const content = modelOf('candidate', stored, []);
  const rec = (rubric.recommendations || []).find((r) => r.id === content.recommendation);
  return h(
    'div',
    { class: 'feedback-read rubric-read' },
    h(
      'section',
      { class: 'read-part' },
      h('h4', null, 'Overall recommendation'),
      rec ? h('p', { class: 'recommendation-read' }, h('strong', null, rec.label), rec.description ? h('span', { class: 'score-description' }, rec.description) : null) : h('p', { class: 'muted' }, 'None given.'),
      textBlock('Strengths', content.strengths),
      textBlock('Things to improve', content.improvements),
    ),
    h(
      'section',
      { class: 'read-part' },
      h('h4', null, 'The rubric'),
      rubric.qualities.some((q) => content.qualities[q.id]?.not_observed)
        ? h('p', { class: 'small muted' }, `"${rubric.not_observed?.label || 'Not observed'}": ${rubric.not_observed?.description || 'the session gave no evidence on this quality either way; it is not a score.'}`)
        : null,
      h(
        'ul',
        { class: 'quality-read-list' },
        rubric.qualities.map((q) => {
          const entry = content.qualities?.[q.id];
          return h(
            'li',
            { class: 'quality-read', dataset: { quality: q.id } },
            h('h5', null, q.title),
            scoreLine(q.levels, entry, rubric.not_observed),
            entry?.evidence ? h('p', { class: 'read-text evidence' }, entry.evidence) : null,
            citedList(entry?.moments, index),
          );
        }),
      ),
    ),
    content.questions.some((x) => x.score || x.note || x.moments?.length)
      ? h(
          'section',
          { class: 'read-part' },
          h('h4', null, 'Per question'),
          h(
            'ul',
            { class: 'quality-read-list' },
            content.questions.map((x) => {
              const qa = questions.find((t) => t.index === x.index) || {};
              return h('li', { class: 'quality-read', dataset: { question: x.index } }, h('h5', null, `Question ${x.index + 1}${qa.title ? `: ${qa.title}` : ''}`), x.score ? h('p', { class: 'score-read' }, h('strong', null, `${x.score} of 4`)) : null, x.note ? h('p', { class: 'read-text' }, x.note) : null, citedList(x.moments, index));
            }),
          ),
        )
      : null,
  );
}

// interviewerView shows an interviewer-quality form's content (as the server stores it).
export function interviewerView({ items, content: stored }) {
  const content = modelOf('interviewer', stored, []);
  return h(
    'div',
    { class: 'feedback-read interviewer-read' },
    h(
      'ul',
      { class: 'quality-read-list' },
      items.map((item) => h('li', { class: 'quality-read', dataset: { item: item.id } }, h('h5', null, item.title), scoreLine(item.levels, content.items?.[item.id]))),
    ),
    textBlock('Comment', content.comment),
  );
}

export function when(ts) {
  const d = new Date(ts);
  if (!ts || Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
