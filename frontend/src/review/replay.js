// The code replay: a slider over the session with play/pause and speed, and the document at the
// slider's moment with each person's typing in their colour. Pure logic is in replay-model.js.

import { h, replace, formatDuration } from '../dom.js';

const SPEEDS = [1, 4, 16];

// createReplay builds the replay of model; authorClass maps a user id to a CSS class and name
// to a display name. It returns the element and a way to move it.
export function createReplay(model, { authorClass, name }) {
  let ms = Math.max(Math.ceil(model.duration / 1000) * 1000, 1000);
  let playing = false;
  let speed = 1;
  let timer = null;
  let lastTick = 0;
  // pinned is the step a jump to a log offset chose: edits of one instant are told apart by
  // offset, not by time. Moving the slider or playing lets time decide again.
  let pinned = null;

  // The slider moves by seconds; its end is rounded up to a whole second so that dragging it
  // to the end always reaches the last edit.
  const end = Math.max(Math.ceil(model.duration / 1000) * 1000, 1000);
  const slider = h('input', {
    type: 'range',
    id: 'replay-slider',
    min: '0',
    max: String(end),
    step: '1000',
    value: String(end),
    'aria-label': 'Moment of the session',
  });
  const clock = h('output', { class: 'replay-clock', for: 'replay-slider', 'aria-live': 'off' });
  const play = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'replay-play' }, 'Play');
  const speedSel = h('select', { id: 'replay-speed', 'aria-label': 'Replay speed' }, SPEEDS.map((s) => h('option', { value: String(s) }, `${s}×`)));
  const code = h('pre', { class: 'replay-code', id: 'replay-code', tabindex: '0', 'aria-label': 'Code at this moment' });
  const status = h('p', { class: 'muted replay-status' });
  const legend = h('p', { class: 'replay-legend muted' });

  // A reset (a question's starter code) is nobody's typing.
  const authors = [...new Set(model.edits.filter((e) => !e.reset).map((e) => e.author))];
  replace(legend, authors.length ? ['Typed by: ', authors.map((a) => h('span', { class: `replay-author ${authorClass(a)}` }, name(a)))] : 'Nobody typed in this session.');
  if (model.error) status.append(`The replay stopped early: ${model.error}.`);
  else if (!model.exact) status.append('The replay does not end on the final code the server kept; the final code is shown below.');

  function draw() {
    const step = pinned ?? model.stepAtTime(ms);
    slider.value = String(ms);
    clock.value = `${formatDuration(Math.min(ms, model.duration))} / ${formatDuration(model.duration)} · ${step} of ${model.length} edits`;
    code.dataset.step = String(step);
    const runs = model.authorsAt(step);
    replace(
      code,
      runs.length
        ? runs.map((r) => (r.author === null ? h('span', { class: 'author author-starter', title: 'starter code' }, r.text) : h('span', { class: authorClass(r.author), title: name(r.author) }, r.text)))
        : h('span', { class: 'muted' }, '(empty)'),
    );
  }

  function stop() {
    playing = false;
    play.textContent = 'Play';
    if (timer) clearInterval(timer);
    timer = null;
  }

  function start() {
    if (ms >= end) ms = 0;
    playing = true;
    pinned = null;
    play.textContent = 'Pause';
    lastTick = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      ms = Math.min(end, ms + (now - lastTick) * speed);
      lastTick = now;
      draw();
      if (ms >= end) stop();
    }, 100);
  }

  slider.addEventListener('input', () => {
    ms = Number(slider.value);
    pinned = null;
    draw();
  });
  play.addEventListener('click', () => (playing ? stop() : start()));
  speedSel.addEventListener('change', () => (speed = Number(speedSel.value)));

  const el = h(
    'section',
    { class: 'card replay', 'aria-labelledby': 'replay-title' },
    h('h2', { id: 'replay-title' }, 'Code replay'),
    h('div', { class: 'replay-controls' }, play, speedSel, slider, clock),
    legend,
    status,
    code,
  );
  draw();
  return {
    el,
    // seek moves the replay to an instant of the session (a timeline entry's time).
    seek(at) {
      ms = model.timeOf(at);
      pinned = null;
      draw();
    },
    // seekOffset moves the replay to just after the log offset: every edit up to it applied.
    seekOffset(offset, at) {
      stop();
      pinned = model.stepAtOffset(offset);
      const e = pinned > 0 ? model.edits[pinned - 1] : null;
      ms = at ? model.timeOf(at) : e ? model.timeOf(e.at) : 0;
      draw();
      code.focus({ preventScroll: true });
    },
    stop,
  };
}
