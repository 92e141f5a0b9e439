// The review endpoints, and downloads that carry the access token.

import { request, ApiError } from '../api.js';
import { getAccessToken } from '../session.js';

const session = (id) => `/api/v1/sessions/${encodeURIComponent(id)}`;

export const reviewApi = {
  sessions: (query) => request('GET', '/api/v1/me/sessions', { query }),
  record: (id) => request('GET', session(id)),
  exportPath: (id, format) => `${session(id)}/export.${format}`,
  shareNotes: (id) => request('POST', `${session(id)}/notes/share`),
  deleteMe: (body) => request('POST', '/api/v1/me/delete', { body }),
};

// download fetches path with the caller's token and hands the body to the browser as a file.
export async function download(path, filename) {
  const token = await getAccessToken().catch(() => null);
  let res;
  try {
    res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.code || `http_${res.status}`, body.message || `Download failed with status ${res.status}.`);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
