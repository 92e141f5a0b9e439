import { h, field, errorBox, humanize, replace, formatDuration } from '../dom.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { CATEGORIES, DEFAULT_TRACK, DIFFICULTIES, listOf } from './bank.js';

// The peer queue: join for a track and level, wait on a long poll, then both people confirm
// within a minute. The server decides everything (who is matched, the deadline, a no-show going
// back to the head of the queue); this page only shows it.
export function renderMatch(el) {
  const page = h('section', { class: 'page narrow' });
  el.append(page);
  let stopped = false;
  let controller = null;
  let tick = null;
  // phase is what the page shows: join, waiting, proposal (confirm card) or pending (confirmed,
  // waiting for the peer). shownMatch is the match id of the card on screen.
  let phase = '';
  let shownMatch = '';
  let shownNotice = '';
  // Each follow() loop has a generation; starting a new one (join, confirm, leave) ends the old.
  let generation = 0;
  // skew is the server's clock minus this device's, from the last answer's server_time: the
  // confirm countdown runs on the server's clock, whatever the device's says.
  let skew = 0;
  const serverNow = () => Date.now() + skew;

  const track = h('select', { name: 'track' }, h('option', { value: DEFAULT_TRACK, selected: true }, humanize(DEFAULT_TRACK.replace(/-/g, ' '))));
  const level = h('select', { name: 'level' }, DIFFICULTIES.map((d) => h('option', { value: d, selected: d === 'mid' }, humanize(d))));
  // Preferred categories are optional. They do not change who you are matched with (the queue is
  // first come, first paired); they choose the kinds of question in the half where you answer.
  const categoryBoxes = CATEGORIES.map(([id]) => h('input', { type: 'checkbox', name: 'categories', value: id }));
  const categories = h(
    'fieldset',
    { class: 'categories', 'aria-describedby': 'match-categories-hint' },
    h('legend', null, 'What you want to be asked (optional)'),
    CATEGORIES.map(([, title], i) => h('label', { class: 'check' }, categoryBoxes[i], ' ', title)),
    h('small', { class: 'hint', id: 'match-categories-hint' }, 'In the half where you answer, the questions are of these kinds; leave them all clear for the usual mix. You are still matched with the next person at your level, whatever they chose.'),
  );
  const status = h('div', { class: 'form-status' });
  const body = h('div');

  function show(next, ...children) {
    clearInterval(tick);
    phase = next;
    replace(body, ...children);
  }

  function notice(text) {
    return text ? h('p', { class: 'alert alert-info', role: 'status' }, text) : null;
  }

  function showJoin(err, info) {
    shownMatch = '';
    status.replaceChildren();
    show(
      'join',
      h(
        'form',
        {
          class: 'card form',
          onsubmit: async (e) => {
            e.preventDefault();
            status.replaceChildren();
            try {
              const chosen = categoryBoxes.filter((b) => b.checked).map((b) => b.value);
              follow(await api.matchJoin({ track: track.value, level: level.value, ...(chosen.length ? { categories: chosen } : {}) }));
            } catch (error) {
              status.append(errorBox(error));
            }
          },
        },
        notice(info),
        err ? errorBox(err) : null,
        field('Track', track),
        field('Your level', level, 'You are matched with someone practising the same track at the same level.'),
        categories,
        status,
        h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Join the queue'),
      ),
    );
  }

  function showWaiting(v, info) {
    const since = Date.parse(v?.ticket?.enqueued_at) || Date.now();
    const elapsed = h('span', null, formatDuration(Math.max(0, Date.now() - since)));
    const queue = v?.ticket?.queue;
    const chosen = (v?.ticket?.categories || []).map(categoryTitle);
    shownMatch = '';
    shownNotice = info || '';
    show(
      'waiting',
      h(
        'div',
        { class: 'card waiting', 'aria-live': 'polite' },
        notice(info),
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h2', null, 'Looking for a peer…'),
        queue ? h('p', { class: 'queue-name' }, `${humanize(String(queue.track).replace(/-/g, ' '))} · ${humanize(queue.level)}`) : null,
        chosen.length ? h('p', { class: 'queue-categories muted' }, 'You asked for: ', chosen.join(', ')) : null,
        h('p', { class: 'muted' }, 'Waiting ', elapsed, '. Keep this page open; you will be asked to confirm when someone is found.'),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => leave() }, 'Leave the queue'),
      ),
    );
    tick = setInterval(() => (elapsed.textContent = formatDuration(Math.max(0, Date.now() - since))), 1000);
  }

  function categoryTitle(id) {
    return CATEGORIES.find(([c]) => c === id)?.[1] || humanize(id);
  }

  function showProposal(m) {
    const deadline = Date.parse(m.confirm_by) || serverNow() + 60_000;
    const countdown = h('strong', { class: 'confirm-countdown', 'aria-live': 'off' });
    const bar = h('progress', { max: 60, value: 60, 'aria-label': 'Time left to confirm' });
    const note = h('p', { class: 'muted small', hidden: true });
    const render = () => {
      const left = deadline - serverNow();
      countdown.textContent = formatDuration(Math.max(0, left));
      bar.value = Math.max(0, left / 1000);
      if (left <= 0) {
        note.textContent = 'Time is up. Checking whether the match went ahead…';
        note.hidden = false;
      }
    };
    const confirm = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-primary btn-lg',
        onclick: async () => {
          confirm.disabled = decline.disabled = true;
          try {
            follow(await api.matchConfirm(m.id));
          } catch (err) {
            follow(null, err);
          }
        },
      },
      'I am ready',
    );
    const decline = h(
      'button',
      { type: 'button', class: 'btn btn-ghost', onclick: () => leave('You declined the match and left the queue. Join again when you are ready.') },
      'Not now',
    );
    shownMatch = m.id;
    show(
      'proposal',
      h(
        'div',
        { class: 'card proposal', role: 'alertdialog', 'aria-labelledby': 'match-found', 'aria-describedby': 'match-found-text' },
        h('h2', { id: 'match-found' }, 'A peer is ready'),
        h('p', { id: 'match-found-text' }, 'Confirm within ', countdown, ' to start. If either of you misses it, the other goes back to the head of the queue.'),
        bar,
        h('div', { class: 'actions' }, confirm, decline),
        note,
      ),
    );
    render();
    tick = setInterval(render, 250);
    confirm.focus();
  }

  function showPeerPending(m) {
    shownMatch = m?.id || '';
    show(
      'pending',
      h(
        'div',
        { class: 'card waiting', 'aria-live': 'polite' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h2', null, 'You are ready. Waiting for your peer to confirm…'),
        h('p', { class: 'muted' }, 'If they do not confirm in time, you go back to the head of the queue.'),
      ),
    );
  }

  // handle shows one answer of the queue (a MatchView: {status, reason, ticket, match, current})
  // and says whether to keep following it.
  function handle(v) {
    const at = Date.parse(v?.server_time);
    if (at) skew = at - Date.now();
    const st = v?.status === 'timeout' ? v.current : v?.status;
    const m = v?.match;
    switch (st) {
      case 'confirmed':
        if (m?.room_id) {
          navigate(`/rooms/${encodeURIComponent(m.room_id)}`);
          return false;
        }
        if (phase !== 'pending') showPeerPending(m);
        return true;
      case 'matched':
        if (m && !m.confirmed) {
          if (phase !== 'proposal' || shownMatch !== m.id) showProposal(m);
        } else if (phase !== 'pending' || shownMatch !== m?.id) {
          showPeerPending(m);
        }
        return true;
      case 'waiting': {
        // A reason on a waiting ticket says why it is back in the queue (the peer declined or
        // did not confirm); keep saying so while it waits.
        const info = requeueText(v.reason);
        if (phase !== 'waiting' || info !== shownNotice) showWaiting(v, info);
        return true;
      }
      case 'cancelled':
        showJoin(null, cancelText(v.reason));
        return false;
      case 'expired':
        showJoin(null, 'Nobody at your level joined in time. Try again later, or pick another level.');
        return false;
      default:
        if (phase !== 'join') showJoin();
        return false;
    }
  }

  function requeueText(reason) {
    switch (reason) {
      case 'peer_declined':
        return 'Your peer did not take the match. You are back at the head of the queue.';
      case 'peer_no_show':
        return 'Your peer did not confirm in time. You are back at the head of the queue.';
      default:
        return '';
    }
  }

  function cancelText(reason) {
    switch (reason) {
      case 'no_show':
        return 'You did not confirm in time, so the match was cancelled and you left the queue.';
      case 'declined':
        return 'You declined the match and left the queue. Join again when you are ready.';
      case 'left':
        return 'You left the queue.';
      default:
        return reason ? `The match was cancelled (${humanize(reason)}).` : 'The match was cancelled. Join again when you are ready.';
    }
  }

  // follow shows first (or err) and then keeps the page in step with the server until the state
  // is final, on the long poll throughout. With a match on screen (to confirm, or confirmed and
  // waiting for the peer) the poll names it, so the server holds it until that match changes —
  // the peer confirms or declines, or the window closes — instead of answering at once.
  async function follow(first, err) {
    const gen = ++generation;
    controller?.abort();
    if (err) {
      showJoin(err);
      return;
    }
    let v = first;
    while (!stopped && gen === generation) {
      if (v && !handle(v)) return;
      controller = new AbortController();
      const signal = controller.signal;
      try {
        const query = { timeout: '25s' };
        if (shownMatch && (phase === 'proposal' || phase === 'pending')) query.seen_match = shownMatch;
        v = await api.matchWait(signal, query);
      } catch (error) {
        if (error.name === 'AbortError' || stopped || gen !== generation) return;
        showJoin(error);
        return;
      }
    }
  }

  // leave takes the caller out of the queue; while matched, that declines the match.
  async function leave(info) {
    generation++;
    controller?.abort();
    for (const b of body.querySelectorAll('button')) b.disabled = true;
    try {
      await api.matchLeave();
    } catch (err) {
      // not_queued: the ticket had already ended; the page just catches up.
      if (err.code !== 'not_queued') {
        showJoin(err);
        return;
      }
    }
    if (!stopped) showJoin(null, info);
  }

  page.append(
    h('h1', null, 'Practise with a peer'),
    h('p', { class: 'lead' }, 'Interview each other in two halves: you ask first or second, and the roles swap at half time. You see each other by a pseudonym unless you both choose to reveal your names.'),
    body,
  );
  showJoin();
  api
    .tracks()
    .then((data) => {
      const tracks = listOf(data, 'tracks').filter((t) => t && t.id);
      if (!tracks.length || stopped) return;
      const keep = track.value;
      replace(track, tracks.map((t) => h('option', { value: t.id, selected: t.id === keep }, t.title || t.id)));
    })
    .catch(() => {
      /* the default track stays selectable */
    });
  api
    .matchStatus()
    .then((v) => {
      if (!stopped && v && v.status !== 'none' && phase === 'join' && generation === 0) follow(v);
    })
    .catch(() => {});
  return () => {
    stopped = true;
    clearInterval(tick);
    controller?.abort();
  };
}
