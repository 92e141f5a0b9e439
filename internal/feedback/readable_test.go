package feedback_test

import (
	"testing"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// TestReadableFollowsTheReleaseRules: what a session's record may show each reader. The author
// has their submitted form and never their draft; the candidate nothing before release and the
// form after; the observer and a stranger nothing.
func TestReadableFollowsTheReleaseRules(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const id mockroom.RoomID = "r-readable"
	l := e.mentorRoom(id, room.ReleaseHeld)
	svc := e.node(nil)
	form := feedback.NewFormID(feedback.KindCandidate, 0)

	readable := func(who mockroom.UserID) []feedback.Form {
		t.Helper()
		fs, err := svc.Readable(ctx, id, who)
		if err != nil {
			t.Fatalf("Readable(%s): %v", who, err)
		}
		return fs
	}
	if _, err := svc.SaveDraft(ctx, id, mentor, form, feedback.Content{Strengths: "half typed"}); err != nil {
		t.Fatal(err)
	}
	if fs := readable(mentor); len(fs) != 0 {
		t.Errorf("author with only a draft reads %+v, want nothing", fs)
	}
	content := e.candidateContent([]int{0, 1}, feedback.Moment{From: l.chat, To: l.chat})
	if _, err := svc.Submit(ctx, id, mentor, form, feedback.SubmitRequest{RequestID: "s1", Content: content}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveDraft(ctx, id, mentor, form, feedback.Content{Strengths: "next amendment"}); err != nil {
		t.Fatal(err)
	}
	if fs := readable(mentor); len(fs) != 1 || fs[0].Draft != nil || len(fs[0].Versions) != 1 {
		t.Errorf("author reads %+v, want the submitted version without the draft", fs)
	}
	if fs := readable(candidate); len(fs) != 0 {
		t.Errorf("candidate reads %d forms before release", len(fs))
	}
	if _, err := svc.Release(ctx, id, mentor); err != nil {
		t.Fatal(err)
	}
	if fs := readable(candidate); len(fs) != 1 || !fs[0].Released || fs[0].Versions[0].Content.Strengths != content.Strengths {
		t.Errorf("candidate after release reads %+v", fs)
	}
	for _, who := range []mockroom.UserID{observer, "stranger"} {
		if fs := readable(who); len(fs) != 0 {
			t.Errorf("%s reads %d forms, want none", who, len(fs))
		}
	}
}
