// Rubric quality titles. Questions and guides name qualities by id; the page shows the title the
// track's rubric gives each one, read once per track from GET /api/v1/tracks/{track}/rubric.

import { request } from './api.js';
import { humanize } from './dom.js';

/** @type {Map<string, string>} */
const titles = new Map();
/** @type {Map<string, Promise<void>>} */
const loading = new Map();

/** learnRubric records the titles of a rubric's qualities. @param {any} rubric */
export function learnRubric(rubric) {
  for (const q of rubric?.qualities || []) if (q?.id && q.title) titles.set(String(q.id), String(q.title));
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

/** qualityTitle is the rubric's title for a quality id, or the id in words when the rubric is not known. @param {string} id */
export function qualityTitle(id) {
  return titles.get(id) || humanize(id);
}
