// End to end in a real browser: an interviewer signs up, browses the bank, creates a room; a
// guest candidate joins by the invite link in a second browser; the interviewer starts the first
// question; both see it (the candidate without the interviewer's guidance), both type in the
// shared editor and see each other's text, and chat goes both ways.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { browserTests, RESULTS } from '../../test-support/browser.js';

browserTests(import.meta.url, (env) => {
  const { newBrowser, browsers } = env;

  // The document text as the editor shows it, without the remote cursors' name labels.
  const shownText = () =>
    [...document.querySelectorAll('#editor .cm-line')]
      .map((line) => {
        const copy = line.cloneNode(true);
        copy.querySelectorAll('.cm-remote-caret').forEach((c) => c.remove());
        return copy.textContent;
      })
      .join('\n');
  const editorText = (page) => page.evaluate(shownText);
  // untilEditorShows waits until page's editor shows exactly text: the other side's last
  // keystrokes may still be on their way when the first of them has arrived.
  const untilEditorShows = (page, text) =>
    page.waitForFunction(
      (want) =>
        [...document.querySelectorAll('#editor .cm-line')]
          .map((line) => {
            const copy = line.cloneNode(true);
            copy.querySelectorAll('.cm-remote-caret').forEach((c) => c.remove());
            return copy.textContent;
          })
          .join('\n') === want,
      text,
    );

  test('interviewer and guest candidate run a live question together', { timeout: 180_000 }, async (t) => {
    const base = env.server.baseURL;
    const interviewer = await newBrowser();
    try {
      await run(t, base, interviewer);
    } catch (err) {
      mkdirSync(RESULTS, { recursive: true });
      for (const [i, b] of browsers.entries()) {
        await b.pages()[0]?.screenshot({ path: join(RESULTS, `failure-${i}.png`), fullPage: true }).catch(() => {});
      }
      console.log(`server log:\n${env.server.log().slice(-4000)}`);
      throw err;
    }
  });

  async function run(t, base, interviewer) {
    // Sign up in the page.
    const email = `mentor-${Date.now()}@example.org`;
    await interviewer.goto(`${base}/signup`);
    await interviewer.getByLabel('Your name').fill('Morgan Mentor');
    await interviewer.getByLabel('Email').fill(email);
    await interviewer.getByLabel('Password').fill('correct horse battery');
    await interviewer.getByRole('button', { name: 'Create account' }).click();
    await interviewer.waitForURL(`${base}/bank`);

    // The bank lists questions, and filters narrow it.
    await interviewer.locator('article.question').first().waitFor();
    const all = await interviewer.locator('article.question').count();
    assert.ok(all > 0, 'the bank shows questions');
    await interviewer.getByLabel('Category').selectOption('system_design');
    await interviewer.waitForFunction(() => {
      const cards = [...document.querySelectorAll('article.question .chip:first-child')];
      return cards.length > 0 && cards.every((c) => c.textContent === 'System design');
    });

    // Create a mentor room and read the candidate invite link.
    await interviewer.getByRole('link', { name: 'New room' }).click();
    await interviewer.locator('input[name=plan]').first().waitFor();
    await interviewer.getByLabel('Title').fill('Browser test interview');
    // A start time in the past is refused by the server, and the refusal shows beside that input.
    const yesterday = await interviewer.evaluate(() => {
      const d = new Date(Date.now() - 24 * 3600 * 1000);
      const pad = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:30`;
    });
    const startsInput = interviewer.getByLabel('Starts at (optional)');
    await startsInput.fill(yesterday);
    await interviewer.getByRole('button', { name: 'Create room' }).click();
    const scheduleError = interviewer.locator('.field-error[data-field="scheduled_at"]');
    await scheduleError.waitFor();
    assert.match(await scheduleError.innerText(), /in the past/);
    assert.equal(await startsInput.getAttribute('aria-invalid'), 'true', 'the input at fault is marked');
    assert.ok((await startsInput.getAttribute('aria-describedby')).includes(await scheduleError.getAttribute('id')), 'the message describes the input');
    assert.ok(await startsInput.evaluate((el) => el === document.activeElement), 'focus moves to the input at fault');
    assert.equal(await interviewer.locator('.invite').count(), 0, 'no room was created');
    // Tomorrow at 09:30 in the browser's time zone.
    const startsAt = await interviewer.evaluate(() => {
      const d = new Date(Date.now() + 24 * 3600 * 1000);
      const pad = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:30`;
    });
    await startsInput.fill(startsAt);
    await interviewer.getByRole('button', { name: 'Create room' }).click();
    const inviteInput = interviewer.locator('.invite[data-role=candidate] input');
    await inviteInput.waitFor();
    const inviteURL = await inviteInput.inputValue();
    assert.match(inviteURL, /^http/, 'the candidate invite is a link');

    await interviewer.locator('#enter-room').click();
    await interviewer.waitForURL(/\/rooms\/[^/]+$/);
    await interviewer.locator('#conn-status.conn-live').waitFor();

    // The candidate joins as a guest in a second browser.
    const candidate = await newBrowser();
    await candidate.goto(inviteURL.replace(/^https?:\/\/[^/]+/, base));
    // Before joining, the invite page says whose room it is, what for and when.
    await candidate.locator('#invite-about').waitFor();
    assert.equal(await candidate.locator('#invite-room').innerText(), 'Browser test interview');
    assert.equal(await candidate.locator('#invite-interviewer').innerText(), 'Morgan Mentor');
    assert.equal(await candidate.locator('#invite-role').innerText(), 'The candidate');
    const when = await candidate.locator('#invite-when').innerText();
    const wantWhen = await candidate.evaluate((local) => new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(new Date(local)), startsAt);
    assert.equal(when, wantWhen, 'the invite shows the scheduled time');
    assert.match(await candidate.locator('#invite-plan').innerText(), /\d+ questions/);
    await candidate.getByLabel('Your name').fill('Casey Candidate');
    await candidate.getByRole('button', { name: 'Join as a guest' }).click();
    await candidate.waitForURL(/\/rooms\/[^/]+$/);
    await candidate.locator('#conn-status.conn-live').waitFor();
    await interviewer.locator('#participants .person.online', { hasText: 'Casey Candidate' }).waitFor();
    assert.equal(await candidate.locator('#controls button').count(), 0, 'the candidate has no interviewer controls');

    // The interviewer starts; if starting the room does not start a question, start the first.
    await interviewer.locator('#ctl-start').click();
    await interviewer.locator('#ctl-next').waitFor();
    if ((await interviewer.locator('#question-prompt').count()) === 0) {
      await interviewer.locator('#ctl-next').click();
    }
    await interviewer.locator('#question-prompt').waitFor();
    const prompt = (await interviewer.locator('#question-prompt').innerText()).trim();
    assert.ok(prompt.length > 0, 'the interviewer sees a prompt');
    await candidate.locator('#question-prompt').waitFor();
    assert.equal((await candidate.locator('#question-prompt').innerText()).trim(), prompt, 'the candidate sees the same prompt');
    await candidate.waitForFunction(() => /\d+:\d\d/.test(document.querySelector('#countdown')?.textContent || ''));
    const first = await candidate.locator('#countdown').innerText();
    await candidate.waitForFunction((was) => document.querySelector('#countdown').textContent !== was, first);

    // Guidance reaches the interviewer only.
    await interviewer.locator('#guidance').waitFor();
    const guidance = (await interviewer.locator('#guidance li, #guidance p').allInnerTexts()).map((s) => s.trim()).filter((s) => s.length > 12);
    assert.ok(guidance.length > 0, 'the interviewer sees guidance');
    assert.equal(await candidate.locator('#private-panel:not([hidden])').count(), 0, 'the candidate has no interviewer panel');
    const candidateText = await candidate.locator('body').innerText();
    for (const line of guidance) assert.ok(!candidateText.includes(line), `the candidate's page must not contain guidance: ${line}`);

    // Both type in the shared editor and see each other's text.
    await interviewer.locator('#editor .cm-content').click();
    await interviewer.keyboard.press('Control+End');
    await interviewer.keyboard.type('\ndef add(a, b):\n    return a + b\n');
    await candidate.waitForFunction(() => document.querySelector('#editor .cm-content')?.innerText.includes('return a + b'));
    await candidate.locator('#editor .cm-content').click();
    await candidate.keyboard.press('Control+End');
    await candidate.keyboard.type('\n# candidate: add(2, 3) == 5\n');
    await interviewer.waitForFunction(() => document.querySelector('#editor .cm-content')?.innerText.includes('add(2, 3) == 5'));
    // The candidate's page has all its own typing; the interviewer's must come to show the same.
    await untilEditorShows(interviewer, await editorText(candidate));
    assert.equal(await editorText(interviewer), await editorText(candidate), 'both editors hold the same text');
    // The candidate's cursor shows up in the interviewer's editor.
    await interviewer.locator('#editor .cm-remote-caret').first().waitFor();

    // The interviewer gives the candidate more time while the question runs: the candidate's
    // countdown moves on by the extra time and the panel says an allowance applies.
    const leftSeconds = (page) =>
      page.evaluate(() => {
        const m = /(\d+):(\d\d)/.exec(document.querySelector('#countdown')?.textContent || '');
        return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
      });
    const before = await leftSeconds(candidate);
    await interviewer.locator('#ctl-allowance').selectOption('1.5');
    await candidate.locator('#question-allowance', { hasText: '50%' }).waitFor();
    await interviewer.locator('#question-allowance', { hasText: '50%' }).waitFor();
    assert.equal(await interviewer.locator('#ctl-allowance').inputValue(), '1.5', 'the menu shows the allowance in force');
    assert.ok((await leftSeconds(candidate)) > before + 60, 'the running question got more time');

    // Go is highlighted once chosen, in both pages; its support is fetched only then, not with the
    // room. A highlighted keyword is a span of its own; plain text has none.
    const scripts = (page) => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js')));
    const scriptsBefore = await scripts(candidate);
    await interviewer.locator('#language').selectOption('go');
    await candidate.waitForFunction(() => document.querySelector('#language')?.value === 'go');
    await interviewer.locator('#editor .cm-content').click();
    await interviewer.keyboard.press('Control+End');
    await interviewer.keyboard.type('\nfunc main() {}\n');
    const goKeyword = () => [...document.querySelectorAll('#editor .cm-line span')].some((s) => s.textContent === 'func' && !s.closest('.cm-remote-caret'));
    await interviewer.waitForFunction(goKeyword);
    await candidate.waitForFunction(goKeyword);
    const fetched = (await scripts(candidate)).filter((n) => !scriptsBefore.includes(n));
    assert.ok(fetched.length > 0, 'the Go support is fetched when Go is chosen, not with the room');
    await untilEditorShows(candidate, await editorText(interviewer));

    // Chat both ways.
    await interviewer.locator('#chat-input').fill('Welcome! Take your time.');
    await interviewer.locator('#chat-input').press('Enter');
    await candidate.locator('#chat-log .chat-text', { hasText: 'Welcome! Take your time.' }).waitFor();
    await candidate.locator('#chat-input').fill('Thanks, starting now.');
    await candidate.locator('#chat-input').press('Enter');
    await interviewer.locator('#chat-log .chat-text', { hasText: 'Thanks, starting now.' }).waitFor();

    // The candidate's sockets, the joins it sent on them, ticket requests and the newest
    // resume credential it was handed.
    const sockets = [];
    const joins = [];
    const ticketRequests = [];
    let credential = null;
    candidate.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', ({ payload }) => {
        const value = JSON.parse(String(payload)).credential?.value;
        if (value) credential = value;
      });
      ws.on('framesent', ({ payload }) => {
        const f = JSON.parse(String(payload));
        if (f.type === 'join') joins.push(f);
      });
    });
    candidate.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/ticket')) ticketRequests.push(r.url());
    });

    // The candidate drops off the network: the page says it is reconnecting, and once back it
    // resumes from its last position with the resume credential its socket was handed (no
    // ticket request) and gets what it missed.
    await candidate.context().setOffline(true);
    await candidate.locator('#conn-status.conn-reconnecting').waitFor();
    await candidate.locator('#room-banner:not([hidden])', { hasText: 'Reconnecting' }).waitFor();
    await interviewer.locator('#chat-input').fill('Sent while you were away');
    await interviewer.locator('#chat-input').press('Enter');
    await interviewer.locator('#chat-log .chat-text', { hasText: 'Sent while you were away' }).waitFor();
    await candidate.context().setOffline(false);
    await candidate.locator('#conn-status.conn-live').waitFor({ timeout: 30_000 });
    await candidate.locator('#chat-log .chat-text', { hasText: 'Sent while you were away' }).waitFor();
    assert.equal(await candidate.locator('#chat-log .chat-text', { hasText: 'Sent while you were away' }).count(), 1, 'the missed message arrives exactly once');
    assert.equal(sockets.length, 1, `one socket to come back: ${sockets}`);
    assert.match(sockets[0], /\/ws\?resume=rs1_/, 'the page came back with its resume credential');
    assert.deepEqual(ticketRequests, [], 'coming back with a credential asks for no ticket');

    // Dropped again, with its credential spent meanwhile (as a copy of the URL in a log would
    // be): the server refuses it, and the page comes back with its access token in the join
    // (?auth=join), asking for no ticket and putting no token in the URL.
    await candidate.context().setOffline(true);
    await candidate.locator('#conn-status.conn-reconnecting').waitFor();
    assert.ok(credential, 'the resumed socket was handed a credential');
    const spend = new URL(sockets[0]);
    spend.search = `?resume=${encodeURIComponent(credential)}`;
    const thief = new WebSocket(spend.href);
    await new Promise((resolve, reject) => {
      thief.once('open', resolve);
      thief.once('error', reject);
    });
    thief.close();
    await interviewer.locator('#chat-input').fill('Sent while you were away again');
    await interviewer.locator('#chat-input').press('Enter');
    await interviewer.locator('#chat-log .chat-text', { hasText: 'Sent while you were away again' }).waitFor();
    await candidate.context().setOffline(false);
    await candidate.locator('#conn-status.conn-live').waitFor({ timeout: 30_000 });
    await candidate.locator('#chat-log .chat-text', { hasText: 'Sent while you were away again' }).waitFor();
    assert.equal(await candidate.locator('#chat-log .chat-text', { hasText: 'Sent while you were away again' }).count(), 1, 'the missed message arrives exactly once');
    assert.equal(sockets.length, 3, `a refused credential, then the token in the join: ${sockets}`);
    assert.match(sockets[1], /\/ws\?resume=rs1_/, 'the page tried its credential first');
    assert.match(sockets[2], /\/ws\?auth=join$/, 'and then its access token, in the join only');
    assert.equal(joins.length, 2, `one join on each socket that opened: ${JSON.stringify(joins)}`);
    assert.equal(joins[0].access_token, undefined, 'the join after a credential carries no token');
    assert.ok(joins[1].access_token, 'the join on the auth=join socket carries the access token');
    assert.deepEqual(ticketRequests, [], 'no ticket request at all');

    mkdirSync(RESULTS, { recursive: true });
    await interviewer.screenshot({ path: join(RESULTS, 'live-room-interviewer.png') });
    await candidate.screenshot({ path: join(RESULTS, 'live-room-candidate.png') });

    // On a phone-sized screen the room stacks into one column without sideways scrolling.
    await candidate.setViewportSize({ width: 390, height: 844 });
    const overflow = await candidate.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the room scrolls sideways by ${overflow}px on a narrow screen`);
    await candidate.screenshot({ path: join(RESULTS, 'live-room-candidate-narrow.png'), fullPage: true });

    // The candidate's session ends elsewhere (logged out): the server closes the socket with
    // 4001, the page refreshes its session once before trying again, the refresh is refused, and
    // the page says the session has ended instead of reconnecting with a token nobody accepts.
    const refreshToken = await candidate.evaluate(() => localStorage.getItem('mockroom.refresh'));
    assert.ok(refreshToken, 'the guest candidate holds a refresh token');
    const logout = await fetch(`${base}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    assert.equal(logout.status, 204, 'the session ends');
    await candidate.locator('#room-banner:not([hidden])', { hasText: 'Your session has ended' }).waitFor({ timeout: 30_000 });
    assert.equal(sockets.length, 3, `no socket opened after the session ended: ${sockets}`);

    assert.deepEqual(interviewer.jsErrors.map(String), [], 'no script errors in the interviewer page');
    assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
    t.diagnostic(`screenshots in ${RESULTS}`);
  }
});
