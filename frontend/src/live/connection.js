// LiveConnection keeps one room's WebSocket alive and exactly-once, as api/protocol.md describes:
// socket (?auth=join) → join carrying the access token (with the last position) → snapshot or
// resumed → events; on any drop it reconnects with the newest resume credential the server
// handed the socket, or with the access token again when it has none or it is refused, with
// back-off, and resumes from the last event it processed, then re-sends the commands that were
// never acknowledged with their original seq (the server applies each at most once). No ticket
// is asked for: the token travels inside the socket, never in its URL.

import { getAccessToken, onAccessToken, refresh } from '../session.js';

// Close codes after which reconnecting cannot help.
const FINAL_CLOSES = new Map([
  [1000, 'The room was closed.'],
  [1007, 'The app sent a malformed message (not UTF-8).'],
  [1008, 'The app sent a message the server does not accept.'],
  [1009, 'The app sent a message that was too large.'],
  [4003, 'You are not a participant of this room.'],
  [4004, 'This room does not exist or has expired.'],
  [4010, 'This room is closed.'],
  [4029, 'This room is open in too many tabs or windows. Close one, then reload this page.'],
  [4400, 'The app broke the live protocol; reload the page.'],
]);

const PING_EVERY_MS = 15_000;
const PONG_TIMEOUT_MS = 10_000;
const CLOCK_WINDOW = 32;

