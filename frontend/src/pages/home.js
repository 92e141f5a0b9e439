import { h } from '../dom.js';
import { currentUser, isSignedIn } from '../session.js';

export function renderHome(el) {
  const signedIn = isSignedIn();
  const user = currentUser();
  const card = (title, text, href, action) => h('article', { class: 'card feature' }, h('h2', null, title), h('p', null, text), h('a', { href, class: 'btn btn-secondary' }, action));
  el.append(
    h(
      'section',
      { class: 'page' },
      h(
        'div',
        { class: 'hero' },
        h('h1', null, signedIn ? `Welcome back${user?.name ? `, ${user.name}` : ''}` : 'Practise the interview before it counts'),
        h(
          'p',
          { class: 'lead' },
          'Timed questions from a Python developer question bank, a shared editor, chat, and structured feedback against what a strong candidate looks like.',
        ),
        signedIn
          ? null
          : h('div', { class: 'actions' }, h('a', { href: '/signup', class: 'btn btn-primary btn-lg' }, 'Create a free account'), h('a', { href: '/bank', class: 'btn btn-ghost btn-lg' }, 'Browse the questions')),
      ),
      h(
        'div',
        { class: 'grid-3' },
        card('Lead a session', 'Pick a plan, invite a candidate by link, run the questions with server-side timers and keep private notes.', signedIn ? '/rooms/new' : '/signup?next=/rooms/new', 'Create a room'),
        card('Practise with a peer', 'Join the queue for your level, get matched, and interview each other in two halves.', signedIn ? '/match' : '/signup?next=/match', 'Find a peer'),
        card('Review your sessions', 'Every room keeps its timeline, code and chat, so you can see how you did and what to work on.', signedIn ? '/rooms' : '/login?next=/rooms', 'My rooms'),
      ),
    ),
  );
}
