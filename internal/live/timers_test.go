package live_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/testwait"
)

// waiter collects a room's events from a node's fan-out and lets a test wait for one.
type waiter struct {
	mu  sync.Mutex
	evs []live.Event
	ch  chan struct{}
}

func listen(t *testing.T, eng *live.Engine, room mockroom.RoomID) *waiter {
	t.Helper()
	w := &waiter{ch: make(chan struct{}, 1)}
	id, err := eng.Fanout().Add(t.Context(), room, live.ListenerFunc(func(ev live.Event) {
		w.mu.Lock()
		w.evs = append(w.evs, ev)
		w.mu.Unlock()
		select {
		case w.ch <- struct{}{}:
		default:
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Fanout().Remove(t.Context(), room, id) })
	return w
}

// waitFor blocks until an event of type typ has been delivered (n-th occurrence).
func (w *waiter) waitFor(t *testing.T, typ string, n int) {
	t.Helper()
	deadline := testwait.After(t)
	for {
		w.mu.Lock()
		got := countType(w.evs, typ)
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-w.ch:
		case <-deadline:
			t.Fatalf("no %s event #%d delivered", typ, n)
		}
	}
}

func TestTimerFiresOnAnotherNodeAfterTheFirstDied(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q1", Minutes: 1})
	a, stopA := e.engine()
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)
	stopA() // node A dies with the timer set

	b, _ := e.engine()
	w := listen(t, b, e.room)
	e.clock.Advance(31 * time.Second)
	w.waitFor(t, live.TypeTimerWarning, 1)
	e.clock.Advance(30 * time.Second)
	w.waitFor(t, live.TypeTimerExpired, 1)

	// More polling, on both nodes' stores, fires nothing more.
	q := e.quiet()
	for range 3 {
		if err := q.PollOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	evs := e.all(q)
	if w, x := countType(evs, live.TypeTimerWarning), countType(evs, live.TypeTimerExpired); w != 1 || x != 1 {
		t.Errorf("%d warnings and %d expiries, want 1 and 1", w, x)
	}
	for s := range 16 {
		if n, _ := e.client.ZCard(t.Context(), e.keys.LiveTimers(s)).Result(); n != 0 {
			t.Errorf("shard %d still holds %d entries after the timer finished", s, n)
		}
	}
}

// A question with a 3-second budget started on node A, which dies: node B fires the one
// warning (at 1 s left) and the expiry, each once and at its time.
func TestThreeSecondTimerFiresOnAnotherNode(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q1", Seconds: 3})
	a, stopA := e.engine()
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)
	start := e.clock.Now()
	stopA()

	b, _ := e.engine()
	w := listen(t, b, e.room)
	e.clock.Advance(2 * time.Second)
	w.waitFor(t, live.TypeTimerWarning, 1)
	e.clock.Advance(time.Second)
	w.waitFor(t, live.TypeTimerExpired, 1)
	q := e.quiet()
	for range 3 {
		if err := q.PollOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	type fired struct {
		Type   string
		After  time.Duration
		LeftMS int64
	}
	var got []fired
	for _, ev := range e.all(q) {
		if ev.Type != live.TypeTimerWarning && ev.Type != live.TypeTimerExpired {
			continue
		}
		var d struct {
			LeftMS int64 `json:"left_ms"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, fired{ev.Type, ev.At.Sub(start), d.LeftMS})
	}
	want := []fired{{live.TypeTimerWarning, 2 * time.Second, 1000}, {live.TypeTimerExpired, 3 * time.Second, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timer events (-want +got):\n%s", diff)
	}
}

func TestRacingNodesFireOnce(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q1", Minutes: 3})
	nodes := []*live.Engine{e.quiet(), e.quiet(), e.quiet()}
	e.mustExec(nodes[0], interviewer, 1, live.CmdStart, nil)
	e.clock.Advance(3*time.Minute + time.Second) // both warnings and the expiry are due at once
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			for range 5 {
				if err := n.PollOnce(t.Context()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	evs := e.all(nodes[0])
	if w, x := countType(evs, live.TypeTimerWarning), countType(evs, live.TypeTimerExpired); w != 2 || x != 1 {
		t.Errorf("%d warnings and %d expiries, want 2 and 1", w, x)
	}
}

func TestAutoAdvanceAndPauseResume(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q1", Minutes: 1}, live.PlannedQuestion{QuestionID: "q2", Minutes: 1})
	e.rooms.Update(e.room, func(r *live.RoomInfo) { r.AutoAdvance = true })
	a, b := e.quiet(), e.quiet()
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)
	// Paused at 20 s for an hour: nothing fires.
	e.clock.Advance(20 * time.Second)
	e.mustExec(a, interviewer, 2, live.CmdPause, nil)
	e.clock.Advance(time.Hour)
	mustPoll(t, b)
	if n := countType(e.all(a), live.TypeTimerWarning); n != 0 {
		t.Fatalf("%d warnings while paused", n)
	}
	e.mustExec(a, interviewer, 3, live.CmdResume, nil)
	e.clock.Advance(41 * time.Second) // past the deadline: 40 s were left
	mustPoll(t, b)                    // fires warning + expiry, reports the advance
	mustPoll(t, a)
	evs := e.all(a)
	if n := countType(evs, live.TypeQuestionStarted); n != 2 {
		t.Fatalf("%d questions started, want 2 (auto-advance)", n)
	}
	e.clock.Advance(61 * time.Second)
	mustPoll(t, b)
	mustPoll(t, a)
	evs = e.all(a)
	if last := evs[len(evs)-1]; last.Type != live.TypeRoomState {
		t.Errorf("last event %s, want room.state (wrap-up after the plan)", last.Type)
	}
	if n := countType(evs, live.TypeTimerExpired); n != 2 {
		t.Errorf("%d expiries, want 2", n)
	}
	info, _ := e.rooms.Room(t.Context(), e.room)
	if info.State != mockroom.StateWrapUp {
		t.Errorf("room %s, want wrap_up", info.State)
	}
}

func mustPoll(t *testing.T, eng *live.Engine) {
	t.Helper()
	if err := eng.PollOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
}
