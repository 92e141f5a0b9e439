// End to end in real browsers: the candidate writes Python in the shared editor and runs it in
// their own browser; the interviewer's page shows the same runs and output live. An exception
// shows its traceback, an endless loop is stopped at the time limit and the room keeps working,
// the interviewer's private run stays off the candidate's page until shared, a reload shows the
// question's past runs again, and the next question starts with none; a coding question's
// examples are checked against the candidate's code, with each result on both pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, startQuestion } from '../../test-support/people.js';

// Loading Pyodide (about 13 MB, compiled by the browser) is the slow part of a first run on a busy
// machine; the waits for a run's result allow for it. Nothing here waits for a fixed time.
const RUN_WAIT = 120_000;

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

    // The next question starts with no runs (the prompt is rendered before next is pressed).
    const prompt = (await interviewer.locator('#question-prompt').innerText()).trim();
    await interviewer.locator('#ctl-next').click();
    await interviewer.waitForFunction((was) => {
      const p = document.querySelector('#question-prompt');
      return p && p.textContent.trim() !== was;
    }, prompt);
    await interviewer.locator('#run-list .run-empty').waitFor();
    await candidate.locator('#run-list .run-empty').waitFor();

    // On to the plan's coding question (at most three more): its examples are checked against
    // the candidate's code, and both pages show each example's result.
    for (let i = 0; i < 3 && (await candidate.locator('#question-panel .examples').count()) === 0; i++) {
      const was = (await interviewer.locator('#question-prompt').innerText()).trim();
      await interviewer.locator('#ctl-next').click();
      await candidate.waitForFunction((w) => {
        const p = document.querySelector('#question-prompt');
        return p && p.textContent.trim() !== w;
      }, was);
    }
    await candidate.locator('#question-panel .examples').waitFor();
    const examples = (await candidate.locator('#question-panel pre.example').allInnerTexts()).map((x) => x.split('\n→ '));
    // A "solution" that returns the first example's answer whatever it is asked (or, when the
    // first example does not start with a call, defines nothing). Which question the plan draws,
    // and so how many of its examples that passes, is the draw's; what must hold is that the
    // candidate's page and the interviewer's show the same count of each example's result.
    const [input, output] = examples[0];
    const name = /^\s*([A-Za-z_]\w*)\(/.exec(input)?.[1];
    await setCode(candidate, interviewer, name ? `def ${name}(*args, **kwargs):\n    return ${output}` : '# not written yet\nanswer = None');
    await candidate.locator('#run-examples').click();
    const summary = candidate.locator('#run-list .run-tests-summary');
    await summary.waitFor({ timeout: RUN_WAIT });
    const counted = /^(\d+) of (\d+) examples passed$/.exec(await summary.innerText());
    assert.ok(counted, `the summary counts the examples: ${await summary.innerText()}`);
    const passed = Number(counted[1]);
    assert.equal(Number(counted[2]), examples.length, 'every example of the question was run');
    assert.equal(await candidate.locator('#run-list li.run-test').count(), examples.length, "the candidate sees each example's result");
    assert.equal(await candidate.locator('#run-list li.run-test[data-passed=true]').count(), passed, 'the candidate sees the passing examples');
    await interviewer.locator('#run-list .run-tests-summary', { hasText: `${passed} of ${examples.length} examples passed` }).waitFor();
    assert.equal(await interviewer.locator('#run-list li.run-test[data-passed=true]').count(), passed, 'the interviewer sees the passing examples');
    if (passed < examples.length) {
      assert.match(await interviewer.locator('#run-list li.run-test[data-passed=false]').first().innerText(), /expected/, 'a failing example shows what was expected');
    }
    await candidate.screenshot({ path: join(RESULTS, 'run-code-examples.png'), fullPage: true });

    assert.deepEqual(interviewer.jsErrors.map(String), [], 'no script errors in the interviewer page');
    assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
    t.diagnostic(`screenshots in ${RESULTS}`);
  }
});
