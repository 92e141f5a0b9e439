// My progress: per rubric quality the released scores over time (a small chart each, with the
// average), per category how it went, sessions given and taken, the preparation map and the
// next session suggested from the weakest areas. Charts are plain SVG built here: a few lines and
// points need no charting library.

import { h, errorBox, humanize, replace, describeError, toast } from '../dom.js';
import { request } from '../api.js';
import { navigate } from '../router.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

const fmt = (v) => (v == null ? '—' : v.toFixed(1));

// chart draws scores 1–4 at evenly spaced sessions, with the average as a dashed line.
export function chart(points, average, label) {
  const W = 320;
  const H = 150;
  const L = 28;
  const R = 10;
  const T = 10;
  const B = 24;
  const x = (i) => (points.length === 1 ? L + (W - L - R) / 2 : L + (i * (W - L - R)) / (points.length - 1));
  const y = (s) => T + ((4 - s) * (H - T - B)) / 3;
  const el = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'progress-chart', role: 'img', 'aria-label': label });
  for (const s of [1, 2, 3, 4]) {
    el.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(s), y2: y(s) }), svg('text', { x: L - 8, y: y(s) + 4, 'text-anchor': 'end' }, String(s)));
  }
  if (average != null) el.append(svg('line', { class: 'avg', x1: L, x2: W - R, y1: y(average), y2: y(average) }));
  if (points.length > 1) el.append(svg('polyline', { class: 'line', points: points.map((p, i) => `${x(i)},${y(p.score)}`).join(' ') }));
  points.forEach((p, i) => {
    const date = new Date(p.at).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    el.append(svg('circle', { cx: x(i), cy: y(p.score), r: 4 }, svg('title', null, `${date}: ${p.score}`)));
    // The outer labels are anchored inwards so they are not cut at the edges.
    const anchor = points.length > 1 && i === 0 ? 'start' : points.length > 1 && i === points.length - 1 ? 'end' : 'middle';
    if (points.length <= 8 || i === 0 || i === points.length - 1) el.append(svg('text', { x: x(i), y: H - 6, 'text-anchor': anchor }, date));
  });
  return el;
}

export function renderProgress(el) {
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your progress…'));
  el.append(h('section', { class: 'page' }, h('div', { class: 'page-head' }, h('h1', null, 'My progress'), h('a', { href: '/sessions', class: 'btn btn-secondary' }, 'My sessions')), body));
  request('GET', '/api/v1/me/progress')
    .then((p) => {
      body.setAttribute('aria-busy', 'false');
      replace(body, counts(p), qualities(p), categories(p), prepMap(p), suggestion(p));
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      replace(body, errorBox(err));
    });
}

function counts(p) {
  const s = p.sessions;
  return h('p', { class: 'lead', id: 'progress-counts' }, `Sessions taken: ${s.taken} · given: ${s.given}${s.observed ? ` · observed: ${s.observed}` : ''}`);
}

function qualities(p) {
  const scored = p.qualities.filter((q) => q.points.length);
  const card = h('section', { class: 'card' }, h('h2', null, 'Rubric qualities over time'));
  if (!scored.length) {
    card.append(h('p', { class: 'muted' }, 'No scores released to you yet. They appear here once feedback about you is released.'));
    return card;
  }
  card.append(
    h(
      'div',
      { class: 'chart-grid' },
      scored.map((q) =>
        h(
          'figure',
          { class: 'quality-chart', dataset: { quality: q.id } },
          chart(q.points, q.average, `${humanize(q.id)}: ${q.points.map((pt) => pt.score).join(', ')}`),
          h('figcaption', null, h('strong', null, humanize(q.id)), ` · average ${fmt(q.average)} over ${q.points.length} session${q.points.length === 1 ? '' : 's'}`, q.not_observed ? ` · not observed ${q.not_observed}×` : ''),
        ),
      ),
    ),
  );
  return card;
}

function categories(p) {
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'By question category'),
    p.categories.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
          'table',
          { class: 'questions-table' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col' }, 'Asked'), h('th', { scope: 'col' }, 'Scored'), h('th', { scope: 'col' }, 'Average'))),
          h('tbody', null, p.categories.map((c) => h('tr', null, h('td', null, humanize(c.category)), h('td', null, String(c.asked)), h('td', null, String(c.scored)), h('td', null, fmt(c.average))))),
          ),
        )
      : h('p', { class: 'muted' }, 'No questions asked of you yet.'),
  );
}

const STATUS = { not_practised: 'Not practised yet', practised: 'Practised, no score yet', needs_work: 'Needs work', on_track: 'On track', strong: 'Strong' };

function prepMap(p) {
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Preparation map'),
    h(
      'ul',
      { class: 'prep-map' },
      p.map.map((a) =>
        h(
          'li',
          { class: `prep-area prep-${a.status}`, dataset: { area: a.id } },
          h('strong', null, a.title),
          h('span', { class: 'badge' }, STATUS[a.status] || a.status),
          h('div', { class: 'muted' }, `${a.practised} practised · average ${fmt(a.average)}`),
          a.description ? h('p', null, a.description) : null,
        ),
      ),
    ),
  );
}

function suggestion(p) {
  const s = p.suggestion;
  const create = h('button', { type: 'button', class: 'btn btn-primary', id: 'start-suggested' }, 'Create a room with this plan');
  create.addEventListener('click', async () => {
    create.disabled = true;
    try {
      const data = await request('POST', '/api/v1/rooms', { body: { track: 'python-developer', plan: { slots: s.slots }, title: 'Suggested practice' } });
      const room = data.room || data;
      navigate(`/rooms/${encodeURIComponent(room.id)}`);
    } catch (err) {
      toast(describeError(err), 'error');
      create.disabled = false;
    }
  });
  const areas = new Map(p.map.map((a) => [a.id, a.title]));
  return h(
    'section',
    { class: 'card', id: 'suggestion' },
    h('h2', null, 'Next session suggested'),
    h('p', null, `From your weakest areas: ${s.areas.map((id) => areas.get(id) || id).join(' and ') || 'none yet'}.`),
    h('ol', null, s.slots.map((sl) => h('li', null, `${humanize(sl.category)}, ${sl.minutes} min`))),
    h('p', { class: 'muted' }, 'A room you create has you as its interviewer: send its candidate link to whoever interviews you, or practise the same areas with a peer.'),
    h('div', { class: 'actions' }, create, h('a', { href: '/match', class: 'btn btn-secondary' }, 'Practise with a peer')),
  );
}
