package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

func TestMentorFeedbackDraftSubmitAmend(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-mentor"
	l := e.mentorRoom(id, room.ReleaseOnSubmit)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)

	// Before anything is written the candidate sees that a form exists, nothing more.
	ov, err := svc.Overview(ctx, id, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.AboutMe) != 0 || len(ov.Pending) != 1 || ov.Pending[0].AuthorSubmitted {
		t.Fatalf("candidate overview before submit: %+v", ov)
	}

	// A draft is saved half-typed and read back by its author only.
	draft := feedback.Content{Strengths: "Thinks aloud", Qualities: []feedback.QualityAnswer{{Quality: "problem_solving", Score: 2}}}
	if _, err := svc.SaveDraft(ctx, id, mentor, form, draft); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Form(ctx, id, mentor, form)
	if err != nil {
		t.Fatal(err)
	}
	if got.Draft == nil || !cmp.Equal(got.Draft.Content, draft) {
		t.Fatalf("draft read back = %+v, want %+v", got.Draft, draft)
	}
	if _, err := svc.Form(ctx, id, candidate, form); code(err) != "form_not_found" {
		t.Fatalf("candidate reads the draft: %v", err)
	}

	content := e.candidateContent([]int{0, 1}, feedback.Moment{From: l.q0, To: l.q0}, feedback.Moment{From: l.code, To: l.chat})
	sub, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "req-1", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.Versions) != 1 || sub.Versions[0].Version != 1 || sub.Draft != nil || !sub.Released {
		t.Fatalf("after submit: %+v", sub)
	}
	if !cmp.Equal(sub.Versions[0].Content, content) || sub.Versions[0].RubricVersion != 2 {
		t.Fatalf("stored version differs: %s", cmp.Diff(content, sub.Versions[0].Content))
	}

	// Released on submit: the candidate reads it.
	ov, err = svc.Overview(ctx, id, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.AboutMe) != 1 || !cmp.Equal(ov.AboutMe[0].Versions[0].Content, content) || ov.AboutMe[0].Draft != nil {
		t.Fatalf("candidate overview after submit: %+v", ov)
	}
	if !ov.Release.Released || ov.Release.Reason != feedback.ReasonMentor {
		t.Fatalf("release state %+v", ov.Release)
	}

	// The same request again takes effect once; a new one is refused: amend instead.
	again, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "req-1", Content: content})
	if err != nil || len(again.Versions) != 1 {
		t.Fatalf("repeated submit: %v, %d versions", err, len(again.Versions))
	}
	if _, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "req-2", Content: content}); code(err) != "form_already_submitted" {
		t.Fatalf("second submit: %v", err)
	}

	amended := content
	amended.Strengths = "Clear thinking aloud, and a tidy helper function."
	am, err := svc.Amend(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "req-3", Content: amended})
	if err != nil {
		t.Fatal(err)
	}
	if len(am.Versions) != 2 || am.Versions[0].Content.Strengths != content.Strengths || am.Versions[1].Content.Strengths != amended.Strengths {
		t.Fatalf("history after amend: %+v", am.Versions)
	}

	if n := e.count(id, live.TypeFeedbackSubmitted); n != 2 {
		t.Errorf("%d feedback.submitted events, want 2 (submit and amendment)", n)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 1 {
		t.Errorf("%d feedback.released events, want 1", n)
	}
	// The events carry no content.
	for _, ev := range e.logOf(id) {
		if (ev.Type == live.TypeFeedbackSubmitted || ev.Type == live.TypeFeedbackReleased) && (len(ev.Private) > 0 || containsAny(string(ev.Data), "Clear thinking", "Said what")) {
			t.Errorf("%s carries content: %s %s", ev.Type, ev.Data, ev.Private)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestSubmitValidationNamesTheFieldAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-valid"
	l := e.mentorRoom(id, room.ReleaseOnSubmit)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)

	cases := []struct {
		name  string
		edit  func(c *feedback.Content)
		code  string
		field string
	}{
		{"score without evidence", func(c *feedback.Content) { c.Qualities[1].Evidence = " " }, "form_invalid", "qualities[1].evidence"},
		{"score out of range", func(c *feedback.Content) { c.Qualities[2].Score = 5 }, "form_invalid", "qualities[2].score"},
		{"score and not observed", func(c *feedback.Content) { c.Qualities[3].Score = 2 }, "form_invalid", "qualities[3].score"},
		{"unknown quality", func(c *feedback.Content) { c.Qualities[0].Quality = "charisma" }, "form_invalid", "qualities[0].quality"},
		{"quality missing", func(c *feedback.Content) { c.Qualities = c.Qualities[1:] }, "form_invalid", "qualities"},
		{"no recommendation", func(c *feedback.Content) { c.Recommendation = "" }, "form_invalid", "recommendation"},
		{"unknown recommendation", func(c *feedback.Content) { c.Recommendation = "maybe" }, "form_invalid", "recommendation"},
		{"question asked not scored", func(c *feedback.Content) { c.Questions = c.Questions[:1] }, "form_invalid", "questions"},
		{"question of no half", func(c *feedback.Content) { c.Questions[0].Index = 7 }, "form_invalid", "questions[0].index"},
		{"field of the other form", func(c *feedback.Content) { c.Comment = "hi" }, "form_invalid", "comment"},
		{"offset not in the room", func(c *feedback.Content) { c.Qualities[0].Moments = []feedback.Moment{{From: 900, To: 900}} }, "moment_not_in_room", "qualities[0].moments[0]"},
		{"the interviewer's private note", func(c *feedback.Content) { c.Qualities[0].Moments = []feedback.Moment{{From: l.note, To: l.note}} }, "moment_not_visible", "qualities[0].moments[0]"},
		{"range backwards", func(c *feedback.Content) { c.Questions[0].Moments = []feedback.Moment{{From: l.q1, To: l.q0}} }, "form_invalid", "questions[0].moments[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.candidateContent([]int{0, 1})
			tc.edit(&c)
			_, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "r-" + tc.name, Content: c})
			if code(err) != tc.code || mockroom.ErrorField(err) != tc.field {
				t.Fatalf("Submit = %v (field %q), want %s on %s", err, mockroom.ErrorField(err), tc.code, tc.field)
			}
		})
	}
	rec, err := e.store.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Forms) != 0 || e.count(id, live.TypeFeedbackSubmitted) != 0 {
		t.Fatalf("refused submissions stored something: %+v", rec)
	}
}

