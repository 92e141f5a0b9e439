// The Run panel under the shared editor: runs the document's Python in this browser (in a Web
// Worker, pyrunner.js) and reports each run to the room, so everyone sees who ran which version
// and what it printed. What appears here comes from the room's run events (and the snapshot's
// room.runs after a reload), the reader's own runs included.

import { h, replace, toast } from '../dom.js';
import { PythonRunner, RUN_TIME_LIMIT_MS, fitReport } from './pyrunner.js';

const STATUS = {
  ok: 'Finished',
  error: 'Error',
  timeout: 'Stopped at the time limit',
  cancelled: 'Stopped',
};

function newRunId() {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return `r-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// runsPanel builds the panel. ctx gives the room's current state: you, question, language,
// nameOf(user_id); command sends a command and rejects with the server's error.
export function runsPanel({ conn, editor, command, ctx }) {
  const runs = new Map(); // run_id → run, in the order first seen
  let busy = false; // this page is loading, starting or running code
  let runnerState = 'idle';
  const runner = new PythonRunner({
    onState: (s) => {
      runnerState = s;
      renderBar();
    },
  });

  const runButton = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'run-code', onclick: () => runCode('code') }, 'Run ▶');
  const testsButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'run-tests', hidden: true, onclick: () => runCode('examples'), title: "Run the code, then check each of the question's examples" }, 'Run tests');
  const hiddenButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'run-hidden', hidden: true, onclick: () => runCode('hidden'), title: "Run the code, then the question's hidden tests; only you see them and their results" }, 'Run hidden tests');
  const browserNote = h('p', { class: 'muted small run-browser-note', id: 'run-browser-note', hidden: true });
  const stopButton = h('button', { type: 'button', class: 'btn btn-danger btn-small', id: 'run-stop', hidden: true, onclick: () => runner.stop('cancelled') }, 'Stop');
  const privateBox = h('input', { type: 'checkbox', id: 'run-private' });
  const privateLabel = h('label', { class: 'muted small run-private', hidden: true }, privateBox, ' Only I see this run');
  const status = h('span', { class: 'muted small', id: 'run-status', role: 'status' });
  const note = h('p', { class: 'muted small run-note' });
  const list = h('ol', { class: 'run-list', id: 'run-list', 'aria-live': 'polite', 'aria-label': 'Code runs' });
  const el = h(
    'section',
    { class: 'panel run-panel', 'aria-labelledby': 'runs-heading' },
    h('div', { class: 'run-bar' }, h('h2', { id: 'runs-heading' }, 'Runs'), runButton, testsButton, hiddenButton, stopButton, privateLabel, status),
    browserNote,
    note,
    list,
  );

  function examplesOf(q) {
    return (q?.coding?.examples || []).filter((ex) => ex && typeof ex.input === 'string' && typeof ex.output === 'string');
  }

  // hiddenTestsOf lists the question's hidden tests, which only the interviewer's page has (in
  // the guide the server sends the interviewer alone), in the harness's form.
  function hiddenTestsOf(q) {
    return (q?.private?.guide?.tests || [])
      .filter((t) => t && typeof t.call === 'string' && (typeof t.expect === 'string' || typeof t.raises === 'string'))
      .map((t) => (typeof t.raises === 'string' && t.raises ? { call: t.call, raises: t.raises } : { call: t.call, expect: t.expect }));
  }

  // testsBlocked is the reason the question's tests cannot run in a browser, or ''.
  function testsBlocked(q) {
    if (q?.coding?.runs_in_browser !== false) return '';
    return q.coding.browser_note || 'This question cannot run in the browser.';
  }

  // limitMs is how long a run of question q may take: the question's time_limit_s, or the default.
  function limitMs(q) {
    const s = q?.coding?.time_limit_s;
    return Number.isInteger(s) && s > 0 ? s * 1000 : RUN_TIME_LIMIT_MS;
  }

  function canRun() {
    const { you, question, language } = ctx();
    return you && you.role !== 'observer' && question && language === 'python';
  }

  function renderBar() {
    const { you, question, language } = ctx();
    const observer = !you || you.role === 'observer';
    runButton.hidden = observer;
    runButton.disabled = busy || !canRun();
    const blocked = testsBlocked(question);
    testsButton.hidden = observer || !examplesOf(question).length;
    testsButton.disabled = runButton.disabled || !!blocked;
    hiddenButton.hidden = you?.role !== 'interviewer' || !hiddenTestsOf(question).length;
    hiddenButton.disabled = runButton.disabled || !!blocked;
    browserNote.hidden = !blocked || (testsButton.hidden && hiddenButton.hidden);
    browserNote.textContent = blocked ? `Tests cannot run in the browser for this question: ${blocked}` : '';
    stopButton.hidden = runnerState !== 'running';
    privateLabel.hidden = you?.role !== 'interviewer';
    note.textContent = `Run executes the editor's Python in your own browser (stopped after ${limitMs(question) / 1000} s; input() reads an empty line), and the room sees the output. Each result is what the browser of the person who ran it reported.`;
    if (observer) status.textContent = '';
    else if (runnerState === 'loading') status.textContent = 'Loading Python (the first run downloads about 13 MB)…';
    else if (runnerState === 'running') status.textContent = 'Running…';
    else if (!question) status.textContent = 'Runs are for the question in progress.';
    else if (language !== 'python') status.textContent = 'Run is available when the editor language is Python.';
    else status.textContent = '';
  }

  function runItem(r) {
    const { you, nameOf } = ctx();
    const mine = r.actor === you?.user_id;
    const state = r.status ? STATUS[r.status] || r.status : r.stale ? 'No result reported' : 'Running…';
    const detail = [`version ${r.version}`, r.duration_ms !== undefined ? `${r.duration_ms} ms` : null].filter(Boolean).join(' · ');
    const shareButton =
      mine && r.private && r.status && !r.shared
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn btn-ghost btn-small run-share',
              onclick: (e) => {
                e.target.disabled = true;
                command('run.share', { run_id: r.id }).catch(() => (e.target.disabled = false));
              },
            },
            'Share with the room',
          )
        : null;
    return h(
      'li',
      { class: `run run-${r.status || 'running'}`, dataset: { runId: r.id, status: r.status || 'running' } },
      h(
        'div',
        { class: 'run-head' },
        h('strong', null, nameOf(r.actor)),
        ' ',
        h('span', { class: 'run-state' }, state),
        ' ',
        h('span', { class: 'muted small' }, detail),
        r.kind === 'hidden' ? h('span', { class: 'badge run-badge' }, 'Hidden tests') : null,
        r.private && !r.shared ? h('span', { class: 'badge run-badge' }, 'Only you') : null,
        r.shared ? h('span', { class: 'badge run-badge' }, r.sharedBy ? 'Shared by the interviewer' : 'Shared') : null,
        shareButton,
      ),
      r.tests?.length ? testList(r.tests, r.kind === 'hidden' ? 'hidden tests' : 'examples') : null,
      r.counts ? h('p', { class: 'run-tests-summary run-hidden-counts' }, `Hidden tests: ${r.counts.passed} passed, ${r.counts.failed} failed`) : null,
      r.status && !r.counts && (r.output || !r.tests?.length) ? h('pre', { class: 'run-output' }, r.output || '(no output)') : null,
      r.truncated ? h('p', { class: 'muted small' }, 'Output cut at 32 KiB.') : null,
    );
  }

  function testList(tests, what) {
    const passed = tests.filter((t) => t.passed).length;
    return h(
      'div',
      { class: 'run-tests' },
      h('p', { class: 'run-tests-summary' }, `${passed} of ${tests.length} ${what} passed`),
      h(
        'ul',
        { class: 'run-test-list' },
        tests.map((t) =>
          h(
            'li',
            { class: `run-test ${t.passed ? 'pass' : 'fail'}`, dataset: { passed: String(!!t.passed) } },
            h('strong', null, t.passed ? '✓ ' : '✗ ', t.name),
            t.passed ? null : [' — expected ', h('code', null, t.expected), t.error ? [', raised ', h('code', null, t.error)] : [', got ', h('code', null, t.actual)]],
          ),
        ),
      ),
    );
  }

  function renderList() {
    const items = [...runs.values()];
    if (!items.length) {
      replace(list, h('li', { class: 'muted small run-empty' }, 'No runs for this question yet.'));
      return;
    }
    replace(list, items.map(runItem));
    list.scrollTop = list.scrollHeight;
  }

  function render() {
    renderBar();
    renderList();
  }

  // apply takes one run event (an event frame, or an entry of the snapshot's room.runs).
  function apply(type, actor, d) {
    const q = ctx().question;
    if (!q || d.question_index !== q.index) return;
    let r = runs.get(d.run_id);
    switch (type) {
      case 'run.started':
        if (!r) runs.set(d.run_id, { id: d.run_id, actor, version: d.version, private: !!d.private, kind: d.kind });
        break;
      case 'run.finished':
        if (!r) {
          r = { id: d.run_id, actor, version: d.version, private: !!d.private };
          runs.set(d.run_id, r);
        }
        Object.assign(r, { status: d.status, output: d.output, truncated: !!d.truncated, duration_ms: d.duration_ms, tests: d.tests });
        break;
      case 'run.shared':
        if (r) r.shared = true;
        else {
          // A shared hidden-tests run tells the room only how many tests passed and failed.
          const counts = d.kind === 'hidden' ? { passed: d.tests_passed ?? 0, failed: d.tests_failed ?? 0 } : null;
          runs.set(d.run_id, { id: d.run_id, actor: d.ran_by || actor, version: d.version, kind: d.kind, counts, shared: true, sharedBy: actor, status: d.status, output: d.output, truncated: !!d.truncated, duration_ms: d.duration_ms, tests: d.tests });
        }
        break;
      default:
        return;
    }
  }

  // runCode runs the document (kind code), then the question's examples (examples) or its hidden
  // tests (hidden, the interviewer's own and always private).
  async function runCode(kind) {
    if (busy || !canRun()) return;
    busy = true;
    renderBar();
    try {
      await runner.load();
      const snap = await editor.settled(3000);
      if (!snap) throw new Error('Your latest edits have not reached the room yet; try again in a moment.');
      const q = ctx().question;
      if (!q) throw new Error('No question is running.');
      const runId = newRunId();
      const start = { run_id: runId, version: snap.version, question_index: q.index };
      if (ctx().you?.role === 'interviewer' && privateBox.checked) start.private = true;
      let tests;
      let prefix;
      if (kind === 'examples') {
        tests = examplesOf(q).map((ex) => ({ input: ex.input, output: ex.output }));
        prefix = 'example';
      } else if (kind === 'hidden') {
        tests = hiddenTestsOf(q);
        prefix = 'hidden test';
        start.private = true;
      }
      if (tests) {
        if (testsBlocked(q)) throw new Error(testsBlocked(q));
        start.kind = kind;
      }
      await command('run.start', start);
      const res = await runner.run(snap.text, { limitMs: limitMs(q), tests, setup: q.coding?.test_setup, prefix });
      const fit = fitReport(res.output, res.truncated, res.tests);
      const finish = { run_id: runId, status: res.status, output: fit.output, truncated: fit.truncated, duration_ms: res.duration_ms };
      if (fit.tests) finish.tests = fit.tests;
      await command('run.finish', finish);
    } catch (err) {
      if (err?.message && !err.code) toast(err.message, 'error', 6000);
    } finally {
      busy = false;
      renderBar();
    }
  }

  return {
    el,
    // snapshot replaces the runs with the snapshot's list (the current question's run events).
    snapshot(events) {
      runs.clear();
      for (const ev of events || []) apply(ev.type, ev.actor, ev.data || {});
      // One of your runs still without a result when the page loads lost its runner (the page
      // that ran it is gone), unless this page is running it now.
      const me = ctx().you?.user_id;
      for (const r of runs.values()) if (!r.status && r.actor === me && !busy) r.stale = true;
      render();
    },
    event(f) {
      apply(f.event, f.actor, f.data || {});
      renderList();
    },
    // questionChanged empties the list: runs belong to the question they were made in.
    questionChanged() {
      runs.clear();
      render();
    },
    render,
    destroy() {
      runner.destroy();
    },
  };
}
