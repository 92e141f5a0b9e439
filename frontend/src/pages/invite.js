import { h, field, errorBox } from '../dom.js';
import { api } from '../api.js';
import { currentUser, isSignedIn } from '../session.js';
import { navigate } from '../router.js';

// inviteToken finds the invite in the fragment (/join#invite=…, what the server hands out: a
// fragment never reaches a server, so the invite stays out of access logs), or in /invite/<token>,
// ?invite=, ?token=.
function inviteToken(params, query) {
  if (params.token) return params.token;
  const fromQuery = query.get('token') || query.get('t') || query.get('invite');
  if (fromQuery) return fromQuery;
  const frag = new URLSearchParams(location.hash.slice(1));
  return frag.get('invite') || frag.get('token') || frag.get('t') || '';
}

export function renderInvite(el, { params, query }) {
  const token = inviteToken(params, query);
  const page = h('section', { class: 'page narrow' });
  el.append(page);
  if (!token) {
    page.append(h('h1', null, 'Join a room'), h('p', { class: 'alert alert-error', role: 'alert' }, 'This invite link is incomplete. Ask the person who invited you to send it again.'));
    return;
  }
  const signedIn = isSignedIn();
  const user = currentUser();
  const name = h('input', { type: 'text', name: 'display_name', autocomplete: 'name', required: true, maxlength: 80, placeholder: 'How the interviewer will see you' });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, signedIn ? `Join as ${user?.name || 'me'}` : 'Join as a guest');
  const form = h(
    'form',
    {
      class: 'card form',
      onsubmit: async (e) => {
        e.preventDefault();
        status.replaceChildren();
        submit.disabled = true;
        try {
          const data = await api.acceptInvite({ token, name: name.value.trim() });
          const roomId = data.room_id || data.room?.id || data.id;
          if (!roomId) throw new Error('The server accepted the invite but did not say which room to open.');
          navigate(`/rooms/${encodeURIComponent(roomId)}`, { replace: true });
        } catch (err) {
          status.append(errorBox(err));
          submit.disabled = false;
        }
      },
    },
    signedIn ? h('p', null, 'You are signed in', user?.guest ? ' as a guest' : '', '. You will join with this identity.') : field('Your name', name, 'No account needed. You can keep your guest identity afterwards by adding an email and password.'),
    status,
    submit,
    signedIn ? null : h('p', { class: 'muted center' }, 'Have an account? ', h('a', { href: `/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}` }, 'Log in first')),
  );
  page.append(h('h1', null, 'You are invited to a mock interview'), h('p', { class: 'lead' }, 'Join the room to meet your interviewer. Questions appear when the interview starts.'), form);
  if (!signedIn) name.focus();
}
