// The REST client. Every call goes through request(), which adds the access token, retries once
// after a refresh on 401, and turns the server's {code, message} error body into an ApiError.

import { clearSession, getAccessToken, normalizeAuth, refresh, setSession, storedRefreshToken } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    // The path of the field at fault, for a form the server refused (e.g. "qualities[2].evidence").
    if (field) this.field = field;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: any, auth?: boolean, signal?: AbortSignal, query?: Record<string, any> }} [options]
 */
export async function request(method, path, { body, auth = true, signal, query } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const send = async (token) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'The server could not be reached.');
    }
  };
  let token = auth ? await getAccessToken().catch(() => null) : null;
  let res = await send(token);
  if (res.status === 401 && auth && token) {
    try {
      await refresh();
      token = await getAccessToken();
      res = await send(token);
    } catch {
      /* fall through to the 401 below */
    }
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!res.ok) {
    const code = data?.code || `http_${res.status}`;
    let message = data?.message || `Request failed with status ${res.status}.`;
    if (res.status === 404 && code === 'route_not_found') message = 'This feature is not available on this server yet.';
    throw new ApiError(res.status, code, message, data?.field);
  }
  return data;
}

export const api = {
  async signup({ email, password, name }) {
    const data = await request('POST', '/api/v1/auth/signup', { body: { email, password, name }, auth: false });
    setSession(normalizeAuth(data));
    return data;
  },
  async login({ email, password }) {
    const data = await request('POST', '/api/v1/auth/login', { body: { email, password }, auth: false });
    setSession(normalizeAuth(data));
    return data;
  },
  async logout() {
    const refreshToken = storedRefreshToken();
    try {
      if (refreshToken) await request('POST', '/api/v1/auth/logout', { body: { refresh_token: refreshToken }, auth: false });
    } finally {
      clearSession();
    }
  },
  async claim({ email, password }) {
    const data = await request('POST', '/api/v1/auth/claim', { body: { email, password } });
    const auth = normalizeAuth(data);
    if (auth) setSession(auth);
    return data;
  },
  me: () => request('GET', '/api/v1/me'),
  tracks: () => request('GET', '/api/v1/tracks'),
  track: (track) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}`),
  questions: (track, query, signal) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/questions`, { query, signal }),
  question: (track, id) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/questions/${encodeURIComponent(id)}`),
  plans: (track) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/plans`),
  plan: (track, id) => request('GET', `/api/v1/tracks/${encodeURIComponent(track)}/plans/${encodeURIComponent(id)}`),
  // A refusal names the field at fault (ApiError.field), e.g. "coding.examples[1].output".
  addQuestion: (track, body) => request('POST', `/api/v1/tracks/${encodeURIComponent(track)}/questions`, { body }),
  addPlan: (track, body) => request('POST', `/api/v1/tracks/${encodeURIComponent(track)}/plans`, { body }),
  createRoom: (body) => request('POST', '/api/v1/rooms', { body }),
  room: (id) => request('GET', `/api/v1/rooms/${encodeURIComponent(id)}`),
  createInvite: (id) => request('POST', `/api/v1/rooms/${encodeURIComponent(id)}/invites`),
  // What an invite is for (room, interviewer, time, role), asked before accepting it.
  previewInvite: (token) => request('POST', '/api/v1/invites/preview', { body: { invite: token }, auth: false }),
  async acceptInvite({ token, name }) {
    const signedIn = !!storedRefreshToken();
    const body = { invite: token };
    if (!signedIn) body.display_name = name;
    const data = await request('POST', '/api/v1/invites/accept', { body, auth: signedIn });
    // A guest join answers with the new identity's tokens under "session".
    const auth = data?.session ? normalizeAuth(data.session) : null;
    if (auth) setSession(auth);
    return data;
  },
  myRooms: () => request('GET', '/api/v1/me/rooms'),
  reveal: (id) => request('POST', `/api/v1/rooms/${encodeURIComponent(id)}/reveal`),
  ticket: (id) => request('POST', `/api/v1/rooms/${encodeURIComponent(id)}/ticket`, { body: {} }),
  matchJoin: (body) => request('POST', '/api/v1/match/queue', { body }),
  matchWait: (signal, query) => request('GET', '/api/v1/match/wait', { signal, query }),
  matchConfirm: (id) => request('POST', `/api/v1/match/${encodeURIComponent(id)}/confirm`, { body: {} }),
  matchLeave: () => request('DELETE', '/api/v1/match/queue'),
  matchStatus: () => request('GET', '/api/v1/match/status'),
};
