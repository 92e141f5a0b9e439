package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redistest"
)

// checkExactlyOnce fails unless the events are one run of offsets without a repeat or a hole
// (the candidate sees every event of these tests: nothing interviewer-only is sent).
func checkExactlyOnce(t *testing.T, evs []frame) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		prev, cur := uint64(evs[i-1].num("offset")), uint64(evs[i].num("offset"))
		if cur != prev+1 {
			t.Fatalf("event offsets jump from %d to %d (%s → %s)", prev, cur, evs[i-1].str("event"), evs[i].str("event"))
		}
	}
}

func oneMinuteQuestion() []map[string]any {
	return []map[string]any{{"category": "technical_proficiency", "difficulty": "junior", "minutes": 1}}
}

// TestTimerFiresOnceAfterTheNodeThatSetItDies: a question with a 3-second budget (a custom
// plan made through the API) is started through node A, which is then killed; node B fires the
// question's one warning (at 1 s left) and its expiry, each exactly once and within a second of
// its time.
func TestTimerFiresOnceAfterTheNodeThatSetItDies(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	iv := signUp(t, a.url)
	var plan struct {
		ID    string `json:"id"`
		Slots []struct {
			Seconds int `json:"seconds"`
		} `json:"slots"`
	}
	call(t, a.url, "POST", "/api/v1/tracks/python-developer/plans", iv.Token, map[string]any{
		"title": "Three-second drill",
		"slots": []map[string]any{{"category": "technical_proficiency", "difficulty": "junior", "seconds": 3}},
	}, &plan)
	if len(plan.Slots) != 1 || plan.Slots[0].Seconds != 3 {
		t.Fatalf("stored plan %+v, want one slot of 3 seconds", plan)
	}
	created, cand := openRoom(t, a.url, iv, map[string]any{"plan_id": plan.ID})
	if qs := created.Room.Questions; len(qs) != 1 || qs[0].Seconds != 3 || qs[0].Minutes != 0 {
		t.Fatalf("room questions %+v, want one of 3 seconds", qs)
	}
	room := created.Room.ID

	var ivSeq, candSeq uint64
	ivA := join(t, a.url, room, iv, "iv", &ivSeq, nil)
	candB := join(t, b.url, room, cand, "cand", &candSeq, nil)
	ivA.command("room.start", nil) // acknowledged once the timer is in Redis
	a.kill()                       // SIGKILL: no goodbye, its timers are only in Redis
	killed := time.Now()

	started := candB.waitEventBy("question.started", time.Now().Add(10*time.Second))
	deadline := frameTime(t, started.obj("data"), "deadline")
	if ms := started.obj("data").num("budget_ms"); ms != 3000 {
		t.Fatalf("budget_ms %v, want 3000", ms)
	}
	warningDue := deadline.Add(-time.Second)
	if !killed.Before(warningDue) {
		// A may have fired the warning itself: this run would prove nothing about failover.
		t.Fatalf("node A was killed at %v, after the warning was due (%v)", killed, warningDue)
	}

	warning := candB.waitEventBy("timer.warning", warningDue.Add(5*time.Second))
	expired := candB.waitEventBy("timer.expired", deadline.Add(5*time.Second))
	if left := warning.obj("data").num("left_ms"); left != 1000 {
		t.Errorf("warning left_ms %v, want 1000 (a third of 3 s)", left)
	}
	onTime := func(name string, f frame, due time.Time) {
		t.Helper()
		due = due.Truncate(time.Millisecond) // the server keeps deadlines to the millisecond
		fired, sent := frameTime(t, f, "at"), frameTime(t, f, "server_time")
		t.Logf("%s: due %s, fired %+v after, sent %+v after", name, due.Format(time.StampMilli), fired.Sub(due), sent.Sub(due))
		if fired.Before(due) || sent.Sub(due) > time.Second {
			t.Errorf("%s fired at %v and was sent at %v; due at %v, want within a second after", name, fired, sent, due)
		}
	}
	onTime("warning", warning, warningDue)
	onTime("expiry", expired, deadline)

	// Let the interviewer come back on B and say something: everything before it has been
	// delivered, so a second warning or expiry would be seen by now.
	ivB := join(t, b.url, room, iv, "iv", &ivSeq, ivA.last)
	ivB.command("chat.send", map[string]any{"text": "after the expiry"})
	candB.waitFor("chat", func(f frame) bool { return f.obj("data").str("text") == "after the expiry" })
	count := map[string]int{}
	for _, f := range candB.events() {
		count[f.str("event")]++
	}
	if count["timer.warning"] != 1 || count["timer.expired"] != 1 {
		t.Errorf("warnings %d, expiries %d; want exactly one each", count["timer.warning"], count["timer.expired"])
	}
	if warning.num("offset") >= expired.num("offset") {
		t.Errorf("warning after expiry")
	}
	checkExactlyOnce(t, candB.events())
}

