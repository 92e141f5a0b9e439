package live_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/testwait"
)

// countingBus counts a node's subscriptions and unsubscriptions.
type countingBus struct {
	live.Bus
	subs, unsubs atomic.Int64
	unsubbed     chan struct{}
}

func (b *countingBus) Subscribe(ctx context.Context, room mockroom.RoomID) error {
	b.subs.Add(1)
	return b.Bus.Subscribe(ctx, room)
}

func (b *countingBus) Unsubscribe(ctx context.Context, room mockroom.RoomID) error {
	b.unsubs.Add(1)
	select {
	case b.unsubbed <- struct{}{}:
	default:
	}
	return b.Bus.Unsubscribe(ctx, room)
}

// withCountingBus puts b in front of the engine's bus.
func withCountingBus(b *countingBus) func(*live.Config) {
	return func(c *live.Config) {
		b.Bus, b.unsubbed = c.Bus, make(chan struct{}, 1)
		c.Bus = b
	}
}

// runningListener adds a listener and waits until the fan-out delivers to it (a presence event
// through the bus), so the engine runs: rooms linger only then.
func runningListener(t *testing.T, eng *live.Engine, room mockroom.RoomID) live.ListenerID {
	t.Helper()
	got := make(chan struct{}, 1)
	id, err := eng.Fanout().Add(t.Context(), room, live.ListenerFunc(func(ev live.Event) {
		if ev.Type == live.TypePresence {
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Join(t.Context(), room, candidate); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-testwait.After(t):
		t.Fatal("the fan-out delivered no presence event")
	}
	return id
}

// comeBack has the candidate join again and a listener come back, checks that the listener
// gets the room's next event, and returns how many subscriptions and whole-room reads that cost.
func comeBack(t *testing.T, e *env, a *live.Engine, bus *countingBus) (subs int64, reads int) {
	t.Helper()
	subs0, reads0 := bus.subs.Load(), e.rooms.Reads()
	if _, err := a.Join(t.Context(), e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w := listen(t, a, e.room)
	subs, reads = bus.subs.Load()-subs0, e.rooms.Reads()-reads0
	e.mustExec(a, interviewer, 1, live.CmdChatSend, map[string]string{"text": "still here"})
	w.waitFor(t, live.TypeChatMessage, 1)
	return subs, reads
}

// A room whose last listener on the node left stays subscribed, with what the node cached of it,
// for the linger: a listener back within it costs no subscription and its join no room read.
func TestARoomLingersAfterItsLastListener(t *testing.T) {
	e := newEnv(t)
	bus := &countingBus{}
	a, _ := e.engine(withLinger(time.Hour), withCountingBus(bus))
	id := runningListener(t, a, e.room)
	if err := a.Fanout().Remove(t.Context(), e.room, id); err != nil {
		t.Fatal(err)
	}
	if subs, reads := comeBack(t, e, a, bus); subs != 0 || reads != 0 {
		t.Errorf("coming back within the linger cost %d subscriptions and %d room reads, want none", subs, reads)
	}
	if got := bus.unsubs.Load(); got != 0 {
		t.Errorf("the node left the room's channel %d times, want none", got)
	}
}

// Once the linger is over with no listener back, the node leaves the room's channel and forgets
// the room: the next join reads it again, and the next listener subscribes again.
func TestALingerEnds(t *testing.T) {
	e := newEnv(t)
	bus := &countingBus{}
	a, _ := e.engine(withLinger(20*time.Millisecond), withCountingBus(bus))
	id := runningListener(t, a, e.room)
	if err := a.Fanout().Remove(t.Context(), e.room, id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bus.unsubbed:
	case <-testwait.After(t):
		t.Fatal("the node never left the channel of a room nobody listens to")
	}
	if subs, reads := comeBack(t, e, a, bus); subs != 1 || reads != 1 {
		t.Errorf("coming back after the linger cost %d subscriptions and %d room reads, want one each (the node forgot the room)", subs, reads)
	}
}

// Without the engine running (a node stopping, or never started), a room's last listener
// leaving unsubscribes at once: no timer outlives the node.
func TestNoLingerWhenTheEngineIsNotRunning(t *testing.T) {
	e := newEnv(t)
	bus := &countingBus{}
	a, stop := e.engine(withLinger(time.Hour), withCountingBus(bus))
	ctx := t.Context()
	id := runningListener(t, a, e.room)
	stop()
	// The stopped node's bus is closed: the unsubscribe itself fails, and is counted.
	_ = a.Fanout().Remove(ctx, e.room, id)
	if got := bus.unsubs.Load(); got != 1 {
		t.Errorf("after the node stopped, the last listener's leave unsubscribed %d times, want once", got)
	}
}

// withLinger sets how long the engine stays in a room after its last listener.
func withLinger(d time.Duration) func(*live.Config) {
	return func(c *live.Config) { c.RoomLinger = d }
}
