// PythonRunner owns the Web Worker that runs Python (pyworker.js). The worker is started the
// first time code runs, so a page that never runs code never downloads Pyodide (about 13 MB). A
// run that passes the time limit, or that the person stops, terminates the worker; the next run
// starts a fresh one.

export const RUN_TIME_LIMIT_MS = 10_000;
export const RUN_OUTPUT_CAP = 32 << 10; // bytes of UTF-8, the server's cap on a reported output

export class PythonRunner {
  /** @param {{onState?: (state: string) => void}} [options] */
  constructor({ onState } = {}) {
    this.worker = null;
    this.ready = null; // a promise resolved when the worker has loaded Pyodide
    this.current = null; // {id, resolve, timer, started, limitMs}
    this.onState = onState || (() => {});
    this.seq = 0;
  }

  // load starts the worker if needed and resolves once Python is ready.
  load() {
    if (this.ready) return this.ready;
    this.onState('loading');
    const worker = new Worker(new URL('./pyworker.js', import.meta.url), { type: 'module', name: 'python' });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.onmessage = (e) => {
        const m = e.data || {};
        if (m.type === 'ready') {
          this.onState('ready');
          resolve();
        } else if (m.type === 'failed') {
          this.reset();
          reject(new Error(`Python could not be loaded: ${m.message}`));
        } else if (m.type === 'done' && this.current && m.id === this.current.id) {
          this.settle({ status: m.status, output: m.output, truncated: !!m.truncated, tests: m.tests });
        }
      };
      worker.onerror = (e) => {
        e.preventDefault?.();
        const wasRunning = !!this.current;
        this.reset();
        if (!wasRunning) reject(new Error('Python could not be loaded.'));
      };
    });
    return this.ready;
  }

  // run executes code and resolves with {status, output, truncated, duration_ms}; status is ok,
  // error (an exception, the traceback in the output), timeout or cancelled.
  // With tests (harness.py's forms: {call, expect}, {call, raises} or {input, output}), setup runs
  // before the code and the result also has tests: one result per test, named prefix 1, 2, ...
  /**
   * @param {string} code
   * @param {{limitMs?: number, tests?: Array<object>, setup?: string, prefix?: string}} [options]
   */
  async run(code, { limitMs = RUN_TIME_LIMIT_MS, tests, setup, prefix } = {}) {
    if (this.current) throw new Error('A run is in progress.');
    await this.load();
    return new Promise((resolve) => {
      const id = ++this.seq;
      const started = performance.now();
      const timer = setTimeout(() => this.stop('timeout'), limitMs);
      this.current = { id, resolve, timer, started, limitMs };
      this.onState('running');
      this.worker.postMessage({ type: 'run', id, code, cap: RUN_OUTPUT_CAP, tests, setup, prefix });
    });
  }

  // stop ends the current run by terminating the worker (nothing else stops a busy interpreter).
  stop(status = 'cancelled') {
    if (!this.current) return;
    const limit = status === 'timeout';
    this.settle({ status, output: limit ? `Stopped after ${this.current.limitMs / 1000} s (the time limit).` : 'Stopped.', truncated: false });
    this.reset();
  }

  settle(result) {
    const cur = this.current;
    if (!cur) return;
    clearTimeout(cur.timer);
    this.current = null;
    this.onState(this.worker ? 'ready' : 'idle');
    cur.resolve({ ...result, duration_ms: Math.max(0, Math.round(performance.now() - cur.started)) });
  }

  reset() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    if (this.current) this.settle({ status: 'error', output: 'Python stopped unexpectedly.', truncated: false });
    this.onState('idle');
  }

  destroy() {
    this.stop();
    this.reset();
  }
}

// cut shortens s to at most max bytes of UTF-8, at a character boundary.
function cut(s, max) {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= max) return s;
  let out = new TextDecoder().decode(bytes.slice(0, max));
  if (out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return out;
}

const byteLength = (s) => new TextEncoder().encode(s || '').length;

// fitReport makes a run's output and test results fit the server's cap (their text together at
// most 32 KiB, each test's values cut to 1 KiB first) and the socket's 64 KiB frame once encoded
// as JSON; whatever is cut is reported as truncated.
export function fitReport(output, truncated, tests) {
  let cutAny = !!truncated;
  let fitted;
  if (tests) {
    // Each value gets an equal share of what the names leave, at most 1 KiB.
    const per = Math.min(1024, Math.floor((RUN_OUTPUT_CAP - 1024 - tests.length * 64) / Math.max(1, tests.length * 3)));
    fitted = tests.map((t) => {
      const f = { ...t, name: cut(t.name, 64), expected: cut(t.expected, per), actual: cut(t.actual, per) };
      if (t.error) f.error = cut(t.error, per);
      if (f.expected !== t.expected || f.actual !== t.actual || f.error !== t.error) cutAny = true;
      return f;
    });
  }
  const testBytes = (fitted || []).reduce((n, t) => n + byteLength(t.name) + byteLength(t.expected) + byteLength(t.actual) + byteLength(t.error), 0);
  let s = cut(output, Math.max(0, RUN_OUTPUT_CAP - testBytes));
  if (s !== output) cutAny = true;
  const budget = 60 << 10;
  while (s && byteLength(JSON.stringify({ s, fitted })) > budget) {
    s = s.slice(0, Math.floor(s.length * 0.9));
    // Never leave half of a surrogate pair: the server refuses text that is not valid Unicode.
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
    cutAny = true;
  }
  return { output: s, truncated: cutAny, tests: fitted };
}
