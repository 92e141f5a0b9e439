// Rendering of a question's interviewer-only material. The server decides what is private and
// sends it only to the interviewer's socket; this module just lays it out, whatever its shape
// (a string, a list, or an object of lists such as {looks_for, red_flags}).

import { h, humanize } from '../dom.js';

const ORDER = ['guidance', 'looks_for', 'red_flags', 'strong_answer', 'follow_ups', 'qualities'];
const LABELS = {
  guidance: 'How to judge the answer',
  looks_for: 'Look for',
  red_flags: 'Red flags',
  strong_answer: 'A strong answer',
  follow_ups: 'Follow-up questions',
  qualities: 'Rubric qualities',
};

function value(v, key) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string' || typeof v === 'number') return h('p', null, key === 'qualities' ? humanize(String(v)) : String(v));
  if (Array.isArray(v)) return v.length ? h('ul', null, v.map((i) => h('li', null, typeof i === 'object' ? value(i) : key === 'qualities' ? humanize(String(i)) : String(i)))) : null;
  if (typeof v === 'object') return h('div', { class: 'guide-body' }, sections(v));
  return null;
}

function sections(obj) {
  const rank = (k) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b));
  return keys.map((k) => {
    const body = value(obj[k], k);
    return body ? h('div', { class: `guide-part guide-${k}` }, h('h3', null, LABELS[k] || humanize(k)), body) : null;
  });
}

export function privateMaterial(p) {
  if (typeof p !== 'object' || p === null) return value(p);
  if (p.guide && typeof p.guide === 'object') p = { ...p.guide, ...Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'guide')) };
  return h('div', { class: 'guide-body' }, sections(p));
}
