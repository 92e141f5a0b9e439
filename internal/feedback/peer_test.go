package feedback_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

var (
	annAboutBob = feedback.NewFormID(feedback.KindCandidate, 0)   // ann interviewed bob
	bobOnAnn    = feedback.NewFormID(feedback.KindInterviewer, 0) // bob rates ann as interviewer
	bobAboutAnn = feedback.NewFormID(feedback.KindCandidate, 1)   // bob interviewed ann
	annOnBob    = feedback.NewFormID(feedback.KindInterviewer, 1) // ann rates bob as interviewer
)

// submitAll submits every form user writes in the peer room.
func (e *env) submitAll(svc *feedback.Service, id mockroom.RoomID, user mockroom.UserID) {
	e.t.Helper()
	forms := map[mockroom.UserID][]feedback.FormID{ann: {annAboutBob, annOnBob}, bob: {bobAboutAnn, bobOnAnn}}
	for _, f := range forms[user] {
		c := e.interviewerContent()
		if k, half, _ := f.Parse(); k == feedback.KindCandidate {
			c = e.candidateContent([]int{half})
		}
		if _, err := svc.Submit(e.t.Context(), id, user, f, feedback.SubmitRequest{RequestID: string(f), Content: c}); err != nil {
			e.t.Fatalf("%s submits %s: %v", user, f, err)
		}
	}
}

// seesAbout returns the ids of forms about user that user can read.
func (e *env) seesAbout(svc *feedback.Service, id mockroom.RoomID, user mockroom.UserID) []feedback.FormID {
	e.t.Helper()
	ov, err := svc.Overview(e.t.Context(), id, user)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []feedback.FormID
	for _, f := range ov.AboutMe {
		out = append(out, f.ID)
	}
	for _, p := range ov.Pending {
		if _, err := svc.Form(e.t.Context(), id, user, p.ID); code(err) != "form_not_found" {
			e.t.Fatalf("%s reads pending %s: %v", user, p.ID, err)
		}
	}
	return out
}

