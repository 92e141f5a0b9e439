// The progress charts, drawn with uPlot on a canvas. This module is imported only by the progress
// page, when it has scores to draw, so the library stays out of every other page's download.
// Colours come from the page's --chart-* variables and are read again when the colour scheme
// changes; the table beside each chart carries the same numbers for people who cannot see it.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignedData, sessionLabels } from './progress-data.js';

const HEIGHT = 190;
const dark = window.matchMedia('(prefers-color-scheme: dark)');

/** @param {HTMLElement} el */
function colours(el) {
  const style = getComputedStyle(el);
  const v = (/** @type {string} */ name) => style.getPropertyValue(name).trim();
  return { score: v('--chart-score'), average: v('--chart-average'), grid: v('--chart-grid'), text: v('--chart-text') };
}

/**
 * xSplits thins the session labels so they do not overlap: at most one per 96 px.
 * @param {number} n
 * @param {number} width
 */
function xSplits(n, width) {
  const step = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(width / 96))));
  const out = [];
  for (let i = 1; i <= n; i += step) out.push(i);
  return out;
}

/**
 * options builds a chart of scores 1–4 at each session, with the average as a dashed line.
 * @param {import('./progress-data.js').Row[]} rows
 * @param {number} width
 * @param {ReturnType<typeof colours>} c
 * @returns {uPlot.Options}
 */
function options(rows, width, c) {
  const axis = { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } };
  const labels = sessionLabels(rows);
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: () => [0.5, rows.length + 0.5] },
      y: { range: () => [0.5, 4.5] },
    },
    axes: [
      { ...axis, splits: (u) => xSplits(rows.length, u.bbox.width / devicePixelRatio), values: (_u, splits) => splits.map((x) => labels[x - 1] || '') },
      { ...axis, size: 32, splits: () => [1, 2, 3, 4], values: (_u, splits) => splits.map(String) },
    ],
    series: [
      {},
      { label: 'Score', stroke: c.score, width: 2, points: { show: true, size: 9, fill: c.score, stroke: c.score } },
      { label: 'Average', stroke: c.average, width: 2, dash: [7, 5], points: { show: false } },
    ],
  };
}

/**
 * drawScoreChart draws rows and their average into host, follows its width and the colour
 * scheme, and lets go of both once host leaves the page.
 * @param {HTMLElement} host
 * @param {import('./progress-data.js').Row[]} rows
 * @param {number | null} average
 */
export function drawScoreChart(host, rows, average) {
  /** @type {uPlot | null} */
  let plot = null;
  const width = () => Math.max(160, Math.floor(host.clientWidth));
  const draw = () => {
    plot?.destroy();
    plot = new uPlot(options(rows, width(), colours(host)), alignedData(rows, average), host);
    host.dataset.drawn = String(rows.length);
  };
  const stop = () => {
    resize.disconnect();
    dark.removeEventListener('change', recolour);
    plot?.destroy();
    plot = null;
  };
  const recolour = () => (host.isConnected ? draw() : stop());
  const resize = new ResizeObserver(() => {
    if (!host.isConnected) return stop();
    if (plot && Math.abs(plot.width - width()) > 1) plot.setSize({ width: width(), height: HEIGHT });
  });
  draw();
  resize.observe(host);
  dark.addEventListener('change', recolour);
}
