// Generates codemirror_cases.json: random documents and change sets produced and applied by
// CodeMirror itself, which the Go tests replay to prove the server agrees with the editor.
// Deterministic (seeded), so running it again gives the same file.
//
// Run with @codemirror/state 6 installed somewhere on NODE_PATH:
//   NODE_PATH=/path/to/node_modules node internal/editor/testdata/gen.mjs > internal/editor/testdata/codemirror_cases.json
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { ChangeSet, Text } = require("@codemirror/state");

// mulberry32: small, seedable, good enough to spread cases.
let seed = 0x6d6f636b;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (a) => a[int(a.length)];

const pieces = ["def ", "x", "return", " ", "    ", "\n", "\n", "\t", "é", "中文", "😀", "𝔘", "👍🏽", "a", "()", ":", "\"s\"", "ß"];
function randomText(max) {
  let s = "";
  const n = int(max);
  for (let i = 0; i < n; i++) s += pick(pieces);
  return s;
}
function insertText() {
  const r = rand();
  if (r < 0.1) return "";
  if (r < 0.2) return "\r\n" + randomText(4); // CodeMirror splits \r\n into lines
  return randomText(8);
}

// A position is safe unless it falls between the halves of a surrogate pair.
const safe = (s, p) => !(p > 0 && p < s.length && s.charCodeAt(p) >= 0xdc00 && s.charCodeAt(p) < 0xe000 &&
  s.charCodeAt(p - 1) >= 0xd800 && s.charCodeAt(p - 1) < 0xdc00);
function safePos(s) {
  for (;;) {
    const p = int(s.length + 1);
    if (safe(s, p)) return p;
  }
}

function randomChanges(doc) {
  const specs = [];
  const n = 1 + int(4);
  for (let i = 0; i < n; i++) {
    let a = safePos(doc), b = rand() < 0.5 ? a : safePos(doc);
    if (a > b) [a, b] = [b, a];
    specs.push({ from: a, to: b, insert: insertText() });
  }
  return ChangeSet.of(specs, doc.length);
}

const cases = [];
const toText = (s) => Text.of(s.split("\n"));
for (let i = 0; i < 200; i++) {
  const doc = i < 5 ? "" : randomText(i < 150 ? 40 : 200);
  let cs = randomChanges(doc);
  if (i % 7 === 3) {
    // Composed change sets exercise more shapes of JSON (adjacent replacements, deletions).
    const mid = cs.apply(toText(doc)).toString();
    cs = cs.compose(randomChanges(mid));
  }
  if (i % 31 === 10) cs = ChangeSet.of([{ from: 0, to: doc.length }], doc.length); // delete all
  const json = JSON.stringify(cs.toJSON());
  // The JSON must round-trip through fromJSON, as it does between real clients.
  if (JSON.stringify(ChangeSet.fromJSON(JSON.parse(json)).toJSON()) !== json) throw new Error("round trip " + json);
  cases.push({ doc, changes: json, result: cs.apply(toText(doc)).toString() });
}

// Changes that cut an emoji in half: CodeMirror would apply them, the server refuses them.
for (let i = 0; cases.length < 215; i++) {
  const doc = randomText(30) + "😀" + randomText(10);
  const mid = doc.indexOf("😀") + 1;
  const kind = i % 3;
  const spec = kind === 0 ? { from: mid, insert: "x" } : kind === 1 ? { from: mid, to: mid + 1 + safePos(doc.slice(mid + 1)) } : { from: 0, to: mid };
  const cs = ChangeSet.of([spec], doc.length);
  cases.push({ doc, changes: JSON.stringify(cs.toJSON()), error: "changes_split_surrogate" });
}

process.stdout.write(JSON.stringify(cases, null, 1) + "\n");
