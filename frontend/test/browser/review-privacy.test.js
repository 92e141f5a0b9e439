// End to end in real browsers: what one person's review shows of the other.
//
// A mentor runs two sessions with the same guest candidate and writes a private note in each.
// Afterwards the mentor shares the notes of the first session only: the candidate's review of
// the first session shows its note, the review of the second shows nothing of its note (neither
// on the page nor in the record the page received). Then the mentor deletes their account: the
// candidate's review still reads whole, with "deleted user" where the mentor's name was, and the
// note the mentor shared stays, under "deleted user".
// Screenshots go to test-results/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserTests, RESULTS } from '../../test-support/browser.js';
import { mentorRoom, startQuestion, endInterview } from '../../test-support/people.js';

browserTests(import.meta.url, (env) => {
  const { newBrowser, browsers } = env;

  const roomIdOf = (path) => path.split('/').filter(Boolean)[1];

  // addNote writes an interviewer note in the live room and waits until the room lists it.
  async function addNote(mentor, text) {
    await mentor.locator('#note-input').fill(text);
    await mentor.getByRole('button', { name: 'Add note' }).click();
    await mentor.locator('#notes li', { hasText: text }).waitFor();
  }

  // chat sends a chat line from page and waits until other shows it.
  async function chat(page, other, text) {
    await page.locator('#chat-input').fill(text);
    await page.locator('#chat-input').press('Enter');
    await other.locator('#chat-log .chat-text', { hasText: text }).waitFor();
  }

  // secondSession runs another session of the same two people, in which the mentor writes note;
  // the candidate follows the new invite as the guest they already are. Returns the room id.
  async function secondSession(base, mentor, candidate, title, note) {
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
    await addNote(mentor, note);
    const id = roomIdOf(new URL(mentor.url()).pathname);
    await endInterview(mentor);
    await mentor.waitForURL(/\/feedback$/);
    return id;
  }

  // openReview opens a session's page and returns the record the page was given.
  async function openReview(page, base, id) {
    // Leave the current page first: it may be this session's page or another that fetched the
    // same record, and a late response of its own must not be taken for the new page's.
    await page.goto('about:blank');
    const [res] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/sessions/${id}` && r.request().method() === 'GET'),
      page.goto(`${base}/sessions/${id}`),
    ]);
    await page.locator('.timeline-card .timeline').waitFor();
    return res.json();
  }

  async function shot(page, name) {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
  }

  test('the candidate sees only the notes the interviewer shared, and a deleted interviewer as "deleted user"', { timeout: 600_000 }, async (t) => {
    try {
      const base = env.server.baseURL;
      const mentorName = 'Nora Notetaker';
      const sharedNote = 'Shared note: weighed two designs before choosing one';
      const privateNote = 'Private note: ask about testing next time';
      const mentorLine = 'Take your time with the edge cases';

      const { mentor, candidate, roomPath } = await mentorRoom(newBrowser, base, { mentorName, candidateName: 'Gus Guest', title: 'Notes shared' });
      const sharedRoom = roomIdOf(roomPath);
      await startQuestion(mentor, candidate);
      await addNote(mentor, sharedNote);
      await chat(mentor, candidate, mentorLine);
      await endInterview(mentor);
      await mentor.waitForURL(/\/feedback$/);
      const privateRoom = await secondSession(base, mentor, candidate, 'Notes kept', privateNote);

      // Before sharing, the candidate's review of the first session has no note.
      let rec = await openReview(candidate, base, sharedRoom);
      assert.ok(!JSON.stringify(rec).includes(sharedNote), 'a note not shared yet is not in the candidate\'s record');

      // The mentor shares the first session's notes.
      await openReview(mentor, base, sharedRoom);
      await mentor.locator('#share-notes').click();
      await mentor.locator('#share-notes-confirm').click();
      await mentor.locator('#share-notes-status', { hasText: 'shared' }).waitFor();

      rec = await openReview(candidate, base, sharedRoom);
      const noteEntry = candidate.locator('.timeline .tl-note', { hasText: sharedNote });
      await noteEntry.waitFor();
      assert.match(await noteEntry.innerText(), new RegExp(`${mentorName}: ${sharedNote}`), 'the shared note is on the timeline with its author');
      assert.ok(rec.timeline.some((e) => e.kind === 'note' && e.text === sharedNote), 'the record holds the shared note');
      await shot(candidate, 'review-shared-note-candidate');

      rec = await openReview(candidate, base, privateRoom);
      assert.equal(await candidate.locator('.timeline .tl-note').count(), 0, 'no note on the timeline of the session whose notes were not shared');
      assert.ok(!(await candidate.locator('main').innerText()).includes(privateNote), 'the note not shared is not on the page');
      assert.ok(!JSON.stringify(rec).includes(privateNote), 'the note not shared is not in the record the page received');

      // The mentor's own review of that session still shows it.
      await openReview(mentor, base, privateRoom);
      await mentor.locator('.timeline .tl-note', { hasText: privateNote }).waitFor();

      // The mentor deletes their account.
      await mentor.goto(`${base}/sessions`);
      await mentor.locator('#delete-password').fill('correct horse battery');
      await mentor.locator('#delete-account').click();
      await mentor.waitForURL(`${base}/`);

      // The candidate's review reads whole, with "deleted user" where the mentor was.
      rec = await openReview(candidate, base, sharedRoom);
      const interviewer = rec.participants.find((p) => p.role === 'interviewer');
      assert.equal(interviewer?.name, 'deleted user', 'the record names the deleted interviewer "deleted user"');
      const chatEntry = candidate.locator('.timeline .tl-chat', { hasText: mentorLine });
      await chatEntry.waitFor();
      assert.match(await chatEntry.innerText(), new RegExp(`deleted user: ${mentorLine}`), 'what the deleted interviewer said stays, under "deleted user"');
      assert.match(await candidate.locator('.page-head + p.muted').innerText(), /deleted user \(interviewer\)/);
      assert.ok(!(await candidate.locator('main').innerText()).includes(mentorName), 'the deleted interviewer\'s name is nowhere on the page');
      // A note they had shared stays readable, under "deleted user", and only that one.
      assert.ok(rec.timeline.some((e) => e.kind === 'note' && e.text === sharedNote), 'the shared note outlives its author in the record');
      const keptNote = candidate.locator('.timeline .tl-note', { hasText: sharedNote });
      await keptNote.waitFor();
      assert.match(await keptNote.innerText(), new RegExp(`deleted user: ${sharedNote}`), 'the shared note is attributed to "deleted user"');
      assert.equal(await candidate.locator('.timeline .tl-note').count(), 1, 'the shared note alone, and no empty note line');
      await shot(candidate, 'review-deleted-interviewer-candidate');

      assert.deepEqual(candidate.jsErrors.map(String), [], 'no script errors in the candidate page');
      t.diagnostic(`screenshots in ${RESULTS}`);
    } catch (err) {
      mkdirSync(RESULTS, { recursive: true });
      for (const [i, b] of browsers.entries()) await b.pages()[0]?.screenshot({ path: join(RESULTS, `failure-review-privacy-${i}.png`), fullPage: true }).catch(() => {});
      console.log(`server log:\n${env.server.log().slice(-4000)}`);
      throw err;
    }
  });
});
