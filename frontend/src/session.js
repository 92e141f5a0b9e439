// Who is signed in, and the tokens that prove it.
//
// Where the tokens live, and why:
// - The ACCESS token (short-lived, ≤ 1 h) stays in memory only. Nothing on disk can be replayed
//   against the API after the tab closes, and a reload simply refreshes it.
// - The REFRESH token goes to localStorage, not sessionStorage. A candidate who closes the tab in
//   the middle of an interview must be able to come back as the same person (guests included: a
//   guest identity exists only through its tokens), and every tab of the app should share one
//   sign-in. sessionStorage would give no real protection in exchange: script running in the page
//   (XSS) can read either storage. The defences are elsewhere: the app never inserts server text as
//   HTML (dom.js builds text nodes), the refresh token is useless once the user logs out (the server
//   revokes the session), and long-lived tokens never appear in URLs (the live socket uses a
//   single-use ticket, or a single-use resume credential that lives minutes).
// - Tabs share the refresh token, and the server may rotate it on every use, so a refresh runs
//   under a Web Lock (navigator.locks) and re-reads the stored token inside the lock: the second tab
//   then uses the token the first tab just received instead of a spent one.
// - The access token is refreshed a minute before it expires (or at 80% of a short lifetime), so a
//   long interview never meets a 401 mid-way; a 401 still triggers one refresh and one retry.

const REFRESH_KEY = 'mockroom.refresh';
const USER_KEY = 'mockroom.user';

let accessToken = null;
let accessExpiresAt = 0; // ms since epoch
let user = loadUser();
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();
const tokenListeners = new Set();

function loadUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

export function currentUser() {
  return user;
}

export function isSignedIn() {
  return !!user && !!localStorage.getItem(REFRESH_KEY);
}

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// onAccessToken calls fn with every new access token, so a live socket can hand it to the server
// (auth.refresh) before the old one lapses.
export function onAccessToken(fn) {
  tokenListeners.add(fn);
  return () => tokenListeners.delete(fn);
}

function emit() {
  for (const fn of listeners) fn(user);
}

// Another tab signing in or out changes what this tab should show.
window.addEventListener('storage', (e) => {
  if (e.key === USER_KEY || e.key === REFRESH_KEY) {
    user = loadUser();
    if (!localStorage.getItem(REFRESH_KEY)) {
      accessToken = null;
      user = null;
    }
    emit();
  }
});

// decodeJwtPayload reads the claims of a JWT without verifying it: the client only needs the
// expiry and the display fields; the server verifies every token it receives.
export function decodeJwtPayload(token) {
  try {
    const part = token.split('.')[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

// normalizeAuth accepts the token response of signup, login, refresh and guest joins, whether the
// tokens are at the top level or under "tokens".
export function normalizeAuth(body) {
  if (!body) return null;
  const t = body.tokens || body.token_pair || body;
  const access = t.access_token || t.accessToken;
  if (!access) return null;
  const claims = decodeJwtPayload(access) || {};
  let expiresAt = 0;
  if (t.access_expires_at || t.expires_at) expiresAt = Date.parse(t.access_expires_at || t.expires_at);
  else if (t.expires_in) expiresAt = Date.now() + Number(t.expires_in) * 1000;
  else if (claims.exp) expiresAt = claims.exp * 1000;
  const u = body.user || {};
  return {
    access,
    refresh: t.refresh_token || t.refreshToken || null,
    expiresAt: expiresAt || Date.now() + 10 * 60 * 1000,
    user: {
      id: u.id || u.user_id || claims.sub,
      name: u.name || u.display_name || claims.name || '',
      email: u.email || '',
      guest: u.guest ?? claims.guest ?? false,
    },
  };
}

// setSession stores a fresh token pair (after signup, login, guest join or refresh).
export function setSession(auth) {
  if (!auth) return;
  accessToken = auth.access;
  accessExpiresAt = auth.expiresAt;
  if (auth.refresh) localStorage.setItem(REFRESH_KEY, auth.refresh);
  const keep = user && user.id === auth.user.id ? user : {};
  user = { ...keep, ...Object.fromEntries(Object.entries(auth.user).filter(([, v]) => v !== undefined && v !== '')) };
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  scheduleRefresh();
  for (const fn of tokenListeners) fn(accessToken, accessExpiresAt);
  emit();
}

export function updateUser(fields) {
  if (!user) return;
  user = { ...user, ...fields };
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  emit();
}

export function clearSession() {
  accessToken = null;
  accessExpiresAt = 0;
  user = null;
  clearTimeout(refreshTimer);
  localStorage.removeItem(REFRESH_KEY);
  localStorage.removeItem(USER_KEY);
  emit();
}

export function storedRefreshToken() {
  return localStorage.getItem(REFRESH_KEY);
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const lifetime = accessExpiresAt - Date.now();
  if (lifetime <= 0) return;
  const lead = Math.min(60_000, lifetime * 0.2);
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {});
  }, Math.max(1000, lifetime - lead));
}

// accessTokenValue returns a valid access token, refreshing first when there is none or it is
// about to expire. It returns null when nobody is signed in.
export async function getAccessToken() {
  if (accessToken && accessExpiresAt - Date.now() > 15_000) return accessToken;
  if (!storedRefreshToken()) return null;
  await refresh();
  return accessToken;
}

// refresh trades the refresh token for a new pair. Concurrent calls in one tab share one request;
// across tabs a Web Lock serialises them.
export function refresh() {
  if (!refreshing) {
    refreshing = withLock(doRefresh).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function withLock(fn) {
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request('mockroom-refresh', fn);
  }
  return fn();
}

async function doRefresh() {
  const token = storedRefreshToken();
  if (!token) {
    clearSession();
    throw Object.assign(new Error('You are signed out.'), { status: 401, code: 'signed_out' });
  }
  let res;
  try {
    res = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    });
  } catch {
    // Offline: keep the session; the next call retries.
    throw Object.assign(new Error('The server could not be reached.'), { status: 0 });
  }
  if (res.status === 401 || res.status === 403 || res.status === 400) {
    // The session was revoked or expired, unless another tab rotated the token meanwhile.
    if (storedRefreshToken() === token) clearSession();
    throw Object.assign(new Error('Your session has ended; please sign in again.'), { status: 401, code: 'session_ended' });
  }
  if (!res.ok) throw Object.assign(new Error(`Refreshing the session failed (${res.status}).`), { status: res.status });
  setSession(normalizeAuth(await res.json()));
}
