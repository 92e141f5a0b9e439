import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayModel } from '../../src/review/replay-model.js';

const t0 = '2026-11-24T10:00:00Z';
const at = (s) => new Date(Date.parse(t0) + s * 1000).toISOString();

// A record as the server sends it: two people typing, one astral character kept, one deleted.
function record() {
  return {
    started_at: t0,
    ended_at: at(600),
    edits: [
      { offset: 3, at: at(10), author: 'cand', changes: [[0, 'def f():', '    return 1']] },
      { offset: 4, at: at(20), author: 'mentor', changes: [[0, '# 🐍 ', ''], 21] },
      { offset: 6, at: at(30), author: 'cand', changes: [27, [0, '𝔣']] },
      { offset: 7, at: at(40), author: 'cand', changes: [27, [2]] },
    ],
    final: { text: '# 🐍 \ndef f():\n    return 1' },
  };
}

test('replaying every edit gives the final document exactly', () => {
  const m = new ReplayModel(record());
  assert.equal(m.error, null);
  assert.equal(m.exact, true);
  assert.equal(m.textAt(m.length), '# 🐍 \ndef f():\n    return 1');
  assert.equal(m.textAt(3), '# 🐍 \ndef f():\n    return 1𝔣');
  assert.equal(m.textAt(0), '');
});

test('a final document that differs is reported, not hidden', () => {
  const r = record();
  r.final.text = 'something else';
  assert.equal(new ReplayModel(r).exact, false);
});

test('slider times and log offsets map to the edits before them', () => {
  const m = new ReplayModel(record());
  assert.equal(m.duration, 600_000);
  assert.equal(m.stepAtTime(0), 0);
  assert.equal(m.stepAtTime(10_000), 1);
  assert.equal(m.stepAtTime(25_000), 2);
  assert.equal(m.stepAtTime(600_000), 4);
  assert.equal(m.stepAtOffset(5), 2);
  assert.equal(m.stepAtOffset(6), 3);
  assert.equal(m.timeOf(at(30)), 30_000);
});

test('each character is attributed to the person who typed it', () => {
  const m = new ReplayModel(record());
  const runs = m.authorsAt(m.length);
  assert.deepEqual(
    runs.map((r) => [r.author, r.text]),
    [
      ['mentor', '# 🐍 \n'],
      ['cand', 'def f():\n    return 1'],
    ],
  );
  assert.equal(runs.map((r) => r.text).join(''), m.textAt(m.length));
});
