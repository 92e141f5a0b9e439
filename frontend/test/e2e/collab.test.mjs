// Two @codemirror/collab clients on two different server nodes make random concurrent edits
// (multi-line inserts, deletes, emoji); at the end both documents equal the server's.
//
// The Go end-to-end suite (go test ./e2e) starts the servers and runs this file with:
//   MOCKROOM_E2E_NODES   "http://127.0.0.1:port1,http://127.0.0.1:port2"
//   MOCKROOM_E2E_ROOM    the room id
//   MOCKROOM_E2E_TOKENS  "interviewerToken,candidateToken"
//   MOCKROOM_E2E_EDITS   total number of edits (default 1000)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditorState, ChangeSet } from '@codemirror/state';
import { collab, receiveUpdates, sendableUpdates, getSyncedVersion } from '@codemirror/collab';
import WebSocket from 'ws';

const nodes = (process.env.MOCKROOM_E2E_NODES || '').split(',').filter(Boolean);
const room = process.env.MOCKROOM_E2E_ROOM;
const tokens = (process.env.MOCKROOM_E2E_TOKENS || '').split(',').filter(Boolean);
const totalEdits = Number(process.env.MOCKROOM_E2E_EDITS || 1000);

// A small seeded generator, so a failure can be replayed with the same MOCKROOM_E2E_SEED.
let seed = Number(process.env.MOCKROOM_E2E_SEED || Date.now() % 2147483647) || 1;
const seedUsed = seed;
function rand(n) {
  seed = (seed * 48271) % 2147483647;
  return seed % n;
}

const inserts = ['x', 'hello\nworld', '🙂', 'é', 'line one\nline two\n', '😀😀', '\n', 'def f(a, b):\n    return a + b\n'];

// A position that does not split a surrogate pair (an emoji is two UTF-16 units).
function safePos(doc, pos) {
  if (pos > 0 && pos < doc.length) {
    const prev = doc.sliceString(pos - 1, pos).charCodeAt(0);
    if (prev >= 0xd800 && prev <= 0xdbff) return pos - 1;
  }
  return pos;
}

function randomChange(state) {
  const doc = state.doc;
  const len = doc.length;
  if (len > 0 && (rand(3) === 0 || len > 3000)) {
    const from = safePos(doc, rand(len));
    const to = safePos(doc, Math.min(len, from + 1 + rand(12)));
    if (to > from) return { from, to };
  }
  return { from: safePos(doc, rand(len + 1)), insert: inserts[rand(inserts.length)] };
}

async function ticket(base, token) {
  const res = await fetch(`${base}/api/v1/rooms/${room}/ticket`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, `ticket from ${base}`);
  return (await res.json()).ticket;
}

// Client is one editor connected to one node.
class Client {
  constructor(name, base, token) {
    this.name = name; this.base = base; this.token = token;
    this.seq = 0; this.inFlight = false; this.retryTimer = null; this.lastPush = 0;
    this.waiters = [];
    this.pushes = 0; this.stale = 0;
  }

