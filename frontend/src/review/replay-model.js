// The replay of a finished session, as pure logic (no DOM): the document after any number of the
// record's edits, who wrote each character, and where the slider's moments fall. The server sends
// every accepted editor update (CodeMirror change sets, positions in UTF-16 units), a reset step
// wherever a question started and replaced the whole document by its own (`reset: true`, `text`),
// and the final document; applying them in order to the empty document gives that document
// exactly, which the page checks once and says so if it ever does not. Each question's code is
// the document after its `edit_to` edits.

import { ChangeSet, Text } from '@codemirror/state';

export class ReplayModel {
  // record is the server's session record (GET /api/v1/sessions/{id}).
  constructor(record) {
    this.edits = record.edits || [];
    this.start = Date.parse(record.started_at || record.edits?.[0]?.at || 0) || 0;
    const end = Date.parse(record.ended_at || 0) || 0;
    const lastEdit = this.edits.length ? Date.parse(this.edits[this.edits.length - 1].at) : this.start;
    this.end = Math.max(end, lastEdit, this.start);
    this.sets = [];
    this.docs = [Text.empty];
    this.error = null;
    let doc = Text.empty;
    for (const e of this.edits) {
      try {
        if (e.reset) {
          doc = Text.of((e.text || '').split('\n'));
          this.sets.push(null);
        } else {
          const cs = ChangeSet.fromJSON(e.changes);
          doc = cs.apply(doc);
          this.sets.push(cs);
        }
        this.docs.push(doc);
      } catch (err) {
        this.error = `edit at offset ${e.offset} does not apply: ${err.message}`;
        break;
      }
    }
    this.exact =
      !this.error &&
      this.docs[this.docs.length - 1].toString() === (record.final?.text ?? '') &&
      (record.questions || []).every((q) => typeof q.edit_to !== 'number' || this.textAt(q.edit_to) === (q.code?.text ?? ''));
  }

  // length is the number of edits that replay.
  get length() {
    return this.sets.length;
  }

  // duration is the span of the session the slider covers, in ms.
  get duration() {
    return this.end - this.start;
  }

  // textAt is the document after n edits.
  textAt(n) {
    return this.docs[clamp(n, 0, this.length)].toString();
  }

  // stepAtTime is how many edits had happened ms after the start (inclusive).
  stepAtTime(ms) {
    const t = this.start + ms;
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Date.parse(this.edits[mid].at) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // stepAtOffset is how many edits are at or before a log offset (a timeline entry, a cited
  // moment's end).
  stepAtOffset(offset) {
    let n = 0;
    while (n < this.length && this.edits[n].offset <= offset) n++;
    return n;
  }

  // timeOf is the slider position (ms after the start) of an instant.
  timeOf(at) {
    return clamp(Date.parse(at) - this.start, 0, this.duration);
  }

  // authorsAt returns the document after n edits as runs [{text, author}] of consecutive
  // characters written by the same person; characters a reset put there (a question's starter
  // code) have author null.
  authorsAt(n) {
    n = clamp(n, 0, this.length);
    let owners = [];
    for (let i = 0; i < n; i++) {
      const author = this.edits[i].author;
      if (!this.sets[i]) {
        owners = new Array(this.docs[i + 1].length).fill(null);
        continue;
      }
      const next = [];
      let pos = 0;
      this.sets[i].iterChanges((fromA, toA, _fromB, _toB, inserted) => {
        for (let k = pos; k < fromA; k++) next.push(owners[k]);
        for (let k = 0; k < inserted.length; k++) next.push(author);
        pos = toA;
      });
      for (let k = pos; k < owners.length; k++) next.push(owners[k]);
      owners = next;
    }
    const text = this.textAt(n);
    const runs = [];
    // Positions count UTF-16 units, as JavaScript strings do.
    for (let k = 0; k < text.length; k++) {
      const last = runs[runs.length - 1];
      if (last && last.author === owners[k]) last.text += text[k];
      else runs.push({ text: text[k], author: owners[k] });
    }
    return runs;
  }
}

function clamp(v, lo, hi) {
  return Math.min(Math.max(v, lo), hi);
}