function randomId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class CommandError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class LiveConnection {
  // handlers: snapshot(frame), resumed(frame), event(frame), presence(frame), status(state, info)
  // where state is 'connecting' | 'live' | 'reconnecting' | 'closed'.
  constructor(roomId, handlers) {
    this.roomId = roomId;
    this.handlers = handlers;
    this.clientId = randomId();
    this.seq = 0;
    this.position = null; // last processed {epoch, offset, event_id}
    // The newest resume credential {value, expires_at} (protocol section 1 step 4): single use,
    // so it is dropped as soon as a socket is opened with it.
    this.credential = null;
    // The server refused the access token (4001): refresh it before the next attempt.
    this.staleToken = false;
    this.pending = new Map(); // seq → {frame, resolve, reject}
    this.ws = null;
    this.joined = false;
    this.stopped = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.clockSamples = [];
    this.clockOffset = 0;
    this.unsubscribeToken = onAccessToken((token) => {
      if (this.joined) this.send('auth.refresh', { access_token: token }).catch(() => {});
    });
    this.onOnline = () => {
      if (!this.ws && !this.stopped) this.reconnectNow();
    };
    // The browser saying the network is gone is a better signal than waiting for a ping to go
    // unanswered: drop the socket now, show that we are reconnecting, and resume when back.
    this.onOffline = () => {
      if (this.ws && !this.stopped) this.dropSocket();
    };
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  // now returns the server's current time in ms, estimated from the frames received.
  now() {
    return Date.now() + this.clockOffset;
  }

  start() {
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.unsubscribeToken();
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    this.stopPing();
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000, 'left the room');
      this.ws = null;
    }
    for (const p of this.pending.values()) p.reject(new CommandError('closed', 'The connection was closed.'));
    this.pending.clear();
  }

  setStatus(state, info) {
    this.handlers.status?.(state, info);
  }

  // takeCredential returns the held resume credential if it is still good for a few seconds
  // (by the server's clock), and forgets it either way: it can be presented only once.
  takeCredential() {
    const c = this.credential;
    this.credential = null;
    if (!c?.value) return null;
    const expires = Date.parse(c.expires_at);
    return Number.isNaN(expires) || expires - this.now() < 5_000 ? null : c.value;
  }

  async connect() {
    if (this.stopped) return;
    this.setStatus(this.attempt === 0 && !this.position ? 'connecting' : 'reconnecting');
    // While the browser says it is offline, an attempt can only fail (and would spend the
    // credential); the 'online' event reconnects.
    if (navigator.onLine === false) return;
    const credential = this.takeCredential();
    if (credential) {
      this.open(`resume=${encodeURIComponent(credential)}`, true);
      return;
    }
    let token;
    try {
      if (this.staleToken) await refresh();
      token = await getAccessToken();
    } catch (err) {
      if (err.status === 401) {
        this.fail('Your session has ended; please log in again.', 'signed_out');
        return;
      }
      this.scheduleRetry();
      return;
    }
    if (this.stopped) return;
    if (!token) {
      this.fail('Your session has ended; please log in again.', 'signed_out');
      return;
    }
    this.staleToken = false;
    this.open('auth=join', false, token);
  }

  // open opens the socket with query (a resume credential, or auth=join with token carried in
  // the join). A browser does not say why a handshake was refused; a socket opened with a
  // credential that closes before it opened is taken as refused (expired, spent, session ended),
  // and the access token is used at once.
  open(query, withCredential, token) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/rooms/${encodeURIComponent(this.roomId)}/ws?${query}`);
    this.ws = ws;
    this.joined = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const join = { type: 'join', seq: ++this.seq, client_id: this.clientId, resume: this.position };
      if (token) join.access_token = token;
      ws.send(JSON.stringify(join));
    };
    ws.onmessage = (msg) => this.onFrame(msg.data);
    ws.onclose = (e) => {
      if (withCredential && !opened && !this.stopped) {
        this.ws = null;
        this.connect();
        return;
      }
      this.onClose(e);
    };
    ws.onerror = () => {
      /* onclose follows and decides what to do */
    };
  }

  fail(message, code) {
    this.stopped = true;
    this.stopPing();
    for (const p of this.pending.values()) p.reject(new CommandError(code || 'closed', message));
    this.pending.clear();
    this.setStatus('closed', { message, code });
  }

  onClose(e) {
    this.ws = null;
    this.joined = false;
    this.stopPing();
    if (this.stopped) return;
    const final = FINAL_CLOSES.get(e.code);
    if (final) {
      this.fail(final, `close_${e.code}`);
      return;
    }
    if (e.code === 4000) {
      // The node is shutting down: go elsewhere at once.
      this.attempt = 0;
      this.connect();
      return;
    }
    // 4001 (auth lapsed, or the token in the join refused): a credential descends from the
    // lapsed token or session, so go by a refreshed access token; a session that ended fails
    // the refresh, and the page says so.
    if (e.code === 4001) {
      this.credential = null;
      this.staleToken = true;
    }
    this.scheduleRetry(e.code === 4009 ? 5000 : 0);
  }

  scheduleRetry(minDelay = 0) {
    if (this.stopped) return;
    this.setStatus('reconnecting');
    const base = Math.min(10_000, 500 * 2 ** this.attempt);
    const delay = Math.max(minDelay, base / 2 + Math.random() * (base / 2));
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  observeClock(serverTime) {
    const t = Date.parse(serverTime);
    if (Number.isNaN(t)) return;
    // server_time − receive time = true offset − delivery delay, so the largest recent sample is
    // the best estimate; a window lets it follow a local clock that was adjusted.
    this.clockSamples.push(t - Date.now());
    if (this.clockSamples.length > CLOCK_WINDOW) this.clockSamples.shift();
    this.clockOffset = Math.max(...this.clockSamples);
  }

  onFrame(raw) {
    let f;
    try {
      f = JSON.parse(raw);
    } catch {
      return;
    }
    if (f.server_time) this.observeClock(f.server_time);
    // snapshot and resumed (when joining) and credential frames carry a fresh resume credential.
    if (f.credential?.value) this.credential = f.credential;
    switch (f.type) {
      case 'snapshot':
        this.position = f.position || null;
        this.afterJoin();
        this.handlers.snapshot?.(f);
        this.resendPending(true);
        break;
      case 'resumed':
        this.afterJoin();
        this.handlers.resumed?.(f);
        this.resendPending(false);
        break;
      case 'event':
        this.position = { epoch: f.epoch, offset: f.offset, event_id: f.id };
        this.handlers.event?.(f);
        break;
      case 'presence':
        this.handlers.presence?.(f);
        break;
      case 'ack': {
        const p = this.pending.get(f.seq);
        if (p) {
          this.pending.delete(f.seq);
          p.resolve(f.result || {});
        }
        break;
      }
      case 'error': {
        const p = f.seq !== undefined ? this.pending.get(f.seq) : null;
        if (p) {
          this.pending.delete(f.seq);
          p.reject(new CommandError(f.code, f.message));
        } else {
          this.handlers.protocolError?.(f);
        }
        break;
      }
      case 'pong':
        clearTimeout(this.pongTimer);
        break;
      default:
        // Unknown frame types are ignored so the server can add new ones.
        break;
    }
  }

  afterJoin() {
    this.joined = true;
    this.attempt = 0;
    this.setStatus('live');
    this.startPing();
  }

  // resendPending re-sends every unacknowledged command with its original seq. After a fresh
  // snapshot, editor pushes are dropped instead: the editor rebuilds from the snapshot and pushes
  // its unconfirmed edits again at the snapshot's version.
  resendPending(afterSnapshot) {
    const seqs = [...this.pending.keys()].sort((a, b) => a - b);
    for (const s of seqs) {
      const p = this.pending.get(s);
      if (afterSnapshot && p.frame.type === 'editor.push') {
        this.pending.delete(s);
        p.reject(new CommandError('superseded', 'Rebuilt from a snapshot.'));
        continue;
      }
      this.ws.send(JSON.stringify(p.frame));
    }
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send(JSON.stringify({ type: 'ping', seq: ++this.seq }));
      clearTimeout(this.pongTimer);
      // A socket that stopped answering is half-open: drop it and resume on a new one.
      this.pongTimer = setTimeout(() => this.dropSocket(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  // dropSocket abandons a socket without waiting for a closing handshake a dead peer cannot do.
  dropSocket() {
    const ws = this.ws;
    if (!ws) return;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      /* already closing */
    }
    this.onClose({ code: 1006 });
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  get connected() {
    return this.joined && this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  // send issues a command and resolves with the ack's result (or rejects with a CommandError). A
  // command issued while disconnected waits in the pending map and goes out after the resume.
  send(type, fields = {}) {
    const frame = { type, seq: ++this.seq, ...fields };
    return new Promise((resolve, reject) => {
      this.pending.set(frame.seq, { frame, resolve, reject });
      if (this.connected) this.ws.send(JSON.stringify(frame));
    });
  }

  // sendPresence is fire-and-forget: presence is never acknowledged and never queued.
  sendPresence(fields) {
    if (this.connected) this.ws.send(JSON.stringify({ type: 'presence', ...fields }));
  }
}
