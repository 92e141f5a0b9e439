// The shared editor: CodeMirror 6 with @codemirror/collab, synchronised over the room socket
// (api/protocol.md section 6). The server is the authority: pushes carry the synced version,
// every accepted push comes back as an editor.update event (our own included, which is how collab
// confirms them), and the ack only tells us not to push again until that event has arrived.

import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, Decoration, WidgetType } from '@codemirror/view';
import { EditorState, Compartment, StateField, StateEffect, ChangeSet, Text, Transaction } from '@codemirror/state';
import { collab, receiveUpdates, sendableUpdates, getSyncedVersion } from '@codemirror/collab';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { indentOnInput, bracketMatching, indentUnit } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { editorTheme, onThemeChange, prefersDark } from './editor-theme.js';
import { sharedSelection } from './shared-selection.js';

export const LANGUAGES = [
  ['python', 'Python'],
  ['javascript', 'JavaScript'],
  ['go', 'Go'],
  ['text', 'Plain text'],
];

// Python is the track's language and is bundled with the room. The others are rarely used here,
// so their support loads on demand the first time a room switches to them: the room's first load
// does not carry them.
const LAZY_LANGUAGES = {
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  go: () => import('@codemirror/lang-go').then((m) => m.go()),
};
/** @type {Map<string, import('@codemirror/state').Extension>} */
const loadedLanguages = new Map();

function languageSupport(lang) {
  if (lang === 'python') return python();
  return loadedLanguages.get(lang) || [];
}

// needsLoading says whether a language has support that is not loaded yet.
function needsLoading(lang) {
  return Object.hasOwn(LAZY_LANGUAGES, lang) && !loadedLanguages.has(lang);
}

const MAX_UPDATES_PER_PUSH = 64;
const MAX_PUSH_BYTES = 48 * 1024;
const STALE_RETRY_MS = 1500;
const PRESENCE_THROTTLE_MS = 120;

// ---- remote cursors ---------------------------------------------------------------------------

/** @type {import('@codemirror/state').StateEffectType<{ key: string, name: string, color: string, ranges: { anchor: number, head: number }[], movedAt: number }>} */
const setRemote = StateEffect.define();
/** @type {import('@codemirror/state').StateEffectType<string>} */
const dropRemote = StateEffect.define();

class CaretWidget extends WidgetType {
  constructor(color, name, movedAt) {
    super();
    this.color = color;
    this.name = name;
    this.movedAt = movedAt;
  }
  // A move makes a new DOM node, which restarts the label's fade-out: the name shows while the
  // person is active and then gets out of the way of the code.
  eq(other) {
    return other.color === this.color && other.name === this.name && other.movedAt === this.movedAt;
  }
  toDOM() {
    const el = document.createElement('span');
    el.className = 'cm-remote-caret';
    el.style.borderColor = this.color;
    const label = document.createElement('span');
    label.className = 'cm-remote-label';
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    el.appendChild(label);
    el.setAttribute('aria-hidden', 'true');
    return el;
  }
  ignoreEvent() {
    return true;
  }
}

const remoteField = StateField.define({
  create: () => new Map(),
  update(map, tr) {
    let next = map;
    if (tr.docChanged && map.size) {
      next = new Map();
      for (const [key, p] of map) {
        next.set(key, { ...p, ranges: p.ranges.map((r) => ({ anchor: tr.changes.mapPos(r.anchor, 1), head: tr.changes.mapPos(r.head, 1) })) });
      }
    }
    for (const e of tr.effects) {
      if (e.is(setRemote)) {
        if (next === map) next = new Map(map);
        next.set(e.value.key, e.value);
      } else if (e.is(dropRemote)) {
        if (next === map) next = new Map(map);
        for (const key of [...next.keys()]) if (key === e.value || key.startsWith(`${e.value}|`)) next.delete(key);
      }
    }
    return next;
  },
  provide: (f) =>
    EditorView.decorations.from(f, (map) => {
      const ranges = [];
      for (const p of map.values()) {
        for (const r of p.ranges) {
          const from = Math.min(r.anchor, r.head);
          const to = Math.max(r.anchor, r.head);
          if (to > from) ranges.push(Decoration.mark({ class: 'cm-remote-selection', attributes: { style: `background-color: ${p.color}33` } }).range(from, to));
          ranges.push(Decoration.widget({ widget: new CaretWidget(p.color, p.name, p.movedAt), side: 1 }).range(r.head));
        }
      }
      return Decoration.set(ranges, true);
    }),
});

