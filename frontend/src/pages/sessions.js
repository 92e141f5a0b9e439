// My sessions: every finished session the reader took part in, filterable by role and kind.

import { h, errorBox, humanize, replace, toast, describeError } from '../dom.js';
import { reviewApi, download } from '../review/review-data.js';
import { api } from '../api.js';
import { currentUser } from '../session.js';
import { navigate } from '../router.js';
import { loadTitles, recommendationLabel, trackTitle } from '../rubric-titles.js';

function when(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function minutes(ms) {
  const m = Math.round((ms || 0) / 60000);
  return m < 1 ? 'under a minute' : `${m} min`;
}

// dangerZone deletes the account for good: a full account confirms with its password, a guest
// types the confirmation phrase. Afterwards the person is logged out.
function dangerZone() {
  const guest = Boolean(currentUser()?.guest);
  const phrase = 'delete my account';
  const input = h('input', guest ? { id: 'delete-confirm', name: 'confirm', type: 'text', autocomplete: 'off', required: true } : { id: 'delete-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const label = h('label', { for: input.id }, guest ? `Type “${phrase}” to confirm` : 'Your password');
  const error = h('p', { class: 'error', role: 'alert', id: 'delete-error' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', id: 'delete-account' }, 'Delete my account');
  const form = h(
    'form',
    {
      class: 'danger-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        try {
          await reviewApi.deleteMe(guest ? { confirm: input.value } : { password: input.value });
          await api.logout().catch(() => {});
          navigate('/');
        } catch (err) {
          submit.disabled = false;
          error.textContent = describeError(err);
          input.focus();
        }
      },
    },
    h('p', null, 'Deleting your account removes it for good. This cannot be undone.'),
    label,
    input,
    submit,
    error,
  );
  return h('section', { class: 'card danger-zone', 'aria-labelledby': 'danger-title' }, h('h2', { id: 'danger-title' }, 'Danger zone'), form);
}

export function renderSessions(el, { query }) {
  const role = h(
    'select',
    { id: 'filter-role', name: 'role' },
    h('option', { value: '' }, 'Given and taken'),
    h('option', { value: 'candidate' }, 'Taken (I was the candidate)'),
    h('option', { value: 'interviewer' }, 'Given (I interviewed)'),
    h('option', { value: 'observer' }, 'Observed'),
  );
  const kind = h('select', { id: 'filter-kind', name: 'kind' }, h('option', { value: '' }, 'Mentor and peer'), h('option', { value: 'mentor' }, 'Mentor-led'), h('option', { value: 'peer' }, 'Peer practice'));
  role.value = query.get('role') || '';
  kind.value = query.get('kind') || '';
  const list = h('div', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your sessions…'));
  el.append(
    h(
      'section',
      { class: 'page' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'My sessions'),
        h(
          'div',
          { class: 'actions' },
          h('a', { href: '/progress', class: 'btn btn-secondary' }, 'My progress'),
          h('button', { type: 'button', class: 'btn btn-ghost', id: 'export-all', onclick: () => download('/api/v1/me/export', 'mockroom-my-data.json').catch((err) => toast(describeError(err), 'error')) }, 'Download all my data'),
        ),
      ),
      h('div', { class: 'filters' }, h('label', { for: 'filter-role' }, 'Role'), role, h('label', { for: 'filter-kind' }, 'Kind'), kind),
      list,
      dangerZone(),
    ),
  );
  const item = (s) =>
    h(
      'li',
      { class: 'card session-item', dataset: { room: s.room_id } },
      h(
        'div',
        null,
        h('a', { href: `/sessions/${encodeURIComponent(s.room_id)}`, class: 'room-title' }, s.title || `Session ${s.room_id}`),
        h('div', { class: 'muted' }, [when(s.started_at), trackTitle(s.track), humanize(s.kind), `you: ${s.roles.join(' and ')}`, minutes(s.duration_ms), `${s.questions} questions planned`].join(' · ')),
      ),
      h(
        'div',
        { class: 'session-headline' },
        s.headline
          ? [
              s.headline.scores ? h('span', { class: 'score', title: `Mean of ${s.headline.scores} scores released to you` }, `${s.headline.average.toFixed(1)} / 4`) : null,
              s.headline.recommendation ? h('span', { class: 'badge' }, recommendationLabel(s.headline.recommendation)) : null,
            ]
          : h('span', { class: 'muted' }, 'No feedback released to you'),
      ),
    );
  let seq = 0;
  const load = () => {
    const mine = ++seq;
    const q = { role: role.value, kind: kind.value };
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(q)) v ? url.searchParams.set(k, v) : url.searchParams.delete(k);
    history.replaceState(null, '', url.pathname + url.search);
    list.setAttribute('aria-busy', 'true');
    reviewApi
      .sessions(q)
      .then(async (data) => {
        const sessions = data?.sessions || [];
        // Titles of each track's sessions (a failure leaves the ids in words).
        await Promise.all([...new Set(sessions.map((s) => s.track).filter(Boolean))].map(loadTitles));
        if (mine !== seq) return;
        if (!sessions.length) {
          replace(list, h('div', { class: 'card empty' }, h('p', null, 'No finished sessions match.'), h('p', null, h('a', { href: '/match' }, 'Practise with a peer'), ' or ', h('a', { href: '/rooms/new' }, 'create a mentor room'), '.')));
          return;
        }
        replace(list, h('ul', { class: 'room-list' }, sessions.map(item)));
      })
      .catch((err) => mine === seq && replace(list, errorBox(err)))
      .finally(() => mine === seq && list.setAttribute('aria-busy', 'false'));
  };
  role.addEventListener('change', load);
  kind.addEventListener('change', load);
  load();
}
