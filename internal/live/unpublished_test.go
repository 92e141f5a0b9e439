package live_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// busTap is another node's subscription to the room's channel, as a node with listeners there
// holds one: while it is subscribed, the store publishes what the test's nodes append.
type busTap struct {
	mu  sync.Mutex
	evs []live.Event
	ch  chan struct{}
}

// otherNodeListens subscribes a bus of its own to the room, waits until Redis confirms the
// subscription (from then on every append counts it), and collects what it receives until the
// test ends.
func (e *env) otherNodeListens() *busTap {
	e.t.Helper()
	bus := redisstore.NewLiveBus(e.client, e.keys, true)
	ctx, cancel := context.WithCancel(context.Background())
	if err := bus.Subscribe(ctx, e.room); err != nil {
		cancel()
		e.t.Fatal(err)
	}
	for {
		room, payload, err := bus.Receive(ctx)
		if err != nil {
			cancel()
			e.t.Fatal(err)
		}
		if room == e.room && payload == nil {
			break
		}
	}
	tap := &busTap{ch: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			_, payload, err := bus.Receive(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil || payload == nil {
				continue
			}
			ev, err := live.DecodePublished(payload)
			if err != nil {
				e.t.Errorf("another node received an undecodable event %q: %v", payload, err)
				continue
			}
			tap.mu.Lock()
			tap.evs = append(tap.evs, ev)
			tap.mu.Unlock()
			select {
			case tap.ch <- struct{}{}:
			default:
			}
		}
	})
	e.t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = bus.Close()
	})
	return tap
}

// offsets waits until the tap received n durable events and returns their offsets.
func (b *busTap) offsets(t *testing.T, n int) []mockroom.EventOffset {
	t.Helper()
	hang := time.NewTimer(time.Minute) // a guard against hanging, not a measure of speed
	defer hang.Stop()
	for {
		b.mu.Lock()
		var offs []mockroom.EventOffset
		for _, ev := range b.evs {
			if ev.Offset > 0 {
				offs = append(offs, ev.Offset)
			}
		}
		b.mu.Unlock()
		if len(offs) >= n {
			return offs
		}
		select {
		case <-b.ch:
		case <-hang.C:
			t.Fatalf("another node received %d of %d events: %v", len(offs), n, offs)
		}
	}
}

// A room served by one node sends nothing through pub/sub: what the node appends reaches its
// listeners from the append alone, in order, with no read of the log, and an event appended
// elsewhere that is still on its way still comes first. Once another node listens, the node's
// appends are published again, for it, and the node's own copy is dropped as delivered.
func TestOneNodeAloneSendsNothingThroughPubSub(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	reads := n.store.reads.Load()
	for i := range 3 {
		e.chatBy(n.eng, interviewer, "c-local", uint64(i+1), fmt.Sprint("alone ", i))
	}
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v, want offsets 1-3", got)
	}
	if got := n.bus.messages.Load(); got != 0 {
		t.Errorf("pub/sub brought the node %d messages of its own appends, want none", got)
	}
	if got := n.store.reads.Load() - reads; got != 0 {
		t.Errorf("delivering the node's own appends read the log %d times, want 0", got)
	}

	// An event from elsewhere (a store client that publishes whatever listens) is held on the bus; the node's
	// next append, which follows it, is not delivered ahead of it: the gap is read from the log.
	n.bus.hold(1)
	e.chat("from elsewhere, held")
	n.bus.taken()
	e.chatBy(n.eng, interviewer, "c-local", 4, "after it")
	if got := w.durable(t, 5); !cmp.Equal(got, offsets(1, 5)) {
		t.Fatalf("delivered %v, want offsets 1-5 in order", got)
	}
	base := n.bus.calls.Load()
	n.bus.release()
	n.bus.receivedBy(base + 1) // the fan-out is done with the late copy

	tap := e.otherNodeListens()
	messages := n.bus.messages.Load()
	base = n.bus.calls.Load()
	e.chatBy(n.eng, interviewer, "c-local", 5, "another node listens")
	if got := tap.offsets(t, 1); !cmp.Equal(got, offsets(6, 6)) {
		t.Fatalf("the other node received %v, want offset 6", got)
	}
	n.bus.receivedBy(base + 1) // the node's own copy came and was dropped
	if got := n.bus.messages.Load() - messages; got != 1 {
		t.Errorf("pub/sub brought the node %d copies of its append, want 1", got)
	}
	e.chatBy(n.eng, interviewer, "c-local", 6, "last")
	if got := w.durable(t, 7); !cmp.Equal(got, offsets(1, 7)) {
		t.Fatalf("delivered %v, want offsets 1-7 once each", got)
	}
}

