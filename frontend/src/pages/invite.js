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

// whenText says when the session is planned, in the reader's own time zone, which it names.
// (dateStyle and timeStyle cannot be combined with timeZoneName, hence the separate fields.)
/** @type {Intl.DateTimeFormatOptions} */
const WHEN_FORMAT = { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
function whenText(iso) {
  if (!iso) return 'No time set: join when your interviewer tells you to.';
  const at = new Date(iso);
  return new Intl.DateTimeFormat(undefined, WHEN_FORMAT).format(at);
}

function planText(plan) {
  if (!plan) return '';
  const parts = [];
  if (plan.title) parts.push(plan.title);
  parts.push(`${plan.question_count} question${plan.question_count === 1 ? '' : 's'}`);
  if (plan.minutes) parts.push(`about ${plan.minutes} min`);
  return parts.join(' · ');
}

// aboutInvite lists what the invite is for: the room, who interviews, when, the plan and the role.
function aboutInvite(p) {
  const row = (label, value, id) => [h('dt', null, label), h('dd', { id }, value)];
  return h(
    'dl',
    { class: 'card invite-about', id: 'invite-about' },
    row('Room', p.room_title || 'Mock interview', 'invite-room'),
    row('Interviewer', p.interviewer || 'Not named', 'invite-interviewer'),
    row('When', whenText(p.scheduled_at), 'invite-when'),
    row('Plan', planText(p.plan), 'invite-plan'),
    row('You join as', p.role === 'observer' ? 'An observer: you watch the session and take no part in it' : 'The candidate', 'invite-role'),
  );
}

// A refusal of the invite itself (forged, expired, used, a taken seat, an ended room) means
// accepting would fail too, so the page says why and offers no form.
const DEAD_INVITE = new Set([400, 401, 404, 409]);

export function renderInvite(el, { params, query }) {
  const token = inviteToken(params, query);
  const page = h('section', { class: 'page narrow' });
  el.append(page);
  if (!token) {
    page.append(h('h1', null, 'Join a room'), h('p', { class: 'alert alert-error', role: 'alert' }, 'This invite link is incomplete. Ask the person who invited you to send it again.'));
    return;
  }
  const heading = h('h1', null, 'You are invited to a mock interview');
  const checking = h('p', { class: 'muted', role: 'status' }, 'Checking your invite…');
  page.append(heading, checking);
  api
    .previewInvite(token)
    .then((preview) => {
      checking.remove();
      page.append(h('p', { class: 'lead' }, `${preview.interviewer || 'Your interviewer'} invites you to ${preview.role === 'observer' ? 'watch' : 'a mock interview'}. Questions appear when the interview starts.`), aboutInvite(preview));
      if (preview.state === 'live') page.append(h('p', { class: 'alert alert-info', role: 'status' }, 'The interview has already started: join now.'));
      page.append(joinForm(token));
    })
    .catch((err) => {
      checking.remove();
      if (DEAD_INVITE.has(err.status)) {
        heading.textContent = 'This invite cannot be used';
        page.append(errorBox(err), h('p', null, 'Ask the person who invited you for a new link.'));
        return;
      }
      // The server could not say (it is down or unreachable): joining may still work.
      page.append(errorBox(err), joinForm(token));
    });
}

function joinForm(token) {
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
  if (!signedIn) queueMicrotask(() => name.focus());
  return form;
}
