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
              await api.matchJoin({ track: DEFAULT_TRACK, level: level.value });
              waitLoop();
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
    const deadline = Date.parse(m.confirm_by || m.deadline || m.expires_at) || Date.now() + 60_000;
    const offset = m.server_time ? Date.parse(m.server_time) - Date.now() : 0;
    const countdown = h('strong', { class: 'countdown', 'aria-live': 'off' });
    const bar = h('progress', { max: 60, value: 60, 'aria-label': 'Time left to confirm' });
    const render = () => {
      const left = deadline - (Date.now() + offset);
      countdown.textContent = formatDuration(Math.max(0, left));
      bar.value = Math.max(0, left / 1000);
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
            const res = await api.matchConfirm({ match_id: m.match_id || m.id });
            const roomId = res?.room_id || res?.room?.id;
            if (roomId) navigate(`/rooms/${encodeURIComponent(roomId)}`);
            else {
              replace(body, h('div', { class: 'card waiting' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('h2', null, 'Confirmed. Waiting for your peer to confirm…')));
              waitLoop();
            }
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

  async function waitLoop() {
    showWaiting();
    while (!stopped) {
      controller = new AbortController();
      let m;
      try {
        m = await api.matchWait(controller.signal);
      } catch (err) {
        if (err.name === 'AbortError' || stopped) return;
        showJoin(err);
        return;
      }
      const state = m?.status || m?.state;
      if (m?.room_id && (state === 'matched' || state === 'confirmed' || state === 'ready')) {
        navigate(`/rooms/${encodeURIComponent(m.room_id)}`);
        return;
      }
      if (state === 'proposed' || state === 'confirm' || state === 'found') {
        showProposal(m);
        return;
      }
      if (state === 'expired' || state === 'not_queued' || state === 'cancelled') {
        showJoin(state === 'expired' ? new Error('The confirmation time ran out. Join again when you are ready.') : null);
        return;
      }
      // "waiting" or a long-poll timeout: poll again.
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
  return () => {
    stopped = true;
    clearInterval(tick);
    controller?.abort();
  };
}
