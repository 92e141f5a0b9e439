// The Python runner: a module Web Worker that loads Pyodide (served by mockroom itself from
// /pyodide/) and runs one program at a time. A worker has no DOM and no access to the page's
// storage, where the session's tokens live; once Pyodide has loaded, the worker also drops its
// own ways to reach the network or the page's locks, so the code it runs can only compute and
// print. The page stops a run by terminating the worker.
//
// Messages in:  {type: 'run', id, code, cap, setup?, tests?: [...], prefix?}
// Messages out: {type: 'ready'} once loaded, {type: 'failed', message} if loading failed,
//               {type: 'done', id, status: 'ok'|'error', output, truncated, tests?}
//
// With tests, the program runs first, then the question's test setup, then each test, judged by
// harness.py: the same file the bank's check of reference solutions runs with python3, so a test
// passes here exactly when it passes there. A test is {call, expect} or {call, raises} (the bank's
// tests) or {input, output} (a question's example); see harness.py.

import HARNESS from './harness.py?raw';

const siteOrigin = self.location.origin;
// The runtime's module, served by the server itself beside the app.
const PYODIDE_MODULE = '/pyodide/pyodide.mjs';
let py = null;
let harness = null; // the harness's functions: newNamespace, runSetup, runTests

// Output, stdout and stderr interleaved as written, kept up to cap bytes.
let chunks = [];
let kept = 0;
let cap = 32 << 10;
let truncated = false;

function write(buf) {
  const take = Math.min(buf.length, Math.max(0, cap - kept));
  if (take > 0) {
    chunks.push(buf.slice(0, take));
    kept += take;
  }
  if (take < buf.length) truncated = true;
  return buf.length;
}

function text() {
  const all = new Uint8Array(kept);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  // A cut in the middle of a character leaves an incomplete sequence at the end; drop it rather
  // than show a replacement character.
  let s = new TextDecoder().decode(all);
  if (truncated && s.endsWith('\uFFFD')) s = s.slice(0, -1);
  return s;
}

// traceback keeps the frames of the user's program ("<exec>") and drops Pyodide's own.
function traceback(message) {
  const lines = String(message || '').split('\n');
  const first = lines.findIndex((l) => l.startsWith('  File "<exec>"'));
  if (first < 0) return lines.join('\n');
  return ['Traceback (most recent call last):', ...lines.slice(first)].join('\n');
}

function lockDown() {
  for (const name of ['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource', 'importScripts', 'indexedDB', 'caches', 'BroadcastChannel', 'navigator', 'Worker', 'SharedWorker']) {
    try {
      Object.defineProperty(self, name, { value: undefined, configurable: false, writable: false });
    } catch {
      // A property the browser does not let us replace stays; the rest are gone.
    }
  }
}

async function load() {
  try {
    // eslint-disable-next-line no-unsanitized/method -- a constant path on our own origin, never data
    const { loadPyodide } = await import(/* @vite-ignore */ PYODIDE_MODULE);
    py = await loadPyodide({ indexURL: `${siteOrigin}/pyodide/` });
    py.setStdout({ write });
    py.setStderr({ write });
    // input() reads an empty line: nobody can type into a program running in the background.
    py.setStdin({ stdin: () => '' });
    const ns = py.globals.get('dict')();
    ns.set('__name__', 'harness');
    py.runPython(HARNESS, { globals: ns, filename: 'harness.py' });
    harness = { newNamespace: ns.get('new_namespace'), runSetup: ns.get('run_setup'), runTests: ns.get('run_tests') };
    lockDown();
    self.postMessage({ type: 'ready' });
  } catch (err) {
    self.postMessage({ type: 'failed', message: String(err?.message || err) });
  }
}

self.onmessage = (e) => {
  const m = e.data || {};
  if (m.type !== 'run' || !py) return;
  chunks = [];
  kept = 0;
  truncated = false;
  cap = m.cap || cap;
  let status = 'ok';
  // Each run gets fresh globals, as a fresh `python file.py` would, with the harness's helpers.
  const globals = harness.newNamespace();
  const withTests = Array.isArray(m.tests);
  let tests;
  try {
    py.runPython(m.code, { globals, filename: '<exec>' });
    if (withTests) {
      harness.runSetup(String(m.setup || ''), globals);
      const pyTests = py.toPy(m.tests);
      const res = harness.runTests(pyTests, globals, String(m.prefix || 'test'));
      pyTests.destroy();
      tests = res.toJs({ dict_converter: Object.fromEntries }).map((t) => {
        const out = { name: String(t.name), passed: !!t.passed, expected: String(t.expected), actual: String(t.actual) };
        if (t.error) out.error = String(t.error);
        return out;
      });
      res.destroy();
    }
  } catch (err) {
    status = 'error';
    const enc = new TextEncoder().encode((kept > 0 && !text().endsWith('\n') ? '\n' : '') + traceback(err?.message || err));
    write(enc);
  } finally {
    globals.destroy();
  }
  self.postMessage({ type: 'done', id: m.id, status, output: text(), truncated, tests });
};

load();
