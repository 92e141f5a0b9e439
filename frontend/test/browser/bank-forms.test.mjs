// End to end in a real browser: the forms for custom questions and plans. A signed-up user finds
// "Add a question" in the bank, fills in a coding question (examples, time limit, guide, rubric
// quality, two hints) and finds it stored through the API exactly as typed. A question whose
// second hint caps higher than the first is refused by the server: the message appears beside that
// hint's select, which is marked invalid, described by the message and focused, and nothing is
// stored. On the plan form, a blank title is caught in the page before anything is sent; the
// question just made comes ready in the first slot; slots are added and moved; the same question
// twice is refused by the server beside the second slot's question; the fixed plan is stored in
// its order with its times, and "Create a room with this plan" opens the room form with it chosen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { apiAs, signUp } from '../../test-support/people.js';

const TRACK = '/api/v1/tracks/python-developer';

browserTests(import.meta.url, (env) => {
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

  // expectFieldError checks that the error for path is shown beside control: the control is
  // marked invalid, is described by the message, and has the focus.
  async function expectFieldError(page, path, control) {
    const msg = page.locator(`.field-error[data-field="${path}"]`);
    await msg.waitFor();
    const id = await msg.getAttribute('id');
    assert.equal(await control.getAttribute('aria-invalid'), 'true', `${path}: the control is marked invalid`);
    assert.ok((await control.getAttribute('aria-describedby')).split(' ').includes(id), `${path}: the control is described by the message`);
    assert.ok(await control.evaluate((el) => el === document.activeElement), `${path}: the control has the focus`);
    // Beside it: the message sits in the same field wrapper as the control.
    assert.ok(await control.evaluate((el, mid) => !!el.closest('.field')?.querySelector(`#${mid}`), id), `${path}: the message is in the control's field`);
    return (await msg.innerText()).trim();
  }

  async function customQuestions(page) {
    const { status, body } = await apiAs(page, 'GET', `${TRACK}/questions`);
    assert.equal(status, 200);
    return body.questions.filter((q) => q.id.startsWith('custom-'));
  }

  // fillQuestion types a valid coding question with two hints capping at the given scores.
  async function fillQuestion(page, title, caps) {
    const form = page.locator('form.bank-form');
    await form.locator('select[name=category]').selectOption('practical_application');
    await form.locator('select[name=difficulty]').selectOption('senior');
    await form.locator('input[name=minutes]').fill('15');
    await form.locator('input[name=title]').fill(title);
    await form.locator('textarea[name=prompt]').fill('Write merge(intervals) that merges overlapping [start, end] pairs. Python 3.12+.');
    await page.getByLabel('The candidate works it in the shared code editor').check();
    await form.locator('textarea[name=starter]').fill('def merge(intervals):\n    ...\n');
    const examples = form.locator('#coding-part .row');
    await examples.nth(0).getByLabel('Input (a Python expression)').fill('merge([[1, 3], [2, 4]])');
    await examples.nth(0).getByLabel('Expected output').fill('[[1, 4]]');
    await examples.nth(1).getByLabel('Input (a Python expression)').fill('merge([])');
    await examples.nth(1).getByLabel('Expected output').fill('[]');
    await form.locator('input[name=time_limit_s]').fill('5');
    await page.getByLabel('What a good answer covers').fill('sorts by start first\nmerges in one pass');
    await page.getByLabel('Red flags').fill('quadratic pairwise merging');
    await page.getByLabel('A strong answer').fill('sort, then extend the last interval or append');
    await page.getByLabel('Follow-up questions').fill('What if the input is a stream?\nWhat if intervals are half-open?');
    await form.locator('input[name=quality][value=problem_solving]').check();
    for (const [i, cap] of caps.entries()) {
      await page.getByRole('button', { name: 'Add a hint' }).click();
      const row = form.locator('fieldset.row', { hasText: `Hint ${i + 1}` });
      await row.getByLabel('Hint', { exact: true }).fill(`Hint worth ${cap}`);
      await row.getByLabel('Highest score after it').selectOption(String(cap));
    }
  }

  test('a question and a plan made through the forms, with the server\'s field errors beside their fields', { timeout: 300_000 }, async () => {
    await withFailureShots('bank-forms', async () => {
      const base = env.server.baseURL;
      const page = await newBrowser();
      await signUp(page, base, 'Fran Forms', '/bank');
      await page.locator('#add-question').click();
      await page.waitForURL(`${base}/questions/new`);
      await page.locator('input[name=quality]').first().waitFor();

      // A hint capping higher than the one before it: the server refuses it, beside that hint.
      const title = `Merge intervals ${Date.now()}`;
      await fillQuestion(page, title, [2, 3]);
      await page.getByRole('button', { name: 'Add the question' }).click();
      const secondCap = page.locator('form.bank-form fieldset.row', { hasText: 'Hint 2' }).getByLabel('Highest score after it');
      const message = await expectFieldError(page, 'guide.hints[1].max_score', secondCap);
      assert.match(message, /max_score is 3, above the 2/, 'the server\'s message is shown');
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, 'bank-forms-question-error.png'), fullPage: true });
      assert.deepEqual(await customQuestions(page), [], 'the refused question was not stored');

      // Fixed, it is stored as typed.
      await secondCap.selectOption('1');
      await page.getByRole('button', { name: 'Add the question' }).click();
      const created = page.locator('#created-question');
      await created.waitFor();
      assert.equal(await page.locator('.field-error').count(), 0, 'no error is left on the page');
      const id = await created.getAttribute('data-id');
      const { status, body: q } = await apiAs(page, 'GET', `${TRACK}/questions/${id}`);
      assert.equal(status, 200);
      assert.equal(q.title, title);
      assert.equal(q.category, 'practical_application');
      assert.equal(q.difficulty, 'senior');
      assert.equal(q.minutes, 15);
      assert.equal(q.coding.language, 'python');
      assert.equal(q.coding.time_limit_s, 5);
      assert.deepEqual(q.coding.examples, [{ input: 'merge([[1, 3], [2, 4]])', output: '[[1, 4]]' }, { input: 'merge([])', output: '[]' }]);
      assert.deepEqual(q.guide.follow_ups, ['What if the input is a stream?', 'What if intervals are half-open?']);
      assert.deepEqual(q.guide.qualities, ['problem_solving']);
      assert.deepEqual(q.guide.hints, [{ text: 'Hint worth 2', max_score: 2 }, { text: 'Hint worth 3', max_score: 1 }]);
      assert.equal((await customQuestions(page)).length, 1, 'exactly one question was stored');

      // The plan form, from the created question: it comes ready in the first slot.
      await page.getByRole('link', { name: 'Use it in a new plan' }).click();
      await page.waitForURL(/\/plans\/new\?question=/);
      const form = page.locator('form.bank-form[data-ready=true]');
      await form.waitFor();
      const slots = page.locator('.slot-list > li');
      assert.equal(await slots.nth(0).locator('select[name=question_id]').inputValue(), id);
      assert.equal(await slots.nth(0).locator('input[name=time]').inputValue(), '15', 'the question brings its own time');

      // A blank title is caught before anything is sent.
      const posts = [];
      page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/plans') && posts.push(r.url()));
      await page.getByRole('button', { name: 'Save the plan' }).click();
      await expectFieldError(page, 'title', form.locator('input[name=title]'));
      assert.deepEqual(posts, [], 'the page sent nothing');
      await form.locator('input[name=title]').fill('Intervals loop');

      // Slot 2: a built-in question for 10 minutes; slot 3: a senior design question drawn for
      // 20; slot 4: the candidate's questions for 90 seconds. Then slot 2 moves to the top.
      await page.getByRole('button', { name: 'Add a slot' }).click();
      await slots.nth(1).locator('select[name=question_id]').selectOption('py-concept-gil');
      await slots.nth(1).locator('input[name=time]').fill('10');
      await page.getByRole('button', { name: 'Add a slot' }).click();
      await slots.nth(2).locator('select[name=kind]').selectOption('category');
      await slots.nth(2).locator('select[name=category]').selectOption('system_design');
      await slots.nth(2).locator('select[name=difficulty]').selectOption('senior');
      await slots.nth(2).locator('input[name=time]').fill('20');
      await page.getByRole('button', { name: 'Add a slot' }).click();
      await slots.nth(3).locator('select[name=kind]').selectOption('candidate_questions');
      await slots.nth(3).locator('input[name=time]').fill('90');
      await slots.nth(3).locator('select[name=unit]').selectOption('seconds');
      await page.getByRole('button', { name: 'Move slot 2 up' }).click();
      assert.equal(await page.locator('#plan-total').innerText(), '4 slots · 46 min 30 s in all');

      // The same question twice: the server refuses it beside the second one.
      await slots.nth(1).locator('select[name=question_id]').selectOption('py-concept-gil');
      await page.getByRole('button', { name: 'Save the plan' }).click();
      await expectFieldError(page, 'slots[1].question_id', slots.nth(1).locator('select[name=question_id]'));
      await page.screenshot({ path: join(RESULTS, 'bank-forms-plan-error.png'), fullPage: true });
      assert.equal(posts.length, 1, 'that one was sent');
      {
        const { body } = await apiAs(page, 'GET', `${TRACK}/plans`);
        assert.deepEqual(body.plans.filter((p) => p.owner), [], 'the refused plan was not stored');
      }

      await slots.nth(1).locator('select[name=question_id]').selectOption(id);
      await page.getByRole('button', { name: 'Save the plan' }).click();
      const createdPlan = page.locator('#created-plan');
      await createdPlan.waitFor();
      const planId = await createdPlan.getAttribute('data-id');
      const { status: ps, body: plan } = await apiAs(page, 'GET', `${TRACK}/plans/${planId}`);
      assert.equal(ps, 200);
      assert.equal(plan.title, 'Intervals loop');
      assert.deepEqual(plan.slots, [
        { question_id: 'py-concept-gil', minutes: 10 },
        { question_id: id, minutes: 15 },
        { category: 'system_design', difficulty: 'senior', minutes: 20 },
        { category: 'candidate_questions', seconds: 90 },
      ]);

      // From the plan to a room: the room form opens with the plan chosen.
      await page.getByRole('link', { name: 'Create a room with this plan' }).click();
      await page.waitForURL(/\/rooms\/new\?plan=/);
      assert.ok(await page.locator(`input[name=plan][value="${planId}"]`).isChecked(), 'the new plan is chosen');
      assert.deepEqual(page.jsErrors.map(String), [], 'no script errors');
    });
  });
});
