// My progress: per rubric quality the released scores over time (a chart each, with the average,
// and a table beside it with the same numbers), the mean score of each session, per category how
// it went, sessions given and taken, the preparation map and the next session suggested from the
// weakest areas. The charts are uPlot (progress-charts.js), loaded only when there is something
// to draw.

import { h, errorBox, replace, describeError, toast } from '../dom.js';
import { api, request } from '../api.js';
import { navigate } from '../router.js';
import { currentUser } from '../session.js';
import { DIFFICULTIES } from './bank.js';
import { categoryTitle, loadTitles, qualityTitle, trackTitle } from '../rubric-titles.js';
import { formatAverage, formatScore, overallSeries, qualitySeries, sessionLabels } from './progress-data.js';

export function renderProgress(el) {
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your progress…'));
  const heading = h('h1', null, 'My progress');
  el.append(h('section', { class: 'page' }, h('div', { class: 'page-head' }, heading, h('a', { href: '/sessions', class: 'btn btn-secondary' }, 'My sessions')), body));
  request('GET', '/api/v1/me/progress')
    .then(async (p) => {
      await loadTitles(p.track);
      body.setAttribute('aria-busy', 'false');
      heading.textContent = `My progress: ${trackTitle(p.track)}`;
      const charts = [];
      replace(body, counts(p), overall(p, charts), qualities(p, charts), categories(p), prepMap(p), suggestion(p));
      drawCharts(charts);
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      replace(body, errorBox(err));
    });
}

// drawCharts loads the chart module and draws each chart into its host; if the module cannot
// load, each host says so and the tables beside them still hold every number.
function drawCharts(charts) {
  if (!charts.length) return;
  import('./progress-charts.js')
    .then(({ drawScoreChart }) => {
      for (const c of charts) drawScoreChart(c.host, c.series.rows, c.series.average);
    })
    .catch(() => {
      for (const c of charts) replace(c.host, h('p', { class: 'muted' }, 'The chart could not be loaded; the table beside it has the same scores.'));
    });
}

