// Accessibility of every page: each is opened light and dark, wide and at 375 px, checked with
// axe-core (injected through the DevTools protocol, which the page's Content-Security-Policy does
// not govern) and photographed. A serious or critical violation anywhere fails the test, listed
// with the page, the theme, the width and the elements at fault.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom } from '../../test-support/people.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const THEMES = ['light', 'dark'];
const WIDTHS = [{ name: 'wide', width: 1280, height: 900 }, { name: 'narrow', width: 375, height: 812 }];

browserTests(import.meta.url, (env) => {
  test('every page, light and dark, wide and narrow, has no serious accessibility violation', { timeout: 600_000 }, async () => {
    const base = env.server.baseURL;
    const { mentor, candidate, roomPath, observerURL } = await mentorRoom(env.newBrowser, base, { mentorName: 'Ada Axe', candidateName: 'Cy Check', title: 'Accessibility room' });
    const visitor = await env.newBrowser();
    // Code in the shared editor, so its highlighting is checked in both themes too.
    await mentor.locator('#editor .cm-content').click();
    await mentor.keyboard.type('def greet(name):\n# say hello\nreturn "hi " + name + str(42) if True else None\n');
    await candidate.locator('#editor .cm-line', { hasText: 'greet' }).waitFor();

    // A refusal the server makes, so the page shows the error beside its field: a question whose
    // second hint caps higher than its first, and a plan asking the same question twice.
    const questionError = async (page) => {
      await page.locator('input[name=title]').fill('Accessible question');
      await page.locator('textarea[name=prompt]').fill('Explain how a dict keeps its keys in order.');
      await page.getByLabel('What a good answer covers').fill('insertion order since 3.7');
      await page.getByLabel('Red flags').fill('thinks dicts are sorted');
      await page.getByLabel('A strong answer').fill('compact dict with an index table');
      await page.getByLabel('Follow-up questions').fill('And sets?\nAnd OrderedDict?');
      await page.locator('input[name=quality]').first().check();
      for (const [i, cap] of [2, 3].entries()) {
        await page.getByRole('button', { name: 'Add a hint' }).click();
        const row = page.locator('fieldset.row', { hasText: `Hint ${i + 1}` });
        await row.getByLabel('Hint', { exact: true }).fill(`A hint worth ${cap}`);
        await row.getByLabel('Highest score after it').selectOption(String(cap));
      }
      await page.getByRole('button', { name: 'Add the question' }).click();
      await page.locator('.field-error[data-field="guide.hints[1].max_score"]').waitFor();
    };
    const planError = async (page) => {
      await page.locator('input[name=title]').fill('Accessible plan');
      await page.locator('.slot-list > li').nth(0).locator('select[name=question_id]').selectOption('py-concept-gil');
      await page.getByRole('button', { name: 'Add a slot' }).click();
      await page.locator('.slot-list > li').nth(1).locator('select[name=question_id]').selectOption('py-concept-gil');
      await page.getByRole('button', { name: 'Save the plan' }).click();
      await page.locator('.field-error[data-field="slots[1].question_id"]').waitFor();
    };

    // [who, name, path, what to wait for, what to do before the check]
    const pages = [
      [visitor, 'home', '/', 'main h1'],
      [visitor, 'login', '/login', 'form'],
      [visitor, 'signup', '/signup', 'form'],
      [visitor, 'bank', '/bank', 'main h1'],
      [visitor, 'invite-missing', '/invite/not-a-real-token', 'main h1'],
      [visitor, 'invite', observerURL.slice(base.length), '#invite-about'],
      [mentor, 'my-rooms', '/rooms', 'main h1'],
      [mentor, 'new-room', '/rooms/new', 'input[name=plan]'],
      [mentor, 'new-question', '/questions/new', 'input[name=quality]'],
      [mentor, 'new-question-error', '/questions/new', 'input[name=quality]', questionError],
      [candidate, 'new-question-guest', '/questions/new', '#guest-notice'],
      [mentor, 'new-plan', '/plans/new', 'form[data-ready=true]'],
      [mentor, 'new-plan-error', '/plans/new', 'form[data-ready=true]', planError],
      [mentor, 'match', '/match', 'main h1'],
      [mentor, 'room-mentor', roomPath, '#conn-status.conn-live'],
      [candidate, 'room-candidate', roomPath, '#conn-status.conn-live'],
      [mentor, 'feedback', `${roomPath}/feedback`, 'main h1'],
    ];
    mkdirSync(RESULTS, { recursive: true });
    const problems = [];
    for (const [page, name, path, ready, prepare] of pages) {
      for (const colorScheme of THEMES) {
        for (const size of WIDTHS) {
          await page.emulateMedia({ colorScheme });
          await page.setViewportSize({ width: size.width, height: size.height });
          await page.goto(`${base}${path}`);
          await page.locator(ready).first().waitFor();
          if (prepare) await prepare(page);
          await page.evaluate(() => document.fonts.ready);
          if (name.startsWith('room-')) {
            // The editor follows the theme: a dark editor in the dark page, not a light one.
            await page.locator('#editor .cm-line', { hasText: 'greet' }).waitFor();
            const bg = await page.evaluate(() => getComputedStyle(document.querySelector('#editor .cm-editor')).backgroundColor);
            assert.equal(bg === 'rgb(27, 31, 42)', colorScheme === 'dark', `${name} ${colorScheme}: editor background ${bg}`);
          }
          if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
          const violations = await page.evaluate(async () => {
            const res = await window.axe.run(document, { resultTypes: ['violations'] });
            return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join(' ')}`) }));
          });
          for (const v of violations) {
            if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${name} ${colorScheme} ${size.name}: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.join('\n    ')}`);
          }
          await page.screenshot({ path: join(RESULTS, `a11y-${name}-${colorScheme}-${size.name}.png`), fullPage: true });
        }
      }
    }
    assert.deepEqual(problems, [], `serious accessibility violations:\n${problems.join('\n')}`);
    for (const p of [mentor, candidate, visitor]) assert.deepEqual(p.jsErrors.map(String), [], 'no script errors');
  });
});
