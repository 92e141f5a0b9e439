// Titles for ids. Questions, guides, records and progress name rubric qualities, tracks and
// question categories by id; pages show the titles the server gives them: a track's rubric from
// GET /api/v1/tracks/{track}/rubric (read once per track), tracks and their categories from
// GET /api/v1/tracks (read once). Until a title is known, or if it cannot be read, the id in
// words stands in.

import { request } from './api.js';
import { humanize } from './dom.js';

/** @type {Map<string, string>} */
const titles = new Map();
/** Interviewer-quality form items and overall recommendations, by id. @type {Map<string, string>} */
const itemTitles = new Map();
/** @type {Map<string, string>} */
const recommendationLabels = new Map();
/** @type {Map<string, string>} */
const trackTitles = new Map();
/** The closing slot of a plan is not a bank category, so no track lists it. @type {Map<string, string>} */
const categoryTitles = new Map([['candidate_questions', 'Your own questions']]);
/** @type {Map<string, Promise<void>>} */
const loading = new Map();
/** @type {Promise<void> | null} */
let tracksLoading = null;

/** learnRubric records the titles of a rubric's qualities, interviewer-quality items and recommendations. @param {any} rubric */
export function learnRubric(rubric) {
  for (const q of rubric?.qualities || []) if (q?.id && q.title) titles.set(String(q.id), String(q.title));
  for (const q of rubric?.interviewer_form || []) if (q?.id && q.title) itemTitles.set(String(q.id), String(q.title));
  for (const r of rubric?.recommendations || []) if (r?.id && r.label) recommendationLabels.set(String(r.id), String(r.label));
}

/** learnTracks records the titles of tracks and of their categories, from GET /api/v1/tracks. @param {any} data */
export function learnTracks(data) {
  for (const t of data?.tracks || []) {
    if (t?.id && t.title) trackTitles.set(String(t.id), String(t.title));
    for (const c of t?.categories || []) if (c?.id && c.title) categoryTitles.set(String(c.id), String(c.title));
  }
}

/** loadRubricTitles reads a track's current rubric once; a failure leaves the fallback names. @param {string} track */
export function loadRubricTitles(track) {
  let p = loading.get(track);
  if (!p) {
    p = request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/rubric`).then(learnRubric, () => {});
    loading.set(track, p);
  }
  return p;
}

/** loadTrackTitles reads the tracks once; a failure leaves the fallback names. */
export function loadTrackTitles() {
  tracksLoading ||= request('GET', '/api/v1/tracks').then(learnTracks, () => {});
  return tracksLoading;
}

/** loadTitles reads everything the titles of one track's pages need. @param {string} track */
export function loadTitles(track) {
  return Promise.all([loadTrackTitles(), loadRubricTitles(track)]).then(() => {});
}

/** qualityTitle is the rubric's title for a quality id, or the id in words when the rubric is not known. @param {string} id */
export function qualityTitle(id) {
  return titles.get(id) || humanize(id);
}

/** trackTitle is a track's title, or its id in words. @param {string} id */
export function trackTitle(id) {
  return trackTitles.get(id) || humanize(String(id || '').replace(/-/g, ' '));
}

/** categoryTitle is a question category's title, or its id in words. @param {string} id */
export function categoryTitle(id) {
  return categoryTitles.get(id) || humanize(id);
}

/** itemTitle is the title of an item of the interviewer-quality form, or its id in words. @param {string} id */
export function itemTitle(id) {
  return itemTitles.get(id) || humanize(id);
}

/** recommendationLabel is the rubric's label for an overall recommendation, or its id in words. @param {string} id */
export function recommendationLabel(id) {
  return recommendationLabels.get(id) || humanize(id);
}