func TestHeldMentorFeedbackWaitsForTheMentor(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-held"
	e.mentorRoom(id, room.ReleaseHeld)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)
	if _, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "a", Content: e.candidateContent([]int{0, 1})}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Form(ctx, id, candidate, form); code(err) != "form_not_found" {
		t.Fatalf("candidate reads held feedback: %v", err)
	}
	if _, err := svc.Release(ctx, id, candidate); code(err) != "not_interviewer" {
		t.Fatalf("candidate releases: %v", err)
	}
	rs, err := svc.Release(ctx, id, mentor)
	if err != nil || !rs.Released || rs.Mode != feedback.ModeHeld {
		t.Fatalf("Release = %+v, %v", rs, err)
	}
	if _, err := svc.Form(ctx, id, candidate, form); err != nil {
		t.Fatalf("candidate cannot read released feedback: %v", err)
	}
	if _, err := svc.Release(ctx, id, mentor); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 1 {
		t.Fatalf("%d feedback.released events, want 1", n)
	}
}

func TestWhoMayWriteAndWhen(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-who"
	e.mentorRoom(id, room.ReleaseOnSubmit)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)

	if _, err := svc.Overview(ctx, id, observer); code(err) != "observer_no_feedback" {
		t.Errorf("observer overview: %v", err)
	}
	if _, err := svc.Overview(ctx, id, "stranger"); code(err) != "not_participant" {
		t.Errorf("stranger overview: %v", err)
	}
	if _, err := svc.SaveDraft(ctx, id, candidate, form, feedback.Content{}); code(err) != "form_not_found" {
		t.Errorf("candidate writes the mentor's form: %v", err)
	}
	if _, err := svc.SaveDraft(ctx, id, mentor, "interviewer-0", feedback.Content{}); code(err) != "form_not_found" {
		t.Errorf("a mentor room has no interviewer-quality form: %v", err)
	}

	const running mockroom.RoomID = "r-running"
	e.mentorRoom(running, room.ReleaseOnSubmit)
	r, _ := e.rooms.Get(ctx, running)
	r.State, r.EndedAt = mockroom.StateLive, time.Time{}
	e.rooms.put(r)
	if _, err := svc.SaveDraft(ctx, running, mentor, form, feedback.Content{}); code(err) != "room_not_ended" {
		t.Errorf("draft in a live room: %v", err)
	}

	e.clock.Advance(feedback.DefaultWriteWindow)
	if _, err := svc.SaveDraft(ctx, id, mentor, form, feedback.Content{}); code(err) != "form_closed" {
		t.Errorf("draft after the writing window: %v", err)
	}
}

