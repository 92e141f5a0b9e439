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

// A record of two questions, each on a document of its own: the first opened on starter code, the
// second on an empty document, with code typed before the start that no question keeps.
function twoQuestions() {
  const starter = 'def total(xs):\n    pass\n';
  return {
    started_at: t0,
    ended_at: at(600),
    edits: [
      { offset: 2, at: at(1), author: 'cand', changes: [[0, 'scratch']] },
      { offset: 5, at: at(5), author: 'mentor', reset: true, text: starter },
      { offset: 6, at: at(10), author: 'cand', changes: [19, [4, 'return sum(xs) # 🐍'], 1] },
      { offset: 9, at: at(300), reset: true },
      { offset: 10, at: at(310), author: 'cand', changes: [[0, 'def walk(node):', '    yield node']] },
    ],
    questions: [
      { index: 0, edit_from: 1, edit_to: 3, code: { text: 'def total(xs):\n    return sum(xs) # 🐍\n' } },
      { index: 1, edit_from: 3, edit_to: 5, code: { text: 'def walk(node):\n    yield node' } },
    ],
    final: { text: 'def walk(node):\n    yield node' },
  };
}

test('a reset replaces the whole document, and each question replays to its own code', () => {
  const rec = twoQuestions();
  const m = new ReplayModel(rec);
  assert.equal(m.error, null);
  assert.equal(m.length, 5);
  assert.equal(m.exact, true);
  assert.equal(m.textAt(1), 'scratch');
  assert.equal(m.textAt(2), 'def total(xs):\n    pass\n');
  assert.equal(m.textAt(4), '');
  for (const q of rec.questions) {
    assert.equal(m.textAt(q.edit_to), q.code.text, `question ${q.index}`);
    assert.equal(m.textAt(q.edit_from + 1), rec.edits[q.edit_from].text || '', `question ${q.index} starts on its reset`);
  }
  assert.equal(m.textAt(m.length), rec.final.text);
});

test('a question whose code does not replay is reported, not hidden', () => {
  const rec = twoQuestions();
  rec.questions[0].code.text = 'something else';
  assert.equal(new ReplayModel(rec).exact, false);
});

test('starter code belongs to nobody; what is typed over it to its typist', () => {
  const m = new ReplayModel(twoQuestions());
  const runs = m.authorsAt(3);
  assert.deepEqual(
    runs.map((r) => [r.author, r.text]),
    [
      [null, 'def total(xs):\n    '],
      ['cand', 'return sum(xs) # 🐍'],
      [null, '\n'],
    ],
  );
  assert.deepEqual(
    m.authorsAt(5).map((r) => [r.author, r.text]),
    [['cand', 'def walk(node):\n    yield node']],
  );
});
