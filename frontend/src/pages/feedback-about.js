// What was written about the reader: each released form with its cited moments, the versions an
// amendment left behind, and in a peer room the reader's rating of how useful it was (feedback on
// feedback). A form not released yet shows only its waiting state, which is all the server gives.

import { h, replace, toast, describeError } from '../dom.js';
import { feedbackApi, latest } from './feedback-data.js';
import { rubricView, interviewerView, when } from './feedback-view.js';
import { momentIndex } from './feedback-moments.js';
import { scoreChoices } from './feedback-form.js';

// aboutSection renders the "about you" part from the overview; ctx as in minePanel.
export function aboutSection(ctx) {
  const { overview } = ctx;
  const parts = [];
  for (const form of overview.about_me) parts.push(releasedCard(form, ctx));
  for (const p of overview.pending) parts.push(waitingCard(p, ctx));
  if (!parts.length) {
    parts.push(
      h(
        'p',
        { class: 'muted', id: 'about-none' },
        overview.room_kind === 'mentor' ? 'Nobody writes feedback about you in this room: in a mentor room the interviewer writes about the candidate.' : 'Nothing is written about you in this room.',
      ),
    );
  }
  return h('section', { class: 'about-me', id: 'about-me', 'aria-labelledby': 'about-heading' }, h('h2', { id: 'about-heading', class: 'section-heading' }, 'Feedback about you'), parts);
}

function authorWord(kind, ctx) {
  if (kind === 'candidate') return ctx.overview.room_kind === 'peer' ? 'your peer' : 'your interviewer';
  return 'your peer';
}

// waitingCard is a form about the reader that is not released to them. Nothing of its content
// exists on the page; only whether its author has submitted, and when it will be released.
function waitingCard(p, ctx) {
  const rel = ctx.overview.release;
  const who = authorWord(p.kind, ctx);
  const what = p.kind === 'candidate' ? 'Their feedback on you as the candidate' : 'Their feedback on how you interviewed';
  let text;
  if (ctx.overview.room_kind === 'peer') {
    const deadline = when(rel.deadline);
    const latestBy = deadline ? `; released at the latest on ${deadline}` : '';
    if (!p.author_submitted && rel.released) {
      // The room's release already happened (deadline): theirs comes as soon as it is submitted.
      text = `${capital(who)} has not submitted yet. You will see it here as soon as they do.`;
    } else if (!p.author_submitted) {
      text = `${capital(who)} has not submitted yet${latestBy}.`;
    } else {
      text = `${capital(who)} has submitted. You see it once you have submitted yours${deadline ? `, or at the latest on ${deadline}` : ''}: neither of you reads the other's feedback first.`;
    }
  } else if (!p.author_submitted) {
    text = `${capital(who)} has not submitted yet. You will see it here as soon as it is released.`;
  } else {
    text = `${capital(who)} has submitted; they will release it to you when they are ready.`;
  }
  return h(
    'article',
    { class: 'card feedback-card waiting-card', dataset: { form: p.id, kind: p.kind }, 'aria-labelledby': `about-${p.id}-h` },
    h('h3', { id: `about-${p.id}-h` }, what),
    h('p', { class: 'waiting-text', role: 'status' }, text),
  );
}

