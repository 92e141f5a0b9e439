// End to end in real browsers: the candidate writes Python in the shared editor and runs it in
// their own browser; the interviewer's page shows the same runs and output live. An exception
// shows its traceback, an endless loop is stopped at the time limit and the room keeps working,
// the interviewer's private run stays off the candidate's page until shared, a reload shows the
// question's past runs again, and the next question starts with none, on its own starter code in
// both editors (shown under the prompt too). Run tests checks the
// question's examples against the candidate's code (one failing, then all passing after a fix),
// with each result on both pages; the interviewer's hidden tests stay off the candidate's page,
// which sees only their counts once shared; a question that cannot run in the browser has its
// test buttons disabled with the reason shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, startQuestion } from '../../test-support/people.js';

// Loading Pyodide (about 13 MB, compiled by the browser) is the slow part of a first run on a busy
// machine; the waits for a run's result allow for it. Nothing here waits for a fixed time.
const RUN_WAIT = 120_000;

// The plan: a coding question that runs in the browser, then one flagged runs_in_browser=false.
const TESTED = 'py-prob-merge-intervals';
const FLAGGED = 'py-tech-parallel-map';
function bankQuestion(file, id) {
  const qs = JSON.parse(readFileSync(new URL(`../../../internal/bank/data/python-developer/questions/${file}.json`, import.meta.url), 'utf8'));
  return qs.find((q) => q.id === id);
}

