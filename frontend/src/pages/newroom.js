import { h, field, errorBox, humanize, replace, copyText } from '../dom.js';
import { fieldErrors } from '../form-errors.js';
import { api } from '../api.js';
import { DEFAULT_TRACK, listOf } from './bank.js';

async function loadPlans(track) {
  try {
    const data = await api.plans(track);
    const plans = listOf(data, 'plans');
    if (plans.length) return plans;
  } catch {
    /* older servers list plans inside the track */
  }
  const t = await api.track(track);
  return listOf(t?.track || t, 'plans');
}

// A slot's budget is minutes, or seconds for short drills (never both).
function planSummary(plan) {
  const secs = (plan.slots || []).reduce((n, s) => n + (s.seconds || (s.minutes || 0) * 60), 0);
  const min = Math.floor(secs / 60);
  const sec = secs % 60;
  const total = sec === 0 ? `${min} min` : min === 0 ? `${sec} s` : `${min} min ${sec} s`;
  return `${plan.slots?.length || 0} questions · ${total}`;
}

// inviteLinks pulls the links out of a create-room or create-invite response, whatever its shape:
// {invites: [{role, url}]}, {invites: {candidate: "…"}}, {invite_url}, {url, role}.
export function inviteLinks(data) {
  const out = [];
  const add = (role, url, token) => {
    // A bare signed token (no scheme, no slash) becomes a link to this app's invite page.
    if (url && !/^https?:\/\//.test(url) && !url.startsWith('/')) [token, url] = [url, null];
    if (!url && token) url = `${location.origin}/invite/${encodeURIComponent(token)}`;
    if (url && url.startsWith('/')) url = location.origin + url;
    if (url) out.push({ role: role || 'candidate', url });
  };
  if (!data) return out;
  const inv = data.invites || data.room?.invites;
  const ROLES = ['candidate', 'observer', 'interviewer'];
  if (Array.isArray(inv)) for (const i of inv) add(i.role, i.url || i.link, i.token);
  else if (inv && (inv.candidate_url || inv.observer_url)) {
    // {candidate_url, observer_url, candidate_invite, observer_invite, expires_at}
    for (const role of ROLES) if (inv[`${role}_url`] || inv[`${role}_invite`]) add(role, inv[`${role}_url`], inv[`${role}_invite`]);
  } else if (inv && typeof inv === 'object') {
    for (const [role, v] of Object.entries(inv)) {
      if (!ROLES.includes(role) || !v) continue;
      add(role, typeof v === 'string' ? v : v.url || v.link, typeof v === 'object' ? v.token : undefined);
    }
  }
  if (!out.length && (data.url || data.link || data.token)) add(data.role, data.url || data.link, data.token);
  if (!out.length && data.invite_url) add('candidate', data.invite_url);
  if (!out.length && (data.candidate || data.observer || data.candidate_url)) return inviteLinks({ invites: data });
  return out;
}

export function inviteList(links) {
  return h(
    'ul',
    { class: 'invite-list' },
    links.map(({ role, url }) =>
      h(
        'li',
        { class: 'invite', dataset: { role } },
        h('span', { class: 'chip' }, humanize(role)),
        h('input', { type: 'text', readonly: true, value: url, 'aria-label': `${humanize(role)} invite link`, class: 'invite-url', onfocus: (e) => e.target.select() }),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => copyText(url) }, 'Copy'),
      ),
    ),
  );
}

