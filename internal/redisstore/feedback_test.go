package redisstore

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

func feedbackVersion(strengths string) feedback.Version {
	return feedback.Version{
		RubricVersion: 2, SubmittedAt: time.Date(2026, 11, 24, 11, 0, 0, 123e6, time.UTC),
		Content: feedback.Content{
			Qualities: []feedback.QualityAnswer{
				{Quality: "problem_solving", Score: 3, Evidence: "Stated the cost — O(n log n) — before coding.", Moments: []feedback.Moment{{From: 4, To: 9}}},
				{Quality: "databases", NotObserved: true},
			},
			Recommendation: "yes", Strengths: strengths, Improvements: "Trace an edge case.",
			Questions: []feedback.QuestionAnswer{{Index: 0, Score: 3, Note: "ünïcode ✓", Moments: []feedback.Moment{{From: 2, To: 2}}}},
		},
	}
}

// TestFeedbackSurvivesARestartWithAOF writes feedback to a redis-server that appends every write
// to its log file, kills the server, starts it again on the same files and reads the feedback
// back: it must equal what was written, to the field.
func TestFeedbackSurvivesARestartWithAOF(t *testing.T) {
	srv := redistest.StartWithArgs(t, "--appendonly", "yes", "--appendfsync", "always")
	srv.RequireReal(t)
	client := srv.Client(t)
	store := NewFeedbackStore(client, Keys{Prefix: redistest.Prefix(t)})
	ctx := t.Context()
	const room mockroom.RoomID = "r-aof"
	form := feedback.FormRef{ID: "candidate-0", Author: "mentor", About: "cand"}

	if _, err := store.Submit(ctx, room, form, "q1", false, feedbackVersion("Thinks aloud.")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Submit(ctx, room, form, "q2", true, feedbackVersion("Thinks aloud; tidy helpers.")); err != nil {
		t.Fatal(err)
	}
	draft := feedback.Draft{Content: feedback.Content{Strengths: "next amendment, half typed"}, SavedAt: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	if err := store.SaveDraft(ctx, room, form, draft); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Release(ctx, room, feedback.ReasonMentor, time.Date(2026, 11, 24, 11, 0, 1, 0, time.UTC), []feedback.FormID{form.ID}); err != nil {
		t.Fatal(err)
	}
	if err := store.Rate(ctx, room, form, feedback.Rating{Score: 4, Line: "useful", RatedAt: time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	before, err := store.Record(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Forms[form.ID].Versions) != 2 || before.ReleasedAt.IsZero() {
		t.Fatalf("record before the restart: %+v", before)
	}

	srv.Kill()
	srv.Restart(t)

	after, err := store.Record(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("feedback after the restart (-before +after):\n%s", diff)
	}
	if got := after.Forms[form.ID].Versions[1].Content; !cmp.Equal(got, feedbackVersion("Thinks aloud; tidy helpers.").Content) {
		t.Fatalf("amendment read back differs from what was submitted: %s", cmp.Diff(feedbackVersion("Thinks aloud; tidy helpers.").Content, got))
	}
	st, err := store.Standing(ctx, form.Author)
	if err != nil || st.Count != 1 || st.Sum != 4 {
		t.Fatalf("standing after the restart: %+v, %v", st, err)
	}
}

func TestFeedbackSubmitOutcomes(t *testing.T) {
	srv := redistest.Shared(t)
	store := NewFeedbackStore(srv.Client(t), Keys{Prefix: redistest.Prefix(t)})
	ctx := t.Context()
	form := feedback.FormRef{ID: "candidate-0", Author: "a", About: "b"}
	steps := []struct {
		req   string
		amend bool
		want  feedback.SubmitResult
	}{
		{"x", true, feedback.SubmitResult{Outcome: feedback.SubmitNotSubmitted}},
		{"x", false, feedback.SubmitResult{Outcome: feedback.SubmitStored, Version: 1}},
		{"x", false, feedback.SubmitResult{Outcome: feedback.SubmitDuplicate, Version: 1}},
		{"y", false, feedback.SubmitResult{Outcome: feedback.SubmitAlready, Version: 1}},
		{"y", true, feedback.SubmitResult{Outcome: feedback.SubmitStored, Version: 2}},
		{"y", true, feedback.SubmitResult{Outcome: feedback.SubmitDuplicate, Version: 2}},
	}
	for i, s := range steps {
		got, err := store.Submit(ctx, "r", form, s.req, s.amend, feedbackVersion("s"))
		if err != nil || got != s.want {
			t.Fatalf("step %d: Submit = %+v, %v; want %+v", i, got, err, s.want)
		}
	}
}
