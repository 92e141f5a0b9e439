// The cursor a client shares lies in the document the server has: its own edits still on their
// way are undone for the mapping, so the server never refuses it for pointing past the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditorState, EditorSelection } from '@codemirror/state';
import { collab, receiveUpdates, sendableUpdates } from '@codemirror/collab';
import { sharedSelection } from '../../src/live/shared-selection.js';

const start = (doc) =>
  EditorState.create({ doc, extensions: [collab({ startVersion: 0, clientID: 'me' }), EditorState.allowMultipleSelections.of(true)] });

test('with nothing unconfirmed the cursor is shared as it is', () => {
  const state = start('abc\ndef').update({ selection: EditorSelection.cursor(5) }).state;
  assert.deepEqual(sharedSelection(state), { main: 0, ranges: [{ anchor: 5, head: 5 }] });
});

test('a cursor after text still on its way is shared where that text begins', () => {
  let state = start('def add(a, b):\n').update({ selection: EditorSelection.cursor(15) }).state;
  const typed = '# candidate\n    ';
  state = state.update({ changes: { from: 15, insert: typed }, selection: EditorSelection.cursor(15 + typed.length) }).state;
  assert.equal(state.doc.length, 15 + typed.length);
  assert.deepEqual(sharedSelection(state), { main: 0, ranges: [{ anchor: 15, head: 15 }] }, 'within the 15 characters the server has');
});

test('a selection around unconfirmed text shrinks to the confirmed text it spans', () => {
  let state = start('0123456789');
  state = state.update({ changes: { from: 5, insert: 'XYZ' } }).state; // unconfirmed
  state = state.update({ selection: EditorSelection.create([EditorSelection.range(2, 11), EditorSelection.cursor(13)], 1) }).state;
  assert.deepEqual(sharedSelection(state), {
    main: 1,
    ranges: [
      { anchor: 2, head: 8 },
      { anchor: 10, head: 10 },
    ],
  });
});

test('once the server confirms the edits, the cursor is shared where it is', () => {
  let state = start('abc');
  state = state.update({ changes: { from: 3, insert: 'def' }, selection: EditorSelection.cursor(6) }).state;
  assert.equal(sharedSelection(state).ranges[0].head, 3);
  state = state.update(receiveUpdates(state, sendableUpdates(state).map((u) => ({ clientID: u.clientID, changes: u.changes })))).state;
  assert.equal(sendableUpdates(state).length, 0);
  assert.deepEqual(sharedSelection(state).ranges, [{ anchor: 6, head: 6 }]);
});
