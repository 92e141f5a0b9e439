// Talking to the feedback endpoints (api/openapi.yaml, tag "feedback") and translating between the
// server's form content and the page's editing model.
//
// The server's content lists answers in arrays ({quality, score, …}); the page edits a model keyed
// by quality and item id. toContent always sends every quality, question and item in the order
// the rubric and the form list them, so a refused field's path ("qualities[2].evidence") points
// at the control that shows it.

import { request } from '../api.js';

const room = (id) => `/api/v1/rooms/${encodeURIComponent(id)}`;
const form = (id, formId) => `${room(id)}/feedback/forms/${encodeURIComponent(formId)}`;

export const feedbackApi = {
  overview: (roomId) => request('GET', `${room(roomId)}/feedback`),
  room: (roomId) => request('GET', room(roomId)),
  rubric: (track, version) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/rubric`, { query: { version } }),
  moments: (roomId, formId) => request('GET', `${room(roomId)}/feedback/moments`, { query: { form_id: formId } }),
  form: (roomId, formId) => request('GET', form(roomId, formId)),
  saveDraft: (roomId, formId, content) => request('PUT', `${form(roomId, formId)}/draft`, { body: content }),
  submit: (roomId, formId, requestId, content) => request('POST', `${form(roomId, formId)}/submit`, { body: { request_id: requestId, content } }),
  amend: (roomId, formId, requestId, content) => request('POST', `${form(roomId, formId)}/amend`, { body: { request_id: requestId, content } }),
  rate: (roomId, formId, rating) => request('PUT', `${form(roomId, formId)}/rating`, { body: rating }),
  release: (roomId) => request('POST', `${room(roomId)}/feedback/release`),
  standing: (userId) => request('GET', `/api/v1/users/${encodeURIComponent(userId)}/standing`),
};

// rubricCache keeps each rubric version read once per page load: a form renders against the
// version it was written with.
export function rubricCache(track) {
  const versions = new Map();
  return (version) => {
    const key = version || 'current';
    if (!versions.has(key)) {
      const p = feedbackApi.rubric(track, version || undefined);
      p.catch(() => versions.delete(key));
      versions.set(key, p);
    }
    return versions.get(key);
  };
}

// emptyModel is a form nobody has written in yet.
export function emptyModel(kind, questions) {
  if (kind === 'interviewer') return { items: {}, comment: '' };
  return { qualities: {}, recommendation: null, strengths: '', improvements: '', questions: (questions || []).map((index) => ({ index, score: null, note: '', moments: [] })) };
}

// modelOf turns server content into the page's editing model.
export function modelOf(kind, content, questions) {
  const m = emptyModel(kind, questions);
  if (!content) return m;
  if (kind === 'interviewer') {
    for (const a of content.items || []) m.items[a.item] = { score: a.score ?? null, note: a.note || '', moments: a.moments || [] };
    m.comment = content.comment || '';
    return m;
  }
  for (const a of content.qualities || []) {
    m.qualities[a.quality] = { score: a.score ?? null, not_observed: !!a.not_observed, evidence: a.evidence || '', moments: a.moments || [] };
  }
  m.recommendation = content.recommendation || null;
  m.strengths = content.strengths || '';
  m.improvements = content.improvements || '';
  const byIndex = new Map((content.questions || []).map((q) => [q.index, q]));
  m.questions = m.questions.map((q) => {
    const a = byIndex.get(q.index);
    return a ? { index: q.index, score: a.score ?? null, note: a.note || '', moments: a.moments || [] } : q;
  });
  // Answers for questions the form no longer lists are kept, not dropped.
  for (const a of content.questions || []) {
    if (!m.questions.some((q) => q.index === a.index)) m.questions.push({ index: a.index, score: a.score ?? null, note: a.note || '', moments: a.moments || [] });
  }
  return m;
}

// toContent turns the editing model into the content the server stores. Empty text and empty
// lists are left out; an unanswered quality is sent as just its id so positions stay stable.
export function toContent(kind, model, { qualities = [], items = [] } = {}) {
  const text = (s) => (s && s.trim() ? s : undefined);
  const list = (l) => (l && l.length ? l.map((c) => ({ from: c.from, to: c.to ?? c.from })) : undefined);
  const clean = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== false));
  if (kind === 'interviewer') {
    const ids = idsInOrder(items.map((i) => i.id), Object.keys(model.items));
    return clean({ items: ids.map((id) => clean({ item: id, score: model.items[id]?.score ?? undefined, note: text(model.items[id]?.note), moments: list(model.items[id]?.moments) })), comment: text(model.comment) });
  }
  const ids = idsInOrder(qualities.map((q) => q.id), Object.keys(model.qualities));
  return clean({
    qualities: ids.map((id) => {
      const a = model.qualities[id] || {};
      return clean({ quality: id, score: a.not_observed ? undefined : (a.score ?? undefined), not_observed: a.not_observed || undefined, evidence: text(a.evidence), moments: list(a.moments) });
    }),
    recommendation: model.recommendation || undefined,
    strengths: text(model.strengths),
    improvements: text(model.improvements),
    questions: model.questions.map((q) => clean({ index: q.index, score: q.score ?? undefined, note: text(q.note), moments: list(q.moments) })),
  });
}

function idsInOrder(known, present) {
  return [...known, ...present.filter((id) => !known.includes(id))];
}

// checkContent finds, before a submit, what the server would refuse for sure, so every such
// field is marked at once (the server names one at a time). Paths use the server's form.
export function checkContent(kind, content, { qualities = [], items = [] } = {}) {
  const problems = [];
  if (kind === 'interviewer') {
    (content.items || []).forEach((a, i) => {
      if (!a.score) problems.push({ field: `items[${i}].score`, message: `Choose a score for "${items[i]?.title || a.item}".` });
    });
    return problems;
  }
  (content.qualities || []).forEach((a, i) => {
    const title = qualities[i]?.title || a.quality;
    if (!a.score && !a.not_observed) problems.push({ field: `qualities[${i}].score`, message: `Choose a score for ${title}, or "Not observed".` });
    else if (a.score && !a.evidence) problems.push({ field: `qualities[${i}].evidence`, message: `Say what you saw that earned this score for ${title}.` });
  });
  if (!content.recommendation) problems.push({ field: 'recommendation', message: 'Choose an overall recommendation.' });
  if (!content.strengths) problems.push({ field: 'strengths', message: 'Name at least one strength.' });
  if (!content.improvements) problems.push({ field: 'improvements', message: 'Name at least one thing to improve.' });
  (content.questions || []).forEach((q, i) => {
    if (!q.score) problems.push({ field: `questions[${i}].score`, message: `Score question ${q.index + 1}.` });
  });
  return problems;
}

// latest is a form's current submitted version, or null before the first submit.
export function latest(form) {
  return form?.versions?.length ? form.versions[form.versions.length - 1] : null;
}