function counts(p) {
  const s = p.sessions;
  return h('p', { class: 'lead', id: 'progress-counts' }, `Sessions taken: ${s.taken} · given: ${s.given}${s.observed ? ` · observed: ${s.observed}` : ''}`);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// scoreFigure is one chart with its table: the chart is drawn later into the returned host, and
// is hidden from screen readers, which read the table instead.
function scoreFigure(series, title, caption, scoreHeading, charts) {
  const host = h('div', { class: 'chart-host', 'aria-hidden': 'true' });
  charts.push({ host, series });
  const captionId = `chart-caption-${series.id}`;
  const labels = sessionLabels(series.rows);
  return h(
    'figure',
    { class: 'quality-chart', dataset: { quality: series.id }, 'aria-labelledby': captionId },
    h('figcaption', { id: captionId }, h('strong', null, title), ' · ', caption),
    h(
      'div',
      { class: 'chart-pair' },
      host,
      h(
        'div',
        // Scrolls sideways on a narrow screen, so it takes focus for the keyboard to scroll it.
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${title}, table` },
        h(
          'table',
          { class: 'chart-table' },
          h('caption', { class: 'sr-only' }, `${title}: ${scoreHeading.toLowerCase()} by session`),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Session'), h('th', { scope: 'col' }, scoreHeading))),
          h(
            'tbody',
            null,
            series.rows.map((r, i) =>
              h('tr', { dataset: { room: r.room_id } }, h('td', null, h('time', { datetime: r.at }, labels[i]), r.title ? h('span', { class: 'muted' }, ` ${r.title}`) : null), h('td', { class: 'score' }, formatScore(r.score))),
            ),
          ),
          h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, 'Average'), h('td', { class: 'score' }, formatAverage(series.average)))),
        ),
      ),
    ),
  );
}

function overall(p, charts) {
  const series = overallSeries(p);
  if (!series) return null;
  return h(
    'section',
    { class: 'card', id: 'progress-overall' },
    h('h2', null, 'Each session'),
    scoreFigure(series, 'Mean score of each session', `average of every score ${formatAverage(series.average)} over ${plural(series.rows.length, 'session')}`, 'Mean score', charts),
  );
}

function qualities(p, charts) {
  const scored = qualitySeries(p);
  const card = h('section', { class: 'card', id: 'progress-qualities' }, h('h2', null, 'Rubric qualities over time'));
  if (!scored.length) {
    card.append(h('p', { class: 'muted' }, 'No scores released to you yet. They appear here once feedback about you is released.'));
    return card;
  }
  card.append(
    h(
      'div',
      { class: 'chart-grid' },
      scored.map((q) =>
        scoreFigure(q, qualityTitle(q.id), `average ${formatAverage(q.average)} over ${plural(q.rows.length, 'session')}${q.notObserved ? ` · not observed ${q.notObserved}×` : ''}`, 'Score', charts),
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
          { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'By question category, table' },
          h(
            'table',
            { class: 'questions-table' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col' }, 'Asked'), h('th', { scope: 'col' }, 'Scored'), h('th', { scope: 'col' }, 'Average'))),
            h('tbody', null, p.categories.map((c) => h('tr', null, h('td', null, categoryTitle(c.category)), h('td', null, String(c.asked)), h('td', null, String(c.scored)), h('td', null, formatAverage(c.average))))),
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
          h('div', { class: 'muted' }, `${a.practised} practised · average ${formatAverage(a.average)}`),
          a.description ? h('p', null, a.description) : null,
        ),
      ),
    ),
  );
}

// suggestion offers the plan two ways, each one click: a room with the plan (its creator leads
// it), or the peer queue at the chosen level with the plan's categories as the kinds of question
// to be asked in the half where the person answers.
function suggestion(p) {
  const s = p.suggestion;
  const track = s.track || p.track;
  const status = h('p', { class: 'form-status', role: 'status' });
  const busy = (on) => {
    for (const b of [create, queue]) b.disabled = on;
  };
  const create = h('button', { type: 'button', class: 'btn btn-secondary', id: 'start-suggested' }, 'Start a room with this plan');
  create.addEventListener('click', async () => {
    busy(true);
    try {
      const data = await request('POST', '/api/v1/rooms', { body: { track, plan: { slots: s.slots }, title: 'Suggested practice' } });
      const room = data.room || data;
      navigate(`/rooms/${encodeURIComponent(room.id)}`);
    } catch (err) {
      toast(describeError(err), 'error');
      busy(false);
    }
  });
  const wanted = [...new Set(s.slots.map((sl) => sl.category).filter((c) => c !== 'candidate_questions'))];
  const level = h('select', { name: 'level', id: 'suggested-level' }, DIFFICULTIES.map((d) => h('option', { value: d, selected: d === 'mid' }, d[0].toUpperCase() + d.slice(1))));
  const queue = h('button', { type: 'button', class: 'btn btn-primary', id: 'queue-suggested' }, 'Practise these with a peer');
  queue.addEventListener('click', async () => {
    busy(true);
    status.replaceChildren();
    try {
      await api.matchJoin({ track, level: level.value, ...(wanted.length ? { categories: wanted } : {}) });
      navigate('/match');
    } catch (err) {
      // Already in the queue: the queue page shows where things stand.
      if (err.code === 'already_queued') return navigate('/match');
      status.append(errorBox(err));
      busy(false);
    }
  });
  const areas = new Map(p.map.map((a) => [a.id, a.title]));
  return h(
    'section',
    { class: 'card', id: 'suggestion' },
    h('h2', null, 'Next session suggested'),
    h('p', null, `From your weakest areas: ${s.areas.map((id) => areas.get(id) || id).join(' and ') || 'none yet'}.`),
    h('ol', null, s.slots.map((sl) => h('li', { dataset: { category: sl.category } }, `${categoryTitle(sl.category)}, ${sl.minutes} min`))),
    h(
      'p',
      { class: 'muted' },
      'With a peer, you are asked questions of these kinds in the half where you answer. A room you start with this plan has you as its interviewer: use it to lead the session for someone else, or to rehearse the questions.',
    ),
    // A guest can neither queue nor create rooms until they keep their identity with an account.
    currentUser()?.guest
      ? h('p', { class: 'alert alert-info', id: 'suggestion-guest' }, 'To practise this with a peer or start a room with it, first ', h('a', { href: '/signup' }, 'keep your identity'), ' with an email and password.')
      : [h('div', { class: 'actions' }, h('label', { class: 'inline-field' }, 'Your level ', level), queue, create), status],
  );
}
