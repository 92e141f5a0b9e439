// End to end in a real browser: the interviewer reads the running question's guide, gives the
// first and then the second hint and a clarification; the candidate sees exactly the hints and
// the clarification given (never the guide), keeps them through a reload, and the interviewer's
// guide, reloaded from the room's log, marks which hints were used.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, startQuestion } from '../../test-support/people.js';

browserTests(import.meta.url, (env) => {
  test('the interviewer gives hints in order and the candidate sees exactly those', { timeout: 180_000 }, async () => {
    try {
      await run(env.server.baseURL);
    } catch (err) {
      mkdirSync(RESULTS, { recursive: true });
      for (const [i, b] of env.browsers.entries()) {
        await b.pages()[0]?.screenshot({ path: join(RESULTS, `hints-failure-${i}.png`), fullPage: true }).catch(() => {});
      }
      console.log(`server log:\n${env.server.log().slice(-4000)}`);
      throw err;
    }
  });

  async function run(base) {
    const { mentor, candidate } = await mentorRoom(env.newBrowser, base, { mentorName: 'Hana Hints', candidateName: 'Cole Candidate', title: 'Hints test' });
    await startQuestion(mentor, candidate);

    // The interviewer's guide lists the hints; only the first can be given.
    const hintItems = mentor.locator('#guide-hints > li');
    await hintItems.first().waitFor();
    const hintCount = await hintItems.count();
    assert.ok(hintCount >= 2, `the question has ${hintCount} hints; every built-in question has two or three`);
    const hintTexts = [];
    for (let i = 0; i < hintCount; i++) hintTexts.push((await hintItems.nth(i).locator('span').first().innerText()).trim());
    assert.equal(await mentor.locator('#give-hint-2').isDisabled(), true, 'hint 2 cannot be given before hint 1');
    assert.equal(await candidate.locator('#guide-hints, #guidance').count(), 0, 'the candidate has no guide');
    assert.equal(await candidate.locator('#given-hints').count(), 0, 'no hint shown before one is given');

    await mentor.locator('#give-hint-1').click();
    await mentor.locator('#hint-given-1').waitFor();
    await candidate.locator('#given-hints > li').first().waitFor();
    assert.equal(await mentor.locator('#give-hint-2').isDisabled(), false, 'hint 2 can be given after hint 1');
    await mentor.locator('#give-hint-2').click();
    await mentor.locator('#hint-given-2').waitFor();
    await candidate.waitForFunction(() => document.querySelectorAll('#given-hints > li').length === 2);

    // A clarification: its question and answer reach the candidate.
    const clarCount = await mentor.locator('#guide-clarifications > li').count();
    assert.ok(clarCount >= 1, 'the question has clarifications');
    await mentor.locator('#give-clarification-1').click();
    await mentor.locator('#clarification-given-1').waitFor();
    await candidate.locator('#given-clarifications > li').first().waitFor();

    const shownHints = async () => (await candidate.locator('#given-hints > li').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(await shownHints(), hintTexts.slice(0, 2), 'the candidate sees exactly the two hints given, in order');
    if (hintCount > 2) assert.ok(!(await candidate.locator('#question-panel').innerText()).includes(hintTexts[2]), 'the third hint is not shown');

    // Through a reload, the candidate keeps exactly what was given.
    await candidate.reload();
    await candidate.locator('#conn-status.conn-live').waitFor();
    await candidate.locator('#given-hints > li').first().waitFor();
    assert.deepEqual(await shownHints(), hintTexts.slice(0, 2), 'the hints given survive a reload');
    assert.equal(await candidate.locator('#given-clarifications > li').count(), 1, 'the clarification survives a reload');
    assert.equal(await candidate.locator('#chat-log li').count(), 0, 'hints are not shown as chat messages');

    // The interviewer's reloaded guide, rebuilt from the room's log, marks the hints used.
    await mentor.reload();
    await mentor.locator('#conn-status.conn-live').waitFor();
    await mentor.locator('#hint-given-2').waitFor();
    assert.equal(await mentor.locator('#hint-given-1').count(), 1, 'hint 1 is marked as given');
    if (hintCount > 2) assert.equal(await mentor.locator('#give-hint-3').isDisabled(), false, 'hint 3 is next');
    for (const page of [mentor, candidate]) assert.deepEqual(page.jsErrors, [], 'no script errors');
  }
});
