// The cursor a client shares with the room (api/protocol.md section 6, `presence`). The server
// checks a cursor against the document it has, which does not yet hold this client's edits still
// on their way: a cursor at the end of text just typed would point past its end and be refused,
// silently, as presence is never acknowledged. So the shared cursor is placed in the confirmed
// document, the one the server has: the client's own unconfirmed edits are undone for the
// mapping. When they arrive, the others' editors map the cursor through them like any edit.

import { sendableUpdates } from '@codemirror/collab';

/**
 * The main selection index and ranges of state's selection, in the confirmed document.
 * @param {import('@codemirror/state').EditorState} state
 */
export function sharedSelection(state) {
  let sel = state.selection;
  const pending = sendableUpdates(state);
  if (pending.length) {
    const composed = pending.map((u) => u.changes).reduce((a, b) => a.compose(b));
    sel = sel.map(composed.desc.invertedDesc, -1);
  }
  return { main: sel.mainIndex, ranges: sel.ranges.slice(0, 100).map((r) => ({ anchor: r.anchor, head: r.head })) };
}