// Participant colours are blues, violets and purples only: no red, amber or green that could be
// read as offline, away or online. Status is always said in words beside the name.
const HUES = [185, 200, 215, 230, 245, 260, 275, 290, 305];
export function colorFor(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return `hsl(${HUES[Math.abs(hash) % HUES.length]} 70% 42%)`;
}

// ---- the editor -------------------------------------------------------------------------------

export class SharedEditor {
  constructor(parent, { conn, onNotice }) {
    this.parent = parent;
    this.conn = conn;
    this.onNotice = onNotice || (() => {});
    this.view = null;
    this.language = new Compartment();
    this.readOnly = new Compartment();
    this.theme = new Compartment();
    this.stopThemeWatch = onThemeChange((dark) => this.view?.dispatch({ effects: this.theme.reconfigure(editorTheme(dark)) }));
    this.confirmed = Text.empty; // the document at the synced version, kept from the event stream
    this.pushing = false;
    this.generation = 0;
    this.waitForVersion = -1; // do not push until the synced version reaches this
    this.staleTimer = null;
    this.presenceTimer = null;
    this.lastPresence = 0;
    this.sharesCursor = false; // set once we have moved our cursor
    this.presenceBehind = false; // the cursor last shared was placed before our unconfirmed edits
    this.locked = false;
    this.role = 'candidate';
    this.lang = 'python';
  }

