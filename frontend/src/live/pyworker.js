// The Python runner: a module Web Worker that loads Pyodide (served by mockroom itself from
// /pyodide/) and runs one program at a time. A worker has no DOM and no access to the page's
// storage, where the session's tokens live; once Pyodide has loaded, the worker also drops its
// own ways to reach the network or the page's locks, so the code it runs can only compute and
// print. The page stops a run by terminating the worker.
//
// Messages in:  {type: 'run', id, code, cap, examples?: [{input, output}]}
// Messages out: {type: 'ready'} once loaded, {type: 'failed', message} if loading failed,
//               {type: 'done', id, status: 'ok'|'error', output, truncated, tests?}
//
// With examples, the program runs first; then each example's input (an expression, or statements
// ending in one) is evaluated in a copy of the program's globals and the repr of its value is
// compared with the expected text.

const siteOrigin = self.location.origin;
// The runtime's module, served by the server itself beside the app.
const PYODIDE_MODULE = '/pyodide/pyodide.mjs';
let py = null;
let check = null; // the Python function that checks one example

const CHECK = `
import ast

def check(src, expected, g):
    ns = dict(g)
    try:
        tree = ast.parse(src, mode="exec")
        value = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body.pop()
            exec(compile(tree, "<example>", "exec"), ns)
            value = eval(compile(ast.Expression(last.value), "<example>", "eval"), ns)
        else:
            exec(compile(tree, "<example>", "exec"), ns)
        actual = repr(value)
        return (actual.strip() == expected.strip(), actual, "")
    except BaseException as e:
        return (False, "", f"{type(e).__name__}: {e}")
`;

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
    py.runPython(CHECK, { globals: ns });
    check = ns.get('check');
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
  // Each run gets fresh globals, as a fresh `python file.py` would.
  const globals = py.globals.get('dict')();
  globals.set('__name__', '__main__');
  let tests;
  try {
    py.runPython(m.code, { globals, filename: '<exec>' });
    if (Array.isArray(m.examples)) {
      tests = m.examples.map((ex, i) => {
        const res = check(String(ex.input), String(ex.output), globals);
        const [passed, actual, error] = res.toJs();
        res.destroy();
        const t = { name: `example ${i + 1}`, passed: !!passed, expected: String(ex.output), actual: String(actual) };
        if (error) t.error = String(error);
        return t;
      });
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