export function renderNewRoom(el, { query } = { query: new URLSearchParams() }) {
  const track = DEFAULT_TRACK;
  const title = h('input', { type: 'text', name: 'title', maxlength: 120, placeholder: 'e.g. Mock interview with Sam', value: 'Mock interview' });
  const planBox = h('fieldset', { class: 'plans' }, h('legend', null, 'Plan'), h('p', { class: 'muted' }, 'Loading plans…'));
  const autoAdvance = h('input', { type: 'checkbox', name: 'auto_advance' });
  const release = h('select', { name: 'feedback_release' }, h('option', { value: 'on_submit' }, 'As soon as I submit it'), h('option', { value: 'held' }, 'When I choose to release it'));
  const allowance = h('select', { name: 'allowance' }, [
    ['1', 'Standard time'],
    ['1.25', '+25% time on every question'],
    ['1.5', '+50% time on every question'],
    ['2', 'Double time'],
  ].map(([v, l]) => h('option', { value: v }, l)));
  // Read in the interviewer's own time zone and sent as an absolute time; the invite page shows
  // it in the candidate's.
  const startsAt = h('input', { type: 'datetime-local', name: 'scheduled_at' });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create room');
  const result = h('div');

  loadPlans(track)
    .then((plans) => {
      // A plan just made (/rooms/new?plan=…) comes ready chosen.
      const wanted = plans.some((p) => p.id === query.get('plan')) ? query.get('plan') : null;
      if (!plans.length) {
        replace(planBox, h('legend', null, 'Plan'), h('p', { class: 'muted' }, 'This server has no built-in plans.'));
        return;
      }
      replace(
        planBox,
        h('legend', null, 'Plan'),
        h('p', { class: 'hint' }, 'None fits? ', h('a', { href: '/plans/new', id: 'make-plan' }, 'Make your own plan'), ' with the questions and times you want.'),
        plans.map((p, i) =>
          h(
            'label',
            { class: 'plan-option' },
            h('input', { type: 'radio', name: 'plan', value: p.id, checked: wanted ? p.id === wanted : i === 0 }),
            h('span', { class: 'plan-text' }, h('strong', null, p.title || p.id), h('small', { class: 'muted' }, planSummary(p)), p.summary ? h('small', null, p.summary) : null),
          ),
        ),
      );
    })
    .catch((err) => replace(planBox, h('legend', null, 'Plan'), errorBox(err)));

  const form = h(
    'form',
    {
      class: 'card form',
      onsubmit: async (e) => {
        e.preventDefault();
        status.replaceChildren();
        errors.clear();
        const plan = planBox.querySelector('input[name=plan]:checked')?.value;
        if (!plan) {
          status.append(errorBox(new Error('Choose a plan first.')));
          return;
        }
        submit.disabled = true;
        try {
          const factor = Number(allowance.value);
          const body = {
            track,
            plan_id: plan,
            title: title.value.trim() || 'Mock interview',
            settings: { auto_advance: autoAdvance.checked, feedback_release: release.value, ...(factor !== 1 ? { candidate_allowance: factor } : {}) },
          };
          if (startsAt.value) body.scheduled_at = new Date(startsAt.value).toISOString();
          const data = await api.createRoom(body);
          const room = data.room || data;
          let links = inviteLinks(data);
          if (!links.length) links = inviteLinks(await api.createInvite(room.id));
          links = links.sort((a, b) => (a.role === 'candidate' ? -1 : b.role === 'candidate' ? 1 : 0));
          form.hidden = true;
          replace(
            result,
            h(
              'div',
              { class: 'card created' },
              h('h2', null, 'Your room is ready'),
              h('p', null, 'Send the candidate link to the person you will interview. Each link lets one person join in that role.'),
              inviteList(links),
              h('div', { class: 'actions' }, h('a', { href: `/rooms/${encodeURIComponent(room.id)}`, class: 'btn btn-primary', id: 'enter-room' }, 'Enter the room')),
            ),
          );
        } catch (err) {
          // A refusal that names its field (a start time in the past, say) is shown beside it.
          const unplaced = err.field ? errors.show([{ field: err.field, message: err.message }]) : [err];
          if (unplaced.length) status.append(errorBox(err));
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('Title', title),
    field('Starts at (optional)', startsAt, 'Shown on the invite page, in the time zone of whoever opens it.'),
    planBox,
    h('fieldset', null, h('legend', null, 'Settings'), h('label', { class: 'check' }, autoAdvance, ' Start the next question automatically when time runs out'), field('Release my feedback', release), field('Candidate time allowance', allowance, 'Extra time multiplies every question\'s budget, e.g. for a candidate who needs more time.')),
    status,
    submit,
  );
  const errors = fieldErrors();
  errors.register('title', title, title.closest('.field'));
  errors.register('scheduled_at', startsAt, startsAt.closest('.field'));
  errors.register('plan_id', null, planBox);
  errors.register('plan', null, planBox);
  errors.register('settings.feedback_release', release, release.closest('.field'));
  errors.register('settings.candidate_allowance', allowance, allowance.closest('.field'));
  el.append(h('section', { class: 'page narrow-wide' }, h('h1', null, 'Create a mentor room'), h('p', { class: 'lead' }, 'Choose a plan of questions with time budgets, then invite a candidate.'), form, result));
  title.focus();
}
