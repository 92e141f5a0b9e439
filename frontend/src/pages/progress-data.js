// The numbers the progress page draws, worked out from GET /api/v1/me/progress without touching
// the page, so the same rows feed a chart and the table beside it (and a unit test).

/**
 * @typedef {{ room_id: string, at: string, title: string, score: number }} Row
 * @typedef {{ id: string, average: number | null, notObserved: number, rows: Row[] }} Series
 */

/** mean of a list of numbers, or null for none. @param {number[]} xs */
export function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/**
 * qualitySeries is one series per rubric quality with at least one score: its scores oldest
 * first, each with the title of its session, and the average the server computed.
 * @param {any} progress
 * @returns {Series[]}
 */
export function qualitySeries(progress) {
  const titles = new Map((progress.history || []).map((s) => [s.room_id, s.title]));
  return (progress.qualities || [])
    .filter((q) => q.points.length)
    .map((q) => ({
      id: q.id,
      average: q.average ?? null,
      notObserved: q.not_observed || 0,
      rows: q.points.map((p) => ({ room_id: p.room_id, at: p.at, title: titles.get(p.room_id) || '', score: p.score })),
    }));
}

/**
 * overallSeries is every session of the history with the mean of its scores; its average is the
 * mean of every score given, so a session that scored more qualities weighs more.
 * @param {any} progress
 * @returns {Series | null}
 */
export function overallSeries(progress) {
  const history = progress.history || [];
  if (!history.length) return null;
  const all = history.flatMap((s) => Object.values(s.scores));
  return {
    id: 'overall',
    average: mean(all),
    notObserved: 0,
    rows: history.map((s) => ({ room_id: s.room_id, at: s.at, title: s.title, score: s.average })),
  };
}

/**
 * alignedData is a series in uPlot's shape: x is the session's place (1, 2, …), then the scores,
 * then the average repeated at every x (a flat line), or nulls without one.
 * @param {Row[]} rows
 * @param {number | null} average
 * @returns {[number[], number[], (number | null)[]]}
 */
export function alignedData(rows, average) {
  return [rows.map((_, i) => i + 1), rows.map((r) => r.score), rows.map(() => average ?? null)];
}

/** shortDate is a session's day as the axis and the table show it. @param {string} at */
export function shortDate(at) {
  return new Date(at).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * sessionLabels names each row by its day, and by its day and time where two rows share a day,
 * so sessions on one day stay apart on the axis and in the table.
 * @param {Row[]} rows
 * @returns {string[]}
 */
export function sessionLabels(rows) {
  const days = rows.map((r) => shortDate(r.at));
  return rows.map((r, i) => {
    if (days.indexOf(days[i]) === days.lastIndexOf(days[i])) return days[i];
    return `${days[i]}, ${new Date(r.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
  });
}

/** formatScore shows a score or an average with one decimal, a dash for none. @param {number | null | undefined} v */
export function formatScore(v) {
  return v == null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** formatAverage shows an average always with one decimal, a dash for none. @param {number | null | undefined} v */
export function formatAverage(v) {
  return v == null ? '—' : v.toFixed(1);
}