// dyingStore is a node's store that fails when it would release: the node stored the form and
// died before the release.
type dyingStore struct{ feedback.Store }

func (dyingStore) Release(context.Context, mockroom.RoomID, feedback.Reason, time.Time, []feedback.FormID) (feedback.RoomRecord, error) {
	return feedback.RoomRecord{}, errNodeDied
}

func TestOnSubmitReleaseFinishedByAnotherNode(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-finish"
	e.mentorRoom(id, room.ReleaseOnSubmit)
	dying := feedback.NewService(dyingStore{e.store}, e.rooms, e.bank, e.liveLog(), feedback.Config{Now: e.clock.Now})
	form := feedback.NewFormID(feedback.KindCandidate, 0)
	if _, err := dying.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "a", Content: e.candidateContent([]int{0, 1})}); !errors.Is(err, errNodeDied) {
		t.Fatalf("submit on the dying node: %v", err)
	}
	other := e.node(nil)
	if _, err := other.Form(ctx, id, candidate, form); code(err) != "form_not_found" {
		t.Fatalf("released before any node released it: %v", err)
	}
	if err := other.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Form(ctx, id, candidate, form); err != nil {
		t.Fatalf("the candidate cannot read it after another node's poll: %v", err)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 1 {
		t.Fatalf("%d feedback.released events", n)
	}
	if left, _ := e.store.DueDeadlines(ctx, e.clock.Now().AddDate(1, 0, 0), 10); len(left) != 0 {
		t.Fatalf("index left with %v", left)
	}
}

func TestMomentsOfferedAndReadBack(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-moments"
	l := e.mentorRoom(id, room.ReleaseHeld)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)

	ms, err := svc.Moments(ctx, id, mentor, form)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %d-%d %s", m.Kind, m.From, m.To, m.Label))
	}
	want := []string{
		fmt.Sprintf("question %d-%d question 1 started: Lists", l.q0, l.q0),
		fmt.Sprintf("code %d-%d code by C: def total(xs):", l.code, l.code+1),
		fmt.Sprintf("chat %d-%d chat: I would use a dict here", l.chat, l.chat),
		fmt.Sprintf("hint %d-%d hint 2 of 3 on question 1: Think about what sum returns for no items", l.hint, l.hint),
		fmt.Sprintf("clarification %d-%d clarification on question 1: Can the list be empty?", l.clar, l.clar),
		fmt.Sprintf("question %d-%d question 2 started: Paths", l.q1, l.q1),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("moments offered (-want +got), the private note must not be among them:\n%s", diff)
	}
	for _, m := range ms[3:5] {
		if m.QuestionIndex == nil || *m.QuestionIndex != 0 || m.Actor != mentor {
			t.Fatalf("%s moment: question %v, actor %q; want question 0 by the mentor", m.Kind, m.QuestionIndex, m.Actor)
		}
	}

	// The person the form is about reads the moments once the form is released to them.
	if _, err := svc.Moments(ctx, id, candidate, form); code(err) != "form_not_found" {
		t.Fatalf("candidate lists moments before release: %v", err)
	}
	// A form may cite the hint it needed ("needed hint 2").
	cited := e.candidateContent([]int{0, 1}, feedback.Moment{From: l.hint, To: l.hint}, feedback.Moment{From: l.clar, To: l.clar})
	if _, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "a", Content: cited}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, id, mentor); err != nil {
		t.Fatal(err)
	}
	back, err := svc.Moments(ctx, id, candidate, form)
	if err != nil || len(back) != len(ms) {
		t.Fatalf("candidate's moments after release: %d, %v", len(back), err)
	}
	if _, err := svc.Moments(ctx, id, observer, form); code(err) != "observer_no_feedback" {
		t.Fatalf("observer lists moments: %v", err)
	}
}
