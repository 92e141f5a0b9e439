import { h, field, errorBox, humanize, replace, formatDuration } from '../dom.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { DEFAULT_TRACK, DIFFICULTIES } from './bank.js';

// The peer queue: join for a level, wait on a long poll, then both people confirm within a
// minute. The server decides everything (who is matched, the deadline, a no-show going back to
// the head of the queue); this page only shows it.
export function renderMatch(el) {
  const page = h('section', { class: 'page narrow' });
  el.append(page);
  let stopped = false;
  let controller = null;
  let tick = null;

  const level = h('select', { name: 'level' }, DIFFICULTIES.map((d) => h('option', { value: d, selected: d === 'mid' }, humanize(d))));
  const status = h('div', { class: 'form-status' });
  const body = h('div');

  function showJoin(err) {
    clearInterval(tick);
    replace(
      body,
      h(
        'form',
        {
          class: 'card form',
          onsubmit: async (e) => {
            e.preventDefault();
            status.replaceChildren();
            try {
              const v = await api.matchJoin({ track: DEFAULT_TRACK, level: level.value });
              waitLoop(v);
            } catch (error) {
              status.append(errorBox(error));
            }
          },
        },
        field('Your level', level, 'You are matched with someone practising at the same level.'),
        err ? errorBox(err) : null,
        status,
        h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Join the queue'),
      ),
    );
  }

  function showWaiting() {
    clearInterval(tick);
    const since = Date.now();
    const elapsed = h('span', null, '0:00');
    tick = setInterval(() => (elapsed.textContent = formatDuration(Date.now() - since)), 1000);
    replace(
      body,
      h(
        'div',
        { class: 'card waiting', 'aria-live': 'polite' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h2', null, 'Looking for a peer…'),
        h('p', { class: 'muted' }, 'Waiting ', elapsed, '. Keep this page open; you will be asked to confirm when someone is found.'),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: leave }, 'Leave the queue'),
      ),
    );
  }

  function showProposal(m) {
    clearInterval(tick);
    const deadline = Date.parse(m.confirm_by) || Date.now() + 60_000;
    const offset = 0;
    const countdown = h('strong', { class: 'countdown', 'aria-live': 'off' });
    const bar = h('progress', { max: 60, value: 60, 'aria-label': 'Time left to confirm' });
    let checked = false;
    const render = () => {
      const left = deadline - (Date.now() + offset);
      countdown.textContent = formatDuration(Math.max(0, left));
      bar.value = Math.max(0, left / 1000);
      if (left <= -1000 && !checked) {
        // The minute is over: ask the server what became of the match (the answer waits no longer
        // than the confirmation deadline the server enforces).
        checked = true;
        api.matchStatus().then((v) => !stopped && waitLoop(v)).catch((err) => showJoin(err));
      }
    };
    render();
    tick = setInterval(render, 250);
    const confirm = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-primary btn-lg',
        onclick: async () => {
          confirm.disabled = true;
          try {
            const v = await api.matchConfirm(m.id);
            waitLoop(v);
          } catch (err) {
            showJoin(err);
          }
        },
      },
      'I am ready',
    );
    replace(body, h('div', { class: 'card proposal', role: 'alertdialog', 'aria-labelledby': 'match-found' }, h('h2', { id: 'match-found' }, 'A peer is ready'), h('p', null, 'Confirm within ', countdown, ' to start. If either of you misses it, the other goes back to the head of the queue.'), bar, confirm));
    confirm.focus();
  }

  // handle shows one answer of the queue (a match.View: {status, reason, ticket, match, current})
  // and says whether to keep waiting.
  function handle(v) {
    const status = v?.status === 'timeout' ? v.current : v?.status;
    const m = v?.match;
    switch (status) {
      case 'confirmed':
        if (m?.room_id) {
          navigate(`/rooms/${encodeURIComponent(m.room_id)}`);
          return false;
        }
        return true;
      case 'matched':
        if (m && !m.confirmed) {
          showProposal(m);
          return false;
        }
        showPeerPending(m);
        return true;
      case 'waiting':
        if (!body.querySelector('.waiting')) showWaiting();
        return true;
      case 'cancelled':
        showJoin(new Error(reasonText(v.reason) || 'The match was cancelled. Join again when you are ready.'));
        return false;
      case 'expired':
        showJoin(new Error('Nobody at your level joined in time. Try again, or pick another level.'));
        return false;
      default:
        showJoin();
        return false;
    }
  }

  function reasonText(reason) {
    switch (reason) {
      case 'no_show':
      case 'not_confirmed':
        return 'The match was not confirmed in time.';
      case 'left':
        return 'You left the queue.';
      default:
        return reason ? `The match was cancelled (${humanize(reason)}).` : '';
    }
  }

  function showPeerPending(m) {
    clearInterval(tick);
    replace(
      body,
      h(
        'div',
        { class: 'card waiting', 'aria-live': 'polite' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h2', null, 'You are ready. Waiting for your peer to confirm…'),
        m?.confirm_by ? h('p', { class: 'muted' }, 'If they do not confirm in time, you go back to the head of the queue.') : null,
      ),
    );
  }

  async function waitLoop(first) {
    if (first && !handle(first)) return;
    if (!first) showWaiting();
    while (!stopped) {
      controller = new AbortController();
      let v;
      try {
        v = await api.matchWait(controller.signal, { timeout: '25s' });
      } catch (err) {
        if (err.name === 'AbortError' || stopped) return;
        showJoin(err);
        return;
      }
      if (stopped || !handle(v)) return;
    }
  }

  async function leave() {
    controller?.abort();
    try {
      await api.matchLeave();
    } catch {
      /* leaving is best effort: the server drops idle queue entries */
    }
    showJoin();
  }

  page.append(h('h1', null, 'Practise with a peer'), h('p', { class: 'lead' }, 'Interview each other in two halves: you ask first or second, and the roles swap at half time. You see each other by a pseudonym unless you both choose to reveal your names.'), body);
  showJoin();
  api
    .matchStatus()
    .then((v) => {
      if (!stopped && v && v.status !== 'none') waitLoop(v);
    })
    .catch(() => {});
  return () => {
    stopped = true;
    clearInterval(tick);
    controller?.abort();
  };
}