  extensions(version, lang, readOnly) {
    return [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      indentOnInput(),
      bracketMatching(),
      indentUnit.of('    '),
      EditorState.tabSize.of(4),
      this.theme.of(editorTheme(prefersDark())),
      // Long lines wrap: on a phone the code stays readable without a sideways scroll.
      EditorView.lineWrapping,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      this.language.of(languageSupport(lang)),
      this.readOnly.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
      EditorView.contentAttributes.of({ 'aria-label': 'Shared code editor' }),
      collab({ startVersion: version, clientID: this.conn.clientId }),
      remoteField,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) this.schedulePush();
        // Our own selection moves are worth telling the others; remote edits moving it are not.
        if (u.selectionSet && u.transactions.some((t) => !t.annotation(Transaction.remote))) {
          this.sharesCursor = true;
          this.schedulePresence();
        }
      }),
    ];
  }

  get isReadOnly() {
    return this.role === 'observer' || (this.locked && this.role !== 'interviewer');
  }

  // load (re)builds the editor from a snapshot's doc. Local edits not yet confirmed survive when
  // they can be placed on the new document unambiguously; otherwise the user is told.
  load(doc, role) {
    this.role = role;
    this.locked = !!doc.locked;
    this.lang = doc.language || 'python';
    const text = doc.text || '';
    let carry = null;
    if (this.view) {
      const old = this.view.state;
      const ups = sendableUpdates(old);
      if (ups.length) {
        const composed = ups.map((u) => u.changes).reduce((a, b) => a.compose(b));
        if (text === old.doc.toString()) carry = null; // everything we typed made it in
        else if (text === this.confirmed.toString() && composed.length === text.length) carry = composed;
        else this.onNotice('Your last few keystrokes could not be merged after reconnecting; please check the code.');
      }
    }
    this.confirmed = Text.of(text.split('\n'));
    this.generation++; // outcomes of pushes made against the old state no longer matter
    this.pushing = false;
    this.waitForVersion = -1;
    // The others' cursors outlive the rebuild: after a reconnect within the presence grace nobody
    // is told we were away, so nobody would share theirs again until they move.
    const others = this.view ? [...this.view.state.field(remoteField).values()] : [];
    const state = EditorState.create({ doc: text, extensions: this.extensions(doc.version || 0, this.lang, this.isReadOnly) });
    if (this.view) this.view.setState(state);
    else this.view = new EditorView({ state, parent: this.parent });
    if (carry) this.view.dispatch({ changes: carry });
    if (others.length) {
      const len = this.view.state.doc.length;
      const clamp = (n) => Math.max(0, Math.min(len, n));
      this.view.dispatch({ effects: others.map((p) => setRemote.of({ ...p, ranges: p.ranges.map((r) => ({ anchor: clamp(r.anchor), head: clamp(r.head) })) })) });
    }
    if (needsLoading(this.lang)) this.setLanguage(this.lang);
  }

  // reset takes an editor.reset event: a question started and its own document replaces the
  // whole content. The collab state starts again at the event's version; edits not yet
  // confirmed belonged to the old document and are dropped (the server refuses them with
  // doc_replaced), and pushes in flight no longer matter.
  reset(data) {
    if (!this.view) return;
    const text = data.text || '';
    this.lang = data.language || this.lang;
    this.confirmed = Text.of(text.split('\n'));
    this.generation++;
    this.pushing = false;
    this.waitForVersion = -1;
    clearTimeout(this.staleTimer);
    const state = EditorState.create({ doc: text, extensions: this.extensions(data.version, this.lang, this.isReadOnly) });
    this.view.setState(state);
    if (needsLoading(this.lang)) this.setLanguage(this.lang);
  }

  // applyUpdate takes an editor.update event. Events arrive in order and exactly once, so the
  // event's version is always our synced version; a mismatch means a bug, and a reload of the
  // snapshot is the safe answer.
  applyUpdate(data) {
    if (!this.view) return;
    const synced = getSyncedVersion(this.view.state);
    if (data.version !== synced) {
      this.onNotice(`Editor out of step (event at version ${data.version}, editor at ${synced}).`);
      /** @type {any} */ (this).requestResync?.();
      return;
    }
    const updates = data.updates.map((u) => ({ clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }));
    for (const u of updates) this.confirmed = u.changes.apply(this.confirmed);
    this.view.dispatch(receiveUpdates(this.view.state, updates));
    if (this.presenceBehind && sendableUpdates(this.view.state).length === 0) {
      this.presenceBehind = false;
      this.schedulePresence();
    }
    if (getSyncedVersion(this.view.state) >= this.waitForVersion) {
      this.waitForVersion = -1;
      clearTimeout(this.staleTimer);
    }
    this.schedulePush();
  }

  schedulePush() {
    // A microtask batches the keystrokes of one event-loop turn into one push.
    queueMicrotask(() => this.push());
  }

  push() {
    if (!this.view || this.pushing || !this.conn.connected || this.isReadOnly) return;
    const version = getSyncedVersion(this.view.state);
    if (this.waitForVersion >= 0 && version < this.waitForVersion) return;
    let ups = sendableUpdates(this.view.state);
    if (!ups.length) return;
    ups = ups.slice(0, MAX_UPDATES_PER_PUSH);
    let payload = ups.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() }));
    while (payload.length > 1 && JSON.stringify(payload).length > MAX_PUSH_BYTES) payload = payload.slice(0, Math.ceil(payload.length / 2));
    this.pushing = true;
    const gen = this.generation;
    this.conn
      .send('editor.push', { version, updates: payload })
      .then((res) => {
        if (gen !== this.generation) return;
        // Confirmation comes with the editor.update event; until it is here, our updates are
        // still "sendable" and must not go out a second time.
        this.waitForVersion = typeof res.version === 'number' ? res.version : version + payload.length;
      })
      .catch((err) => {
        if (gen !== this.generation) return;
        if (err.code === 'doc_replaced') {
          // The editor.reset that replaced the document is on its way and drops these edits.
        } else if (err.code === 'version_stale' || err.code === 'version_ahead') {
          // The events that made us stale are on their way; rebase when they arrive.
          this.waitForVersion = version + 1;
        } else if (err.code === 'editor_locked') {
          this.onNotice('The interviewer locked the editor.');
        } else if (err.code !== 'superseded' && err.code !== 'closed') {
          this.onNotice(`An edit was refused: ${err.message}`);
        }
      })
      .finally(() => {
        if (gen !== this.generation) return;
        this.pushing = false;
        clearTimeout(this.staleTimer);
        if (this.waitForVersion >= 0) {
          // Never wait forever: if the expected event does not come, try again.
          this.staleTimer = setTimeout(() => {
            this.waitForVersion = -1;
            this.push();
          }, STALE_RETRY_MS);
        }
        this.schedulePush();
      });
  }

  setLanguage(lang) {
    this.lang = lang;
    this.view?.dispatch({ effects: this.language.reconfigure(languageSupport(lang)) });
    if (needsLoading(lang)) {
      LAZY_LANGUAGES[lang]()
        .then((support) => {
          loadedLanguages.set(lang, support);
          if (this.lang === lang) this.view?.dispatch({ effects: this.language.reconfigure(support) });
        })
        .catch(() => {});
    }
  }

  setRole(role) {
    this.role = role;
    this.applyReadOnly();
  }

  setLocked(locked) {
    this.locked = locked;
    this.applyReadOnly();
  }

  applyReadOnly() {
    const ro = this.isReadOnly;
    this.view?.dispatch({ effects: this.readOnly.reconfigure([EditorState.readOnly.of(ro), EditorView.editable.of(!ro)]) });
    if (!ro) this.schedulePush();
  }

  schedulePresence() {
    if (this.presenceTimer) return;
    const wait = Math.max(0, PRESENCE_THROTTLE_MS - (Date.now() - this.lastPresence));
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      this.lastPresence = Date.now();
      if (!this.view || this.role === 'observer') return;
      // Placed in the confirmed document; once our edits are confirmed, say where it really is.
      this.presenceBehind = sendableUpdates(this.view.state).length > 0;
      this.conn.sendPresence({ selection: sharedSelection(this.view.state) });
    }, wait);
  }

  // announcePresence tells the room our cursor again without our moving it: after our socket
  // (re)connects, and when someone comes (back) online, whose editor has no cursor of ours until
  // then. Presence is never stored or acknowledged and may be shed under load, so this is also
  // how a cursor that was lost comes back. Only once we have placed a cursor: someone who never
  // clicked into the editor shows none.
  announcePresence() {
    if (this.sharesCursor) this.schedulePresence();
  }

  showPresence(frame, name) {
    if (!this.view || !frame.selection) return;
    const len = this.view.state.doc.length;
    const clamp = (n) => Math.max(0, Math.min(len, n | 0));
    const ranges = frame.selection.ranges.map((r) => ({ anchor: clamp(r.anchor), head: clamp(r.head) }));
    this.view.dispatch({ effects: setRemote.of({ key: `${frame.user_id}|${frame.client_id}`, name, color: colorFor(frame.user_id), ranges, movedAt: Date.now() }) });
  }

  dropPresence(userId) {
    this.view?.dispatch({ effects: dropRemote.of(userId) });
  }

  // settled resolves with the document and its version once every local edit has been confirmed
  // by the room, or with null when that takes longer than ms: code runs are tied to a version
  // everyone has.
  async settled(ms) {
    const end = Date.now() + ms;
    while (this.view) {
      if (sendableUpdates(this.view.state).length === 0) return { version: getSyncedVersion(this.view.state), text: this.view.state.doc.toString() };
      if (Date.now() >= end) return null;
      this.schedulePush();
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }

  get text() {
    return this.view ? this.view.state.doc.toString() : '';
  }

  destroy() {
    this.stopThemeWatch();
    clearTimeout(this.staleTimer);
    clearTimeout(this.presenceTimer);
    this.view?.destroy();
    this.view = null;
  }
}
