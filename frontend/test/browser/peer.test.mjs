// End to end in a real browser: peer practice. Two people sign up in two browsers, queue for the
// same track and level, see the match with its one-minute countdown, confirm, and land in the same
// peer room where each knows the other only by a pseudonym. The first half's interviewer has the
// controls and the guidance; at half time (the first question of the second half's plan) the roles
// swap and the controls and guidance move with them. Both reveal, and then both see real names.
// A second test leaves the queue, and declines a match, and checks what each side is told.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';

browserTests(import.meta.url, (env) => {
  const { newBrowser, browsers } = env;

  // withFailureShots runs body and, if it throws, saves a screenshot of every open page and prints
  // the end of the server's log.
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

  async function shot(page, name) {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `${name}.png`) });
  }

  async function signUp(page, name) {
    const base = env.server.baseURL;
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '-');
    await page.goto(`${base}/signup?next=/match`);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Email').fill(`${slug}-${Date.now()}@example.org`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/match`);
  }

  async function joinQueue(page, level, categories = []) {
    await page.getByLabel('Your level').selectOption(level);
    for (const c of categories) await page.getByLabel(c).check();
    await page.getByRole('button', { name: 'Join the queue' }).click();
  }

  // expectProposal waits for the confirm card and checks its countdown shows most of a minute.
  async function expectProposal(page) {
    const card = page.locator('.proposal');
    await card.waitFor();
    const text = await card.locator('.confirm-countdown').innerText();
    const m = /^(\d+):(\d\d)$/.exec(text.trim());
    assert.ok(m, `the confirm countdown reads like m:ss, got ${JSON.stringify(text)}`);
    const left = Number(m[1]) * 60 + Number(m[2]);
    assert.ok(left > 40 && left <= 60, `the countdown starts near one minute, got ${text}`);
    // It counts down.
    await page.waitForFunction((was) => document.querySelector('.proposal .confirm-countdown')?.textContent !== was, text);
    return card;
  }

  // textOf is everything a person could find on the page: the visible text and the markup
  // (attributes such as titles and aria labels included).
  const textOf = (page) => page.evaluate(() => `${document.body.innerText}\n${document.documentElement.outerHTML}`);

  // stringsOf flattens a socket frame to the text it carries (every string in its JSON, unescaped),
  // so a search for a sentence does not depend on how the JSON escaped it.
  function stringsOf(payload) {
    const out = [];
    const walk = (v) => {
      if (typeof v === 'string') out.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    try {
      walk(JSON.parse(String(payload)));
    } catch {
      out.push(String(payload));
    }
    return out.join('\n');
  }

  const role = async (page) => (await page.locator('#my-role').innerText()).replace(/^You:\s*/, '').trim();

  // questionNumber reads "Question n of m" from the question panel (1-based).
  async function questionNumber(page) {
    const meta = await page.locator('#question-panel .question-meta').innerText();
    const m = /Question (\d+)(?: of (\d+))?/.exec(meta);
    assert.ok(m, `the question panel says which question is running: ${meta}`);
    return { n: Number(m[1]), of: Number(m[2] || 0) };
  }

  async function guidanceLines(page) {
    await page.locator('#guidance').waitFor();
    return (await page.locator('#guidance li, #guidance p').allInnerTexts()).map((s) => s.trim()).filter((s) => s.length > 12);
  }

  // pairUp signs two people up, queues both at level, confirms the match on both sides and
  // returns them in the room, the first half's interviewer first. With shots it saves the queue
  // and confirm screens; categories are the first person's preferred kinds of question.
  async function pairUp(names, level, { shots = false, categories = [] } = {}) {
    const a = await newBrowser();
    const b = await newBrowser();

    // Both queue for the Python track at the same level.
    await signUp(a, names[0]);
    await a.locator('h1', { hasText: 'Practise with a peer' }).waitFor();
    assert.match(await a.locator('#main').innerText(), /Python/i, 'the queue page names the track');
    await joinQueue(a, level, categories);
    await a.locator('.waiting', { hasText: 'Looking for a peer' }).waitFor();
    if (categories.length) await a.locator('.waiting .queue-categories', { hasText: `You asked for: ${categories.join(', ')}` }).waitFor();
    await a.getByRole('button', { name: 'Leave the queue' }).waitFor();
    if (shots) await shot(a, 'peer-queue-waiting');

    await signUp(b, names[1]);
    await joinQueue(b, level);

    // Both are matched and have a minute to confirm.
    await expectProposal(a);
    await expectProposal(b);
    if (shots) await shot(b, 'peer-match-confirm');

    await a.getByRole('button', { name: 'I am ready' }).click();
    await a.locator('.waiting', { hasText: 'Waiting for your peer to confirm' }).waitFor();
    await b.getByRole('button', { name: 'I am ready' }).click();

    await a.waitForURL(/\/rooms\/[^/]+$/);
    await b.waitForURL(/\/rooms\/[^/]+$/);
    assert.equal(new URL(a.url()).pathname, new URL(b.url()).pathname, 'both land in the same room');
    await a.locator('#conn-status.conn-live').waitFor();
    await b.locator('#conn-status.conn-live').waitFor();

    // Who interviews first is the server's choice; read it from the pages.
    await a.waitForFunction(() => /You: (interviewer|candidate)/.test(document.querySelector('#my-role')?.textContent || ''));
    await b.waitForFunction(() => /You: (interviewer|candidate)/.test(document.querySelector('#my-role')?.textContent || ''));
    const roles = [await role(a), await role(b)];
    assert.deepEqual([...roles].sort(), ['candidate', 'interviewer'], 'one interviews and one is interviewed');
    const first = roles[0] === 'interviewer' ? 0 : 1;
    return { a, b, asker: [a, b][first], answerer: [a, b][1 - first], askerName: names[first], answererName: names[1 - first] };
  }

  // startFirstQuestion starts the interview from the interviewer's page and returns the number of
  // questions in the room.
  async function startFirstQuestion(asker, answerer) {
    await asker.locator('#ctl-start').click();
    await asker.locator('#ctl-next').waitFor();
    if ((await asker.locator('#question-prompt').count()) === 0) await asker.locator('#ctl-next').click();
    await asker.locator('#question-prompt').waitFor();
    await answerer.locator('#question-prompt').waitFor();
    const { n, of: total } = await questionNumber(asker);
    assert.equal(n, 1, 'the first question runs');
    assert.ok(total >= 2 && total % 2 === 0, `a peer room has two equal halves, got ${total} questions`);
    return total;
  }

  // toSecondHalf advances the first half's questions, alternating next and skip, until the
  // second half's first question runs. Half time comes with that question (protocol.md:
  // roles.swapped comes right before it). Pages in watchers must follow each step.
  async function toSecondHalf(asker, total, watchers) {
    for (let n = 1; n <= total / 2; n++) {
      assert.equal((await questionNumber(asker)).n, n, `question ${n} runs`);
      assert.equal(await role(asker), 'interviewer', `still the first half at question ${n}`);
      await asker.locator(n % 2 ? '#ctl-next' : '#ctl-skip').click();
      for (const page of watchers) {
        await page.waitForFunction((want) => new RegExp(`Question ${want}\\b`).test(document.querySelector('#question-panel .question-meta')?.textContent || ''), n + 1);
      }
    }
  }

  test('two peers match, confirm, interview each other in two halves and reveal their names', { timeout: 240_000 }, async (t) => {
    await withFailureShots('peer', async () => {
      const names = ['Avery Quillfeather', 'Blake Thornbury'];
      // The first person asks for system design; the other leaves the plan as it is.
      const { a, b, asker, answerer, askerName, answererName } = await pairUp(names, 'senior', { shots: true, categories: ['System design and architecture'] });
      const pages = [a, b];
      // The kind of the running question, as its chip on the page names it.
      const isDesign = async (page) => (await page.locator('#question-panel .question-meta .chip-system_design').count()) === 1;

      // Each sees the other only by a pseudonym.
      for (const [page, other] of [
        [a, b],
        [b, a],
      ]) {
        const otherName = names[pages.indexOf(other)];
        await page.locator('#participants .person').nth(1).waitFor();
        const people = await page.locator('#participants .person-name').allInnerTexts();
        assert.equal(people.length, 2, 'two people in the room');
        const them = people.find((p) => !p.includes('(you)'));
        assert.ok(them && /\S/.test(them), 'the peer has a name on the page');
        assert.ok(!them.includes(otherName), `the peer is shown by a pseudonym, not ${otherName}`);
        await page.locator('#participants .person.online').nth(1).waitFor();
        const all = await textOf(page);
        for (const part of otherName.split(' ')) assert.ok(!all.includes(part), `${part} (the peer's real name) appears on the page`);
      }

      // The first half's interviewer has the controls and the interviewer-only panel.
      await asker.locator('#ctl-start').waitFor();
      assert.equal(await asker.locator('#private-panel:not([hidden])').count(), 1, 'the interviewer has the interviewer-only panel');
      assert.equal(await answerer.locator('#controls:not([hidden]) button').count(), 0, 'the candidate has no interviewer controls');
      assert.equal(await answerer.locator('#private-panel:not([hidden])').count(), 0, 'the candidate has no interviewer-only panel');
      await shot(asker, 'peer-room-waiting-interviewer');

      // The interviewer starts; both see the first question; only the interviewer the guidance.
      const total = await startFirstQuestion(asker, answerer);
      const prompt = (await asker.locator('#question-prompt').innerText()).trim();
      assert.ok(prompt.length > 0, 'the first question has a prompt');
      assert.equal(await isDesign(asker), answerer === a, 'the first half asks system design exactly when its candidate asked for it');
      assert.equal((await answerer.locator('#question-prompt').innerText()).trim(), prompt, 'both see the same prompt');
      for (const page of pages) await page.locator('#room-half', { hasText: `First half · roles swap at question ${total / 2 + 1}` }).waitFor();
      const firstGuidance = await guidanceLines(asker);
      assert.ok(firstGuidance.length > 0, 'the interviewer sees guidance');
      const answererText = await textOf(answerer);
      for (const line of firstGuidance) assert.ok(!answererText.includes(line), `the candidate's page holds guidance: ${line}`);
      // A private note of the first half's interviewer stays theirs.
      const note = 'Private: strong on specifics, probe the follow-up';
      await asker.locator('#note-input').fill(note);
      await asker.getByRole('button', { name: 'Add note' }).click();
      await asker.locator('#notes li', { hasText: note }).waitFor();
      assert.ok(!(await textOf(answerer)).includes(note), 'the candidate does not see the interviewer\'s note');
      await shot(asker, 'peer-room-first-half-interviewer');
      await shot(answerer, 'peer-room-first-half-candidate');

      await toSecondHalf(asker, total, [asker, answerer]);

      // The roles have swapped: controls and guidance moved to the other person.
      await answerer.waitForFunction(() => document.querySelector('#my-role')?.textContent === 'You: interviewer');
      await asker.waitForFunction(() => document.querySelector('#my-role')?.textContent === 'You: candidate');
      await answerer.locator('#ctl-next').waitFor();
      for (const page of pages) await page.locator('#room-half', { hasText: 'Second half' }).waitFor();
      const secondGuidance = await guidanceLines(answerer);
      assert.ok(secondGuidance.length > 0, 'the new interviewer sees guidance');
      assert.equal(await asker.locator('#controls:not([hidden]) button').count(), 0, 'the previous interviewer has no controls any more');
      assert.equal(await asker.locator('#private-panel:not([hidden])').count(), 0, 'the previous interviewer has no interviewer-only panel any more');
      assert.equal(await asker.locator('#guidance').count(), 0, 'the previous interviewer has no guidance on the page');
      assert.ok(!(await textOf(answerer)).includes(note), 'the new interviewer does not see the previous interviewer\'s private note');
      const askerText = await textOf(asker);
      for (const line of [...secondGuidance, ...firstGuidance]) assert.ok(!askerText.includes(line), `the new candidate's page holds guidance: ${line}`);
      const secondPrompt = (await answerer.locator('#question-prompt').innerText()).trim();
      assert.equal((await asker.locator('#question-prompt').innerText()).trim(), secondPrompt, 'both see the second half\'s first question');
      assert.equal((await questionNumber(asker)).n, total / 2 + 1);
      assert.equal(await isDesign(answerer), asker === a, 'the second half asks system design exactly when its candidate asked for it');
      // Each page lists the roles as they are now.
      await asker.locator('#participants .person', { hasText: '(you)' }).filter({ hasText: 'candidate' }).waitFor();
      await answerer.locator('#participants .person', { hasText: '(you)' }).filter({ hasText: 'interviewer' }).waitFor();
      await shot(answerer, 'peer-room-second-half-interviewer');
      await shot(asker, 'peer-room-second-half-candidate');

      // Names stay hidden until both reveal.
      await asker.locator('#reveal-name').click();
      await asker.locator('#reveal-name', { hasText: 'revealed' }).waitFor();
      assert.ok(!(await textOf(answerer)).includes(askerName), 'one reveal alone shows no name');
      assert.ok(!(await textOf(asker)).includes(answererName), 'one reveal alone shows no name');
      await answerer.locator('#reveal-name').click();
      await answerer.locator('#participants .person-name', { hasText: askerName }).waitFor();
      await asker.locator('#participants .person-name', { hasText: answererName }).waitFor();
      await shot(asker, 'peer-room-revealed');

      assert.deepEqual(a.jsErrors.map(String), [], 'no script errors in the first page');
      assert.deepEqual(b.jsErrors.map(String), [], 'no script errors in the second page');
      t.diagnostic(`screenshots in ${RESULTS}`);
    });
  });

  // Half time moves the interviewer's role, not what the first interviewer wrote or was shown:
  // the peer who was the candidate must not receive the first half's private notes or guidance
  // when they come back after the swap, by resume or by a fresh snapshot. What reaches the page's
  // socket is checked, not only what the page shows.
  test('the first half\'s private material stays with its interviewer after half time', { timeout: 180_000 }, async (t) => {
    await withFailureShots('halves', async () => {
      const { asker, answerer } = await pairUp(['Emery Castellanos', 'Flynn Abernathy'], 'mid');
      const frames = [];
      answerer.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
      const total = await startFirstQuestion(asker, answerer);
      const firstGuidance = await guidanceLines(asker);

      // The candidate drops off the network; meanwhile the interviewer writes a private note and
      // the first half ends.
      await answerer.context().setOffline(true);
      await answerer.locator('#conn-status.conn-reconnecting').waitFor();
      const note = 'Private: hesitant on the trade-offs, ask again later';
      await asker.locator('#note-input').fill(note);
      await asker.getByRole('button', { name: 'Add note' }).click();
      await asker.locator('#notes li', { hasText: note }).waitFor();
      await toSecondHalf(asker, total, [asker]);
      await asker.waitForFunction(() => document.querySelector('#my-role')?.textContent === 'You: candidate');

      // Back online: the former candidate is now the interviewer.
      await answerer.context().setOffline(false);
      await answerer.locator('#conn-status.conn-live').waitFor({ timeout: 30_000 });
      await answerer.waitForFunction(() => document.querySelector('#my-role')?.textContent === 'You: interviewer');
      await answerer.locator('#ctl-next').waitFor();
      assert.ok(frames.length > 0, 'the socket frames after reconnecting were recorded');
      // A leak is a frame that holds the note or first-half guidance, or a first-half
      // question.started that carries its private part.
      const leaks = () =>
        frames.filter((raw) => {
          const text = stringsOf(raw);
          if (text.includes(note) || firstGuidance.some((g) => text.includes(g))) return true;
          let f;
          try {
            f = JSON.parse(raw);
          } catch {
            return false;
          }
          return f?.type === 'event' && f.event === 'question.started' && f.data?.index < total / 2 && !!f.private;
        }).map((raw) => raw.slice(0, 300));

      // Private material is for the person it was written for or shown to (the event's "for"),
      // not for whoever holds the interviewer's role when the log is replayed.
      await t.test('coming back by resume', async () => {
        assert.deepEqual(leaks(), [], 'frames received after the reconnect hold the first half\'s private material');
        assert.ok(!(await textOf(answerer)).includes(note), 'the previous interviewer\'s note is on the page');
      });

      frames.length = 0;
      await answerer.reload();
      await answerer.locator('#conn-status.conn-live').waitFor();
      await answerer.locator('#ctl-next').waitFor();
      await t.test('coming back by a fresh snapshot', async () => {
        assert.deepEqual(leaks(), [], 'the snapshot holds the first half\'s private material');
        assert.ok(!(await textOf(answerer)).includes(note), 'the previous interviewer\'s note is on the page');
      });
    });
  });

  test('leaving the queue, and a match one side declines', { timeout: 120_000 }, async () => {
    await withFailureShots('decline', async () => {
      const c = await newBrowser();
      const d = await newBrowser();
      await signUp(c, 'Casey Lindqvist');
      await signUp(d, 'Dana Okonkwo');

      // Join and leave: the page goes back to the join form, and the server agrees.
      await joinQueue(c, 'junior');
      await c.locator('.waiting', { hasText: 'Looking for a peer' }).waitFor();
      await c.getByRole('button', { name: 'Leave the queue' }).click();
      await c.getByRole('button', { name: 'Join the queue' }).waitFor();
      await c.reload();
      await c.getByRole('button', { name: 'Join the queue' }).waitFor();
      assert.equal(await c.locator('.waiting').count(), 0, 'after a reload the page does not think it is queued');

      // Matched again; one confirms, the other declines.
      await joinQueue(c, 'junior');
      await c.locator('.waiting', { hasText: 'Looking for a peer' }).waitFor();
      await joinQueue(d, 'junior');
      await expectProposal(c);
      await expectProposal(d);
      await d.getByRole('button', { name: 'I am ready' }).click();
      await d.locator('.waiting', { hasText: 'Waiting for your peer to confirm' }).waitFor();
      await c.getByRole('button', { name: 'Not now' }).click();

      // The one who declined is out of the queue and told so.
      await c.locator('.alert', { hasText: 'You declined the match' }).waitFor();
      await c.getByRole('button', { name: 'Join the queue' }).waitFor();
      // The one who confirmed is back at the head of the queue and told why.
      await d.locator('.waiting', { hasText: 'Looking for a peer' }).waitFor();
      await d.locator('.waiting .alert', { hasText: 'did not take the match' }).waitFor();
      await shot(d, 'peer-match-declined-by-peer');
      await shot(c, 'peer-match-declined-self');

      await d.getByRole('button', { name: 'Leave the queue' }).click();
      await d.getByRole('button', { name: 'Join the queue' }).waitFor();

      assert.deepEqual(c.jsErrors.map(String), [], 'no script errors in the first page');
      assert.deepEqual(d.jsErrors.map(String), [], 'no script errors in the second page');
    });
  });
});
