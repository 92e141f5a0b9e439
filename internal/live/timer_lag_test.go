package live_test

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// A poll that comes 3.5 s after the 30-second warning was due reports that lag, once; the
// pending-timer count sees the room's timer until the question has expired.
func TestTimerLagAndPendingTimers(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q1", Minutes: 1})
	var lags []time.Duration
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	eng := live.NewEngine(live.Config{Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Now: e.clock.Now,
		TimerFired: func(lag time.Duration) { lags = append(lags, lag) }})
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	if n, err := store.PendingTimers(t.Context()); err != nil || n != 1 {
		t.Fatalf("pending timers after the start = %d, %v; want 1", n, err)
	}

	e.clock.Advance(30*time.Second + 3500*time.Millisecond)
	if err := eng.PollOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := eng.PollOnce(t.Context()); err != nil { // nothing more is due
		t.Fatal(err)
	}
	if len(lags) != 1 || lags[0] != 3500*time.Millisecond {
		t.Fatalf("lags %v, want one of 3.5s", lags)
	}

	e.clock.Advance(30 * time.Second)
	if err := eng.PollOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(lags) != 2 || lags[1] != 3500*time.Millisecond {
		t.Errorf("lags %v, want the expiry 3.5s late too", lags)
	}
	if n, err := store.PendingTimers(t.Context()); err != nil || n != 0 {
		t.Errorf("pending timers after the expiry = %d, %v; want 0", n, err)
	}
}
