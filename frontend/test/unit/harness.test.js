// The test harness of coding questions (src/live/harness.py) in real Pyodide, loaded from
// node_modules as the room's worker loads it in a browser: the program runs, then the question's
// test setup, then the tests. The bank's check of reference solutions runs the same file with
// python3 (internal/bank/pycheck), so what passes here passes there.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { loadPyodide } from 'pyodide';

const HARNESS = readFileSync(new URL('../../src/live/harness.py', import.meta.url), 'utf8');

let py;
let harness;

before(async () => {
  py = await loadPyodide();
  const ns = py.globals.get('dict')();
  ns.set('__name__', 'harness');
  py.runPython(HARNESS, { globals: ns, filename: 'harness.py' });
  harness = { newNamespace: ns.get('new_namespace'), runSetup: ns.get('run_setup'), runTests: ns.get('run_tests') };
});

// runTests does what pyworker.js does for a run with tests and returns the plain results.
function runTests(code, tests, { setup = '', prefix = 'test' } = {}) {
  const globals = harness.newNamespace();
  try {
    py.runPython(code, { globals, filename: '<exec>' });
    harness.runSetup(setup, globals);
    const pyTests = py.toPy(tests);
    const res = harness.runTests(pyTests, globals, prefix);
    pyTests.destroy();
    const out = res.toJs({ dict_converter: Object.fromEntries });
    res.destroy();
    return out;
  } finally {
    globals.destroy();
  }
}

test('tests with expect and raises judge the code alike in Pyodide', () => {
  const code = 'def half(n):\n    if n < 0:\n        raise ValueError("negative")\n    return n // 2\n';
  const got = runTests(code, [
    { call: 'half(8)', expect: '4' },
    { call: 'half(9)', expect: '4.5' },
    { call: 'half(-1)', raises: 'ValueError' },
    { call: 'half(2)', raises: 'ValueError' },
    { call: 'half(None)', expect: '0' },
    { call: '[half(4)]', expect: '(2,)' },
    { call: 'half(4)', expect: '2.0' },
  ]);
  assert.deepEqual(
    got.map((t) => [t.name, t.passed]),
    [
      ['test 1', true],
      ['test 2', false],
      ['test 3', true],
      ['test 4', false],
      ['test 5', false],
      ['test 6', false],
      ['test 7', true],
    ],
  );
  assert.equal(got[1].actual, '4');
  assert.equal(got[1].expected, '4.5');
  assert.equal(got[3].actual, '1', 'a test that wanted an exception shows what was returned');
  assert.match(got[4].error, /^TypeError: /, 'an unexpected exception is the test error');
});

test('tests share the namespace in order; the setup runs after the code and may use it', () => {
  const code = 'class Counter:\n    def __init__(self):\n        self.n = 0\n    def add(self):\n        self.n += 1\n        return self.n\n';
  const setup = 'def fresh():\n    return Counter()\n';
  const got = runTests(code, [{ call: 'c = fresh()\nc.add()', expect: '1' }, { call: '(c.add(), c.add())[-1]', expect: '3' }, { call: "error_of(lambda: int('x'))", expect: '"ValueError: invalid literal for int() with base 10: \'x\'"' }], { setup });
  assert.deepEqual(
    got.map((t) => t.passed),
    [true, true, true],
    JSON.stringify(got),
  );
});

test("examples compare the repr, each in its own copy of the code's namespace", () => {
  const code = 'seen = []\ndef pick(xs):\n    seen.append(1)\n    if not xs:\n        raise IndexError("empty")\n    return xs[0]\n';
  const got = runTests(
    code,
    [
      { input: "pick(['a', 'b'])", output: "'a'" },
      { input: 'x = [3]\npick(x)', output: ' 3 ' },
      { input: 'pick([])', output: 'IndexError: empty' },
      { input: 'pick([2])', output: '3' },
      { input: 'x', output: '[3]' },
      { input: 'pick([])', output: 'raises IndexError' },
      { input: 'pick([])', output: 'raises LookupError' },
      { input: 'pick([])', output: 'raises KeyError' },
      { input: 'pick([1])', output: 'raises IndexError' },
    ],
    { prefix: 'example' },
  );
  assert.deepEqual(
    got.map((t) => [t.name, t.passed]),
    [
      ['example 1', true],
      ['example 2', true],
      ['example 3', true],
      ['example 4', false],
      ['example 5', false],
      ['example 6', true],
      ['example 7', true],
      ['example 8', false],
      ['example 9', false],
    ],
  );
  assert.equal(got[3].actual, '2');
  assert.match(got[4].error, /NameError/, "an example does not see another example's names");
});

// Every coding question of the bank that says it runs in the browser passes its own tests here,
// with its test setup, as its reference solution does under python3, and gives the output of
// every example the candidate sees (what "Run tests" checks); one flagged runs_in_browser=false
// does not pass its tests (else the flag, and its note, should go).
test("the bank's coding questions pass their examples and tests in Pyodide unless flagged", () => {
  const dir = new URL('../../../internal/bank/data/python-developer/questions/', import.meta.url);
  const questions = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')))
    .filter((q) => q.coding);
  assert.ok(questions.length >= 20, `only ${questions.length} coding questions found`);
  for (const q of questions) {
    const inBrowser = q.coding.runs_in_browser !== false;
    let failed;
    try {
      failed = runTests(q.guide.solution, q.guide.tests, { setup: q.coding.test_setup || '' }).filter((t) => !t.passed);
    } catch (err) {
      failed = [{ name: 'the solution', error: String(err?.message || err).split('\n').slice(-2).join(' ') }];
    }
    if (inBrowser) assert.deepEqual(failed, [], `${q.id} fails in Pyodide`);
    else assert.ok(failed.length > 0, `${q.id} is flagged runs_in_browser=false but passes in Pyodide`);
    if (!inBrowser) continue;
    const examples = runTests(q.guide.solution, q.coding.examples, { setup: q.coding.test_setup || '', prefix: 'example' });
    assert.deepEqual(
      examples.filter((t) => !t.passed),
      [],
      `${q.id}: the reference solution does not give an example's output in Pyodide`,
    );
  }
});