// headOf is the offset of the room log's last event.
func (e *env) headOf() mockroom.EventOffset {
	e.t.Helper()
	head, _, err := redisstore.NewLiveStore(e.client, e.keys, true).Read(e.t.Context(), e.room, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return head.Offset
}

// A second node starts serving a room while the first node types into it alone (sending nothing
// through pub/sub): from the head it read on joining, it receives every event once and in
// order, the first node keeps receiving all of them, and the second node's own appends reach the
// first.
func TestASecondNodeJoiningMidTypingGetsEveryEventOnce(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	wa := listen(t, a, e.room)

	const typed = 120
	halfway := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for k := range typed {
			if k == typed/2 {
				close(halfway)
			}
			if _, err := a.Execute(context.Background(), e.room, interviewer, live.Command{ClientID: "c-a", Seq: uint64(k + 1),
				Type: live.CmdChatSend, Data: []byte(fmt.Sprintf(`{"text":"a %d"}`, k))}); err != nil {
				t.Errorf("chat %d on node A: %v", k, err)
			}
		}
	})
	<-halfway
	before := e.headOf()
	wb := listen(t, b, e.room) // while A goes on typing
	after := e.headOf()
	wg.Wait()
	e.chatBy(b, candidate, "c-b", 1, "from B")
	last := mockroom.EventOffset(typed + 1)

	if got := wa.durable(t, int(last)); !cmp.Equal(got, offsets(1, last)) {
		t.Fatalf("node A delivered %v, want offsets 1-%d once each", got, last)
	}
	var got []mockroom.EventOffset
	for {
		got = wb.durable(t, len(got)+1)
		if got[len(got)-1] >= last {
			break
		}
	}
	first := got[0]
	if first <= before || first > after+1 {
		t.Fatalf("node B's first event is offset %d; the head was %d before it joined and %d after", first, before, after)
	}
	if !cmp.Equal(got, offsets(first, last)) {
		t.Fatalf("node B delivered %v, want offsets %d-%d once each", got, first, last)
	}
}

// An append whose answer is lost (the store applied it, the node cannot tell) was published to
// no one, since the node served the room alone: the node reads the room's log for it at once,
// rather than at the room's quiet check, and delivers it once. The command's retry finds it done.
func TestAnAppendWhoseAnswerWasLostStillReachesTheNode(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour) // no quiet check within the test
	w := listen(t, n.eng, e.room)

	e.chatBy(n.eng, interviewer, "c-local", 1, "answered")
	n.store.loseAnswers.Store(true)
	cmd := live.Command{ClientID: "c-local", Seq: 2, Type: live.CmdChatSend, Data: []byte(`{"text":"answer lost"}`)}
	if _, err := n.eng.Execute(t.Context(), e.room, interviewer, cmd); err == nil {
		t.Fatal("the chat whose answer was lost succeeded")
	}
	n.store.loseAnswers.Store(false)
	if got := w.durable(t, 2); !cmp.Equal(got, offsets(1, 2)) {
		t.Fatalf("delivered %v, want offsets 1-2", got)
	}
	if _, err := n.eng.Execute(t.Context(), e.room, interviewer, cmd); err != nil {
		t.Fatalf("the retry of the chat whose answer was lost: %v", err)
	}
	e.chatBy(n.eng, interviewer, "c-local", 3, "after")
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v, want offsets 1-3 once each", got)
	}
}

// subscribers counts the subscriptions to the room's channel, as the append script does.
func (e *env) subscribers() int64 {
	e.t.Helper()
	reply, err := e.client.Do(e.t.Context(), "pubsub", "shardnumsub", e.keys.LiveChannel(e.room)).Slice()
	if err != nil || len(reply) != 2 {
		e.t.Fatalf("PUBSUB SHARDNUMSUB: %v %v", reply, err)
	}
	n, _ := reply[1].(int64)
	return n
}

// leavingStore runs leave once, at the start of the next append it is given.
type leavingStore struct {
	live.Store
	leave atomic.Pointer[func()]
}

func (s *leavingStore) Append(ctx context.Context, room mockroom.RoomID, req live.AppendRequest) (live.AppendResult, error) {
	if leave := s.leave.Swap(nil); leave != nil {
		(*leave)()
	}
	return s.Store.Append(ctx, room, req)
}

// A node's last listener leaves the room while one of its appends runs: the store may have
// counted the node's subscription, which was going away, as the channel's only one, and left the
// events unpublished. The other node serving the room receives them all the same.
func TestAnAppendMadeWhileTheNodeLeavesReachesTheOtherNodes(t *testing.T) {
	e := newEnv(t)
	store := &leavingStore{Store: redisstore.NewLiveStore(e.client, e.keys, true)}
	eng, _ := e.engine(func(c *live.Config) {
		c.Store = store
		c.RoomLinger = -1 // the node leaves the channel with its last listener
	})
	id, err := eng.Fanout().Add(t.Context(), e.room, live.ListenerFunc(func(live.Event) {}))
	if err != nil {
		t.Fatal(err)
	}
	tap := e.otherNodeListens()
	leave := func() {
		if err := eng.Fanout().Remove(context.Background(), e.room, id); err != nil {
			t.Errorf("remove the listener: %v", err)
		}
		// Until Redis has taken the node's unsubscription, the append would count it and
		// publish: wait for the other node's subscription to be the only one.
		for e.subscribers() != 1 {
			runtime.Gosched()
		}
	}
	store.leave.Store(&leave)
	res, err := eng.Execute(t.Context(), e.room, interviewer, live.Command{ClientID: "c-leaving", Seq: 1, Type: live.CmdChatSend, Data: []byte(`{"text":"while leaving"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if store.leave.Load() != nil {
		t.Fatal("the listener was not removed during the append")
	}
	if got := tap.offsets(t, 1); !cmp.Equal(got, offsets(1, 1)) {
		t.Fatalf("the other node received %v, want offset 1 (appended as %+v)", got, res)
	}
}
