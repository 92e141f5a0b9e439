import { h, field, errorBox } from '../dom.js';
import { api } from '../api.js';
import { currentUser, isSignedIn } from '../session.js';
import { navigate } from '../router.js';

// nextPath returns where to go after signing in: only same-site paths, never a full URL.
function nextPath(query) {
  const next = query.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/bank';
}

export function renderSignup(el, { query }) {
  const guest = isSignedIn() && currentUser()?.guest;
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 80, value: guest ? currentUser().name || '' : '' });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, guest ? 'Keep this identity' : 'Create account');
  const form = h(
    'form',
    {
      class: 'card form',
      novalidate: false,
      onsubmit: async (e) => {
        e.preventDefault();
        status.replaceChildren();
        submit.disabled = true;
        try {
          if (guest) await api.claim({ email: email.value.trim(), password: password.value });
          else await api.signup({ name: name.value.trim(), email: email.value.trim(), password: password.value });
          navigate(nextPath(query));
        } catch (err) {
          status.append(errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    guest ? null : field('Your name', name, 'Shown to the people you interview with.'),
    field('Email', email),
    field('Password', password, 'At least 10 characters.'),
    status,
    submit,
    h('p', { class: 'muted center' }, 'Already have an account? ', h('a', { href: `/login${location.search}` }, 'Log in')),
  );
  el.append(
    h(
      'section',
      { class: 'page narrow' },
      h('h1', null, guest ? 'Keep your guest identity' : 'Create your account'),
      guest ? h('p', { class: 'lead' }, 'Add an email and password to keep the rooms and feedback you have as a guest.') : h('p', { class: 'lead' }, 'Practise interviews with a mentor or a peer, and keep every session to review.'),
      form,
    ),
  );
  (guest ? email : name).focus();
}

export function renderLogin(el, { query }) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'card form',
      onsubmit: async (e) => {
        e.preventDefault();
        status.replaceChildren();
        submit.disabled = true;
        try {
          await api.login({ email: email.value.trim(), password: password.value });
          navigate(nextPath(query));
        } catch (err) {
          status.append(errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('Email', email),
    field('Password', password),
    status,
    submit,
    h('p', { class: 'muted center' }, 'New here? ', h('a', { href: `/signup${location.search}` }, 'Create an account')),
  );
  el.append(h('section', { class: 'page narrow' }, h('h1', null, 'Log in'), form));
  email.focus();
}