function capital(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// releasedCard shows a released form about the reader.
function releasedCard(form, ctx) {
  const body = h('div', { class: 'form-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const author = ctx.names.get(form.author_id);
  const what = form.kind === 'candidate' ? `What ${author || authorWord(form.kind, ctx)} wrote about you as the candidate` : `What ${author || authorWord(form.kind, ctx)} wrote about how you interviewed`;
  const el = h('article', { class: 'card feedback-card released-card', dataset: { form: form.id, kind: form.kind }, 'aria-labelledby': `about-${form.id}-h` }, h('h3', { id: `about-${form.id}-h` }, what), body);
  fill();
  return el;

  async function fill() {
    const v = latest(form);
    if (!v) {
      replace(body, h('p', { class: 'muted' }, 'Nothing submitted.'));
      return;
    }
    try {
      const [rubric, moments] = await Promise.all([ctx.rubricFor(v.rubric_version), citedMoments(form, ctx)]);
      const index = momentIndex(moments);
      const view = (version, r) =>
        form.kind === 'candidate' ? rubricView({ rubric: r, content: version.content, questions: ctx.questionTitles(form.questions, moments), index }) : interviewerView({ items: r.interviewer_form, content: version.content });
      const older = form.versions.slice(0, -1).reverse();
      replace(
        body,
        h('p', { class: 'submitted-line' }, `Released ${when(form.released_at || v.submitted_at)}`, form.versions.length > 1 ? ` · amended: version ${v.version}, submitted ${when(v.submitted_at)}` : ''),
        view(v, rubric),
        older.length
          ? h(
              'details',
              { class: 'history' },
              h('summary', null, `Earlier versions (${older.length})`),
              older.map((old) => h('section', { class: 'version', dataset: { version: old.version } }, h('h5', null, `Version ${old.version} · submitted ${when(old.submitted_at)}`), view(old, rubric))),
            )
          : null,
        ctx.overview.room_kind === 'peer' && form.kind === 'candidate' ? ratingForm(form, rubric, ctx) : null,
      );
    } catch (err) {
      replace(body, h('p', { class: 'alert alert-error', role: 'alert' }, describeError(err)));
    }
  }
}

// citedMoments reads the moments a released form cites, to show their labels; when the server
// does not list them for this reader, the ranges show as they are.
async function citedMoments(form, ctx) {
  try {
    return (await feedbackApi.moments(ctx.roomId, form.id))?.moments || [];
  } catch {
    return [];
  }
}

// ratingForm is feedback on feedback: how useful what the reader received was, 1–4 and a line.
// It can be changed; the latest counts.
function ratingForm(form, rubric, ctx) {
  const scale = rubric.feedback_rating || { title: 'How useful was this feedback?', levels: [1, 2, 3, 4].map((n) => ({ score: n, label: String(n) })) };
  let score = form.rating?.score ?? null;
  const lineId = `rating-${form.id}-line`;
  const line = h('input', { type: 'text', id: lineId, maxlength: 280, value: form.rating?.line || '', autocomplete: 'off' });
  const status = h('p', { class: 'small muted', role: 'status' }, form.rating ? `You rated it ${form.rating.score} of 4${form.rating.rated_at ? ` on ${when(form.rating.rated_at)}` : ''}.` : '');
  const error = h('p', { class: 'field-error', hidden: true, id: `rating-${form.id}-error` });
  const choices = scoreChoices({
    name: `rating-${form.id}`,
    levels: scale.levels,
    value: score,
    onPick: (v) => {
      score = v;
      error.hidden = true;
    },
  });
  const save = h('button', { type: 'submit', class: 'btn btn-secondary' }, form.rating ? 'Update my rating' : 'Send my rating');
  const el = h(
    'form',
    { class: 'form rating-form', id: `rating-${form.id}`, novalidate: true },
    h('fieldset', null, h('legend', null, scale.title || 'How useful was this feedback?'), h('p', { class: 'hint' }, 'Your peer sees this rating; it counts towards how helpful their feedback is, and matching prefers helpful peers.'), choices.el, error),
    h('div', { class: 'field' }, h('label', { for: lineId }, 'In a line, why'), line),
    h('div', { class: 'actions' }, save),
    status,
  );
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!score) {
      error.textContent = 'Choose how useful it was, from 1 to 4.';
      error.hidden = false;
      choices.first?.setAttribute('aria-describedby', error.id);
      choices.first?.focus();
      return;
    }
    save.disabled = true;
    try {
      const body = { score };
      if (line.value.trim()) body.line = line.value.trim();
      const stored = await feedbackApi.rate(ctx.roomId, form.id, body);
      form.rating = stored;
      status.textContent = `Thank you: you rated it ${stored.score} of 4.`;
      save.textContent = 'Update my rating';
      toast('Rating saved.');
    } catch (err) {
      error.textContent = describeError(err);
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return el;
}
