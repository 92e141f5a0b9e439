package ws_test

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// deadlineOf reads an RFC 3339 time field of an event's data.
func deadlineOf(t *testing.T, f frame, key string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, f.obj("data").str(key))
	if err != nil {
		t.Fatalf("%s %s: %v in %v", f.str("event"), key, err, f)
	}
	return at
}

// TestAllowanceDuringSession sets the candidate's time allowance while a question runs, through
// real sockets on real Redis: the running question's clock moves by the difference (running and
// paused), the next question is given the new allowance, snapshots carry it, and a short
// question expires at its moved deadline, not at its first one.
func TestAllowanceDuringSession(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-allow")
	iv := h.join(interviewer, "r-allow")
	cand := h.join(candidate, "r-allow")

	iv.command("room.start", nil)
	started := cand.waitEvent("question.started")
	if d := started.obj("data"); d.num("allowance") != 1 || d.num("budget_ms") != 300_000 {
		t.Fatalf("first question: allowance %v, budget %v; want 1 and 300000", d.num("allowance"), d.num("budget_ms"))
	}
	// The store keeps clocks to the millisecond.
	firstDeadline := deadlineOf(t, started, "deadline").Truncate(time.Millisecond)

	// Half again as long: five minutes become seven and a half, so the deadline moves 150 s.
	iv.command("allowance.set", map[string]any{"user_id": string(candidate.UserID), "factor": 1.5})
	set := cand.waitEvent("allowance.set")
	d := set.obj("data")
	if d.str("user_id") != string(candidate.UserID) || d.num("factor") != 1.5 || d.num("index") != 0 || d.num("budget_ms") != 450_000 {
		t.Fatalf("allowance.set = %v", d)
	}
	if got, want := deadlineOf(t, set, "deadline"), firstDeadline.Add(150*time.Second); !got.Equal(want) {
		t.Fatalf("moved deadline %v, want %v", got, want)
	}
	if left := d.num("left_ms"); left <= 300_000 || left > 450_000 {
		t.Fatalf("left_ms %v after the allowance, want between 300000 and 450000", left)
	}

	// Someone joining now sees the moved clock and the allowance.
	late := h.join(candidate, "r-allow")
	room := late.lastOf("snapshot").obj("room")
	if a := room.obj("allowances").num(string(candidate.UserID)); a != 1.5 {
		t.Fatalf("snapshot allowances = %v, want the candidate at 1.5", room["allowances"])
	}
	timer := room.obj("timer")
	if at, err := time.Parse(time.RFC3339Nano, timer.str("deadline")); err != nil || !at.Equal(firstDeadline.Add(150*time.Second)) || timer.num("budget_ms") != 450_000 {
		t.Fatalf("snapshot timer = %v, want the moved deadline %v", timer, firstDeadline.Add(150*time.Second))
	}

	// An allowance for someone not answering the question leaves its clock alone.
	iv.command("allowance.set", map[string]any{"user_id": string(observer.UserID), "factor": 2})
	if d := cand.waitEvent("allowance.set").obj("data"); d.str("user_id") != string(observer.UserID) || d["index"] != nil || d["deadline"] != nil {
		t.Fatalf("allowance for the observer moved the clock: %v", d)
	}

	// While paused, the time left moves instead of the deadline: 1.25 takes 75 s back.
	iv.command("timer.pause", nil)
	remaining := cand.waitEvent("timer.paused").obj("data").num("remaining_ms")
	iv.command("allowance.set", map[string]any{"user_id": string(candidate.UserID), "factor": 1.25})
	d = cand.waitEvent("allowance.set").obj("data")
	if d["deadline"] != nil || d.num("left_ms") != remaining-75_000 || d.num("budget_ms") != 375_000 {
		t.Fatalf("allowance while paused = %v, want left %v and no deadline", d, remaining-75_000)
	}
	iv.command("timer.resume", nil)
	cand.waitEvent("timer.resumed")

	// The next question is given the new allowance from its start.
	iv.command("question.next", nil)
	next := cand.waitEvent("question.started").obj("data")
	if next.num("index") != 1 || next.num("allowance") != 1.25 || next.num("budget_ms") != 375_000 {
		t.Fatalf("second question = %v, want allowance 1.25 and budget 375000", next)
	}

	// Bad input changes nothing, each with its own code.
	for _, tt := range []struct {
		name string
		from *client
		data map[string]any
		code string
	}{
		{"from the candidate", cand, map[string]any{"user_id": string(candidate.UserID), "factor": 2}, "role_forbidden"},
		{"not a participant", iv, map[string]any{"user_id": "nobody", "factor": 1.5}, "allowance_user"},
		{"too much", iv, map[string]any{"user_id": string(candidate.UserID), "factor": 2.5}, "bad_field"},
		{"less than planned", iv, map[string]any{"user_id": string(candidate.UserID), "factor": 0.5}, "bad_field"},
	} {
		if r := tt.from.refused("allowance.set", tt.data); r.str("code") != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, r.str("code"), tt.code)
		}
	}
	if a := h.join(interviewer, "r-allow").lastOf("snapshot").obj("room").obj("allowances").num(string(candidate.UserID)); a != 1.25 {
		t.Fatalf("after the refusals the allowance is %v, want 1.25", a)
	}
}

// TestAllowanceMovesTheExpiry runs a two-second question and doubles the allowance at once: the
// expiry comes at the moved deadline, and it is the only one.
func TestAllowanceMovesTheExpiry(t *testing.T) {
	h := newHarness(t)
	h.rooms.Put(live.RoomInfo{ID: "r-allow-short", Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting, Allowance: 1,
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: interviewer.Name},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: candidate.Name},
		},
		Questions: []live.PlannedQuestion{
			{Title: "Quick one", Category: mockroom.CategoryOwnQuestions, Seconds: 2},
			{Title: "Next", Category: mockroom.CategoryOwnQuestions, Minutes: 5},
		},
	})
	iv := h.join(interviewer, "r-allow-short")
	cand := h.join(candidate, "r-allow-short")
	iv.command("room.start", nil)
	first := deadlineOf(t, cand.waitEvent("question.started"), "deadline").Truncate(time.Millisecond)
	iv.command("allowance.set", map[string]any{"user_id": string(candidate.UserID), "factor": 2})
	set := cand.waitEvent("allowance.set")
	if set.obj("data")["index"] == nil {
		// The two seconds ran out before the command arrived (a very busy machine): nothing
		// to move, which the event must then not claim.
		if set.obj("data")["deadline"] != nil {
			t.Fatalf("an expired question's clock moved: %v", set.obj("data"))
		}
		return
	}
	moved := deadlineOf(t, set, "deadline")
	if !moved.Equal(first.Add(2 * time.Second)) {
		t.Fatalf("moved deadline %v, want %v", moved, first.Add(2*time.Second))
	}
	expired := cand.waitEvent("timer.expired")
	if at := deadlineOf(t, expired, "deadline"); !at.Equal(moved) {
		t.Fatalf("the question expired with deadline %v, want the moved %v", at, moved)
	}
	if sent, err := time.Parse(time.RFC3339Nano, expired.str("server_time")); err != nil || sent.Before(moved) {
		t.Fatalf("timer.expired sent at %v, before the moved deadline %v", expired.str("server_time"), moved)
	}
	// Exactly one expiry: the next event of the question's clock is the interviewer's, not a
	// second expiry from the first deadline.
	iv.command("question.next", nil)
	cand.waitEvent("question.started")
	n := 0
	for _, raw := range cand.raw {
		if f := mustFrame(raw); f.str("event") == "timer.expired" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d timer.expired events, want 1", n)
	}
}
