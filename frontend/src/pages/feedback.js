// The feedback page of a room (/rooms/:id/feedback), where each participant lands when the session
// ends: the forms they write (feedback-mine.js) and what was written about them once it is
// released (feedback-about.js). The room's live socket tells the page when a form is submitted or
// released, so the waiting state turns into the feedback without a reload; the release deadline
// is watched too, in case the socket is down at that moment.

import './feedback.css';
import { h, replace, describeError } from '../dom.js';
import { LiveConnection } from '../live/connection.js';
import { feedbackApi, rubricCache } from './feedback-data.js';
import { minePanel } from './feedback-mine.js';
import { aboutSection } from './feedback-about.js';
import { when } from './feedback-view.js';
import { currentUser } from '../session.js';

const DEADLINE_SLACK_MS = 1500;
const DEADLINE_RETRIES = 5;

export function renderFeedback(el, { params }) {
  const roomId = params.id;
  const title = h('h1', null, 'Feedback');
  const sub = h('p', { class: 'muted feedback-sub' });
  const notice = h('div', { class: 'feedback-notice', role: 'status' });
  const standing = h('p', { class: 'muted small', id: 'standing', hidden: true });
  const mineHolder = h('section', { class: 'mine-list', id: 'mine', 'aria-labelledby': 'mine-heading', hidden: true }, h('h2', { id: 'mine-heading', class: 'section-heading' }, 'Your feedback to write'), standing);
  const aboutHolder = h('div', { class: 'about-holder' });
  const page = h(
    'section',
    { class: 'page feedback-page', 'aria-busy': 'true' },
    h('nav', { class: 'crumbs', 'aria-label': 'Back' }, h('a', { href: '/rooms' }, 'My rooms'), ' › ', h('a', { href: `/rooms/${encodeURIComponent(roomId)}`, id: 'back-to-room' }, 'The room')),
    h('div', { class: 'page-head' }, h('div', null, title, sub)),
    notice,
    mineHolder,
    aboutHolder,
  );
  el.append(page);
  document.title = 'Feedback · mockroom';

  let left = false;
  let ctx = null;
  const panels = new Map(); // form id → minePanel
  let deadlineTimer = null;
  let deadlineTries = 0;
  let conn = null;
  let refreshing = null;
  let again = false;
  let shownAbout = null;

  async function load() {
    const [overview, room] = await Promise.all([feedbackApi.overview(roomId), feedbackApi.room(roomId).catch(() => null)]);
    const record = room?.room || room || {};
    if (!ctx) {
      const track = record.track || 'python-developer';
      ctx = { roomId, rubricFor: rubricCache(track), level: record.level || null };
    }
    ctx.overview = overview;
    ctx.names = new Map((record.participants || []).map((p) => [p.user_id, p.display_name || p.pseudonym || '']));
    ctx.questionTitles = (indexes, moments) =>
      (indexes || []).map((index) => ({
        index,
        title: record.questions?.[index]?.title || questionMomentTitle((moments || []).find((m) => m.kind === 'question' && m.question_index === index)),
      }));
    ctx.onSubmitted = () => refresh();
    return record;
  }

  async function refresh() {
    // One refresh at a time; a request during one runs once more after it.
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        const record = await load();
        if (left) return;
        render(record);
      } catch (err) {
        if (left) return;
        if (err.status === 403) replace(notice, h('p', { class: 'alert alert-info' }, err.code === 'not_participant' ? 'Observers do not see feedback: it is written for, and read by, the people in the interview.' : describeError(err)));
        else if (err.status === 404) replace(notice, h('p', { class: 'alert alert-error' }, 'This room does not exist or has expired.'));
        else replace(notice, h('p', { class: 'alert alert-error', role: 'alert' }, `Feedback could not be loaded: ${describeError(err)}`));
      } finally {
        page.setAttribute('aria-busy', 'false');
        refreshing = null;
        if (again && !left) {
          again = false;
          refresh();
        }
      }
    })();
    return refreshing;
  }

  function render(record) {
    const ov = ctx.overview;
    title.textContent = record.title ? `Feedback · ${record.title}` : 'Feedback';
    document.title = `${title.textContent} · mockroom`;
    sub.textContent = [ov.room_kind === 'peer' ? 'Peer practice: released double-blind' : 'Mentor session', ov.writable_until ? `forms open until ${when(ov.writable_until)}` : null].filter(Boolean).join(' · ');

    if (ov.state === 'waiting' || ov.state === 'live') {
      replace(notice, h('p', { class: 'alert alert-info' }, 'The interview is still running. Feedback opens when it ends. ', h('a', { href: `/rooms/${encodeURIComponent(roomId)}` }, 'Back to the room'), '.'));
    } else {
      notice.replaceChildren();
    }

    // My forms: new ones are added, shown ones updated (an open editor is left alone).
    const mine = [...ov.mine].sort((a, b) => (a.kind === b.kind ? a.half - b.half : a.kind === 'candidate' ? -1 : 1));
    mineHolder.hidden = mine.length === 0;
    for (const form of mine) {
      const p = panels.get(form.id);
      if (p) p.update(form, ctx);
      else {
        const panel = minePanel(form, ctx);
        panels.set(form.id, panel);
        mineHolder.append(panel.el);
      }
    }
    if (ov.room_kind === 'peer' && mine.some((f) => f.kind === 'candidate')) showStanding();
    // Re-drawn only when something in it changed, so an open history or a rating being typed stays.
    const aboutKey = JSON.stringify([ov.about_me, ov.pending, ov.release, [...ctx.names]]);
    if (aboutKey !== shownAbout) {
      shownAbout = aboutKey;
      replace(aboutHolder, aboutSection(ctx));
    }
    watchDeadline();
  }

  // showStanding says how useful peers found the feedback this person writes (feedback on
  // feedback, averaged over every peer room), beside the forms they write.
  async function showStanding() {
    const me = currentUser()?.id;
    if (!me) return;
    try {
      const st = await feedbackApi.standing(me);
      if (left) return;
      standing.hidden = false;
      standing.textContent = st.count
        ? `Peers rated the feedback you write ${st.average.toFixed(1)} of 4 for usefulness on average (${st.count} ${st.count === 1 ? 'rating' : 'ratings'}). Matching prefers helpful peers.`
        : 'No peer has rated the feedback you write yet. Specific points tied to moments of the session are what peers find useful.';
    } catch {
      standing.hidden = true;
    }
  }

  // watchDeadline refreshes the page when a held peer release is due, in case the socket misses
  // the moment; a few retries cover a server that fires a little after its deadline.
  function watchDeadline() {
    clearTimeout(deadlineTimer);
    const rel = ctx.overview.release;
    if (ctx.overview.room_kind !== 'peer' || !ctx.overview.pending.length || !rel?.deadline) return;
    const due = Date.parse(rel.deadline) - Date.now() + DEADLINE_SLACK_MS;
    if (due < 0 && deadlineTries >= DEADLINE_RETRIES) return;
    const wait = due > 0 ? Math.min(due, 2 ** 31 - 1) : DEADLINE_SLACK_MS * 2 ** deadlineTries;
    deadlineTimer = setTimeout(() => {
      if (Date.parse(rel.deadline) <= Date.now()) deadlineTries++;
      refresh();
    }, wait);
  }

  // The room's socket says when a form is submitted or released, and when the room ends.
  function listen() {
    conn = new LiveConnection(roomId, {
      event: (f) => {
        if (f.event === 'feedback.submitted' || f.event === 'feedback.released') refresh();
        else if (f.event === 'room.state') refresh();
      },
      // After a fresh snapshot (first join, or a gap too long to replay) anything may have changed.
      snapshot: () => {
        if (ctx) refresh();
      },
      status: () => {},
    });
    conn.start();
  }

  refresh().then(() => {
    if (!left && ctx) listen();
  });

  return () => {
    left = true;
    clearTimeout(deadlineTimer);
    conn?.stop();
    for (const p of panels.values()) p.stop();
    document.title = 'mockroom';
  };
}

// questionMomentTitle is the question's title from its "question n started: title" moment (the
// room record names questions only to the one who asked them).
function questionMomentTitle(m) {
  if (!m?.label) return '';
  return m.label.replace(/^question \d+ started:?\s*/i, '');
}