// frameTime reads a timestamp field of a frame.
func frameTime(t *testing.T, f frame, key string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, f.str(key))
	if err != nil {
		t.Fatalf("%s %q: %v", key, f.str(key), err)
	}
	return v
}

// TestReconnectToTheOtherNodeMissesNothing drops the candidate's socket in the middle of typing
// and chatting, and reconnects it to the other node with its last position and the resume
// credential the first node handed it (no ticket).
func TestReconnectToTheOtherNodeMissesNothing(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())
	var ivSeq, candSeq uint64
	ivA := join(t, a.url, room, iv, "iv", &ivSeq, nil)
	candB := join(t, b.url, room, cand, "cand", &candSeq, nil)

	version := 0
	docLen := 0
	push := func(s *sock, text string) {
		s.command("editor.push", map[string]any{"version": version, "updates": []any{
			map[string]any{"clientID": s.clientID, "changes": []any{docLen, []any{0, text}}},
		}})
		version++
		docLen += len(text)
	}
	for i := range 10 {
		push(ivA, fmt.Sprintf("a%d", i))
		ivA.command("chat.send", map[string]any{"text": fmt.Sprintf("chat %d", i)})
	}
	candB.waitFor("chat 9", func(f frame) bool { return f.obj("data").str("text") == "chat 9" })
	_ = candB.c.NetConn().Close() // the candidate's network drops
	for i := 10; i < 20; i++ {
		push(ivA, fmt.Sprintf("b%d", i))
		ivA.command("chat.send", map[string]any{"text": fmt.Sprintf("chat %d", i)})
	}
	candA := joinWith(t, a.url, room, candB.cred, "cand", &candSeq, candB.last)
	if candA.frames[len(candA.frames)-1].str("type") != "resumed" {
		t.Fatalf("reconnect was not resumed: %v", candA.frames[len(candA.frames)-1])
	}
	push(candA, "c")
	candA.waitFor("own edit", func(f frame) bool {
		return f.str("event") == "editor.update" && f.obj("data").num("version") == float64(version-1)
	})
	all := append(candB.events(), candA.events()...)
	checkExactlyOnce(t, all)
	var chats []string
	for _, f := range all {
		if f.str("event") == "chat.message" {
			chats = append(chats, f.obj("data").str("text"))
		}
	}
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("chat %d", i))
	}
	if strings.Join(chats, "|") != strings.Join(want, "|") {
		t.Errorf("chats across the reconnection:\n got %q\nwant %q", chats, want)
	}
}

// TestGracefulShutdownSendsClientsElsewhere: SIGTERM closes the node's sockets with 4000; the
// clients resume on the other node and lose nothing.
func TestGracefulShutdownSendsClientsElsewhere(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())
	var ivSeq, candSeq uint64
	ivB := join(t, b.url, room, iv, "iv", &ivSeq, nil)
	candA := join(t, a.url, room, cand, "cand", &candSeq, nil)
	ivB.command("chat.send", map[string]any{"text": "one"})
	candA.waitFor("one", func(f frame) bool { return f.obj("data").str("text") == "one" })

	a.terminate()
	if code := candA.waitClose(); code != 4000 {
		t.Fatalf("close code on shutdown: %d, want 4000", code)
	}
	ivB.command("chat.send", map[string]any{"text": "two"})
	candB := join(t, b.url, room, cand, "cand", &candSeq, candA.last)
	candB.waitFor("two", func(f frame) bool { return f.obj("data").str("text") == "two" })
	all := append(candA.events(), candB.events()...)
	checkExactlyOnce(t, all)
}
