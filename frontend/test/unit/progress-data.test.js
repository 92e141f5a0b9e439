// The rows the progress page draws and lists: one series per scored quality (titles of the
// sessions taken from the history), the mean of each session, and uPlot's aligned data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignedData, formatAverage, formatScore, overallSeries, qualitySeries, sessionLabels } from '../../src/pages/progress-data.js';

const progress = {
  track: 'python-developer',
  qualities: [
    {
      id: 'problem_solving',
      points: [
        { room_id: 'r1', at: '2026-11-01T10:00:00Z', score: 3 },
        { room_id: 'r2', at: '2026-11-02T10:00:00Z', score: 2 },
        { room_id: 'r3', at: '2026-11-03T10:00:00Z', score: 4 },
      ],
      average: 3,
      not_observed: 0,
    },
    { id: 'databases', points: [], not_observed: 3 },
    { id: 'collaboration', points: [{ room_id: 'r3', at: '2026-11-03T10:00:00Z', score: 3 }], average: 3, not_observed: 2 },
  ],
  history: [
    { room_id: 'r1', at: '2026-11-01T10:00:00Z', title: 'First', scores: { problem_solving: 3 }, average: 3 },
    { room_id: 'r2', at: '2026-11-02T10:00:00Z', title: 'Second', scores: { problem_solving: 2 }, average: 2 },
    { room_id: 'r3', at: '2026-11-03T10:00:00Z', title: 'Third', scores: { problem_solving: 4, collaboration: 3 }, average: 3.5 },
  ],
};

test('a series per scored quality, with the titles of its sessions', () => {
  const series = qualitySeries(progress);
  assert.deepEqual(
    series.map((s) => s.id),
    ['problem_solving', 'collaboration'],
    'a quality never scored has no chart',
  );
  assert.deepEqual(
    series[0].rows.map((r) => [r.title, r.score]),
    [
      ['First', 3],
      ['Second', 2],
      ['Third', 4],
    ],
  );
  assert.equal(series[0].average, 3);
  assert.equal(series[1].notObserved, 2);
});

test('the overall series is the mean of each session, averaged over every score', () => {
  const s = overallSeries(progress);
  assert.deepEqual(
    s.rows.map((r) => r.score),
    [3, 2, 3.5],
  );
  assert.equal(s.average, 3, 'four scores 3, 2, 4 and 3: a session with more scores weighs more');
  assert.equal(overallSeries({ ...progress, history: [] }), null);
});

test('aligned data puts sessions at 1..n with the average as a flat line', () => {
  const s = qualitySeries(progress)[0];
  assert.deepEqual(alignedData(s.rows, s.average), [
    [1, 2, 3],
    [3, 2, 4],
    [3, 3, 3],
  ]);
  assert.deepEqual(alignedData(s.rows, null)[2], [null, null, null]);
});

test('scores show whole or with one decimal, averages always with one', () => {
  assert.deepEqual([formatScore(3), formatScore(2.5), formatScore(10 / 3), formatScore(null)], ['3', '2.5', '3.3', '—']);
  assert.deepEqual([formatAverage(3), formatAverage(2.25), formatAverage(null)], ['3.0', '2.3', '—']);
});

test('sessions on one day are told apart by their time', () => {
  const rows = [
    { room_id: 'a', at: '2026-11-01T09:00:00Z', title: '', score: 3 },
    { room_id: 'b', at: '2026-11-03T10:00:00Z', title: '', score: 3 },
    { room_id: 'c', at: '2026-11-03T10:20:00Z', title: '', score: 3 },
  ];
  const labels = sessionLabels(rows);
  assert.doesNotMatch(labels[0], /,/, 'a day with one session shows the day only');
  assert.notEqual(labels[1], labels[2]);
  assert.match(labels[1], /, /);
});
