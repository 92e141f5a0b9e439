package live_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// testBus wraps the Redis bus of a node so a test can lose, hold back and replay what pub/sub
// delivers, and announce a (re)subscription, as a failover does to a real subscription.
type testBus struct {
	inner  live.Bus
	inject chan busMsg
	pump   chan busMsg
	once   sync.Once
	wg     sync.WaitGroup

	mu      sync.Mutex
	dropN   int // the next dropN messages are lost
	holdN   int // then the next holdN are kept for release
	held    []busMsg
	handled chan struct{} // a message was lost or kept

	calls  atomic.Int64  // calls of Receive: each one after the first means the fan-out is done with the message before
	called chan struct{} // Receive was called
}

type busMsg struct {
	room    mockroom.RoomID
	payload []byte
}

func newTestBus(inner live.Bus) *testBus {
	return &testBus{inner: inner, inject: make(chan busMsg, 16), pump: make(chan busMsg), handled: make(chan struct{}, 1), called: make(chan struct{}, 1)}
}

func (b *testBus) Subscribe(ctx context.Context, room mockroom.RoomID) error {
	return b.inner.Subscribe(ctx, room)
}

func (b *testBus) Unsubscribe(ctx context.Context, room mockroom.RoomID) error {
	return b.inner.Unsubscribe(ctx, room)
}

func (b *testBus) Receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	b.calls.Add(1)
	select {
	case b.called <- struct{}{}:
	default:
	}
	b.once.Do(func() {
		b.wg.Go(func() {
			for {
				room, payload, err := b.inner.Receive(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					continue
				}
				if payload == nil {
					continue // the test announces (re)subscriptions itself
				}
				b.mu.Lock()
				taken := true
				switch {
				case b.dropN > 0:
					b.dropN--
				case b.holdN > 0:
					b.holdN--
					b.held = append(b.held, busMsg{room, payload})
				default:
					taken = false
				}
				b.mu.Unlock()
				if taken {
					select {
					case b.handled <- struct{}{}:
					default:
					}
					continue
				}
				select {
				case b.pump <- busMsg{room, payload}:
				case <-ctx.Done():
					return
				}
			}
		})
	})
	select {
	case m := <-b.inject:
		return m.room, m.payload, nil
	case m := <-b.pump:
		return m.room, m.payload, nil
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
}

// drop loses the next n messages; hold keeps the n after those for release.
func (b *testBus) drop(n int) { b.mu.Lock(); b.dropN += n; b.mu.Unlock() }
func (b *testBus) hold(n int) { b.mu.Lock(); b.holdN += n; b.mu.Unlock() }

// taken waits until every message to drop or hold has come through the bus.
func (b *testBus) taken() {
	for {
		b.mu.Lock()
		done := b.dropN == 0 && b.holdN == 0
		b.mu.Unlock()
		if done {
			return
		}
		<-b.handled
	}
}

// receivedBy waits until the fan-out has called Receive n times.
func (b *testBus) receivedBy(n int64) {
	for b.calls.Load() < n {
		<-b.called
	}
}

// resubscribed announces that room's subscription was established again.
func (b *testBus) resubscribed(room mockroom.RoomID) { b.inject <- busMsg{room: room} }

// release replays what was held back, as a late delivery would.
func (b *testBus) release() {
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	for _, m := range held {
		b.inject <- m
	}
}

// flakyStore fails every Read while failing is set, counting the failures.
type flakyStore struct {
	live.Store
	failing atomic.Bool
	failed  atomic.Int64
	reads   atomic.Int64 // every Read, failed or not
	wake    chan struct{}
}

var errStoreDown = errors.New("store down (test)")

func (s *flakyStore) Read(ctx context.Context, room mockroom.RoomID, from mockroom.EventOffset, max int) (mockroom.Position, []live.Event, error) {
	s.reads.Add(1)
	if s.failing.Load() {
		s.failed.Add(1)
		select {
		case s.wake <- struct{}{}:
		default:
		}
		return mockroom.Position{}, nil, errStoreDown
	}
	return s.Store.Read(ctx, room, from, max)
}

// catchUpNode is a node whose bus and store reads the test controls.
type catchUpNode struct {
	eng   *live.Engine
	bus   *testBus
	store *flakyStore
}

