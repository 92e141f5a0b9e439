// The editor's colours follow the page's theme (prefers-color-scheme): CodeMirror's default
// highlight style in light mode; in dark mode a dark editor with a highlight style whose every
// colour keeps 4.5:1 or better against the editor's background (#1b1f2a, the dark --surface).

import { EditorView } from '@codemirror/view';
import { syntaxHighlighting, defaultHighlightStyle, HighlightStyle } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

const darkHighlight = HighlightStyle.define(
  [
    { tag: t.meta, color: '#a0a7ba' },
    { tag: t.link, textDecoration: 'underline' },
    { tag: t.heading, textDecoration: 'underline', fontWeight: 'bold' },
    { tag: t.emphasis, fontStyle: 'italic' },
    { tag: t.strong, fontWeight: 'bold' },
    { tag: t.strikethrough, textDecoration: 'line-through' },
    { tag: t.keyword, color: '#c7a0ff' },
    { tag: [t.atom, t.bool, t.url, t.contentSeparator, t.labelName], color: '#8eabff' },
    { tag: [t.literal, t.inserted], color: '#7ee0a8' },
    { tag: [t.string, t.deleted], color: '#f0b27a' },
    { tag: [t.regexp, t.escape, t.special(t.string)], color: '#ff9e9e' },
    { tag: t.definition(t.variableName), color: '#7fc8ff' },
    { tag: t.local(t.variableName), color: '#9fd0ff' },
    { tag: [t.typeName, t.namespace], color: '#6fdcd0' },
    { tag: t.className, color: '#7ee0c0' },
    { tag: [t.special(t.variableName), t.macroName], color: '#a8c8ff' },
    { tag: t.definition(t.propertyName), color: '#9fd0ff' },
    { tag: t.comment, color: '#9aa3b8', fontStyle: 'italic' },
    { tag: t.invalid, color: '#ff8a8a' },
  ],
  { themeType: 'dark' },
);

const darkEditor = EditorView.theme(
  {
    '&': { color: '#e6e9f2', backgroundColor: '#1b1f2a' },
    '.cm-content': { caretColor: '#e6e9f2' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#e6e9f2' },
    '.cm-gutters': { backgroundColor: '#161a23', color: '#a0a7ba', borderRight: '1px solid #2e3445' },
    '.cm-activeLine': { backgroundColor: '#232838' },
    '.cm-activeLineGutter': { backgroundColor: '#232838', color: '#e6e9f2' },
    '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: '#35406a' },
    '&.cm-focused .cm-matchingBracket': { backgroundColor: '#35406a', color: '#e6e9f2' },
  },
  { dark: true },
);

const darkQuery = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

/** @returns {boolean} whether the page is in its dark theme now */
export function prefersDark() {
  return !!darkQuery?.matches;
}

/** @param {boolean} dark */
export function editorTheme(dark) {
  return dark ? [darkEditor, syntaxHighlighting(darkHighlight)] : syntaxHighlighting(defaultHighlightStyle, { fallback: true });
}

// onThemeChange calls f(dark) whenever the page's theme changes; it returns the unsubscribe.
/** @param {(dark: boolean) => void} f */
export function onThemeChange(f) {
  if (!darkQuery) return () => {};
  const listener = (/** @type {MediaQueryListEvent} */ e) => f(e.matches);
  darkQuery.addEventListener('change', listener);
  return () => darkQuery.removeEventListener('change', listener);
}
