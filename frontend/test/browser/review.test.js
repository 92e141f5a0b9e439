// End to end in a real browser: reading a session back the day after.
//
// A mentor session is run with the candidate typing twice around a chat line; the mentor submits
// feedback that cites the chat line. The candidate finds the session in My sessions with its
// headline score, opens it, drags the replay slider to the start (the editor is empty) and back,
// clicks the moment cited in the feedback (the editor shows the code as it was then: the first
// lines, not the later ones), clicks a timeline entry, and downloads the Markdown export.
// Two more sessions follow, and the progress page draws the three scores of each quality as a
// chart (uPlot, loaded by that page only) with a table of the same numbers beside it.
// Screenshots, light and dark, wide and 375 px, go to test-results/; axe-core checks each of them
// for serious accessibility violations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, startQuestion, endInterview } from '../../test-support/people.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The titles of the Python developer track's question categories (and of a plan's closing slot).
const CATEGORY_TITLES = [
  'Technical proficiency',
  'Conceptual understanding',
  'Practical application',
  'System design and architecture',
  'Behavioral and communication',
  'Problem solving and critical thinking',
  'Your own questions',
];

browserTests(import.meta.url, (env) => {
  const { newBrowser, browsers } = env;

  // axeProblems runs axe-core on the page as it is and lists its serious and critical violations.
  async function axeProblems(page, where) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const res = await window.axe.run(document, { resultTypes: ['violations'] });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${where}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.join(', ')}`);
  }

  // shots photographs the page light and dark, wide and at 375 px, checking each with axe-core
  // and that nothing scrolls sideways.
  async function shots(page, name) {
    mkdirSync(RESULTS, { recursive: true });
    const size = page.viewportSize();
    const problems = [];
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(size);
      problems.push(...(await axeProblems(page, `${name} ${scheme}`)));
      await page.screenshot({ path: join(RESULTS, `${name}-${scheme}.png`), fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px at 375 px (${scheme})`);
      problems.push(...(await axeProblems(page, `${name} ${scheme} 375 px`)));
      await page.screenshot({ path: join(RESULTS, `${name}-${scheme}-375.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(size);
    assert.deepEqual(problems, [], `serious accessibility violations:\n${problems.join('\n')}`);
  }

  // scoreRubric answers the mentor's form: the first quality a 3 with evidence citing the moment
  // whose words are given, every other quality "not observed", a recommendation, each question a
  // score, strengths and things to improve.
  async function scoreRubric(page, card, evidence, momentWords, score = 3) {
    const qualities = card.locator('fieldset.quality');
    const first = qualities.first();
    await first.getByLabel(new RegExp(`^${score} · `)).check();
    const title = (await first.locator('legend').first().innerText()).trim();
    await card.getByLabel(`Evidence for ${title}`).fill(evidence);
    if (momentWords) {
      await first.getByRole('button', { name: 'Cite a moment' }).click();
      await first.locator('.cite-option', { hasText: momentWords }).first().locator('input').check();
      await page.keyboard.press('Escape');
    }
    const n = await qualities.count();
    for (let i = 1; i < n; i++) await qualities.nth(i).locator('.not-observed input').check();
    await card.locator('fieldset.recommendation').getByLabel(/^Yes/).check();
    const questions = card.locator('fieldset.question-score');
    for (let i = 0; i < (await questions.count()); i++) await questions.nth(i).getByLabel(String(score), { exact: true }).check();
    await card.getByLabel('Strengths').fill('Explained the plan before typing.');
    await card.getByLabel('Things to improve').fill('Name the cost of the approach.');
    return title;
  }

  const codeText = (page) => page.locator('#replay-code').innerText();

  // anotherSession runs one more short mentor session of the same two people (the candidate
  // follows the new invite signed in) and submits feedback with the given score.
  async function anotherSession(base, mentor, candidate, title, score) {
    await mentor.goto(`${base}/rooms/new`);
    await mentor.locator('input[name=plan]').first().waitFor();
    await mentor.getByLabel('Title').fill(title);
    await mentor.getByRole('button', { name: 'Create room' }).click();
    const invite = mentor.locator('.invite[data-role=candidate] input');
    await invite.waitFor();
    const inviteURL = await invite.inputValue();
    await mentor.locator('#enter-room').click();
    await mentor.waitForURL(/\/rooms\/[^/]+$/);
    await mentor.locator('#conn-status.conn-live').waitFor();
    await candidate.goto(inviteURL.replace(/^https?:\/\/[^/]+/, base));
    await candidate.getByRole('button', { name: /^Join as/ }).click();
    await candidate.waitForURL(/\/rooms\/[^/]+$/);
    await candidate.locator('#conn-status.conn-live').waitFor();
    await startQuestion(mentor, candidate);
    await endInterview(mentor);
    await mentor.waitForURL(/\/feedback$/);
    const card = mentor.locator('#form-candidate-0');
    await card.locator('.rubric-form').waitFor();
    await scoreRubric(mentor, card, `Scored ${score} in ${title}.`, null, score);
    await card.getByRole('button', { name: 'Submit feedback' }).click();
    await card.locator('.submitted-line', { hasText: 'version 1' }).waitFor();
  }

  test('the candidate replays a finished session and jumps to a cited moment', { timeout: 600_000 }, async (t) => {
    try {
      const base = env.server.baseURL;
      const title = 'Review browser test';
      const { mentor, candidate, roomPath } = await mentorRoom(newBrowser, base, { mentorName: 'Rita Reviewer', candidateName: 'Cody Candidate', title });
      // The chart library is loaded by the progress page only.
      const chartRequests = [];
      candidate.on('request', (req) => {
        if (/progress-charts/.test(req.url())) chartRequests.push(req.url());
      });
      await startQuestion(mentor, candidate);

      // Code, a chat line, more code: the cited chat line sits between the two.
      await candidate.locator('#editor .cm-content').click();
      await candidate.keyboard.press('Control+End');
      await candidate.keyboard.type('\ndef first_version(xs):\n    return xs\n');
      await mentor.waitForFunction(() => document.querySelector('#editor .cm-content')?.innerText.includes('first_version'));
      const chatLine = 'Sorting first makes the rest linear';
      await candidate.locator('#chat-input').fill(chatLine);
      await candidate.locator('#chat-input').press('Enter');
      await mentor.locator('#chat-log .chat-text', { hasText: chatLine }).waitFor();
      await candidate.locator('#editor .cm-content').click();
      await candidate.keyboard.press('Control+End');
      await candidate.keyboard.type('\ndef later_version(xs):\n    return sorted(xs)\n');
      await mentor.waitForFunction(() => document.querySelector('#editor .cm-content')?.innerText.includes('later_version'));

      await endInterview(mentor);
      await mentor.waitForURL(new RegExp(`${roomPath.replace(/\//g, '\\/')}\\/feedback$`));
      const card = mentor.locator('#form-candidate-0');
      await card.locator('.rubric-form').waitFor();
      const firstQualityTitle = await scoreRubric(mentor, card, 'Said why sorting helps before coding it.', chatLine.slice(0, 20));
      await card.getByRole('button', { name: 'Submit feedback' }).click();
      await card.locator('.submitted-line', { hasText: 'version 1' }).waitFor();

      // My sessions lists it with the released headline.
      await candidate.goto(`${base}/sessions`);
      const item = candidate.locator('.session-item', { hasText: title });
      await item.waitFor();
      assert.match(await item.innerText(), /3\.0 \/ 4/, 'the headline score released to the candidate is shown');
      assert.match(await item.innerText(), /Python developer/, 'the session names its track by its title');
      await candidate.getByRole('combobox', { name: 'Role' }).selectOption('interviewer');
      await candidate.locator('.empty', { hasText: 'No finished sessions match' }).waitFor();
      await candidate.getByRole('combobox', { name: 'Role' }).selectOption('candidate');
      await item.getByRole('link', { name: title }).click();
      await candidate.waitForURL(/\/sessions\/[^/]+$/);

      // Qualities, recommendations and categories are named by the track's titles, not by
      // their ids in words ("databases" is "Experience with databases").
      // The session page renders after its record arrives: wait for the feedback before reading it.
      await candidate.locator('.review-feedback dt', { hasText: firstQualityTitle }).first().waitFor();
      const terms = await candidate.locator('.review-feedback dt').allInnerTexts();
      for (const want of [firstQualityTitle, 'Experience with databases', 'Collaboration and communication', 'Recommendation']) {
        assert.ok(terms.includes(want), `the feedback names "${want}": ${terms.join(' | ')}`);
      }
      for (const cat of await candidate.locator('.questions-table td .muted').allInnerTexts()) {
        assert.ok(CATEGORY_TITLES.includes(cat), `question category "${cat}" is a title of the track's categories`);
      }
      assert.match(await candidate.locator('.page-head + p.muted').innerText(), /Python developer/, 'the track is named by its title');

      // The replay opens at the end: the final code.
      await candidate.locator('#replay-code span').first().waitFor();
      assert.match(await codeText(candidate), /later_version/);
      assert.equal(await candidate.locator('.replay-status').innerText(), '', 'the replay ends on the final code the server kept');

      // Drag the slider to the start: nothing typed yet.
      const slider = candidate.locator('#replay-slider');
      const box = await slider.boundingBox();
      await candidate.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
      await candidate.mouse.down();
      await candidate.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
      await candidate.mouse.move(box.x - 20, box.y + box.height / 2, { steps: 5 });
      await candidate.mouse.up();
      // At the session's start the question has just opened on its own document (its reset is
      // the only step by then): nothing is typed yet.
      await candidate.waitForFunction(() => document.querySelector('#replay-slider')?.value === '0' && Number(document.querySelector('#replay-code')?.dataset.step) <= 1);
      assert.doesNotMatch(await codeText(candidate), /first_version/, 'at the start of the slider nothing is typed');

      // The cited moment: the first version is there, the later one not yet.
      await candidate.locator('.cited-moment').first().click();
      await candidate.waitForFunction(() => /first_version/.test(document.querySelector('#replay-code')?.innerText || ''));
      const atMoment = await codeText(candidate);
      assert.doesNotMatch(atMoment, /later_version/, `at the cited moment the later code is not typed yet:\n${atMoment}`);
      assert.ok(await candidate.locator('.tl.current', { hasText: chatLine }).count(), 'the cited chat line is marked in the timeline');
      await shots(candidate, 'review-candidate');

      // A timeline entry jumps too: the session's start shows no code.
      await candidate.locator('.tl-question .tl-jump').first().click();
      await candidate.waitForFunction(() => !/first_version/.test(document.querySelector('#replay-code')?.innerText || ''));

      // The Markdown export downloads and reads on its own.
      const [dl] = await Promise.all([candidate.waitForEvent('download'), candidate.locator('#export-md').click()]);
      const md = readFileSync(await dl.path(), 'utf8');
      assert.match(md, /### Final code of question 1/);
      assert.match(md, /### Runs of question 1/);
      assert.ok(md.includes('later_version') && md.includes(chatLine), 'the export holds the code and the chat');

      // Two more sessions, scored 2 and 4: the progress page draws the first quality's three
      // scores in order, with their average, and each chart has a table of the same numbers.
      await anotherSession(base, mentor, candidate, 'Second session', 2);
      await anotherSession(base, mentor, candidate, 'Third session', 4);
      assert.deepEqual(chartRequests, [], 'no page before the progress page loads the chart library');
      // The page the candidate is on fetches the rubric too: leave it first, so the responses
      // awaited below can only be the progress page's own.
      await candidate.goto('about:blank');
      const [progressResponse, rubricResponse] = await Promise.all([
        candidate.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/me/progress'),
        candidate.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/tracks/python-developer/rubric'),
        candidate.goto(`${base}/progress`),
      ]);
      const data = await progressResponse.json();
      const rubric = await rubricResponse.json();
      assert.equal(data.track, 'python-developer');
      assert.deepEqual(
        data.history.map((s) => s.title),
        [title, 'Second session', 'Third session'],
        'the history holds the three sessions, oldest first',
      );
      const firstChart = candidate.locator('#progress-qualities .quality-chart').first();
      await firstChart.locator('.chart-host[data-drawn="3"] canvas').first().waitFor();
      assert.ok(chartRequests.length > 0, 'the progress page loads the chart library');
      const quality = data.qualities.find((q) => q.points.length);
      assert.equal(await firstChart.getAttribute('data-quality'), quality.id);
      assert.equal((await firstChart.locator('figcaption strong').innerText()).trim(), firstQualityTitle, 'the quality is named by its rubric title');
      assert.deepEqual(
        quality.points.map((pt) => pt.score),
        [3, 2, 4],
        'the scores in the order of the sessions',
      );
      assert.deepEqual(
        await firstChart.locator('.chart-table tbody td.score').allInnerTexts(),
        quality.points.map((pt) => String(pt.score)),
        'the table beside the chart lists the scores of the data',
      );
      assert.deepEqual(
        await firstChart.locator('.chart-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.room)),
        quality.points.map((pt) => pt.room_id),
        'one row per session, in order',
      );
      assert.equal(await firstChart.locator('.chart-table tfoot td').innerText(), quality.average.toFixed(1));
      assert.match(await firstChart.locator('figcaption').innerText(), /average 3\.0 over 3 sessions/);
      // The canvas has something drawn on it.
      const inked = await firstChart.locator('.chart-host canvas').first().evaluate((c) => {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      });
      assert.ok(inked > 500, `the chart's canvas is drawn on (${inked} pixels)`);
      // The mean of each session: its own chart and table.
      const overall = candidate.locator('#progress-overall .quality-chart');
      await overall.locator('.chart-host[data-drawn="3"] canvas').first().waitFor();
      assert.deepEqual(
        await overall.locator('.chart-table tbody td.score').allInnerTexts(),
        data.history.map((s) => (Number.isInteger(s.average) ? String(s.average) : s.average.toFixed(1))),
      );
      for (const fig of await candidate.locator('#progress-qualities .quality-chart').all()) {
        const id = await fig.getAttribute('data-quality');
        const want = rubric.qualities.find((q) => q.id === id)?.title;
        assert.equal((await fig.locator('figcaption strong').innerText()).trim(), want, `chart of ${id} titled as in the rubric`);
      }
      for (const cat of await candidate.locator('.questions-table tbody td:first-child').allInnerTexts()) {
        assert.ok(CATEGORY_TITLES.includes(cat), `progress category "${cat}" is a title of the track's categories`);
      }
      assert.equal(
        await candidate.locator('#progress-qualities .quality-chart').count(),
        data.qualities.filter((q) => q.points.length).length,
        'a chart for each quality with a score',
      );
      assert.match(await candidate.locator('#progress-counts').innerText(), /Sessions taken: 3/);
      assert.ok((await candidate.locator('.prep-area').count()) >= 9, 'the preparation map lists the checklist');
      await candidate.locator('#suggestion li').first().waitFor();
      assert.equal(await candidate.locator('#queue-suggested').count(), 0, 'a guest is not offered the queue, which needs an account');
      await candidate.locator('#suggestion-guest a[href="/signup"]').waitFor();
      await shots(candidate, 'progress-candidate');

      // The mentor has an account: one click on the suggestion puts them in the peer queue,
      // asking for the suggested plan's kinds of question.
      const [mentorProgress] = await Promise.all([
        mentor.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/me/progress'),
        mentor.goto(`${base}/progress`),
      ]);
      const suggested = (await mentorProgress.json()).suggestion;
      const wanted = suggested.slots.map((sl) => sl.category).filter((c) => c !== 'candidate_questions');
      const [joined] = await Promise.all([
        mentor.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/match/queue' && res.request().method() === 'POST'),
        mentor.locator('#queue-suggested').click(),
      ]);
      assert.equal(joined.status(), 202, `joining the queue: ${await joined.text()}`);
      assert.deepEqual(joined.request().postDataJSON(), { track: suggested.track, level: 'mid', categories: wanted });
      await mentor.waitForURL(`${base}/match`);
      await mentor.locator('.card.waiting', { hasText: 'Looking for a peer' }).waitFor();
      await mentor.locator('.queue-categories').waitFor();
      await mentor.getByRole('button', { name: 'Leave the queue' }).click();
      await mentor.getByRole('button', { name: 'Join the queue' }).waitFor();

      assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
      t.diagnostic(`screenshots in ${RESULTS}`);
    } catch (err) {
      mkdirSync(RESULTS, { recursive: true });
      for (const [i, b] of browsers.entries()) await b.pages()[0]?.screenshot({ path: join(RESULTS, `failure-review-${i}.png`), fullPage: true }).catch(() => {});
      console.log(`server log:\n${env.server.log().slice(-4000)}`);
      throw err;
    }
  });
});
