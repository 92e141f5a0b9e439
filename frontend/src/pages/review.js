// One finished session: the timeline of what happened beside the code replay, the questions
// with the time they used, the feedback the reader may read (each cited moment jumps the replay
// there), and the downloads. Loaded on demand: the replay brings CodeMirror's change sets.

import { h, errorBox, humanize, replace, toast, describeError } from '../dom.js';
import { reviewApi, download } from '../review/review-data.js';
import { ReplayModel } from '../review/replay-model.js';
import { createReplay } from '../review/replay.js';
import { minutes } from './sessions.js';
import { categoryTitle, itemTitle, loadTitles, qualityTitle, recommendationLabel, trackTitle } from '../rubric-titles.js';

function clockOf(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function renderReview(el, { params }) {
  const id = params.id;
  const page = h('section', { class: 'page review', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading the session…'));
  el.append(page);
  let replay = null;
  let left = false;
  reviewApi
    .record(id)
    .then(async (rec) => {
      await loadTitles(rec.track);
      if (left) return;
      page.setAttribute('aria-busy', 'false');
      replay = show(page, rec);
    })
    .catch((err) => {
      page.setAttribute('aria-busy', 'false');
      replace(page, h('h1', null, 'Session'), errorBox(err), h('p', null, h('a', { href: '/sessions' }, 'Back to my sessions')));
    });
  return () => {
    left = true;
    replay?.stop();
  };
}

function show(page, rec) {
  const people = new Map(rec.participants.map((p, i) => [p.user_id, { ...p, n: i }]));
  const name = (uid) => (uid ? people.get(uid)?.name || 'deleted user' : 'the server');
  const authorClass = (uid) => `author author-${people.get(uid)?.n ?? 'x'}`;
  const model = new ReplayModel(rec);
  const replay = createReplay(model, { authorClass, name });

  const entries = new Map();
  const jump = (offset, at) => {
    replay.seekOffset(offset, at);
    for (const li of entries.values()) li.classList.toggle('current', false);
    const li = [...entries.entries()].filter(([off]) => off <= offset).pop()?.[1];
    if (li) {
      li.classList.add('current');
      li.scrollIntoView({ block: 'nearest' });
    }
  };

  const timeline = h(
    'ol',
    { class: 'timeline', 'aria-label': 'What happened, in order' },
    // A note whose text is gone (its author deleted their account, and their notes with it)
    // leaves nothing to show.
    rec.timeline.filter((e) => e.kind !== 'note' || e.text).map((e) => {
      const who = e.kind === 'chat' || e.kind === 'note' ? `${name(e.actor)}: ` : '';
      const li = h(
        'li',
        { class: `tl tl-${e.kind}`, dataset: { offset: String(e.offset) } },
        // The button's name is its visible text after a hidden lead, so speech input can say what it sees.
        h('button', { type: 'button', class: 'tl-jump', onclick: () => jump(e.offset, e.at) }, h('span', { class: 'sr-only' }, 'Show the code at '), h('time', { datetime: e.at }, clockOf(e.at)), h('span', { class: 'tl-kind' }, humanize(e.kind)), h('span', { class: 'tl-text' }, who, e.text), e.run?.output ? h('span', { class: 'tl-output' }, e.run.output) : null),
      );
      entries.set(e.offset, li);
      return li;
    }),
  );

  const fmt = (f) => `mockroom-session-${rec.room_id}.${f}`;
  const dl = (f, label) =>
    h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `export-${f}`, onclick: () => download(reviewApi.exportPath(rec.room_id, f), fmt(f)).catch((err) => toast(describeError(err), 'error')) }, label);
  const roles = rec.reader.roles.join(' and ');
  replace(
    page,
    h('div', { class: 'page-head' }, h('h1', null, rec.title || `Session ${rec.room_id}`), h('div', { class: 'actions' }, dl('md', 'Download Markdown'), dl('json', 'Download JSON'))),
    h(
      'p',
      { class: 'muted' },
      [new Date(rec.started_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }), trackTitle(rec.track), humanize(rec.kind), minutes(rec.duration_ms), `you: ${roles}`, rec.participants.map((p) => `${p.name} (${p.role})`).join(', ')].join(' · '),
    ),
    h('p', null, h('a', { href: '/sessions' }, '← My sessions'), rec.reader.roles.includes('observer') ? null : [' · ', h('a', { href: `/rooms/${encodeURIComponent(rec.room_id)}/feedback` }, 'Feedback page')]),
    rec.reader.roles.includes('interviewer') ? shareNotesCard(rec) : null,
    h('div', { class: 'review-grid' }, h('section', { class: 'card timeline-card', 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), timeline), replay.el),
    questionsCard(rec),
    feedbackCard(rec, name, jump),
    h('section', { class: 'card' }, h('h2', null, 'Final code'), h('pre', { class: 'replay-code', id: 'final-code' }, rec.final.text || '(empty)')),
  );
  return replay;
}

