// Draft autosave for a feedback form: what is typed is saved a moment after typing stops, the
// page says when the last save landed ("saved 2 s ago", kept current), and nothing written is lost
// when the network is not there: every change is also kept in this browser until the server has
// it, retried when the connection comes back, and offered again after a reload.

import { h } from '../dom.js';

const SAVE_AFTER_MS = 700;
const RETRY_AFTER_MS = 3000;
const BACKUP_PREFIX = 'mockroom.feedback-draft.';

// DraftSaver sends the latest content through save(content) → {saved_at}, one request at a time;
// content changed while a save is in flight is saved right after it. onState(state) is told of
// every change: {status: 'saved'|'pending'|'saving'|'error'|'idle', savedAt (ms), error}.
export class DraftSaver {
  constructor({ key, save, onState, savedAt = null }) {
    this.key = BACKUP_PREFIX + key;
    this.save = save;
    this.onState = onState || (() => {});
    this.latest = null; // content not yet confirmed by the server
    this.inFlight = null;
    this.timer = null;
    this.savedAt = savedAt ? Date.parse(savedAt) || null : null;
    this.status = this.savedAt ? 'saved' : 'idle';
    this.error = null;
    this.stopped = false;
    this.held = false;
    this.onOnline = () => this.flush();
    window.addEventListener('online', this.onOnline);
  }

  // change records new content: it is backed up in this browser at once and saved after a pause.
  change(content) {
    if (this.stopped) return;
    this.latest = content;
    writeBackup(this.key, content);
    this.setStatus('pending');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_AFTER_MS);
  }

  // flush saves now whatever is waiting, and resolves when the server holds it (or it failed).
  async flush() {
    clearTimeout(this.timer);
    if (this.stopped || this.held) return;
    if (this.inFlight) {
      await this.inFlight.catch(() => {});
      if (this.latest === null) return;
    }
    if (this.latest === null) return;
    const content = this.latest;
    this.latest = null;
    this.setStatus('saving');
    this.inFlight = this.save(content);
    try {
      const res = await this.inFlight;
      this.savedAt = Date.parse(res?.saved_at || res?.draft?.saved_at || '') || Date.now();
      this.error = null;
      if (this.latest === null) {
        clearBackup(this.key);
        this.setStatus('saved');
      }
    } catch (err) {
      // Keep the content for the next try unless something newer came in meanwhile.
      if (this.latest === null) this.latest = content;
      this.error = err;
      this.setStatus('error');
      // A refused draft (validation, a form that is no longer a draft) is not retried blindly;
      // a network or server failure is.
      if (!err?.status || err.status >= 500) this.timer = setTimeout(() => this.flush(), RETRY_AFTER_MS);
    } finally {
      this.inFlight = null;
    }
    if (this.latest !== null && this.status !== 'error') await this.flush();
  }

  // hold pauses saving while a submit makes the draft obsolete, and resolves once no save is in
  // flight, so a late draft save cannot land after the submit. resume undoes it (the submit failed).
  async hold() {
    this.held = true;
    clearTimeout(this.timer);
    while (this.inFlight) await this.inFlight.catch(() => {});
  }

  resume() {
    this.held = false;
    if (this.latest !== null) this.timer = setTimeout(() => this.flush(), SAVE_AFTER_MS);
  }

  // hasUnsaved is true while something typed is not yet in the server.
  hasUnsaved() {
    return this.latest !== null || !!this.inFlight;
  }

  // discardBackup forgets the browser copy (after a submit made the draft obsolete).
  discardBackup() {
    this.latest = null;
    clearTimeout(this.timer);
    clearBackup(this.key);
  }

  setStatus(status) {
    this.status = status;
    this.onState({ status, savedAt: this.savedAt, error: this.error });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
  }
}

// readBackup returns content this browser kept for a form and the server never confirmed.
export function readBackup(key) {
  try {
    const raw = localStorage.getItem(BACKUP_PREFIX + key);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function writeBackup(key, content) {
  try {
    localStorage.setItem(key, JSON.stringify({ content, at: Date.now() }));
  } catch {
    /* storage full or denied: the server save still runs */
  }
}

// forgetBackup drops a browser copy that lost to a newer server draft.
export function forgetBackup(key) {
  clearBackup(BACKUP_PREFIX + key);
}

function clearBackup(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    /* nothing to clear */
  }
}

// agoText says how long ago a moment was, in words a person reads at a glance.
export function agoText(ms, now = Date.now()) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hours = Math.floor(m / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// saveIndicator is the status line beside a form: it follows a DraftSaver's states and keeps the
// "saved … ago" current. Only the status words are a live region; the ticking age beside them is
// not, so a screen reader hears "Draft saved" once rather than every second.
export function saveIndicator() {
  const status = h('span', { class: 'save-status', role: 'status' });
  const age = h('span', { class: 'save-age' });
  const el = h('p', { class: 'save-state', id: 'save-state' }, status, ' ', age);
  let state = { status: 'idle', savedAt: null, error: null };
  const set = (node, t) => {
    if (node.textContent !== t) node.textContent = t;
  };
  const render = () => {
    el.dataset.status = state.status;
    let words;
    let showAge = false;
    switch (state.status) {
      case 'pending':
        words = 'Unsaved changes…';
        break;
      case 'saving':
        words = 'Saving…';
        break;
      case 'error':
        words = state.error?.status && state.error.status < 500 ? `Not saved: ${state.error.message}` : 'Not saved yet: the server cannot be reached. Kept in this browser; retrying.';
        break;
      default:
        words = state.savedAt ? 'Draft saved' : 'Nothing written yet';
        showAge = !!state.savedAt;
    }
    set(status, words);
    set(age, showAge ? agoText(state.savedAt) : '');
  };
  const ticker = setInterval(() => {
    if (el.isConnected) render();
  }, 1000);
  return {
    el,
    update(next) {
      state = next;
      render();
    },
    stop() {
      clearInterval(ticker);
    },
  };
}

// requestId names one submit attempt; the same id sent twice takes effect once on the server.
export function requestId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'fb-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