func TestPeerReleaseIsDoubleBlind(t *testing.T) {
	e := newEnv(t)
	const id mockroom.RoomID = "r-peer"
	e.peerRoom(id)
	svc := e.node(nil)

	e.submitAll(svc, id, ann)
	if got := e.seesAbout(svc, id, bob); len(got) != 0 {
		t.Fatalf("bob sees %v before he submitted", got)
	}
	ov, _ := svc.Overview(t.Context(), id, bob)
	if len(ov.Pending) != 2 || !ov.Pending[0].AuthorSubmitted || ov.Release.Mode != feedback.ModeDoubleBlind || ov.Release.Deadline.IsZero() {
		t.Fatalf("bob's waiting state: %+v", ov)
	}
	// Half of bob's forms is not "both submitted".
	if _, err := svc.Submit(t.Context(), id, bob, bobOnAnn, feedback.SubmitRequest{RequestID: "x", Content: e.interviewerContent()}); err != nil {
		t.Fatal(err)
	}
	if got := e.seesAbout(svc, id, ann); len(got) != 0 {
		t.Fatalf("ann sees %v before bob submitted everything", got)
	}
	if _, err := svc.Submit(t.Context(), id, bob, bobAboutAnn, feedback.SubmitRequest{RequestID: "y", Content: e.candidateContent([]int{1})}); err != nil {
		t.Fatal(err)
	}
	if got := e.seesAbout(svc, id, ann); len(got) != 2 {
		t.Fatalf("ann sees %v after both submitted, want both forms about her", got)
	}
	if got := e.seesAbout(svc, id, bob); len(got) != 2 {
		t.Fatalf("bob sees %v after both submitted", got)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 4 {
		t.Fatalf("%d feedback.released events, want one per form", n)
	}
	ov, _ = svc.Overview(t.Context(), id, ann)
	if ov.Release.Reason != feedback.ReasonBothSubmitted {
		t.Fatalf("reason %q", ov.Release.Reason)
	}
}

// TestDeadlineReleasesOnceWhenItsNodeDies: the node that armed the deadline is gone, another
// node that takes it up dies after marking the release and before telling the room; two more
// nodes race for what is left. The feedback is released, each form's event appended once, and
// the index is left empty.
func TestDeadlineReleasesOnceWhenItsNodeDies(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-deadline"
	e.peerRoom(id)

	armer := e.node(nil) // submits, arms the deadline, then is never heard of again
	e.submitAll(armer, id, ann)
	due, err := e.store.DueDeadlines(ctx, e.ended.Add(feedback.DefaultPeerDeadline), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("deadline index after a submit: %v, %v", due, err)
	}

	survivor := e.node(nil)
	if err := survivor.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.seesAbout(survivor, id, bob); len(got) != 0 {
		t.Fatalf("released before the deadline: bob sees %v", got)
	}

	e.clock.Advance(feedback.DefaultPeerDeadline)
	dying := e.node(failingLog{e.liveLog()})
	if err := dying.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 0 {
		t.Fatalf("the dying node told the room %d times", n)
	}

	var wg sync.WaitGroup
	for range 2 {
		n := e.node(nil)
		wg.Go(func() {
			if err := n.PollOnce(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.count(id, live.TypeFeedbackReleased); n != 2 {
		t.Fatalf("%d feedback.released events, want once for each of ann's two forms", n)
	}
	for _, ev := range e.logOf(id) {
		if ev.Type == live.TypeFeedbackReleased && !containsAny(string(ev.Data), `"reason":"deadline"`) {
			t.Errorf("released event %s, want reason deadline", ev.Data)
		}
	}
	if got := e.seesAbout(survivor, id, bob); len(got) != 2 {
		t.Fatalf("bob sees %v after the deadline", got)
	}
	if got := e.seesAbout(survivor, id, ann); len(got) != 0 {
		t.Fatalf("ann sees %v though bob wrote nothing", got)
	}
	left, err := e.store.DueDeadlines(ctx, e.clock.Now().AddDate(1, 0, 0), 10)
	if err != nil || len(left) != 0 {
		t.Fatalf("deadline index after release: %v, %v", left, err)
	}

	// After the deadline, what bob submits reaches ann at once.
	e.submitAll(survivor, id, bob)
	if got := e.seesAbout(survivor, id, ann); len(got) != 2 {
		t.Fatalf("ann sees %v after bob's late submit", got)
	}
	if n := e.count(id, live.TypeFeedbackReleased); n != 4 {
		t.Fatalf("%d feedback.released events after the late submit, want 4", n)
	}
}

func TestFeedbackOnFeedbackAndStanding(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-rate"
	e.peerRoom(id)
	svc := e.node(nil)
	e.submitAll(svc, id, ann)
	if _, err := svc.Rate(ctx, id, bob, annAboutBob, feedback.Rating{Score: 4}); code(err) != "form_not_released" {
		t.Fatalf("rating before release: %v", err)
	}
	e.submitAll(svc, id, bob)
	if _, err := svc.Rate(ctx, id, bob, annAboutBob, feedback.Rating{Score: 5}); code(err) != "form_invalid" {
		t.Fatalf("rating 5: %v", err)
	}
	if _, err := svc.Rate(ctx, id, ann, annAboutBob, feedback.Rating{Score: 4}); code(err) != "form_not_found" {
		t.Fatalf("author rates own feedback: %v", err)
	}
	if _, err := svc.Rate(ctx, id, bob, annAboutBob, feedback.Rating{Score: 2, Line: "vague"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rate(ctx, id, bob, annAboutBob, feedback.Rating{Score: 4, Line: "specific, with next steps"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rate(ctx, id, ann, bobAboutAnn, feedback.Rating{Score: 1}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.Standing(ctx, ann)
	if avg, ok := st.Average(); err != nil || !ok || st.Count != 1 || avg != 4 {
		t.Fatalf("ann's standing %+v (%v), want one rating of 4 (the latest counts)", st, err)
	}
	f, err := svc.Form(ctx, id, bob, annAboutBob)
	if err != nil || f.Rating == nil || f.Rating.Score != 4 {
		t.Fatalf("bob's rating on the form: %+v, %v", f.Rating, err)
	}
	if f, _ := svc.Form(ctx, id, ann, annAboutBob); f.Rating != nil {
		t.Fatalf("the author sees the single rating: %+v", f.Rating)
	}
}

func TestReleasedToAndEraseUser(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-erase"
	e.peerRoom(id)
	svc := e.node(nil)
	e.submitAll(svc, id, ann)
	got, err := svc.ReleasedTo(ctx, id, bob)
	if err != nil || len(got) != 0 {
		t.Fatalf("ReleasedTo before release = %v, %v", got, err)
	}
	e.submitAll(svc, id, bob)
	got, err = svc.ReleasedTo(ctx, id, bob)
	if err != nil || len(got) != 2 || got[0].Author != ann || len(got[0].Versions) != 1 || got[0].ReleasedAt.IsZero() {
		t.Fatalf("ReleasedTo after release = %+v, %v", got, err)
	}
	if _, err := svc.Rate(ctx, id, ann, bobAboutAnn, feedback.Rating{Score: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveDraft(ctx, id, ann, annAboutBob, feedback.Content{Strengths: "draft of an amendment"}); err != nil {
		t.Fatal(err)
	}

	if err := svc.EraseUser(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.ReleasedTo(ctx, id, ann); len(got) != 0 {
		t.Fatalf("feedback about ann survives her erasure: %+v", got)
	}
	if got, _ := svc.ReleasedTo(ctx, id, bob); len(got) != 2 {
		t.Fatalf("what ann wrote about bob is gone: %+v", got)
	}
	rec, _ := e.store.Record(ctx, id)
	if rec.Forms[annAboutBob].Draft != nil {
		t.Fatal("ann's draft survives her erasure")
	}
	if st, _ := svc.Standing(ctx, bob); st.Count != 0 {
		t.Fatalf("ann's rating of bob's feedback still counts: %+v", st)
	}
}

// signallingLog tells the test each time a release reaches the room's log.
type signallingLog struct {
	feedback.LiveLog
	released chan<- string
}

func (l signallingLog) AppendOnce(ctx context.Context, id mockroom.RoomID, once string, ev live.NewEvent) error {
	err := l.LiveLog.AppendOnce(ctx, id, once, ev)
	if err == nil && ev.Type == live.TypeFeedbackReleased {
		l.released <- once
	}
	return err
}

// TestRunReleasesAtTheDeadline runs the poller as a node does and stops it.
func TestRunReleasesAtTheDeadline(t *testing.T) {
	e := newEnv(t)
	const id mockroom.RoomID = "r-run"
	e.peerRoom(id)
	e.submitAll(e.node(nil), id, bob)
	e.clock.Advance(feedback.DefaultPeerDeadline)

	released := make(chan string, 4)
	svc := feedback.NewService(e.store, e.rooms, e.bank, signallingLog{e.liveLog(), released},
		feedback.Config{Now: e.clock.Now, PollEvery: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case once := <-released:
			got[once] = true
		case <-t.Context().Done():
			t.Fatal("the poller never released")
		}
	}
	cancel()
	<-done
	if got := e.seesAbout(svc, id, ann); len(got) != 2 {
		t.Fatalf("ann sees %v after the deadline", got)
	}
}
