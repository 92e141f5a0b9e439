// One form the reader writes, from the first keystroke to its amendments: the editable form with
// its autosave, submit (once per request id, however often the button is pressed), the submitted
// version shown read-only, "amend" for a new version, and the history of earlier versions.

import { h, replace, toast, describeError } from '../dom.js';
import { DraftSaver, readBackup, forgetBackup, saveIndicator, requestId } from './feedback-autosave.js';
import { feedbackApi, modelOf, toContent, checkContent, latest } from './feedback-data.js';
import { rubricForm, interviewerForm } from './feedback-form.js';
import { rubricView, interviewerView, when } from './feedback-view.js';
import { momentIndex } from './feedback-moments.js';

// minePanel renders one of the reader's forms into a section and returns {el, update(form, ctx),
// editing(), stop()}. ctx: {roomId, overview, rubricFor(version), names, questionTitles, onSubmitted}.
export function minePanel(initialForm, ctx) {
  let form = initialForm;
  let mode = null; // 'edit' | 'submitted'
  let saver = null;
  let indicator = null;
  let moments = null; // loaded once, for candidate forms
  let shownKey = null; // what the panel last showed, to skip a refresh that changed nothing
  let amendClosed = false; // the author closed an amendment: a refresh does not reopen its draft
  const heading = h('h3', { id: `form-${form.id}-heading` });
  const body = h('div', { class: 'form-body' }, h('p', { class: 'muted' }, 'Loading the form…'));
  const el = h('section', { class: 'card feedback-card mine', id: `form-${form.id}`, dataset: { form: form.id, kind: form.kind }, 'aria-labelledby': heading.id }, heading, body);

  const about = () => ctx.names.get(form.about_id) || (form.kind === 'candidate' ? 'the candidate' : 'your interviewer');
  const half = () => (ctx.overview.room_kind === 'peer' ? ` (${form.half === 0 ? 'first' : 'second'} half)` : '');
  const writable = () => !ctx.overview.writable_until || Date.parse(ctx.overview.writable_until) > Date.now();

  function title() {
    heading.textContent = form.kind === 'candidate' ? `Your feedback on ${about()} as the candidate${half()}` : `How ${about()} interviewed you${half()}`;
  }

  async function loadMoments() {
    if (form.kind !== 'candidate') return [];
    if (moments) return moments;
    try {
      moments = (await feedbackApi.moments(ctx.roomId, form.id))?.moments || [];
    } catch (err) {
      toast(`The session's moments could not be loaded: ${describeError(err)}`, 'warn', 6000);
      moments = [];
    }
    return moments;
  }

  async function show() {
    shownKey = JSON.stringify([form, ctx.overview?.release]);
    title();
    try {
      if (!latest(form) || (form.draft && !amendClosed)) {
        // A draft after a submit is an amendment in progress: open it where it was left.
        await edit(latest(form) ? 'amend' : 'submit');
      } else {
        await submitted();
      }
    } catch (err) {
      replace(body, h('p', { class: 'alert alert-error', role: 'alert' }, `This form could not be shown: ${describeError(err)}`));
    }
  }

  // ---- editing ----
  async function edit(action) {
    stopSaver();
    mode = 'edit';
    const [rubric, ms] = await Promise.all([ctx.rubricFor(form.rubric_version), loadMoments()]);
    const key = `${ctx.roomId}.${form.id}`;
    const base = form.draft?.content || latest(form)?.content || null;
    // What this browser kept and the server never confirmed wins over an older server draft.
    const backup = readBackup(key);
    const serverAt = Date.parse(form.draft?.saved_at || '') || 0;
    const restored = backup && backup.at > serverAt ? backup.content : null;
    if (backup && !restored) forgetBackup(key);
    const model = modelOf(form.kind, restored || base, askedOf(form.questions, ms));
    const shape = { qualities: rubric.qualities, items: rubric.interviewer_form };
    const index = momentIndex(ms);

    indicator = saveIndicator();
    saver = new DraftSaver({
      key,
      savedAt: form.draft?.saved_at,
      save: (content) => feedbackApi.saveDraft(ctx.roomId, form.id, content),
      onState: (s) => indicator.update(s),
    });
    indicator.update({ status: saver.status, savedAt: saver.savedAt });
    const onChange = () => {
      formAlert.hidden = true;
      saver.change(toContent(form.kind, model, shape));
    };
    const built =
      form.kind === 'candidate'
        ? rubricForm({ rubric, questions: ctx.questionTitles(form.questions, ms), content: model, moments: ms, index, onChange, level: ctx.level })
        : interviewerForm({ items: rubric.interviewer_form, content: model, onChange });

    const formAlert = h('div', { class: 'alert alert-error form-alert', role: 'alert', hidden: true });
    const submitButton = h('button', { type: 'submit', class: 'btn btn-primary', id: `submit-${form.id}` }, action === 'amend' ? `Submit version ${form.versions.length + 1}` : 'Submit feedback');
    let attempt = null; // {id, body}: the same content re-sent keeps its request id
    const formEl = h(
      'form',
      { class: 'form feedback-form-el', novalidate: true, 'aria-labelledby': heading.id },
      action === 'amend' ? h('p', { class: 'alert alert-info' }, `Amending version ${form.versions.length}. The submitted version stays as it is; submitting makes this version ${form.versions.length + 1}, and both are kept.`) : null,
      restored ? h('p', { class: 'alert alert-info', role: 'status' }, 'Restored what you typed here that had not reached the server yet; it is being saved now.') : null,
      built.el,
      formAlert,
      h(
        'div',
        { class: 'form-footer' },
        indicator.el,
        h(
          'div',
          { class: 'actions' },
          submitButton,
          action === 'amend'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-ghost',
                  onclick: async () => {
                    amendClosed = true;
                    await saver.flush();
                    await submitted();
                  },
                },
                'Stop amending (your draft is kept)',
              )
            : null,
        ),
      ),
    );
    formEl.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (submitButton.disabled) return;
      const content = toContent(form.kind, model, shape);
      built.clearErrors();
      formAlert.hidden = true;
      const problems = checkContent(form.kind, content, shape);
      if (problems.length) {
        built.showErrors(problems);
        replace(formAlert, problems.length === 1 ? 'One answer needs attention; it is marked above.' : `${problems.length} answers need attention; each is marked beside its field.`);
        formAlert.hidden = false;
        return;
      }
      const bodyText = JSON.stringify(content);
      if (!attempt || attempt.body !== bodyText) attempt = { id: requestId(), body: bodyText };
      submitButton.disabled = true;
      submitButton.setAttribute('aria-busy', 'true');
      await saver.hold();
      let done = false;
      try {
        const call = action === 'amend' ? feedbackApi.amend : feedbackApi.submit;
        const stored = await call(ctx.roomId, form.id, attempt.id, content);
        saver.discardBackup();
        form = stored?.id ? stored : await feedbackApi.form(ctx.roomId, form.id);
        done = true;
        toast(action === 'amend' ? `Version ${form.versions.length} submitted.` : 'Feedback submitted.');
        await submitted();
        ctx.onSubmitted?.(form);
      } catch (err) {
        if (err.field) {
          const left = built.showErrors([{ field: err.field, message: err.message }]);
          replace(formAlert, left.length ? `${err.message} (${err.field})` : 'The server refused one answer; it is marked above.');
        } else if (err.code === 'form_already_submitted') {
          // Submitted meanwhile (another tab): show what is stored rather than lose this text.
          replace(formAlert, 'This form was already submitted elsewhere. Your text is kept as a draft; amend to make it a new version.');
        } else {
          replace(formAlert, describeError(err));
        }
        formAlert.hidden = false;
      } finally {
        if (!done) saver?.resume();
        submitButton.disabled = false;
        submitButton.removeAttribute('aria-busy');
      }
    });
    replace(body, writable() ? formEl : closedNote());
    if (restored) saver.change(restored);
  }

  // ---- the submitted view ----
  async function submitted() {
    stopSaver();
    mode = 'submitted';
    const v = latest(form);
    const [rubric, ms] = await Promise.all([ctx.rubricFor(v.rubric_version), loadMoments()]);
    const index = momentIndex(ms);
    const view = (version, r) =>
      form.kind === 'candidate' ? rubricView({ rubric: r, content: version.content, questions: ctx.questionTitles(form.questions, ms), index }) : interviewerView({ items: r.interviewer_form, content: version.content });
    const history = form.versions.slice(0, -1).reverse();
    replace(
      body,
      h(
        'p',
        { class: 'submitted-line', role: 'status' },
        h('strong', null, `Submitted · version ${v.version}`),
        ` on ${when(v.submitted_at)}. `,
        form.released ? `Released to ${about()}${form.released_at ? ` on ${when(form.released_at)}` : ''}.` : releaseWaitText(),
      ),
      view(v, rubric),
      h(
        'div',
        { class: 'actions' },
        writable()
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn btn-secondary',
                id: `amend-${form.id}`,
                onclick: () => {
                  amendClosed = false;
                  edit('amend').catch((err) => toast(describeError(err), 'error'));
                },
              },
              'Amend (new version)',
            )
          : null,
        releaseButton(),
      ),
      history.length
        ? h(
            'section',
            { class: 'history', 'aria-label': 'Earlier versions' },
            h('h4', null, 'Earlier versions'),
            h(
              'ul',
              { class: 'version-list' },
              history.map((old) => {
                const holder = h('div', { class: 'version-body' });
                const details = h('details', { class: 'version', dataset: { version: old.version } }, h('summary', null, `Version ${old.version} · submitted ${when(old.submitted_at)}`), holder);
                // Each old version renders against its own rubric version, read when opened.
                details.addEventListener(
                  'toggle',
                  async () => {
                    if (!details.open || holder.childElementCount) return;
                    try {
                      const r = await ctx.rubricFor(old.rubric_version);
                      replace(holder, view(old, r));
                    } catch (err) {
                      replace(holder, h('p', { class: 'alert alert-error' }, describeError(err)));
                    }
                  },
                );
                return h('li', null, details);
              }),
            ),
          )
        : null,
    );
  }

  // askedOf narrows a form's questions to those started in the session (a question moment each);
  // the plan's others were never asked and get no score. Without moments, all are listed.
  function askedOf(indexes, ms) {
    const started = new Set(ms.filter((m) => m.kind === 'question' && typeof m.question_index === 'number').map((m) => m.question_index));
    return started.size ? (indexes || []).filter((i) => started.has(i)) : indexes;
  }

  function releaseWaitText() {
    const rel = ctx.overview.release;
    if (ctx.overview.room_kind === 'peer') {
      return `${about()} sees it once they have submitted theirs too, or at the latest on ${when(rel.deadline) || 'the release deadline'}.`;
    }
    if (rel.mode === 'held' && !rel.released) return `Not released to ${about()} yet: release it when you are ready.`;
    return `Not released to ${about()} yet.`;
  }

  function releaseButton() {
    const rel = ctx.overview.release;
    if (ctx.overview.room_kind !== 'mentor' || rel.mode !== 'held' || rel.released || form.kind !== 'candidate') return null;
    return h(
      'button',
      {
        type: 'button',
        class: 'btn btn-primary',
        id: 'release-feedback',
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            ctx.overview.release = await feedbackApi.release(ctx.roomId);
            form = await feedbackApi.form(ctx.roomId, form.id);
            toast(`Released to ${about()}.`);
            await submitted();
          } catch (err) {
            toast(describeError(err), 'error');
            e.currentTarget.disabled = false;
          }
        },
      },
      `Release to ${about()}`,
    );
  }

  function closedNote() {
    return h('p', { class: 'alert alert-info' }, `The writing window closed on ${when(ctx.overview.writable_until)}.`);
  }

  function stopSaver() {
    if (saver) {
      saver.flush();
      saver.stop();
    }
    indicator?.stop();
    saver = null;
    indicator = null;
  }

  show();
  return {
    el,
    editing: () => mode === 'edit',
    // update takes a newer copy of the form from the server; an open editor is left alone so
    // nothing being typed is replaced.
    update(next, nextCtx) {
      ctx = { ...ctx, ...nextCtx };
      if (mode === 'edit') return;
      const key = JSON.stringify([next, ctx.overview?.release]);
      if (key === shownKey) return;
      form = next;
      show();
    },
    stop: stopSaver,
  };
}
