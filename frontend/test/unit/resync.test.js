// What the room page tells someone whose room was reloaded from a snapshot: the words follow the
// snapshot's reason, so a resync after the server lost writes does not blame the person for
// being away.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resyncNotice } from '../../src/live/resync.js';

test('a position_mismatch snapshot says the room was brought back up to date after a server problem', () => {
  const text = resyncNotice('position_mismatch');
  assert.match(text, /brought back up to date/);
  assert.match(text, /server problem/);
  assert.doesNotMatch(text, /away/, 'the person did nothing wrong');
});

test('a too_old snapshot says the person was away too long to replay what they missed', () => {
  assert.match(resyncNotice('too_old'), /away too long to replay what you missed/);
});

test('any other reason gets a plain reload notice that blames nobody', () => {
  for (const reason of ['fresh', undefined, 'something_new']) {
    const text = resyncNotice(reason);
    assert.match(text, /reloaded from its current state/, String(reason));
    assert.doesNotMatch(text, /away|server problem/, String(reason));
  }
});
