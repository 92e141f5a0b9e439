// People for the browser tests, brought into a room the way users do it: sign up in the page,
// create a mentor room and join it by its invite link as a guest, or queue for peer practice and
// confirm the match. Each helper waits for the page state it needs, never for a fixed time.

import assert from 'node:assert/strict';

export async function signUp(page, base, name, next = '/bank') {
  const slug = name.toLowerCase().replace(/[^a-z]+/g, '-');
  await page.goto(`${base}/signup?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(`${slug}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}${next}`);
}

// apiAs calls the API as the person signed in on page and returns {status, body}. The page keeps
// its access token in memory; a refresh gives this call one of its own and stores the new refresh
// token where the page looks for it, so the page stays signed in (reload it before it next calls
// the API itself).
export async function apiAs(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const json = { 'Content-Type': 'application/json' };
      const r = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: json, body: JSON.stringify({ refresh_token: localStorage.getItem('mockroom.refresh') }) });
      if (!r.ok) throw new Error(`refresh: ${r.status} ${await r.text()}`);
      const session = await r.json();
      localStorage.setItem('mockroom.refresh', session.refresh_token);
      const res = await fetch(path, { method, headers: { ...json, Authorization: `Bearer ${session.access_token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

// mentorRoom has the mentor create a room with the default plan and a guest candidate join it;
// both end up in the room with a live socket. observerURL is the room's unused observer invite.
// With plan ({title, slots}), the mentor first saves that plan through the API and picks it.
export async function mentorRoom(newBrowser, base, { mentorName, candidateName, title, plan }) {
  const mentor = await newBrowser();
  await signUp(mentor, base, mentorName, '/rooms/new');
  await mentor.locator('input[name=plan]').first().waitFor();
  if (plan) {
    // The page keeps its access token in memory; a refresh gives this call one of its own and
    // stores the new refresh token where the page looks for it after the reload.
    const { status, body } = await apiAs(mentor, 'POST', '/api/v1/tracks/python-developer/plans', plan);
    assert.equal(status, 201, `plan: ${JSON.stringify(body)}`);
    const planId = body.id;
    await mentor.reload();
    await mentor.locator(`input[name=plan][value="${planId}"]`).check();
  }
  await mentor.getByLabel('Title').fill(title);
  await mentor.getByRole('button', { name: 'Create room' }).click();
  const inviteInput = mentor.locator('.invite[data-role=candidate] input');
  await inviteInput.waitFor();
  const inviteURL = await inviteInput.inputValue();
  const observerURL = (await mentor.locator('.invite[data-role=observer] input').inputValue()).replace(/^https?:\/\/[^/]+/, base);
  await mentor.locator('#enter-room').click();
  await mentor.waitForURL(/\/rooms\/[^/]+$/);
  await mentor.locator('#conn-status.conn-live').waitFor();

  const candidate = await newBrowser();
  await candidate.goto(inviteURL.replace(/^https?:\/\/[^/]+/, base));
  await candidate.getByLabel('Your name').fill(candidateName);
  await candidate.getByRole('button', { name: 'Join as a guest' }).click();
  await candidate.waitForURL(/\/rooms\/[^/]+$/);
  await candidate.locator('#conn-status.conn-live').waitFor();
  await mentor.locator('#participants .person.online', { hasText: candidateName }).waitFor();
  return { mentor, candidate, roomPath: new URL(mentor.url()).pathname, observerURL };
}

// peerRoom signs two people up, queues both at level and confirms the match; it returns them in
// the room, the first half's interviewer as asker.
export async function peerRoom(newBrowser, base, names, level = 'mid') {
  const pages = [];
  for (const name of names) {
    const page = await newBrowser();
    await signUp(page, base, name, '/match');
    await page.getByLabel('Your level').selectOption(level);
    await page.getByRole('button', { name: 'Join the queue' }).click();
    pages.push(page);
  }
  for (const page of pages) await page.locator('.proposal').waitFor();
  for (const page of pages) await page.getByRole('button', { name: 'I am ready' }).click();
  for (const page of pages) {
    await page.waitForURL(/\/rooms\/[^/]+$/);
    await page.locator('#conn-status.conn-live').waitFor();
    await page.waitForFunction(() => /You: (interviewer|candidate)/.test(document.querySelector('#my-role')?.textContent || ''));
  }
  const roles = [];
  for (const page of pages) roles.push((await page.locator('#my-role').innerText()).replace(/^You:\s*/, '').trim());
  assert.deepEqual([...roles].sort(), ['candidate', 'interviewer'], 'one interviews and one is interviewed');
  const first = roles[0] === 'interviewer' ? 0 : 1;
  return { asker: pages[first], answerer: pages[1 - first], askerName: names[first], answererName: names[1 - first], roomPath: new URL(pages[0].url()).pathname };
}

// startQuestion starts the interview from the interviewer's page until a question runs on both.
export async function startQuestion(interviewer, candidate) {
  await interviewer.locator('#ctl-start').click();
  await interviewer.locator('#ctl-next').waitFor();
  if ((await interviewer.locator('#question-prompt').count()) === 0) await interviewer.locator('#ctl-next').click();
  await interviewer.locator('#question-prompt').waitFor();
  await candidate.locator('#question-prompt').waitFor();
}

// endInterview ends the session from the interviewer's page (accepting its confirmation).
export async function endInterview(interviewer) {
  interviewer.once('dialog', (d) => d.accept());
  await interviewer.locator('#ctl-end').click();
}
