// End to end in a real browser: feedback after the session.
//
// A mentor session is run to its end; both people land on the feedback page; the mentor scores
// the rubric (by mouse and by keyboard), cites two moments of the session, sees the draft saved
// and still there after a reload, submits (a double click takes effect once), and the candidate,
// who was waiting, reads it with the cited moments. A peer session is double-blind: with only one
// side submitted the other sees nothing about themselves (not on the page, not in what reaches the
// browser) until the release deadline, which the server runs short here; then each sees theirs.
// Screenshots of the form and the released view, light and dark, wide and 375 px, go to
// test-results/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, peerRoom, startQuestion, endInterview } from '../../test-support/people.js';

// The peer room's release window, counted from the end of the session: the checks of the waiting
// state must all happen inside it, and on a loaded 2-core machine two browsers filling in a form
// can take a minute, so the window is generous; the test waits the rest of it out.
const RELEASE_AFTER_S = 150;

browserTests(
  import.meta.url,
  (env) => {
    const { newBrowser, browsers } = env;

    async function withFailureShots(name, body) {
      try {
        await body();
      } catch (err) {
        mkdirSync(RESULTS, { recursive: true });
        for (const [i, b] of browsers.entries()) {
          await b.pages()[0]?.screenshot({ path: join(RESULTS, `failure-${name}-${i}.png`), fullPage: true }).catch(() => {});
        }
        console.log(`server log:\n${env.server.log().slice(-4000)}`);
        throw err;
      }
    }

    async function shot(page, name, { fullPage = true } = {}) {
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage });
    }

    // shots saves a page in light and dark, wide and at 375 px, and checks that nothing scrolls
    // sideways on the narrow screen.
    async function shots(page, name) {
      const size = page.viewportSize();
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize(size);
        await shot(page, `${name}-${scheme}`);
        await page.setViewportSize({ width: 375, height: 812 });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px at 375 px (${scheme})`);
        await shot(page, `${name}-${scheme}-375`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize(size);
    }

    // everythingOf records what reaches a page from the server (REST bodies and socket frames),
    // to check that a word never arrived, not only that it is not shown.
    function recordTraffic(page) {
      const seen = [];
      page.on('response', async (res) => {
        if (!res.url().includes('/api/')) return;
        try {
          seen.push(await res.text());
        } catch {
          /* a body that is gone (redirect, aborted) carries nothing */
        }
      });
      page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))));
      return seen;
    }

    // releaseDeadline reads the peer release deadline from the last feedback overview a page got.
    function releaseDeadline(traffic) {
      for (const body of [...traffic].reverse()) {
        try {
          const d = JSON.parse(body)?.release?.deadline;
          if (d) return Date.parse(d);
        } catch {
          /* not JSON */
        }
      }
      return null;
    }

    const feedbackURL = (roomPath) => new RegExp(`${roomPath.replace(/\//g, '\\/')}\\/feedback$`);

    // fillRubric answers a rubric form inside card: the first quality a 3 with evidence and the
    // given moments cited, the second by keyboard (Space on the first score, then ArrowUp, which
    // wraps to "not observed"), every other quality "not observed", a recommendation and every
    // question a score.
    async function fillRubric(page, card, { evidence, cite = [] }) {
      const qualities = card.locator('fieldset.quality');
      const n = await qualities.count();
      assert.ok(n >= 7, `the rubric lists its seven qualities, got ${n}`);
      const first = qualities.first();
      // Every level's description is beside its score button, and "not observed" is its own answer.
      assert.equal(await first.locator('.score-option:not(.not-observed)').count(), 4, 'four levels per quality');
      for (const option of await first.locator('.score-option:not(.not-observed) .score-description').allInnerTexts()) assert.ok(option.trim().length > 20, 'each level has its description');
      assert.equal(await first.locator('.score-option.not-observed input[type=radio]').count(), 1, '"not observed" is a separate choice');
      await first.getByLabel(/^3 · /).check();
      const title = (await first.locator('legend').first().innerText()).trim();
      await card.getByLabel(`Evidence for ${title}`).fill(evidence);
      if (cite.length) {
        await first.getByRole('button', { name: 'Cite a moment' }).click();
        // A moment is picked by its words, or by its kind ({kind: 'code'}: the first of that kind).
        for (const c of cite) {
          const option = typeof c === 'string' ? first.locator('.cite-option', { hasText: c }) : first.locator(`.cite-option:has(.moment-${c.kind})`);
          await option.first().locator('input').check();
        }
        await page.keyboard.press('Escape');
        assert.equal(await first.locator('.cited-list .cited').count(), cite.length, 'the cited moments are listed under the evidence');
      }
      const second = qualities.nth(1);
      await second.locator('input[type=radio]').first().focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowUp');
      assert.ok(await second.locator('.not-observed input').isChecked(), 'the keyboard reaches "not observed"');
      for (let i = 2; i < n; i++) await qualities.nth(i).locator('.not-observed input').check();
      await card.locator('fieldset.recommendation').getByLabel(/^Yes/).check();
      const questions = card.locator('fieldset.question-score');
      for (let i = 0; i < (await questions.count()); i++) await questions.nth(i).getByLabel('3', { exact: true }).check();
      await card.getByLabel('Strengths').fill('Talked through the approach before typing.');
      await card.getByLabel('Things to improve').fill('Say what the solution costs before being asked.');
    }

    async function fillInterviewerForm(card, comment) {
      const items = card.locator('fieldset.quality');
      const n = await items.count();
      assert.ok(n >= 3, `the interviewer-quality form has its items, got ${n}`);
      for (let i = 0; i < n; i++) await items.nth(i).getByLabel(/^3 · /).check();
      await card.getByLabel('Anything else for your interviewer').fill(comment);
    }

    test('a mentor writes feedback citing two moments; the candidate reads it', { timeout: 240_000 }, async (t) => {
      await withFailureShots('feedback-mentor', async () => {
        const base = env.server.baseURL;
        const { mentor, candidate, roomPath } = await mentorRoom(newBrowser, base, { mentorName: 'Morgan Mentor', candidateName: 'Casey Candidate', title: 'Feedback browser test' });
        await startQuestion(mentor, candidate);

        // Moments to cite: a chat line and a stretch of code by the candidate.
        const chatLine = 'I would keep a dict of the values seen so far';
        await candidate.locator('#chat-input').fill(chatLine);
        await candidate.locator('#chat-input').press('Enter');
        await mentor.locator('#chat-log .chat-text', { hasText: chatLine }).waitFor();
        await candidate.locator('#editor .cm-content').click();
        await candidate.keyboard.press('Control+End');
        await candidate.keyboard.type('\ndef seen_before(values):\n    return set()\n');
        await mentor.waitForFunction(() => document.querySelector('#editor .cm-content')?.innerText.includes('seen_before'));
        // And a hint the candidate needed.
        await mentor.locator('#give-hint-1').click();
        await mentor.locator('#hint-given-1').waitFor();

        // The end of the session takes both to their feedback page.
        await endInterview(mentor);
        await mentor.waitForURL(feedbackURL(roomPath));
        await candidate.waitForURL(feedbackURL(roomPath));

        // The candidate writes nothing in a mentor room and waits for the mentor.
        await candidate.locator('.waiting-card').waitFor();
        assert.match(await candidate.locator('.waiting-card').innerText(), /not submitted yet/);
        assert.equal(await candidate.locator('#mine:not([hidden])').count(), 0, 'the candidate has no form to write');

        const card = mentor.locator('#form-candidate-0');
        await card.locator('.rubric-form').waitFor();
        const evidence = 'Chose a dict unprompted and said why a list would be slower';
        await fillRubric(mentor, card, { evidence, cite: [chatLine.slice(0, 20), { kind: 'code' }] });
        // The hint given is a moment of its own, listed right after the question's start.
        const picker = card.locator('fieldset.quality').nth(2);
        await picker.getByRole('button', { name: 'Cite a moment' }).click();
        const groups = (await picker.locator('.cite-group legend').allInnerTexts()).map((s) => s.trim());
        assert.deepEqual(groups.slice(0, 2), ['Question moments', 'Hint moments'], `the picker's groups: ${groups}`);
        assert.match(await picker.locator('.cite-option:has(.moment-hint)').innerText(), /hint 1 of \d+ on question 1: \S/, 'the hint is named by its number and question');
        await mentor.keyboard.press('Escape');
        await mentor.locator('#save-state[data-status=saved]').waitFor();
        await mentor.locator('#save-state', { hasText: /Draft saved \d+ s ago/ }).waitFor();
        await shots(mentor, 'feedback-form-mentor');

        // Typed while the network is gone: kept, said to be unsaved, saved once it is back.
        const strengths = 'Talked through the approach before typing; asked about empty input.';
        await mentor.context().setOffline(true);
        await card.getByLabel('Strengths').fill(strengths);
        await mentor.locator('#save-state[data-status=error]', { hasText: 'Kept in this browser' }).waitFor();
        await mentor.context().setOffline(false);
        await mentor.locator('#save-state[data-status=saved]').waitFor({ timeout: 30_000 });

        // The draft survives a reload.
        await mentor.reload();
        await card.locator('.rubric-form').waitFor();
        const firstTitle = (await card.locator('fieldset.quality legend').first().innerText()).trim();
        assert.equal(await card.getByLabel(`Evidence for ${firstTitle}`).inputValue(), evidence, 'the evidence is back after a reload');
        assert.equal(await card.locator('fieldset.quality').first().locator('.cited-list .cited').count(), 2, 'both cited moments are back after a reload');
        assert.ok(await card.locator('fieldset.quality').nth(1).locator('.not-observed input').isChecked(), '"not observed" is back after a reload');
        assert.equal(await card.getByLabel('Strengths').inputValue(), strengths, 'what was typed offline is back after a reload');

        // A score without evidence is refused beside its field, and nothing is submitted.
        await card.getByLabel(`Evidence for ${firstTitle}`).fill('');
        await card.getByRole('button', { name: 'Submit feedback' }).click();
        await card.locator('fieldset.quality').first().locator('.field-error').waitFor();
        assert.equal(await card.getByLabel(`Evidence for ${firstTitle}`).getAttribute('aria-invalid'), 'true', 'the evidence box is marked invalid');
        await card.getByLabel(`Evidence for ${firstTitle}`).fill(evidence);

        // Submit with a double click: one version.
        await card.getByRole('button', { name: 'Submit feedback' }).dblclick();
        await card.locator('.submitted-line', { hasText: 'version 1' }).waitFor();
        assert.equal(await card.locator('.history').count(), 0, 'a double click made one version, not two');

        // The candidate's page turns from waiting to the feedback, with the cited moments.
        const released = candidate.locator('.released-card');
        await released.waitFor();
        await released.locator('.quality-read .evidence', { hasText: evidence }).waitFor();
        const cited = released.locator('.quality-read').first().locator('.cited');
        assert.equal(await cited.count(), 2, 'the two cited moments are shown');
        const citedText = await cited.allInnerTexts();
        assert.ok(citedText.some((s) => s.includes(chatLine.slice(0, 20))), `the chat line is shown as a cited moment: ${citedText}`);
        assert.ok(citedText.some((s) => /code/i.test(s)), `the code moment is shown as a cited moment: ${citedText}`);
        assert.match(await released.innerText(), /Not observed/, '"not observed" reads as itself');
        await shots(candidate, 'feedback-released-candidate');

        // Amending makes version 2 and keeps version 1 in the history.
        await card.getByRole('button', { name: 'Amend (new version)' }).click();
        await card.getByLabel('Strengths').fill('Talked through the approach before typing, and tested the edge case.');
        await card.getByRole('button', { name: 'Submit version 2' }).click();
        await card.locator('.submitted-line', { hasText: 'version 2' }).waitFor();
        await card.locator('.history summary', { hasText: 'Version 1' }).waitFor();
        await candidate.locator('.released-card', { hasText: 'tested the edge case' }).waitFor();

        // The way back later: from the ended room, and from My rooms.
        await candidate.locator('#back-to-room').click();
        await candidate.locator('#go-feedback').click();
        await candidate.waitForURL(feedbackURL(roomPath));
        await candidate.locator('.released-card').waitFor();
        await mentor.goto(`${base}/rooms`);
        await mentor.getByRole('link', { name: 'Feedback for Feedback browser test' }).click();
        await mentor.waitForURL(feedbackURL(roomPath));
        await card.locator('.submitted-line', { hasText: 'version 2' }).waitFor();

        assert.deepEqual(mentor.jsErrors.map(String), [], 'no script errors in the mentor page');
        assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
        t.diagnostic(`screenshots in ${RESULTS}`);
      });
    });

    test('peer feedback is double-blind until both submit or the deadline passes', { timeout: 480_000 }, async (t) => {
      await withFailureShots('feedback-peer', async () => {
        const base = env.server.baseURL;
        const { asker, answerer, roomPath } = await peerRoom(newBrowser, base, ['Riley Ashworth', 'Sasha Wexford'], 'junior');
        const answererTraffic = recordTraffic(answerer);
        await startQuestion(asker, answerer);
        await endInterview(asker);
        await asker.waitForURL(feedbackURL(roomPath));
        await answerer.waitForURL(feedbackURL(roomPath));

        // Each has a form to write: the first half's interviewer about the candidate, and the
        // candidate about the interviewer.
        await asker.locator('#form-candidate-0 .rubric-form').waitFor();
        await answerer.locator('#form-interviewer-0 .interviewer-form').waitFor();

        // Only the interviewer submits.
        const evidence = 'Named the empty-input case before writing any code';
        await fillRubric(asker, asker.locator('#form-candidate-0'), { evidence });
        await asker.locator('#form-candidate-0').getByRole('button', { name: 'Submit feedback' }).click();
        await asker.locator('#form-candidate-0 .submitted-line', { hasText: 'version 1' }).waitFor();
        assert.match(await asker.locator('#form-candidate-0 .submitted-line').innerText(), /at the latest on/, 'the author is told when the release happens at the latest');

        // The candidate sees that their peer submitted, and not a word of it.
        const waiting = answerer.locator('.waiting-card[data-form=candidate-0]');
        await waiting.locator('.waiting-text', { hasText: 'has submitted' }).waitFor();
        // These checks mean something only before the deadline: say so if this machine was too slow.
        const deadline = releaseDeadline(answererTraffic);
        assert.ok(deadline, 'the overview names the release deadline');
        assert.ok(Date.now() < deadline - 5000, `the checks before release start ${Math.round((deadline - Date.now()) / 1000)} s before the deadline; raise RELEASE_AFTER_S on a machine this slow`);
        assert.match(await waiting.innerText(), /at the latest on/);
        assert.equal(await answerer.locator('.released-card').count(), 0, 'nothing about the candidate is released');
        await answerer.reload();
        await waiting.waitFor();
        const pageText = await answerer.evaluate(() => `${document.body.innerText}\n${document.documentElement.outerHTML}`);
        assert.ok(!pageText.includes(evidence), 'the evidence is not on the candidate\'s page before release');
        const early = answererTraffic.filter((s) => s.includes(evidence) || s.includes('Talked through the approach'));
        assert.deepEqual(early, [], 'no response or frame gave the candidate the feedback before release');
        await shots(answerer, 'feedback-peer-waiting');

        // The deadline releases it (the page hears of it on the room's socket).
        await answerer.locator('.released-card[data-form=candidate-0]').waitFor({ timeout: (RELEASE_AFTER_S + 60) * 1000 });
        await answerer.locator('.released-card .evidence', { hasText: evidence }).waitFor();
        // The interviewer learns nothing about themselves: the candidate has not written yet.
        await asker.locator('.waiting-card[data-form=interviewer-0]', { hasText: 'not submitted yet' }).waitFor();

        // Feedback on feedback, then the candidate's own form, released at once now.
        const rating = answerer.locator('#rating-candidate-0');
        await rating.getByLabel(/^3 · /).check();
        await rating.getByLabel('In a line, why').fill('Specific, with the moment it happened');
        await rating.getByRole('button', { name: 'Send my rating' }).click();
        await rating.locator('[role=status]', { hasText: 'rated it 3 of 4' }).waitFor();
        const mine = answerer.locator('#form-interviewer-0');
        await fillInterviewerForm(mine, 'Clear questions; one more hint would have helped.');
        await answerer.locator('#save-state[data-status=saved]').waitFor();
        await shots(answerer, 'feedback-form-peer-candidate');
        await mine.getByRole('button', { name: 'Submit feedback' }).click();
        await mine.locator('.submitted-line', { hasText: 'version 1' }).waitFor();

        await asker.locator('.released-card[data-form=interviewer-0]', { hasText: 'one more hint would have helped' }).waitFor();
        // The rating counts towards the interviewer's standing, shown beside the forms they write.
        await asker.locator('#standing', { hasText: '3.0 of 4' }).waitFor();
        await shots(asker, 'feedback-released-peer-interviewer');

        assert.deepEqual(asker.jsErrors.map(String), [], 'no script errors in the interviewer page');
        assert.deepEqual(answerer.jsErrors.map(String), [], 'no script errors in the candidate page');
        t.diagnostic(`screenshots in ${RESULTS}`);
      });
    });
  },
  { serverEnv: { MOCKROOM_FEEDBACK_DEADLINE: `${RELEASE_AFTER_S}s` } },
);