  async connect() {
    const tk = await ticket(this.base, this.token);
    const url = this.base.replace(/^http/, 'ws') + `/api/v1/rooms/${room}/ws?ticket=${tk}`;
    this.ws = new WebSocket(url);
    this.ws.on('message', (raw) => this.onFrame(JSON.parse(raw.toString())));
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => { this.ws.once('open', resolve); this.ws.once('error', reject); });
    this.clientID = `${this.name}-${process.pid}`;
    const snap = this.waitFor((f) => f.type === 'snapshot');
    this.send({ type: 'join', seq: ++this.seq, client_id: this.clientID, resume: null });
    const s = await snap;
    this.state = EditorState.create({
      doc: s.room.doc.text,
      extensions: [collab({ startVersion: s.room.doc.version, clientID: this.clientID })],
    });
  }

  send(f) { this.ws.send(JSON.stringify(f)); }

  waitFor(pred) {
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  onFrame(f) {
    if (f.type === 'event' && f.event === 'editor.update') {
      const d = f.data;
      assert.equal(d.version, getSyncedVersion(this.state), `${this.name}: update arrives at its version`);
      const updates = d.updates.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
      this.state = receiveUpdates(this.state, updates).state;
      if (updates.some((u) => u.clientID === this.clientID)) this.inFlight = false;
      this.maybePush();
    } else if (f.type === 'error') {
      if (f.code === 'version_stale') this.stale++;
      if (!['version_stale', 'rate_limited'].includes(f.code)) {
        this.failure = new Error(`${this.name}: ${f.code}: ${f.message}`);
      }
      this.inFlight = false;
      // Stale: the missing updates are on their way and will trigger the next push. Rate
      // limited: try again a little later.
      if (f.code === 'rate_limited') this.later(50);
    }
    this.waiters = this.waiters.filter((w) => !(w.pred(f) && (w.resolve(f), true)));
  }

  later(ms) {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => { this.retryTimer = null; this.maybePush(); }, ms);
  }

  maybePush() {
    if (this.inFlight) return;
    const updates = sendableUpdates(this.state);
    if (updates.length === 0) return;
    // Stay well inside the server's editor rate limit (60 per second).
    const wait = this.lastPush + 25 - Date.now();
    if (wait > 0) return this.later(wait);
    this.inFlight = true;
    this.pushes++;
    this.lastPush = Date.now();
    this.send({
      type: 'editor.push', seq: ++this.seq, version: getSyncedVersion(this.state),
      updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
    });
  }

  edit() {
    this.state = this.state.update({ changes: randomChange(this.state) }).state;
    this.maybePush();
  }

  settled() { return !this.inFlight && sendableUpdates(this.state).length === 0; }
}

if (nodes.length < 2 || !room || tokens.length < 2) {
  // Only the Go suite can start Redis and two nodes for this test; run it there.
  throw new Error('this test is driven by `go test ./e2e`, which starts the servers and sets MOCKROOM_E2E_*');
}

test('two collab clients on two nodes converge on the server document', async (t) => {
  const a = new Client('a', nodes[0], tokens[0]);
  const b = new Client('b', nodes[1], tokens[1]);
  const check = new Client('check', nodes[0], tokens[0]);
  // Whatever happens, leave nothing open, so a failure ends the process instead of hanging it.
  t.after(() => {
    for (const c of [a, b, check]) {
      clearTimeout(c.retryTimer);
      c.ws?.terminate();
    }
  });
  await a.connect();
  await b.connect();
  for (let i = 0; i < totalEdits; i++) {
    (i % 2 === 0 ? a : b).edit();
    // Let frames in between edits, so the two sides really interleave.
    // The first four edits share one tick: both sides push at version 0, so at least one push
    // is refused as stale and rebased, whatever the timing.
    if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    if (a.failure || b.failure) throw a.failure || b.failure;
  }
  // Wait until both have every local edit confirmed and have seen each other's last one.
  const giveUp = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > giveUp) throw new Error(`no convergence within 60 s (seed ${seedUsed})`);
    if (a.failure || b.failure) throw a.failure || b.failure;
    if (a.settled() && b.settled() && getSyncedVersion(a.state) === getSyncedVersion(b.state)) break;
    await new Promise((r) => setTimeout(r, 20));
    a.maybePush(); b.maybePush();
  }
  // The server's own copy, through a fresh join.
  await check.connect();
  const server = check.state.doc.toString();
  assert.equal(getSyncedVersion(check.state), getSyncedVersion(a.state), `versions (seed ${seedUsed})`);
  assert.equal(a.state.doc.toString(), server, `client a equals the server (seed ${seedUsed})`);
  assert.equal(b.state.doc.toString(), server, `client b equals the server (seed ${seedUsed})`);
  assert.ok(server.length > 0);
  assert.ok(a.stale + b.stale > 0, 'the edits never raced: the test proved little');
  console.log(`seed ${seedUsed}: version ${getSyncedVersion(a.state)}, ${server.length} units; pushes a=${a.pushes} b=${b.pushes}, stale a=${a.stale} b=${b.stale}`);
});
