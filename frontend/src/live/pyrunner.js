// PythonRunner owns the Web Worker that runs Python (pyworker.js). The worker is started the
// first time code runs, so a page that never runs code never downloads Pyodide (about 13 MB). A
// run that passes the time limit, or that the person stops, terminates the worker; the next run
// starts a fresh one.

export const RUN_TIME_LIMIT_MS = 10_000;
export const RUN_OUTPUT_CAP = 32 << 10; // bytes of UTF-8, the server's cap on a reported output

export class PythonRunner {
  constructor({ onState } = {}) {
    this.worker = null;
    this.ready = null; // a promise resolved when the worker has loaded Pyodide
    this.current = null; // {id, resolve, timer, started}
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
          this.settle({ status: m.status, output: m.output, truncated: !!m.truncated });
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
  async run(code, { limitMs = RUN_TIME_LIMIT_MS } = {}) {
    if (this.current) throw new Error('A run is in progress.');
    await this.load();
    return new Promise((resolve) => {
      const id = ++this.seq;
      const started = performance.now();
      const timer = setTimeout(() => this.stop('timeout'), limitMs);
      this.current = { id, resolve, timer, started };
      this.onState('running');
      this.worker.postMessage({ type: 'run', id, code, cap: RUN_OUTPUT_CAP });
    });
  }

  // stop ends the current run by terminating the worker (nothing else stops a busy interpreter).
  stop(status = 'cancelled') {
    if (!this.current) return;
    const limit = status === 'timeout';
    this.settle({ status, output: limit ? `Stopped after ${RUN_TIME_LIMIT_MS / 1000} s (the time limit).` : 'Stopped.', truncated: false });
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

// fitOutput cuts output to the server's cap at a character boundary, and shorter still when its
// JSON form would not leave the run.finish frame within the socket's 64 KiB limit.
export function fitOutput(output, truncated) {
  const enc = new TextEncoder();
  let s = output;
  let cut = !!truncated;
  const bytes = enc.encode(s);
  if (bytes.length > RUN_OUTPUT_CAP) {
    s = new TextDecoder().decode(bytes.slice(0, RUN_OUTPUT_CAP));
    if (s.endsWith('\uFFFD')) s = s.slice(0, -1);
    cut = true;
  }
  const budget = 60 << 10;
  while (enc.encode(JSON.stringify(s)).length > budget) {
    s = s.slice(0, Math.floor(s.length * 0.9));
    // Never leave half of a surrogate pair: the server refuses text that is not valid Unicode.
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
    cut = true;
  }
  return { output: s, truncated: cut };
}