// shareNotesCard lets the interviewer show their private notes to the candidate, after a
// confirmation; sharing cannot be undone.
function shareNotesCard(rec) {
  const status = h('p', { class: 'muted', role: 'status', id: 'share-notes-status' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'share-notes-title' }, h('h2', { id: 'share-notes-title' }, 'Your notes'));
  const ask = h('button', { type: 'button', class: 'btn btn-secondary', id: 'share-notes' }, 'Share my notes with the candidate');
  const yes = h('button', { type: 'button', class: 'btn btn-primary', id: 'share-notes-confirm' }, 'Yes, share them');
  const no = h('button', { type: 'button', class: 'btn btn-ghost' }, 'Cancel');
  const confirmBox = h('div', { class: 'actions', hidden: true, role: 'group', 'aria-label': 'Confirm sharing your notes' }, h('p', null, 'The candidate will see every note you wrote in this session. This cannot be undone.'), yes, no);
  ask.addEventListener('click', () => {
    ask.hidden = true;
    confirmBox.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await reviewApi.shareNotes(rec.room_id);
      confirmBox.hidden = true;
      status.textContent = 'Your notes are shared with the candidate.';
      status.tabIndex = -1;
      status.focus();
    } catch (err) {
      yes.disabled = false;
      toast(describeError(err), 'error');
    }
  });
  card.append(h('p', { class: 'muted' }, 'Your notes are private to you unless you share them.'), ask, confirmBox, status);
  return card;
}

function questionsCard(rec) {
  if (!rec.questions.length) return h('section', { class: 'card' }, h('h2', null, 'Questions'), h('p', { class: 'muted' }, 'No question was started.'));
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Questions'),
    h(
      'div',
      // Scrolls sideways on a narrow screen, so it takes focus for the keyboard to scroll it.
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Questions' },
      h(
      'table',
      { class: 'questions-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Question'), h('th', { scope: 'col' }, 'Time used'), h('th', { scope: 'col' }, 'Notes'))),
      h(
        'tbody',
        null,
        rec.questions.map((q) =>
          h(
            'tr',
            null,
            h('td', null, String(q.index + 1)),
            h('td', null, q.title, h('div', { class: 'muted' }, categoryTitle(q.category))),
            h('td', null, `${minutes(q.used_ms)} of ${minutes(q.budget_ms)}`),
            h('td', null, [q.paused_ms ? `paused ${minutes(q.paused_ms)}` : '', q.extended_ms ? `extended ${minutes(q.extended_ms)}` : '', q.warnings ? `${q.warnings} warning(s)` : '', q.expired ? 'time ran out' : ''].filter(Boolean).join(', ') || '—'),
          ),
        ),
      ),
      ),
    ),
  );
}

function feedbackCard(rec, name, jump) {
  const forms = rec.feedback || [];
  const card = h('section', { class: 'card review-feedback', 'aria-labelledby': 'review-feedback-title' }, h('h2', { id: 'review-feedback-title' }, 'Feedback'));
  if (!forms.length) {
    card.append(h('p', { class: 'muted' }, rec.reader.roles.includes('observer') ? 'Observers do not see feedback.' : 'No feedback has been released to you for this session yet.'));
    return card;
  }
  const moments = (ms) =>
    (ms || []).length
      ? h(
          'div',
          { class: 'cited' },
          ms.map((m) => h('button', { type: 'button', class: 'btn btn-ghost btn-small cited-moment', dataset: { from: String(m.from), to: String(m.to) }, onclick: () => jump(m.to) }, `Show moment ${m.from === m.to ? m.from : `${m.from}–${m.to}`}`)),
        )
      : null;
  for (const f of forms) {
    const v = f.versions[f.versions.length - 1];
    if (!v) continue;
    const c = v.content;
    card.append(
      h('h3', null, `${name(f.author_id)} about ${name(f.about_id)}`, h('span', { class: 'muted' }, ` · version ${v.version}`)),
      h(
        'dl',
        { class: 'feedback-read' },
        c.recommendation ? [h('dt', null, 'Recommendation'), h('dd', null, recommendationLabel(c.recommendation))] : null,
        c.strengths ? [h('dt', null, 'Strengths'), h('dd', null, c.strengths)] : null,
        c.improvements ? [h('dt', null, 'To improve'), h('dd', null, c.improvements)] : null,
        (c.qualities || []).map((q) => [h('dt', null, qualityTitle(q.quality)), h('dd', null, q.not_observed ? 'Not observed' : `${q.score} / 4`, q.evidence ? ` — ${q.evidence}` : '', moments(q.moments))]),
        (c.questions || []).map((q) => [h('dt', null, `Question ${q.index + 1}`), h('dd', null, `${q.score} / 4`, q.note ? ` — ${q.note}` : '', moments(q.moments))]),
        (c.items || []).map((q) => [h('dt', null, itemTitle(q.item)), h('dd', null, `${q.score} / 4`, q.note ? ` — ${q.note}` : '', moments(q.moments))]),
        c.comment ? [h('dt', null, 'Comment'), h('dd', null, c.comment)] : null,
      ),
    );
  }
  return card;
}
