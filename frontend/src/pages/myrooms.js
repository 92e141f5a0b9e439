import { h, errorBox, humanize, replace } from '../dom.js';
import { api } from '../api.js';
import { listOf } from './bank.js';
import { currentUser } from '../session.js';

function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime()) || d.getTime() <= 0) return '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function renderMyRooms(el) {
  const list = h('div', { class: 'results', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your rooms…'));
  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'My rooms'), h('a', { href: '/rooms/new', class: 'btn btn-primary' }, 'New room')),
      list,
    ),
  );
  const item = (r) => {
    const id = r.id || r.room_id;
    const state = r.state || 'waiting';
    const mine = (r.participants || []).find((p) => p.user_id === currentUser()?.id);
    const role = r.role || mine?.role;
    return h(
      'li',
      { class: 'card room-item' },
      h('div', null, h('a', { href: `/rooms/${encodeURIComponent(id)}`, class: 'room-title' }, r.title || `Room ${id}`), h('div', { class: 'muted' }, [humanize(r.kind || 'mentor'), role ? `you: ${role}` : null, when(r.started_at || r.created_at)].filter(Boolean).join(' · '))),
      h(
        'div',
        { class: 'room-item-end' },
        (state === 'wrap_up' || state === 'closed') && role !== 'observer' ? h('a', { href: `/rooms/${encodeURIComponent(id)}/feedback`, class: 'btn btn-secondary btn-small feedback-link', 'aria-label': `Feedback for ${r.title || `room ${id}`}` }, 'Feedback') : null,
        h('span', { class: `state state-${state}` }, humanize(state === 'wrap_up' ? 'wrap-up' : state)),
      ),
    );
  };
  api
    .myRooms()
    .then((data) => {
      // The server groups rooms as {upcoming, live, past}; a flat list is shown as one group.
      const groups = Array.isArray(data) || data?.rooms ? [['Rooms', listOf(data, 'rooms')]] : [['Live now', data?.live || []], ['Upcoming', data?.upcoming || []], ['Past sessions', data?.past || []]];
      if (!groups.some(([, rooms]) => rooms.length)) {
        replace(list, h('div', { class: 'card empty' }, h('p', null, 'You have no rooms yet.'), h('p', null, h('a', { href: '/rooms/new' }, 'Create a mentor room'), ' or ', h('a', { href: '/match' }, 'practise with a peer'), '.')));
        return;
      }
      replace(
        list,
        groups.filter(([, rooms]) => rooms.length).map(([label, rooms]) => h('section', { class: 'room-group' }, h('h2', null, label), h('ul', { class: 'room-list' }, rooms.map(item)))),
      );
    })
    .catch((err) => replace(list, errorBox(err)))
    .finally(() => list.setAttribute('aria-busy', 'false'));
}
