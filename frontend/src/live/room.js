// The live room page: question and server-timed countdown, interviewer controls and private
// material, the shared editor, participants and chat. Everything shown comes from the socket's
// snapshot and events; commands go out through the connection and take effect when their event
// comes back, so every participant sees the same thing in the same order.

import { h, replace, toast, humanize, formatDuration } from '../dom.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { inviteLinks, inviteList } from '../pages/newroom.js';
import { LiveConnection } from './connection.js';
import { SharedEditor, LANGUAGES, colorFor } from './editor.js';
import { guidePanel, privateMaterial } from './private.js';
import { loadRubricTitles } from '../rubric-titles.js';
import { runsPanel } from './runs.js';
import { resyncNotice } from './resync.js';

const WARN_AT_MS = 30_000;

export function renderRoom(el, { params }) {
  const roomId = params.id;
  const st = {
    you: null,
    room: { id: roomId, title: '', state: 'waiting', kind: 'mentor', question_count: 0 },
    participants: new Map(),
    question: null,
    chat: [],
    // hint.given and clarification.given events: what the interviewer gave, per question.
    given: [],
    notes: [],
    snapshots: 0,
    language: 'python',
    locked: false,
    lastEnded: null,
    iRevealed: false,
    // Each candidate's time allowance by user id (1 = none), from the snapshot and allowance.set.
    allowances: {},
  };

  // ---- layout ----
  const title = h('h1', { class: 'room-title' }, 'Interview room');
  const stateBadge = h('span', { class: 'state', id: 'room-state' });
  const roleBadge = h('span', { class: 'badge role', id: 'my-role' });
  const halfBadge = h('span', { class: 'badge half', id: 'room-half', hidden: true });
  const connBadge = h('span', { class: 'conn', id: 'conn-status', role: 'status' }, 'Connecting…');
  const banner = h('div', { class: 'banner', id: 'room-banner', role: 'alert', hidden: true });
  const announcer = h('div', { class: 'sr-only', 'aria-live': 'assertive' });

  const questionPanel = h('section', { class: 'panel question-panel', id: 'question-panel', 'aria-labelledby': 'question-heading' });
  const countdown = h('div', { class: 'countdown', id: 'countdown', role: 'timer', 'aria-live': 'off' });
  const controls = h('div', { class: 'controls', id: 'controls', role: 'toolbar', 'aria-label': 'Interviewer controls' });
  const privatePanel = h('section', { class: 'panel private-panel', id: 'private-panel', hidden: true, 'aria-label': 'Interviewer only' });

  // The private panel is built once and updated in place: a note the interviewer is typing keeps
  // its text, caret and focus whatever events arrive, the guide is rebuilt only when the question
  // changes (hints and clarifications given are marked in it), and new notes are appended.
  const noteInput = h('textarea', { id: 'note-input', rows: 3, maxlength: 10000, placeholder: 'Only you can see these notes', 'aria-label': 'Private note' });
  const noteForm = h(
    'form',
    {
      class: 'note-form',
      onsubmit: (e) => {
        e.preventDefault();
        const text = noteInput.value.trim();
        if (!text) return;
        noteInput.value = '';
        // A refused note comes back into the box, ahead of anything typed since.
        command('note.add', { text }).catch(() => {
          const typed = noteInput.value.trim();
          noteInput.value = typed ? `${text}\n${typed}` : text;
        });
      },
    },
    noteInput,
    h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, 'Add note'),
  );
  const guideHost = h('div', { class: 'guide-host' });
  const notesList = h('ul', { class: 'notes', id: 'notes' });
  const privateShown = { guideKey: null, guide: null, notes: /** @type {string[]} */ ([]) };
  privatePanel.append(h('h2', null, 'Interviewer only ', h('span', { class: 'badge' }, 'hidden from the candidate')), guideHost, h('h3', null, 'Private notes'), notesList, noteForm);

  const noteItem = (n) => h('li', null, h('span', { class: 'muted small' }, n.question_index !== undefined && n.question_index !== null && n.question_index >= 0 ? `Q${n.question_index + 1} · ` : '', timeOf(n.at)), ' ', n.text);

  const langSelect = h('select', { id: 'language', 'aria-label': 'Editor language' }, LANGUAGES.map(([v, l]) => h('option', { value: v }, l)));
  const lockButton = h('button', { type: 'button', class: 'btn btn-small btn-ghost', id: 'lock-editor', hidden: true, 'aria-pressed': 'false' }, 'Lock editor');
  const lockNote = h('span', { class: 'muted lock-note', hidden: true }, '🔒 Editor locked by the interviewer');
  const editorHost = h('div', { class: 'editor-host', id: 'editor' });

  const peopleList = h('ul', { class: 'people', id: 'participants' });
  const chatLog = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Chat messages' });
  const chatInput = h('input', { type: 'text', id: 'chat-input', maxlength: 4000, placeholder: 'Message the room', 'aria-label': 'Chat message', autocomplete: 'off' });
  const chatForm = h('form', { class: 'chat-form', id: 'chat-form' }, chatInput, h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Send'));

  el.append(
    h(
      'div',
      { class: 'room' },
      h('div', { class: 'room-head' }, h('div', { class: 'room-head-main' }, title, stateBadge, roleBadge, halfBadge), connBadge),
      banner,
      announcer,
      h(
        'div',
        { class: 'room-grid' },
        h('div', { class: 'col-left' }, questionPanel, controls, privatePanel),
        h('section', { class: 'panel editor-panel', 'aria-label': 'Shared editor' }, h('div', { class: 'editor-toolbar' }, h('label', { for: 'language', class: 'muted' }, 'Language'), langSelect, lockButton, lockNote), editorHost),
        h('div', { class: 'col-right' }, h('section', { class: 'panel' }, h('h2', null, 'People'), peopleList), h('section', { class: 'panel chat-panel' }, h('h2', null, 'Chat'), chatLog, chatForm)),
      ),
    ),
  );

  // ---- connection and editor ----
  const conn = new LiveConnection(roomId, {
    status: onStatus,
    snapshot: onSnapshot,
    resumed: () => {
      if (st.snapshots > 0) showBanner(null);
      editor.announcePresence();
    },
    event: onEvent,
    presence: (f) => {
      const p = st.participants.get(f.user_id);
      if (typeof f.online === 'boolean') {
        if (p) p.online = f.online;
        else {
          // Someone who joined after our snapshot: the room record has their name and role.
          st.participants.set(f.user_id, { user_id: f.user_id, name: '', role: '', online: f.online });
          loadRoomRecord();
        }
        if (!f.online) editor.dropPresence(f.user_id);
        // Someone (back) online has no cursor of ours yet. Only a frame without a selection says
        // so: answering every cursor move with ours would never end.
        else if (!f.selection) editor.announcePresence();
        renderPeople();
      }
      if (f.selection) editor.showPresence(f, p?.name || 'Someone');
    },
    protocolError: (f) => console.warn('live protocol error', f),
  });
  const editor = new SharedEditor(editorHost, { conn, onNotice: (m) => toast(m, 'warn', 6000) });
  /** @type {any} */ (editor).requestResync = () => {
    conn.position = null;
    conn.dropSocket();
  };

  const command = (type, fields) =>
    conn.send(type, fields).catch((err) => {
      toast(err.message || err.code, 'error', 6000);
      throw err;
    });
  const runs = runsPanel({ conn, editor, command, ctx: () => ({ you: st.you, question: st.question, language: st.language, nameOf }) });
  editorHost.after(runs.el);

  // ---- handlers ----
  function onStatus(state, info) {
    connBadge.className = `conn conn-${state}`;
    connBadge.textContent = { connecting: 'Connecting…', live: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' }[state];
    if (state === 'reconnecting') showBanner('Connection lost. Reconnecting… Your place in the room is kept.', 'warn');
    else if (state === 'closed' && info?.code === 'close_4010') {
      // The room was closed: show the ended session and the way to its record.
      st.room.state = 'closed';
      st.question = null;
      renderHead();
      renderQuestion();
      renderControls();
      showBanner('This room is closed.', 'info', true);
    } else if (state === 'closed') showBanner(info?.message || 'Disconnected.', 'error', true);
    else if (state === 'live' && banner.dataset.kind === 'warn') showBanner(null);
    // Edits typed while away go out as soon as the room is back.
    if (state === 'live') editor.schedulePush();
  }

  function showBanner(message, kind = 'info', final = false) {
    if (!message) {
      banner.hidden = true;
      banner.dataset.kind = '';
      return;
    }
    banner.hidden = false;
    banner.dataset.kind = kind;
    banner.className = `banner banner-${kind}`;
    replace(banner, message, final ? h('a', { href: '/rooms', class: 'banner-link' }, 'Back to my rooms') : null);
  }

  function onSnapshot(f) {
    st.snapshots++;
    st.you = f.you;
    const room = f.room || {};
    st.room = { ...st.room, id: room.id || roomId, kind: room.kind || st.room.kind, state: room.state || st.room.state, title: room.title || st.room.title, half: room.half ?? st.room.half ?? 0 };
    st.participants = new Map((room.participants || []).map((p) => [p.user_id, participantFrom(p)]));
    // The current question is either flat (protocol.md section 5) or the engine's
    // {index, count, data, private} with the clock in room.timer.
    const q = room.question;
    st.question = q ? questionFrom({ ...(q.data || q), index: q.index ?? q.data?.index }, q.private ?? q.data?.private, room.timer || q) : null;
    if (q?.count) st.room.question_count = q.count;
    st.allowances = { ...(room.allowances || {}) };
    // An allowance set while this question ran moved its clock; the question's own data has the
    // one it started with.
    const running = room.timer && (room.timer.paused || Date.parse(room.timer.deadline) > Date.now());
    if (st.question && running && st.allowances[currentCandidate()] !== undefined) st.question.allowance = st.allowances[currentCandidate()];
    if (room.question_count) st.room.question_count = room.question_count;
    // room.chat keeps chat messages and what the interviewer gave (hints, clarifications).
    const kept = room.chat || [];
    const isGiven = (c) => c.type === 'hint.given' || c.type === 'clarification.given';
    st.chat = kept.filter((c) => !isGiven(c)).map((c) => ({ offset: c.offset, actor: c.actor, at: c.at, text: c.text ?? c.data?.text ?? '' }));
    st.given = kept.filter(isGiven).map((c) => ({ type: c.type, ...c.data }));
    st.notes = (room.notes || []).map((n) => ({ offset: n.offset, at: n.at, text: n.text ?? n.private?.text ?? n.data?.text ?? '', question_index: n.question_index ?? n.data?.question_index }));
    const doc = room.doc || { text: '', version: 0, language: 'python', locked: false };
    st.language = doc.language || 'python';
    st.locked = !!doc.locked;
    editor.load(doc, st.you.role);
    editor.announcePresence();
    // A peer room's snapshot carries pseudonyms; the room record says whether names are shown.
    if (st.room.kind === 'peer') loadRoomRecord();
    if (st.snapshots > 1) {
      showBanner(resyncNotice(f.reason), 'info');
    } else {
      showBanner(null);
    }
    renderAll();
    runs.snapshot(room.runs);
  }

  function participantFrom(p) {
    return { user_id: p.user_id || p.user, name: p.name || p.display_name || '', role: p.role, online: !!p.online };
  }

  // questionFrom reads a question.started payload (flat, or with the question under "question")
  // and the clock (deadline, paused, remaining_ms) from timer.
  function questionFrom(d, priv, timer) {
    const inner = d.question || {};
    const t = timer || d;
    return {
      index: d.index ?? 0,
      question_id: d.question_id || inner.id,
      title: d.title || inner.title,
      prompt: d.prompt ?? inner.prompt ?? '',
      category: d.category || inner.category,
      difficulty: d.difficulty || inner.difficulty,
      track: d.track || inner.track,
      coding: d.coding || inner.coding,
      allowance: d.allowance,
      budget_ms: t.budget_ms ?? d.budget_ms,
      deadlineMs: t.deadline ? Date.parse(t.deadline) : d.deadline ? Date.parse(d.deadline) : null,
      paused: !!t.paused,
      remaining_ms: t.remaining_ms,
      private: priv && Object.keys(priv).length ? priv : null,
      expired: false,
    };
  }

  function onEvent(f) {
    const d = f.data || {};
    switch (f.event) {
      case 'room.state':
        // Seen live, the end of the session takes each participant to their feedback form.
        if (d.state === 'wrap_up' && st.room.state === 'live' && st.you && st.you.role !== 'observer') {
          navigate(`/rooms/${encodeURIComponent(roomId)}/feedback`);
          return;
        }
        st.room.state = d.state;
        if (d.state !== 'live') st.question = null;
        renderHead();
        renderQuestion();
        renderControls();
        renderPrivate();
        runs.render();
        break;
      case 'participant.joined': {
        const n = participantFrom({ ...d, online: true });
        const p = st.participants.get(n.user_id) || {};
        st.participants.set(n.user_id, { ...p, ...n, name: n.name || p.name, role: n.role || p.role });
        renderPeople();
        break;
      }
      case 'participant.left': {
        const p = st.participants.get(d.user_id);
        if (p) p.online = false;
        editor.dropPresence(d.user_id);
        renderPeople();
        break;
      }
      case 'question.started':
        st.question = questionFrom(d, f.private, null);
        if (d.count) st.room.question_count = d.count;
        if (st.room.state === 'waiting') st.room.state = 'live';
        announce(`Question ${d.index + 1} started: ${d.title || ''}`);
        runs.questionChanged();
        renderHead();
        renderQuestion();
        renderControls();
        renderPrivate();
        break;
      case 'question.ended':
        st.lastEnded = d;
        if (st.question && st.question.index === d.index) st.question = null;
        renderQuestion();
        renderControls();
        renderPrivate();
        break;
      case 'timer.warning':
        if (st.question) st.question.deadlineMs = Date.parse(d.deadline) || st.question.deadlineMs;
        announce(`${formatDuration(d.left_ms ?? d.remaining_ms ?? 0)} left on this question`);
        break;
      case 'timer.expired':
        if (st.question) st.question.expired = true;
        announce('Time is up for this question');
        renderQuestion();
        break;
      case 'timer.paused':
        if (st.question) Object.assign(st.question, { paused: true, remaining_ms: d.remaining_ms ?? d.left_ms });
        renderQuestion();
        renderControls();
        break;
      case 'timer.resumed':
        if (st.question) Object.assign(st.question, { paused: false, deadlineMs: Date.parse(d.deadline) });
        renderQuestion();
        renderControls();
        break;
      case 'timer.extended': {
        const added = d.added_ms ?? d.extended_by_ms ?? 0;
        if (st.question) {
          st.question.expired = false;
          if (st.question.paused) st.question.remaining_ms = d.remaining_ms ?? (st.question.remaining_ms || 0) + added;
          else if (d.deadline) st.question.deadlineMs = Date.parse(d.deadline);
        }
        toast(added >= 60000 ? `${Math.round(added / 60000)} min added to this question` : 'More time added to this question');
        renderQuestion();
        break;
      }
      case 'editor.update':
        editor.applyUpdate(d);
        break;
      case 'editor.reset':
        // The question that just started brings its own document (its starter code, or none).
        editor.reset(d);
        if (d.language) {
          st.language = d.language;
          langSelect.value = d.language;
        }
        runs.render();
        break;
      case 'editor.language':
        st.language = d.language;
        editor.setLanguage(d.language);
        langSelect.value = d.language;
        runs.render();
        break;
      case 'run.started':
      case 'run.finished':
      case 'run.shared':
        runs.event(f);
        break;
      case 'editor.lock':
        st.locked = !!d.locked;
        editor.setLocked(st.locked);
        renderEditorBar();
        break;
      case 'chat.message':
        st.chat.push({ offset: f.offset, actor: f.actor, at: f.at, text: d.text });
        appendChat(st.chat[st.chat.length - 1]);
        break;
      case 'hint.given':
      case 'clarification.given':
        st.given.push({ type: f.event, ...d });
        renderQuestion();
        renderPrivate();
        announce(f.event === 'hint.given' ? `Hint ${d.number}: ${d.text}` : `Clarification: ${d.question} ${d.answer}`);
        break;
      case 'note.added':
        // The note's text is the event's private part; data only says which question it is on.
        st.notes.push({ offset: f.offset, at: f.at, text: f.private?.text ?? d.text ?? '', question_index: d.question_index });
        renderPrivate();
        break;
      case 'allowance.set': {
        const p = st.participants.get(d.user_id || d.user);
        st.allowances[d.user_id] = d.factor;
        // The event carries the clock when it moved the running question's.
        if (st.question && typeof d.index === 'number' && d.index === st.question.index) {
          Object.assign(st.question, { allowance: d.factor, budget_ms: d.budget_ms, expired: false });
          if (st.question.paused) st.question.remaining_ms = d.left_ms;
          else if (d.deadline) st.question.deadlineMs = Date.parse(d.deadline);
        }
        const extra = Math.round((d.factor - 1) * 100);
        toast(extra ? `${p?.name || 'The candidate'} now has ${extra}% extra time on each question` : `${p?.name || 'The candidate'} now has the planned time on each question`);
        renderQuestion();
        renderControls();
        break;
      }
      case 'roles.swapped': {
        // Either {roles: {user: role}} or the engine's {half, interviewer, candidate}.
        const roles = d.roles || { ...(d.interviewer ? { [d.interviewer]: 'interviewer' } : {}), ...(d.candidate ? { [d.candidate]: 'candidate' } : {}) };
        for (const [uid, role] of Object.entries(roles)) {
          const p = st.participants.get(uid);
          if (p) p.role = role;
        }
        if (typeof d.half === 'number') st.room.half = d.half;
        if (st.you && roles[st.you.user_id]) {
          st.you.role = roles[st.you.user_id];
          editor.setRole(st.you.role);
          toast(`Half time: roles swapped. You are now the ${st.you.role}.`, 'info', 8000);
        }
        renderAll();
        break;
      }
      case 'names.revealed': {
        // Both peers chose to show their names: the server tells the room once, with them.
        const was = st.room.revealed;
        for (const n of d.participants || []) {
          const p = st.participants.get(n.user_id);
          if (p) p.name = n.display_name;
          else st.participants.set(n.user_id, { user_id: n.user_id, name: n.display_name, online: false });
        }
        st.room.revealed = true;
        renderHead();
        renderPeople();
        renderChat();
        if (!was) toast('You have both revealed your names.', 'info');
        break;
      }
      default:
        // Unknown events are skipped; the position was recorded by the connection.
        break;
    }
  }

  // ---- rendering ----
  const isInterviewer = () => st.you?.role === 'interviewer';
  const nameOf = (uid) => (uid === st.you?.user_id ? 'You' : st.participants.get(uid)?.name || 'Someone');

  // loadRoomRecord reads the REST room record for what the socket does not carry: the title, the
  // names and roles of people who joined after our snapshot, and in a peer room who has chosen to
  // reveal their name.
  let recordLoading = null;
  function loadRoomRecord() {
    if (recordLoading) return recordLoading;
    recordLoading = api
      .room(roomId)
      .then((r) => applyRecord(r?.room || r))
      .catch(() => {})
      .finally(() => {
        recordLoading = null;
      });
    return recordLoading;
  }

  function applyRecord(room) {
    if (!room) return;
    if (room.title) st.room.title = room.title;
    if (room.kind) st.room.kind = room.kind;
    if (!st.room.question_count && Array.isArray(room.questions)) st.room.question_count = room.questions.length;
    if (Array.isArray(room.halves)) st.room.halves = room.halves;
    // The server masks names until both peers reveal; once they have, its names replace the
    // pseudonyms the socket's snapshot carried.
    const revealed = !!room.revealed || !!st.room.revealed;
    for (const rp of room.participants || []) {
      const name = rp.display_name || rp.name || '';
      const p = st.participants.get(rp.user_id);
      if (p) {
        if (revealed || !p.name) p.name = name;
        p.role = p.role || rp.role;
      } else {
        st.participants.set(rp.user_id, { user_id: rp.user_id, name, role: rp.role, online: false });
      }
      if (rp.user_id === st.you?.user_id && rp.revealed) st.iRevealed = true;
    }
    st.room.revealed = revealed;
    renderHead();
    renderPeople();
    renderChat();
  }

  function renderAll() {
    runs.render();
    renderHead();
    renderQuestion();
    renderControls();
    renderPrivate();
    renderEditorBar();
    renderPeople();
    renderChat();
  }

  const revealButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-small',
      id: 'reveal-name',
      hidden: true,
      title: 'Names are shown only when both of you choose to reveal them',
      onclick: async () => {
        revealButton.disabled = true;
        try {
          const r = await api.reveal(roomId);
          // The names.revealed event may have come first and said so already.
          const was = st.room.revealed;
          st.iRevealed = true;
          applyRecord(r?.room || r);
          if (!st.room.revealed) toast('Your peer will see your name once they reveal theirs too.');
          else if (!was) toast('You have both revealed your names.');
        } catch (err) {
          revealButton.disabled = false;
          toast(err.message, 'error');
        }
      },
    },
    'Reveal my name',
  );
  halfBadge.after(revealButton);

  function renderHead() {
    revealButton.hidden = st.room.kind !== 'peer';
    revealButton.disabled = !!(st.iRevealed || st.room.revealed);
    revealButton.textContent = st.room.revealed ? 'Names shown' : st.iRevealed ? 'Name revealed' : 'Reveal my name';
    title.textContent = st.room.title || 'Interview room';
    document.title = `${st.room.title || 'Room'} · mockroom`;
    stateBadge.className = `state state-${st.room.state}`;
    stateBadge.textContent = humanize(st.room.state === 'wrap_up' ? 'wrap-up' : st.room.state);
    roleBadge.textContent = st.you ? `You: ${st.you.role}` : '';
    halfBadge.hidden = st.room.kind !== 'peer' || st.room.state === 'wrap_up' || st.room.state === 'closed';
    const second = st.room.halves?.[1];
    halfBadge.textContent = st.room.half === 1 ? 'Second half' : second ? `First half · roles swap at question ${second.first_question + 1}` : 'First half';
  }

  function renderQuestion() {
    const q = st.question;
    const total = st.room.question_count || 0;
    if (st.room.state === 'wrap_up' || st.room.state === 'closed') {
      const observer = st.you?.role === 'observer';
      replace(
        questionPanel,
        h('h2', { id: 'question-heading' }, 'The interview has ended'),
        observer
          ? h('p', null, 'Thank you for observing. You can find this room under ', h('a', { href: '/rooms' }, 'My rooms'), '.')
          : [h('p', null, 'Thank you both. Write your feedback while the session is fresh; what is written about you appears on the same page once it is released.'), h('a', { href: `/rooms/${encodeURIComponent(roomId)}/feedback`, class: 'btn btn-primary', id: 'go-feedback' }, 'Go to feedback')],
      );
      return;
    }
    if (!q) {
      const waiting = st.room.state === 'waiting';
      const text = waiting
        ? isInterviewer()
          ? 'When your candidate is here, start the interview. The first question appears for both of you.'
          : 'The interviewer will start the interview shortly. The question will appear here.'
        : st.lastEnded && total && st.lastEnded.index + 1 >= total
          ? 'That was the last question.'
          : 'Between questions.';
      replace(questionPanel, h('h2', { id: 'question-heading' }, waiting ? 'Waiting to start' : 'No question running'), h('p', { class: 'muted' }, text));
      return;
    }
    replace(
      questionPanel,
      h(
        'div',
        { class: 'question-meta' },
        h('span', { class: 'muted' }, total ? `Question ${q.index + 1} of ${total}` : `Question ${q.index + 1}`),
        q.category ? h('span', { class: `chip chip-${q.category}` }, humanize(q.category)) : null,
        q.difficulty ? h('span', { class: `chip level-${q.difficulty}` }, humanize(q.difficulty)) : null,
      ),
      h('h2', { id: 'question-heading', class: 'question-title' }, q.title || 'Question'),
      countdown,
      h('p', { class: 'prompt', id: 'question-prompt' }, q.prompt || ''),
      // The starter code is what the editor opened on for this question (editor.reset): shown
      // here too, so it stays readable after the code has been worked over.
      q.coding?.starter
        ? h('div', { class: 'starter', id: 'question-starter' }, h('h3', null, 'Starter code'), h('pre', { class: 'starter-code' }, q.coding.starter))
        : null,
      q.coding?.examples?.length
        ? h('div', { class: 'examples' }, h('h3', null, 'Examples'), q.coding.examples.map((ex) => h('pre', { class: 'example' }, `${ex.input}\n→ ${ex.output}`)))
        : null,
      q.allowance && q.allowance !== 1 ? h('p', { class: 'muted small', id: 'question-allowance' }, `Includes a ${Math.round((q.allowance - 1) * 100)}% time allowance.`) : null,
      givenList(q.index),
    );
    tickCountdown();
  }

  // givenList shows everyone the clarifications and hints the interviewer gave for question idx.
  function givenList(idx) {
    const mine = st.given.filter((g) => g.question_index === idx);
    const clar = mine.filter((g) => g.type === 'clarification.given');
    const hints = mine.filter((g) => g.type === 'hint.given').sort((a, b) => a.number - b.number);
    if (!clar.length && !hints.length) return null;
    return h(
      'div',
      { class: 'given', id: 'given' },
      clar.length ? [h('h3', null, 'Clarifications'), h('ul', { id: 'given-clarifications' }, clar.map((c) => h('li', null, h('strong', null, c.question), ' ', c.answer)))] : null,
      hints.length ? [h('h3', null, 'Hints'), h('ol', { id: 'given-hints' }, hints.map((g) => h('li', { value: g.number, 'data-number': g.number }, g.text)))] : null,
    );
  }

  // givenFor returns the numbers of the hints and clarifications given for question idx.
  function givenFor(idx) {
    const mine = st.given.filter((g) => g.question_index === idx);
    return {
      hints: new Set(mine.filter((g) => g.type === 'hint.given').map((g) => g.number)),
      clarifications: new Set(mine.filter((g) => g.type === 'clarification.given').map((g) => g.number)),
    };
  }

  function tickCountdown() {
    const q = st.question;
    if (!q || !countdown.isConnected) return;
    let left;
    if (q.paused) left = q.remaining_ms ?? 0;
    else if (q.deadlineMs) left = q.deadlineMs - conn.now();
    else left = q.budget_ms ?? 0;
    const over = left <= 0;
    countdown.textContent = over ? `Time is up ${formatDuration(left)}` : formatDuration(left);
    countdown.className = `countdown${q.paused ? ' paused' : ''}${!over && left <= WARN_AT_MS ? ' warning' : ''}${over ? ' over' : ''}`;
    countdown.setAttribute('aria-label', q.paused ? `Paused with ${formatDuration(left)} left` : over ? 'Time is up' : `${formatDuration(left)} left`);
    // The pause mark is two CSS bars, not a glyph: not every font has U+23F8. The timer's label
    // already says "Paused", so the mark is hidden from assistive technology.
    if (q.paused) countdown.append(' ', h('span', { class: 'pause-mark', 'aria-hidden': 'true' }));
  }
  const countdownTimer = setInterval(tickCountdown, 250);

  function renderControls() {
    if (!isInterviewer()) {
      controls.hidden = true;
      return;
    }
    controls.hidden = false;
    const btn = (label, onclick, opts = {}) => h('button', { type: 'button', class: `btn btn-small ${opts.cls || 'btn-secondary'}`, onclick, id: opts.id, title: opts.title }, label);
    const q = st.question;
    const state = st.room.state;
    const items = [];
    if (state === 'waiting') {
      items.push(btn('Start the interview', () => command('room.start').catch(() => {}), { cls: 'btn-primary', id: 'ctl-start' }));
      if (st.room.kind !== 'peer') items.push(btn('Invite links', showInvites, { id: 'ctl-invite' }));
    }
    const cand = currentCandidate();
    if ((state === 'waiting' || state === 'live') && cand) items.push(allowanceControl(cand));
    if (state === 'live') {
      if (q) {
        items.push(btn('Next question', () => command('question.next').catch(() => {}), { cls: 'btn-primary', id: 'ctl-next' }));
        items.push(btn('Skip', () => command('question.skip').catch(() => {}), { id: 'ctl-skip', title: 'Skip this question without using its time' }));
        if (q.paused) items.push(btn('Resume timer', () => command('timer.resume').catch(() => {}), { id: 'ctl-resume' }));
        else items.push(btn('Pause timer', () => command('timer.pause').catch(() => {}), { id: 'ctl-pause' }));
        items.push(btn('+1 min', () => command('timer.extend', { seconds: 60 }).catch(() => {}), { id: 'ctl-extend-1' }));
        items.push(btn('+5 min', () => command('timer.extend', { seconds: 300 }).catch(() => {}), { id: 'ctl-extend-5' }));
      } else {
        items.push(btn('Start next question', () => command('question.next').catch(() => {}), { cls: 'btn-primary', id: 'ctl-next' }));
      }
      items.push(
        btn(
          'End interview',
          () => {
            if (window.confirm('End the interview for everyone and move to feedback?')) command('room.end').catch(() => {});
          },
          { cls: 'btn-danger', id: 'ctl-end' },
        ),
      );
    }
    replace(controls, items);
  }

  // currentCandidate is the user id of whoever answers the questions now.
  function currentCandidate() {
    for (const p of st.participants.values()) if (p.role === 'candidate') return p.user_id;
    return null;
  }

  // allowanceControl sets the candidate's time allowance; a change during a question moves its
  // clock too. The menu shows the allowance in force until the server confirms a new one.
  function allowanceControl(user) {
    const now = st.allowances[user] ?? 1;
    const choices = [[1, 'Planned time'], [1.25, '+25% time'], [1.5, '+50% time'], [1.75, '+75% time'], [2, 'Double time']];
    if (!choices.some(([v]) => v === now)) choices.push([now, `+${Math.round((now - 1) * 100)}% time`]);
    const select = h('select', { id: 'ctl-allowance', class: 'allowance-select' }, choices.map(([v, l]) => h('option', { value: String(v), selected: v === now }, l)));
    select.addEventListener('change', () => {
      const factor = Number(select.value);
      select.value = String(now);
      command('allowance.set', { user_id: user, factor }).catch(() => {});
    });
    return h('label', { class: 'allowance-control muted', for: 'ctl-allowance' }, 'Candidate time ', select);
  }

  // showInvites issues fresh invite links (the old ones stay valid until they expire).
  async function showInvites() {
    try {
      const links = inviteLinks(await api.createInvite(roomId));
      if (!links.length) throw new Error('The server returned no invite links.');
      const box = h('div', { class: 'invites-box' }, h('h3', null, 'Invite links'), inviteList(links), h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => box.remove() }, 'Close'));
      controls.after(box);
    } catch (err) {
      toast(err.message, 'error', 6000);
    }
  }

  const titlesAsked = new Set();
  function renderPrivate() {
    if (!isInterviewer()) {
      // Nothing private stays on the page of someone who is not the interviewer (a peer room
      // swaps roles); only their own unsent note text is kept, hidden with the panel.
      privatePanel.hidden = true;
      guideHost.replaceChildren();
      notesList.replaceChildren();
      Object.assign(privateShown, { guideKey: null, guide: null, notes: [] });
      return;
    }
    privatePanel.hidden = false;
    const q = st.question;
    const key = q ? `${q.index}\u0000${JSON.stringify(q.private ?? null)}` : '';
    // Guidance names rubric qualities by id; once the track's rubric is read, draw it again with
    // the rubric's titles.
    if (q && q.private && q.track && !titlesAsked.has(q.track)) {
      titlesAsked.add(q.track);
      loadRubricTitles(q.track).then(() => {
        privateShown.guideKey = null;
        renderPrivate();
      });
    }
    if (key !== privateShown.guideKey) {
      privateShown.guideKey = key;
      privateShown.guide = null;
      if (q && q.private && q.private.guide) {
        privateShown.guide = guidePanel(q.private.guide, givenFor(q.index), (type, number) => command(type, { number }).catch(() => {}));
        replace(guideHost, h('div', { id: 'guidance' }, privateShown.guide.el));
      } else if (q && q.private) {
        replace(guideHost, h('div', { id: 'guidance' }, privateMaterial(q.private)));
      } else {
        replace(guideHost, h('p', { class: 'muted' }, q ? 'No guidance for this question.' : 'Guidance for each question appears here while it runs.'));
      }
    } else if (privateShown.guide && q) {
      privateShown.guide.update(givenFor(q.index));
    }
    // Notes only grow while the page is connected; after a snapshot the list may be a new one.
    const keys = st.notes.map((n) => `${n.offset}\u0000${n.text}`);
    const shown = privateShown.notes;
    const grew = shown.length <= keys.length && shown.every((k, i) => k === keys[i]);
    if (!grew) notesList.replaceChildren();
    for (const n of st.notes.slice(grew ? shown.length : 0)) notesList.append(noteItem(n));
    privateShown.notes = keys;
  }

  function renderEditorBar() {
    langSelect.value = st.language;
    const canEdit = st.you && st.you.role !== 'observer';
    langSelect.disabled = !canEdit;
    lockButton.hidden = !isInterviewer();
    lockButton.textContent = st.locked ? 'Unlock editor' : 'Lock editor';
    lockButton.setAttribute('aria-pressed', String(st.locked));
    lockNote.hidden = !st.locked || isInterviewer();
  }
  langSelect.addEventListener('change', () => {
    const want = langSelect.value;
    langSelect.value = st.language; // takes effect when the event comes back
    command('editor.language', { language: want }).catch(() => {});
  });
  lockButton.addEventListener('click', () => command('editor.lock', { locked: !st.locked }).catch(() => {}));

  function renderPeople() {
    const people = [...st.participants.values()].sort((a, b) => (a.role === b.role ? 0 : a.role === 'interviewer' ? -1 : 1));
    replace(
      peopleList,
      people.length
        ? people.map((p) =>
            h(
              'li',
              { class: `person ${p.online ? 'online' : 'offline'}`, dataset: { user: p.user_id } },
              h('span', { class: 'dot', style: `background:${p.online ? colorFor(p.user_id) : 'transparent'};border-color:${colorFor(p.user_id)}`, 'aria-hidden': 'true' }),
              h('span', { class: 'person-name' }, p.name || 'Someone', p.user_id === st.you?.user_id ? ' (you)' : ''),
              h('span', { class: 'muted small' }, p.role),
              h('span', { class: `presence small ${p.online ? 'is-online' : 'is-offline'}` }, p.online ? 'online' : 'offline'),
            ),
          )
        : h('li', { class: 'muted' }, 'Nobody here yet.'),
    );
  }

  function timeOf(at) {
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }

  function chatItem(m) {
    const mine = m.actor === st.you?.user_id;
    return h('li', { class: `chat-msg${mine ? ' mine' : ''}` }, h('div', { class: 'chat-meta' }, h('strong', { style: `color:${colorFor(m.actor)}` }, nameOf(m.actor)), ' ', h('time', { datetime: m.at }, timeOf(m.at))), h('div', { class: 'chat-text' }, m.text));
  }

  function renderChat() {
    chatForm.hidden = st.you?.role === 'observer';
    replace(chatLog, st.chat.map(chatItem));
    chatLog.scrollTop = chatLog.scrollHeight;
  }

  function appendChat(m) {
    const atBottom = chatLog.scrollHeight - chatLog.scrollTop - chatLog.clientHeight < 40;
    chatLog.append(chatItem(m));
    if (atBottom || m.actor === st.you?.user_id) chatLog.scrollTop = chatLog.scrollHeight;
  }

  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    chatInput.value = '';
    command('chat.send', { text }).catch(() => {
      if (!chatInput.value) chatInput.value = text;
    });
  });

  function announce(text) {
    announcer.textContent = text;
  }

  renderAll();
  conn.start();
  loadRoomRecord();
  return () => {
    clearInterval(countdownTimer);
    conn.stop();
    runs.destroy();
    editor.destroy();
    document.title = 'mockroom';
  };
}