browserTests(import.meta.url, (env) => {
  const { newBrowser, browsers } = env;

  test('code runs in the browser and the room sees every run', { timeout: 600_000 }, async (t) => {
    try {
      await run(t, env.server.baseURL);
    } catch (err) {
      mkdirSync(RESULTS, { recursive: true });
      for (const [i, b] of browsers.entries()) {
        await b.pages()[0]?.screenshot({ path: join(RESULTS, `run-code-failure-${i}.png`), fullPage: true }).catch(() => {});
      }
      console.log(`server log:\n${env.server.log().slice(-4000)}`);
      throw err;
    }
  });

  // setCode replaces the whole document from page and waits until other shows it.
  async function setCode(page, other, code) {
    await page.locator('#editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // Inserted as one input, so the editor's auto-indent adds nothing.
    await page.keyboard.insertText(code);
    const lines = code.split('\n');
    const last = lines[lines.length - 1];
    await other.waitForFunction((s) => document.querySelector('#editor .cm-content')?.innerText.includes(s), last);
  }

  const runs = (page) => page.locator('#run-list li.run');
  const runWith = (page, status, text) => page.locator(`#run-list li.run[data-status=${status}]`, { hasText: text });

  async function run(t, base) {
    const { mentor: interviewer, candidate } = await mentorRoom(newBrowser, base, {
      mentorName: 'Rita Runner',
      candidateName: 'Cody Coder',
      title: 'Running code',
      plan: {
        title: 'Code and tests',
        slots: [
          { question_id: TESTED, minutes: 30 },
          { question_id: FLAGGED, minutes: 10 },
        ],
      },
    });
    await startQuestion(interviewer, candidate);
    if ((await candidate.locator('#language').inputValue()) !== 'python') {
      await candidate.locator('#language').selectOption('python');
      await interviewer.waitForFunction(() => document.querySelector('#language')?.value === 'python');
    }
    await candidate.locator('#run-list .run-empty').waitFor();

    // A first run: Python loads in the candidate's browser, and both pages show the output.
    await setCode(candidate, interviewer, 'total = sum([1, 2, 3])\nprint("total", total)');
    await candidate.locator('#run-code').click();
    await runWith(candidate, 'ok', 'total 6').waitFor({ timeout: RUN_WAIT });
    await runWith(interviewer, 'ok', 'total 6').waitFor();
    assert.match(await runs(interviewer).first().innerText(), /Cody Coder/, "the interviewer sees who ran it");

    // An exception: its traceback, on both pages.
    await setCode(candidate, interviewer, 'def half(x):\n    return x / 0\nprint(half(4))');
    await candidate.locator('#run-code').click();
    await runWith(candidate, 'error', 'ZeroDivisionError').waitFor({ timeout: RUN_WAIT });
    await runWith(interviewer, 'error', 'ZeroDivisionError').waitFor();
    assert.match(await runWith(interviewer, 'error', 'ZeroDivisionError').innerText(), /line 2, in half/, 'the traceback names the line');

    // An endless loop is stopped at the limit; the room keeps working and the next run works.
    await setCode(candidate, interviewer, 'while True:\n    pass');
    await candidate.locator('#run-code').click();
    await interviewer.locator('#run-list li.run[data-status=running]').waitFor({ timeout: RUN_WAIT });
    await runWith(candidate, 'timeout', 'time limit').waitFor({ timeout: RUN_WAIT });
    await runWith(interviewer, 'timeout', 'time limit').waitFor();
    await candidate.locator('#chat-input').fill('That loop never ends, fixing it');
    await candidate.locator('#chat-input').press('Enter');
    await interviewer.locator('#chat-log .chat-text', { hasText: 'fixing it' }).waitFor();
    await setCode(candidate, interviewer, 'for i in range(3):\n    print("step", i)');
    await candidate.locator('#run-code').click();
    await runWith(candidate, 'ok', 'step 2').waitFor({ timeout: RUN_WAIT });
    await runWith(interviewer, 'ok', 'step 2').waitFor();
    assert.equal(await runs(interviewer).count(), 4, 'the interviewer sees four runs');

    // The interviewer's private run stays off the candidate's page until it is shared.
    await setCode(interviewer, candidate, 'print("interviewer check", 6 * 7)');
    await interviewer.locator('#run-private').check();
    await interviewer.locator('#run-code').click();
    await runWith(interviewer, 'ok', 'interviewer check 42').waitFor({ timeout: RUN_WAIT });
    await interviewer.locator('#run-list li.run', { hasText: 'Only you' }).waitFor();
    // A chat message sent after the run: once it arrives, so would have the run's events.
    await interviewer.locator('#chat-input').fill('Checked something on my side');
    await interviewer.locator('#chat-input').press('Enter');
    await candidate.locator('#chat-log .chat-text', { hasText: 'Checked something' }).waitFor();
    assert.equal(await runs(candidate).count(), 4, 'the private run is not on the candidate page');
    assert.ok(!(await candidate.locator('body').innerText()).includes('interviewer check 42'), 'the private output is not on the candidate page');
    await interviewer.locator('#run-list li.run button.run-share').click();
    await runWith(candidate, 'ok', 'interviewer check 42').waitFor();
    assert.match(await runWith(candidate, 'ok', 'interviewer check 42').innerText(), /Shared by the interviewer/);

    // A reload shows the question's runs again, from the room's snapshot.
    await candidate.reload();
    await candidate.locator('#conn-status.conn-live').waitFor();
    await runWith(candidate, 'ok', 'interviewer check 42').waitFor();
    assert.equal(await runs(candidate).count(), 5, 'the reloaded page has all five runs');
    assert.equal(await runWith(candidate, 'timeout', 'time limit').count(), 1, 'including the stopped loop');
    assert.equal(await runWith(candidate, 'ok', 'total 6').count(), 1, 'and the first run');

    mkdirSync(RESULTS, { recursive: true });
    await interviewer.screenshot({ path: join(RESULTS, 'run-code-interviewer.png'), fullPage: true });
    await candidate.screenshot({ path: join(RESULTS, 'run-code-candidate.png'), fullPage: true });

    // Run tests: the candidate's first attempt fails one example, the fix passes them all, and
    // the interviewer's page shows each result live.
    const q = bankQuestion('problem_solving', TESTED);
    const examples = q.coding.examples.length;
    const buggy = ['def merge(bookings):', '    out = []', '    for start, end in bookings:', '        if out and start <= out[-1][1]:', '            out[-1] = (out[-1][0], max(out[-1][1], end))', '        else:', '            out.append((start, end))', '    return out'].join('\n');
    await setCode(candidate, interviewer, buggy);
    await candidate.locator('#run-tests').click();
    const failing = `${examples - 1} of ${examples} examples passed`;
    await candidate.locator('#run-list .run-tests-summary', { hasText: failing }).waitFor({ timeout: RUN_WAIT });
    await interviewer.locator('#run-list .run-tests-summary', { hasText: failing }).waitFor();
    assert.match(await interviewer.locator('#run-list li.run-test[data-passed=false]').first().innerText(), /expected \[\(1, 7\)\]/, 'the failing example shows what was expected');
    await setCode(candidate, interviewer, q.guide.solution.trimEnd());
    await candidate.locator('#run-tests').click();
    const passing = `${examples} of ${examples} examples passed`;
    await candidate.locator('#run-list .run-tests-summary', { hasText: passing }).waitFor({ timeout: RUN_WAIT });
    await interviewer.locator('#run-list .run-tests-summary', { hasText: passing }).waitFor();

    // The hidden tests: the interviewer runs them, the candidate has no button for them and never
    // sees their text; shared, the candidate sees how many passed and failed.
    assert.ok(!(await candidate.locator('#run-hidden').isVisible()), 'the candidate has no hidden-tests button');
    await interviewer.locator('#run-hidden').click();
    const hiddenCount = q.guide.tests.length;
    await interviewer.locator('#run-list .run-tests-summary', { hasText: `${hiddenCount} of ${hiddenCount} hidden tests passed` }).waitFor({ timeout: RUN_WAIT });
    await interviewer.locator('#run-list li.run button.run-share').click();
    await candidate.locator('#run-list .run-hidden-counts', { hasText: `Hidden tests: ${hiddenCount} passed, 0 failed` }).waitFor();
    const publicText = JSON.stringify(q.coding) + q.prompt;
    const secret = q.guide.tests.map((t) => t.call).filter((c) => !publicText.includes(c));
    assert.ok(secret.length > 0, 'the question has hidden tests the candidate is not shown');
    const candidateHTML = await candidate.content();
    for (const call of secret) assert.ok(!candidateHTML.includes(call) && !candidateHTML.includes(call.replaceAll('>', '&gt;')), `the candidate page contains the hidden test ${call}`);
    mkdirSync(RESULTS, { recursive: true });
    await candidate.screenshot({ path: join(RESULTS, 'run-code-tests.png'), fullPage: true });

    // The next question starts with no runs (the prompt is rendered before next is pressed).
    const prompt = (await interviewer.locator('#question-prompt').innerText()).trim();
    await interviewer.locator('#ctl-next').click();
    await interviewer.waitForFunction((was) => {
      const p = document.querySelector('#question-prompt');
      return p && p.textContent.trim() !== was;
    }, prompt);
    await interviewer.locator('#run-list .run-empty').waitFor();
    await candidate.locator('#run-list .run-empty').waitFor();

    // The next question opened on a document of its own: its starter code, under the prompt and
    // in both editors, exactly: nothing of the code written for the question before.
    const starter = bankQuestion('technical_proficiency', FLAGGED).coding.starter.trimEnd();
    for (const page of [candidate, interviewer]) {
      await page.locator('#question-starter pre').waitFor();
      assert.equal((await page.locator('#question-starter pre').innerText()).trimEnd(), starter, 'the starter code is shown under the prompt');
      await page.waitForFunction(
        (want) => [...document.querySelectorAll('#editor .cm-line')].map((l) => l.textContent).join('\n').trimEnd() === want,
        starter,
      );
    }

    // It cannot run in the browser: its test buttons are disabled and say why, on both pages.
    const note = bankQuestion('technical_proficiency', FLAGGED).coding.browser_note;
    for (const page of [candidate, interviewer]) {
      await page.locator('#run-browser-note', { hasText: note }).waitFor();
      assert.ok(await page.locator('#run-tests').isDisabled(), 'Run tests is disabled');
    }
    assert.ok(await interviewer.locator('#run-hidden').isDisabled(), 'Run hidden tests is disabled');
    assert.ok(!(await candidate.locator('#run-code').isDisabled()), 'Run still works');

    assert.deepEqual(interviewer.jsErrors.map(String), [], 'no script errors in the interviewer page');
    assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
    t.diagnostic(`screenshots in ${RESULTS}`);
  }
});