func (e *env) catchUpNode(quiet time.Duration) *catchUpNode {
	e.t.Helper()
	store := &flakyStore{Store: redisstore.NewLiveStore(e.client, e.keys, true), wake: make(chan struct{}, 1)}
	inner := redisstore.NewLiveBus(e.client, e.keys, true)
	bus := newTestBus(inner)
	eng := live.NewEngine(live.Config{
		Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Bus: bus, Now: e.clock.Now, QuietCheck: quiet,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	e.t.Cleanup(func() {
		cancel()
		<-done
		_ = inner.Close()
		bus.wg.Wait()
	})
	return &catchUpNode{eng: eng, bus: bus, store: store}
}

// chat appends a chat message to the room's log directly (the store publishes it).
func (e *env) chat(text string) live.Event {
	e.t.Helper()
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	res, err := store.Append(e.t.Context(), e.room, live.AppendRequest{
		Now:    e.clock.Now(),
		Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: interviewer.UserID, Data: map[string]string{"text": text}}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Events[0]
}

// durable waits until n durable events were delivered and returns their offsets.
func (w *waiter) durable(t *testing.T, n int) []mockroom.EventOffset {
	t.Helper()
	hang := time.NewTimer(time.Minute) // a guard against hanging, not a measure of speed
	defer hang.Stop()
	for {
		w.mu.Lock()
		var offs []mockroom.EventOffset
		for _, ev := range w.evs {
			if ev.Offset > 0 {
				offs = append(offs, ev.Offset)
			}
		}
		w.mu.Unlock()
		if len(offs) >= n {
			return offs
		}
		select {
		case <-w.ch:
		case <-hang.C:
			t.Fatalf("%d of %d durable events delivered: %v", len(offs), n, offs)
		}
	}
}

func offsets(from, to mockroom.EventOffset) []mockroom.EventOffset {
	var out []mockroom.EventOffset
	for o := from; o <= to; o++ {
		out = append(out, o)
	}
	return out
}

// TestResubscribedRoomReadsWhatItMissed loses the events published while a subscription was
// down: the notice that it is back makes the node deliver them from the log, in order, once,
// without waiting for the room's next event.
func TestResubscribedRoomReadsWhatItMissed(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	e.chat("seen live")
	if got := w.durable(t, 1); !cmp.Equal(got, offsets(1, 1)) {
		t.Fatalf("delivered %v", got)
	}
	n.bus.drop(3)
	for _, text := range []string{"lost 1", "lost 2", "lost 3"} {
		e.chat(text)
	}
	n.bus.taken()
	n.bus.resubscribed(e.room)
	if got := w.durable(t, 4); !cmp.Equal(got, offsets(1, 4)) {
		t.Fatalf("delivered %v, want offsets 1-4 once each", got)
	}
	e.chat("after")
	if got := w.durable(t, 5); !cmp.Equal(got, offsets(1, 5)) {
		t.Fatalf("delivered %v, want offsets 1-5 once each", got)
	}
}

// TestLateDeliveryAfterCatchUpIsNotRepeated delivers events from the log first and then lets
// pub/sub deliver the same events late: each reaches the listener once.
func TestLateDeliveryAfterCatchUpIsNotRepeated(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	n.bus.hold(3)
	for _, text := range []string{"a", "b", "c"} {
		e.chat(text)
	}
	n.bus.taken()
	n.bus.resubscribed(e.room)
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v", got)
	}
	n.bus.release() // the three again, late
	e.chat("d")     // delivered after the late ones, on the same goroutine
	if got := w.durable(t, 4); !cmp.Equal(got, offsets(1, 4)) {
		t.Fatalf("delivered %v, want offsets 1-4 once each", got)
	}
}

// TestGapIsFilledBeforeTheNextEvent loses two events and lets the third through: the node reads
// the two from the log and delivers all three in order.
func TestGapIsFilledBeforeTheNextEvent(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	n.bus.drop(2)
	e.chat("lost 1")
	e.chat("lost 2")
	n.bus.taken()
	e.chat("arrives")
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v, want offsets 1-3 in order", got)
	}
}

// TestFailedReadIsRetriedNotSkipped makes reading the log fail while a gap is open: the event
// after the gap is held back (never delivered past the missing ones), the read is retried, and
// once the store answers everything arrives in order, once.
func TestFailedReadIsRetriedNotSkipped(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	n.bus.drop(1)
	e.chat("lost")
	n.bus.taken()
	n.store.failing.Store(true)
	e.chat("after the gap")
	for n.store.failed.Load() < 3 { // three failed reads: retried, not given up
		<-n.store.wake
	}
	w.mu.Lock()
	delivered := len(w.evs)
	w.mu.Unlock()
	if delivered != 0 {
		t.Fatalf("%d events delivered past a gap that could not be read", delivered)
	}
	n.store.failing.Store(false)
	if got := w.durable(t, 2); !cmp.Equal(got, offsets(1, 2)) {
		t.Fatalf("delivered %v, want offsets 1-2 in order", got)
	}
	e.chat("later")
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v, want offsets 1-3 once each", got)
	}
}

// TestQuietRoomIsReadOnATimer loses the only event of a quiet room with no notice that anything
// happened: the periodic read of a quiet room's log delivers it.
func TestQuietRoomIsReadOnATimer(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(50 * time.Millisecond)
	w := listen(t, n.eng, e.room)

	n.bus.drop(1)
	e.chat("lost, and nothing follows")
	if got := w.durable(t, 1); !cmp.Equal(got, offsets(1, 1)) {
		t.Fatalf("delivered %v", got)
	}
}
