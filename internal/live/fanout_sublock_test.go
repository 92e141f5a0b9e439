package live_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/testwait"
)

// heldBus holds the subscription of one room until released, and counts that room's
// subscriptions.
type heldBus struct {
	live.Bus
	room     mockroom.RoomID
	entered  chan struct{} // a subscription of room began
	release  chan struct{}
	roomSubs atomic.Int64
}

func (b *heldBus) Subscribe(ctx context.Context, room mockroom.RoomID) error {
	if room == b.room {
		if b.roomSubs.Add(1) == 1 {
			close(b.entered)
		}
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return b.Bus.Subscribe(ctx, room)
}

// One room's subscription under way holds up only that room: another room's first listener is
// added meanwhile, and a second listener of the same room waits for the first's subscription
// instead of subscribing again.
func TestRoomsSubscribeIndependently(t *testing.T) {
	e := newEnv(t)
	bus := &heldBus{room: "r-held", entered: make(chan struct{}), release: make(chan struct{})}
	a, _ := e.engine(func(c *live.Config) { bus.Bus = c.Bus; c.Bus = bus })
	fan := a.Fanout()
	ctx := t.Context()
	nobody := live.ListenerFunc(func(live.Event) {})

	held := make(chan error, 2)
	go func() { _, err := fan.Add(ctx, "r-held", nobody); held <- err }()
	select {
	case <-bus.entered:
	case <-testwait.After(t):
		t.Fatal("the held room's subscription never began")
	}
	go func() { _, err := fan.Add(ctx, "r-held", nobody); held <- err }()

	other := make(chan error, 1)
	go func() { _, err := fan.Add(ctx, e.room, nobody); other <- err }()
	select {
	case err := <-other:
		if err != nil {
			t.Fatal(err)
		}
	case err := <-held:
		t.Fatalf("a listener of the held room was added (%v) before its subscription was released", err)
	case <-testwait.After(t):
		t.Fatal("another room's first listener waited for the held room's subscription")
	}

	close(bus.release)
	for range 2 {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
	if n := bus.roomSubs.Load(); n != 1 {
		t.Errorf("two listeners of one room subscribed the node %d times, want once", n)
	}
}
