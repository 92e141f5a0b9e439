package feedback_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Code runs are moments of the record: the candidate's run by its result, the interviewer's
// private run only from when it was shared with the room (before that the candidate never saw
// it), each labelled with who ran it, how it ended and what it printed first.
func TestRunsAreCiteableMoments(t *testing.T) {
	e := newEnv(t)
	const id mockroom.RoomID = "r-runs"
	e.mentorRoom(id, room.ReleaseHeld)
	run := func(typ string, actor mockroom.UserID, private bool, data map[string]any) mockroom.EventOffset {
		ev := live.NewEvent{Type: typ, Actor: actor, Data: data}
		if private {
			ev.InterviewerOnly, ev.For = true, actor
		}
		return e.appendEv(id, ev)
	}
	run(live.TypeRunStarted, candidate, false, map[string]any{"run_id": "c1", "question_index": 1, "version": 2, "language": "python"})
	fin := run(live.TypeRunFinished, candidate, false, map[string]any{"run_id": "c1", "question_index": 1, "version": 2, "status": "error", "output": "\nTraceback (most recent call last):\nZeroDivisionError", "duration_ms": 4})
	run(live.TypeRunStarted, mentor, true, map[string]any{"run_id": "m1", "question_index": 1, "version": 2, "language": "python", "private": true})
	run(live.TypeRunFinished, mentor, true, map[string]any{"run_id": "m1", "question_index": 1, "version": 2, "private": true, "status": "ok", "output": "hidden 42", "duration_ms": 3})
	shared := run(live.TypeRunShared, mentor, false, map[string]any{"run_id": "m1", "question_index": 1, "version": 2, "status": "ok", "output": "hidden 42", "duration_ms": 3, "ran_by": string(mentor)})

	ms, err := e.node(nil).Moments(t.Context(), id, mentor, feedback.NewFormID(feedback.KindCandidate, 0))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		if m.Kind == "run" {
			got = append(got, fmt.Sprintf("%d %s", m.From, m.Label))
		}
	}
	want := []string{
		fmt.Sprintf("%d run by C: error · Traceback (most recent call last):", fin),
		fmt.Sprintf("%d run by M (shared): finished · hidden 42", shared),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run moments (-want +got):\n%s", diff)
	}
}
