// End to end in a real browser: the interviewer reads the running question's guide, gives the
// first and then the second hint and a clarification; the candidate sees exactly the hints and
// the clarification given (never the guide), keeps them through a reload, and the interviewer's
// guide, reloaded from the room's log, marks which hints were used. A note the interviewer is
// typing meanwhile keeps its text, caret and focus through a hint given and a chat line.

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

    // The interviewer is half-way through a note, caret inside it, when hint 1 is given and a
    // chat line arrives: the note keeps its text, caret and focus, and the guide is not rebuilt.
    const noteBox = mentor.locator('#note-input');
    await noteBox.click();
    await mentor.keyboard.type('Asked about empty input bfore');
    for (let i = 0; i < 4; i++) await mentor.keyboard.press('ArrowLeft');
    const typing = () =>
      mentor.evaluate(() => {
        const t = /** @type {HTMLTextAreaElement} */ (document.getElementById('note-input'));
        return { value: t.value, caret: [t.selectionStart, t.selectionEnd], focused: document.activeElement === t, sameGuide: !!document.querySelector('#guidance[data-marked]') };
      });
    await mentor.evaluate(() => document.getElementById('guidance').setAttribute('data-marked', ''));
    assert.deepEqual(await typing(), { value: 'Asked about empty input bfore', caret: [25, 25], focused: true, sameGuide: true });
    // The hint is given the way a second window of the interviewer would: without touching focus.
    await mentor.evaluate(() => document.getElementById('give-hint-1').click());
    await mentor.locator('#hint-given-1').waitFor();
    await candidate.locator('#given-hints > li').first().waitFor();
    await candidate.locator('#chat-input').fill('Is the input ever empty?');
    await candidate.locator('#chat-input').press('Enter');
    await mentor.locator('#chat-log li', { hasText: 'Is the input ever empty?' }).waitFor();
    assert.deepEqual(await typing(), { value: 'Asked about empty input bfore', caret: [25, 25], focused: true, sameGuide: true }, 'the note being typed survives a hint and a chat line');
    // Typing goes on where the caret was, and the note is added whole.
    await mentor.keyboard.type('e');
    await mentor.keyboard.press('End');
    await mentor.keyboard.type(' hint 1');
    await mentor.locator('.note-form button[type=submit]').click();
    await mentor.locator('#notes li', { hasText: 'Asked about empty input before hint 1' }).waitFor();
    assert.equal(await noteBox.inputValue(), '', 'the added note leaves the box');
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
    assert.deepEqual(
      (await candidate.locator('#chat-log li .chat-text').allInnerTexts()).map((s) => s.trim()),
      ['Is the input ever empty?'],
      'hints are not shown as chat messages',
    );

    // The interviewer's reloaded guide, rebuilt from the room's log, marks the hints used.
    await mentor.reload();
    await mentor.locator('#conn-status.conn-live').waitFor();
    await mentor.locator('#hint-given-2').waitFor();
    assert.equal(await mentor.locator('#hint-given-1').count(), 1, 'hint 1 is marked as given');
    if (hintCount > 2) assert.equal(await mentor.locator('#give-hint-3').isDisabled(), false, 'hint 3 is next');
    for (const page of [mentor, candidate]) assert.deepEqual(page.jsErrors, [], 'no script errors');
  }
});
