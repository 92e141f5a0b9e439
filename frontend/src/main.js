import './styles.css';
import { h, replace } from './dom.js';
import { api } from './api.js';
import { currentUser, isSignedIn, onSessionChange, getAccessToken } from './session.js';
import { route, fallback, start, navigate } from './router.js';
import { renderHome } from './pages/home.js';
import { renderLogin, renderSignup } from './pages/auth.js';
import { renderBank } from './pages/bank.js';
import { renderNewRoom } from './pages/newroom.js';
import { renderInvite } from './pages/invite.js';
import { renderMyRooms } from './pages/myrooms.js';
import { renderMatch } from './pages/match.js';
import { renderFeedback } from './pages/feedback.js';
import { renderSessions } from './pages/sessions.js';
import { renderProgress } from './pages/progress.js';
import { renderNewQuestion } from './pages/question-new.js';
import { renderNewPlan } from './pages/plan-new.js';

function renderTopbar() {
  const bar = document.getElementById('topbar');
  const user = currentUser();
  const signedIn = isSignedIn();
  const link = (href, label) => h('a', { href, class: location.pathname === href ? 'active' : null, 'aria-current': location.pathname === href ? 'page' : null }, label);
  replace(
    bar,
    h('a', { href: '/', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'm'), 'mockroom'),
    h(
      'nav',
      { 'aria-label': 'Main' },
      link('/bank', 'Question bank'),
      signedIn && !user?.guest ? link('/rooms/new', 'New room') : null,
      signedIn && !user?.guest ? link('/match', 'Practise with a peer') : null,
      signedIn ? link('/rooms', 'My rooms') : null,
      signedIn ? link('/sessions', 'My sessions') : null,
    ),
    h(
      'div',
      { class: 'account' },
      signedIn
        ? [
            h('span', { class: 'who', title: user?.email || '' }, user?.name || user?.email || 'Signed in', user?.guest ? h('span', { class: 'badge' }, 'guest') : null),
            user?.guest ? h('a', { href: '/signup', class: 'btn btn-secondary', title: 'Add an email and password to keep your rooms and feedback' }, 'Keep my identity') : null,
            h(
              'button',
              {
                class: 'btn btn-ghost',
                type: 'button',
                onclick: async () => {
                  await api.logout().catch(() => {});
                  navigate('/');
                },
              },
              'Log out',
            ),
          ]
        : [h('a', { href: '/login', class: 'btn btn-ghost' }, 'Log in'), h('a', { href: '/signup', class: 'btn btn-primary' }, 'Sign up')],
    ),
  );
}

// requireSignIn wraps a page that needs an account; visitors are sent to log in and come back.
function requireSignIn(render, { allowGuest = true } = {}) {
  return (el, ctx) => {
    if (!isSignedIn() || (!allowGuest && currentUser()?.guest)) {
      const next = encodeURIComponent(location.pathname + location.search);
      navigate(`/login?next=${next}`, { replace: true });
      return undefined;
    }
    return render(el, ctx);
  };
}

route('/', renderHome);
route('/login', renderLogin);
route('/signup', renderSignup);
route('/bank', renderBank);
route('/bank/:track', renderBank);
// Guests may open these: the page tells them plainly that the server takes questions and plans
// from accounts only.
route('/questions/new', requireSignIn(renderNewQuestion));
route('/plans/new', requireSignIn(renderNewPlan));
route('/rooms', requireSignIn(renderMyRooms));
route('/rooms/new', requireSignIn(renderNewRoom, { allowGuest: false }));
// The live room carries CodeMirror; load it only when a room is opened.
route(
  '/rooms/:id',
  requireSignIn((el, ctx) => {
    let cleanup = null;
    let left = false;
    el.append(h('p', { class: 'page muted' }, 'Opening the room…'));
    import('./live/room.js')
      .then(({ renderRoom }) => {
        if (left) return;
        el.replaceChildren();
        cleanup = renderRoom(el, ctx);
      })
      .catch(() => replace(el, h('p', { class: 'page alert alert-error' }, 'The room could not be loaded. Check your connection and reload.')));
    return () => {
      left = true;
      cleanup?.();
    };
  }),
);
route('/rooms/:id/feedback', requireSignIn(renderFeedback));
route('/sessions', requireSignIn(renderSessions));
route('/progress', requireSignIn(renderProgress));
// The review page replays code with CodeMirror's change sets; load it only when opened.
route(
  '/sessions/:id',
  requireSignIn((el, ctx) => {
    let cleanup = null;
    let left = false;
    el.append(h('p', { class: 'page muted' }, 'Opening the session…'));
    import('./pages/review.js')
      .then(({ renderReview }) => {
        if (left) return;
        el.replaceChildren();
        cleanup = renderReview(el, ctx);
      })
      .catch(() => replace(el, h('p', { class: 'page alert alert-error' }, 'The session could not be loaded. Check your connection and reload.')));
    return () => {
      left = true;
      cleanup?.();
    };
  }),
);
route('/invite', renderInvite);
route('/invite/:token', renderInvite);
route('/join', renderInvite);
route('/join/:token', renderInvite);
route('/match', requireSignIn(renderMatch, { allowGuest: false }));
fallback((el) => {
  el.append(h('section', { class: 'page narrow' }, h('h1', null, 'Page not found'), h('p', null, 'There is nothing at this address. ', h('a', { href: '/' }, 'Go to the start page'), '.')));
});

onSessionChange(renderTopbar);
document.addEventListener('mockroom:route', renderTopbar);
renderTopbar();

// On load, turn the stored refresh token into an access token before the first page asks for it,
// so pages do not each race to refresh.
if (isSignedIn()) getAccessToken().catch(() => {});
start(document.getElementById('main'));
