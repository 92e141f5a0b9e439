package live_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/testwait"
)

// chatBy sends a chat message through eng as p, under the client id client.
func (e *env) chatBy(eng *live.Engine, p mockroom.Principal, client string, seq uint64, text string) live.Result {
	e.t.Helper()
	res, err := eng.Execute(e.t.Context(), e.room, p, live.Command{ClientID: client, Seq: seq, Type: live.CmdChatSend, Data: []byte(fmt.Sprintf(`{"text":%q}`, text))})
	if err != nil {
		e.t.Fatalf("chat.send by %s through %s: %v", p.UserID, client, err)
	}
	return res
}

// An event appended on a node reaches that node's listeners when the append returns, while
// pub/sub still holds its copy back; when the copies arrive late, each is recognised as
// delivered: nothing reaches a listener twice, and no copy costs a read of the log.
func TestLocalListenersDoNotWaitForTheBus(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	n.bus.hold(3)
	for i := range 3 {
		e.chatBy(n.eng, interviewer, "c-local", uint64(i+1), fmt.Sprint("local ", i))
	}
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v before the bus let anything through, want offsets 1-3", got)
	}
	n.bus.taken() // the three copies are held, none lost
	n.bus.receivedBy(1)
	reads, base := n.store.reads.Load(), n.bus.calls.Load()
	n.bus.release()
	n.bus.receivedBy(base + 3) // the fan-out is done with the three late copies
	if got := n.store.reads.Load() - reads; got != 0 {
		t.Errorf("the late copies of delivered events caused %d reads of the log, want 0", got)
	}
	e.chat("from elsewhere") // appended by another node: reaches this one through the bus only
	if got := w.durable(t, 4); !cmp.Equal(got, offsets(1, 4)) {
		t.Fatalf("delivered %v, want offsets 1-4 once each", got)
	}
	e.chatBy(n.eng, interviewer, "c-local", 4, "local again")
	if got := w.durable(t, 5); !cmp.Equal(got, offsets(1, 5)) {
		t.Fatalf("delivered %v, want offsets 1-5 once each", got)
	}
	if n := n.eng.Fanout().Rollbacks(); n != 0 {
		t.Errorf("rollbacks = %d on a log that never went back", n)
	}
}

// An event of another node that this node has not received yet comes before a local one: the
// local event is not delivered ahead of it, and both arrive in order, from the log (the local
// event's own bus copy shows the fan-out the gap) or once the bus brings the other node's event,
// whichever comes first.
func TestLocalEventWaitsBehindAnEventStillOnTheBus(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	w := listen(t, n.eng, e.room)

	n.bus.hold(1)
	e.chat("from elsewhere, held")
	n.bus.taken()
	e.chatBy(n.eng, interviewer, "c-local", 1, "local, after it")
	// The local path must leave offset 2 to wait. Nothing may come out of order; offsets 1 and 2
	// may both come already, from the log: the bus copy of 2 shows the fan-out a gap, and it
	// reads the log for it, which holds 1.
	w.mu.Lock()
	var early []mockroom.EventOffset
	for _, ev := range w.evs {
		if ev.Offset > 0 {
			early = append(early, ev.Offset)
		}
	}
	w.mu.Unlock()
	if len(early) > 0 && !cmp.Equal(early, offsets(1, mockroom.EventOffset(len(early)))) {
		t.Fatalf("delivered %v while offset 1 was still held on the bus, want nothing or offsets from 1 in order", early)
	}
	n.bus.release()
	if got := w.durable(t, 2); !cmp.Equal(got, offsets(1, 2)) {
		t.Fatalf("delivered %v, want offsets 1-2 in order", got)
	}
	e.chatBy(n.eng, interviewer, "c-local", 2, "local, last")
	if got := w.durable(t, 3); !cmp.Equal(got, offsets(1, 3)) {
		t.Fatalf("delivered %v, want offsets 1-3 once each", got)
	}
}

// resyncWaiter is a listener that can start over, as a socket does.
type resyncWaiter struct {
	*waiter
	resynced chan struct{}
}

func (r resyncWaiter) Deliver(ev live.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

func (r resyncWaiter) Resync(context.Context) { r.resynced <- struct{}{} }

func (r resyncWaiter) waitResync(t *testing.T) {
	t.Helper()
	select {
	case <-r.resynced:
	case <-testwait.After(t):
		t.Fatal("the listener was never asked to start over")
	}
}

// liveKeys are the room's stored live keys: what a store that loses writes loses them from.
func (e *env) liveKeys() []string {
	k := e.keys
	return []string{k.LiveState(e.room), k.LiveLog(e.room), k.LiveClients(e.room), k.LiveChat(e.room),
		k.LiveNotes(e.room), k.LiveDoc(e.room), k.LivePresence(e.room)}
}

// saveRoom copies the room's live keys as they are now (DUMP), like a snapshot of the store.
func (e *env) saveRoom() map[string]string {
	e.t.Helper()
	saved := map[string]string{}
	for _, key := range e.liveKeys() {
		d, err := e.client.Dump(context.Background(), key).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		saved[key] = d
	}
	return saved
}

// restoreRoom puts the room's live keys back as saveRoom found them: the store loses every write
// made since, as after a restart from an older snapshot or a failover to a lagging replica.
func (e *env) restoreRoom(saved map[string]string) {
	e.t.Helper()
	for _, key := range e.liveKeys() {
		var err error
		if d, ok := saved[key]; ok {
			err = e.client.RestoreReplace(context.Background(), key, 0, d).Err()
		} else {
			err = e.client.Del(context.Background(), key).Err()
		}
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

// The store loses writes this node delivered, and the node's next append takes one of their
// offsets for another event, whose bus copy never comes: the local path alone finds that the
// offset was delivered as another event, and the room starts over.
func TestRollbackSeenByTheLocalPath(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	rw := resyncWaiter{waiter: &waiter{ch: make(chan struct{}, 1)}, resynced: make(chan struct{}, 1)}
	id, err := n.eng.Fanout().Add(t.Context(), e.room, rw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.eng.Fanout().Remove(context.Background(), e.room, id) })

	n.bus.hold(3) // the bus brings nothing of what follows
	e.chatBy(n.eng, interviewer, "c-local", 1, "kept")
	saved := e.saveRoom()
	e.chatBy(n.eng, interviewer, "c-local", 2, "lost 1")
	e.chatBy(n.eng, interviewer, "c-local", 3, "lost 2")
	rw.durable(t, 3)
	n.bus.taken()
	e.restoreRoom(saved)
	n.bus.drop(1)
	after := e.chatBy(n.eng, interviewer, "c-local", 4, "after")
	if after.Position.Offset > 3 {
		t.Fatalf("the append after the rollback got offset %d: the store did not go back", after.Position.Offset)
	}
	rw.waitResync(t)
	n.bus.taken()
	if got := n.eng.Fanout().Rollbacks(); got != 1 {
		t.Errorf("rollbacks = %d, want 1", got)
	}
	later := e.chatBy(n.eng, interviewer, "c-local", 5, "later")
	if later.Position.Offset != after.Position.Offset+1 {
		t.Fatalf("the append after the rollback's got offset %d, want %d", later.Position.Offset, after.Position.Offset+1)
	}
	hang := time.NewTimer(time.Minute) // a guard against hanging, not a measure of speed
	defer hang.Stop()
	for {
		rw.mu.Lock()
		last := rw.evs[len(rw.evs)-1]
		rw.mu.Unlock()
		if last.ID == later.Position.EventID {
			break // delivered after the head the room started over from
		}
		select {
		case <-rw.ch:
		case <-hang.C:
			t.Fatalf("the event after the resync never reached the listener; its last event is %+v", last)
		}
	}
}

// Two nodes take commands for one room at the same time, each with two listeners: every
// listener on both nodes sees every event once, in offset order, whichever path brought it.
func TestTwoNodesPushingIntoOneRoom(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	listeners := []*waiter{listen(t, a, e.room), listen(t, a, e.room), listen(t, b, e.room), listen(t, b, e.room)}
	const each = 60
	var wg sync.WaitGroup
	for i, eng := range []*live.Engine{a, b} {
		p := []mockroom.Principal{interviewer, candidate}[i]
		wg.Go(func() {
			for k := range each {
				if _, err := eng.Execute(context.Background(), e.room, p, live.Command{ClientID: fmt.Sprint("c", i), Seq: uint64(k + 1),
					Type: live.CmdChatSend, Data: []byte(fmt.Sprintf(`{"text":"%d-%d"}`, i, k))}); err != nil {
					t.Errorf("chat %d through node %d: %v", k, i, err)
				}
			}
		})
	}
	wg.Wait()
	e.chatBy(a, interviewer, "c-last", 1, "last") // anything delivered twice shows before it
	log := e.all(a)
	if len(log) != 2*each+1 {
		t.Fatalf("the log holds %d events, want %d", len(log), 2*each+1)
	}
	for i, w := range listeners {
		if got := w.durable(t, 2*each+1); !cmp.Equal(got, offsets(1, 2*each+1)) {
			t.Errorf("listener %d: delivered offsets %v, want 1-%d once each", i, got, 2*each+1)
		}
		w.mu.Lock()
		for k, ev := range w.evs {
			if ev.Offset > 0 && k < len(log) && ev.ID != log[k].ID {
				t.Errorf("listener %d: offset %d delivered as %s, the log holds %s", i, ev.Offset, ev.ID, log[k].ID)
			}
		}
		w.mu.Unlock()
	}
}

// A listener that took events on one node, some delivered locally before pub/sub brought them,
// resumes on another node from its last position and gets exactly what followed: positions
// delivered locally are the log's own.
func TestResumeOnAnotherNodeAfterLocalDelivery(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	other, _ := e.engine()
	w := listen(t, n.eng, e.room)

	n.bus.hold(2)
	e.chatBy(n.eng, interviewer, "c-local", 1, "one")
	e.chatBy(n.eng, interviewer, "c-local", 2, "two")
	w.durable(t, 2)
	w.mu.Lock()
	last := w.evs[len(w.evs)-1].Position()
	w.mu.Unlock()
	e.chatBy(other, candidate, "c-other", 1, "three")
	e.chatBy(other, candidate, "c-other", 2, "four")
	evs, ok, err := other.EventsAfter(t.Context(), e.room, last, live.ResumeWindow)
	if err != nil || !ok {
		t.Fatalf("resume on the other node from %+v: ok=%v err=%v", last, ok, err)
	}
	var got []mockroom.EventOffset
	for _, ev := range evs {
		got = append(got, ev.Offset)
	}
	if !cmp.Equal(got, offsets(3, 4)) {
		t.Fatalf("resumed with offsets %v, want 3-4", got)
	}
	n.bus.taken()
	n.bus.release()
	if got := w.durable(t, 4); !cmp.Equal(got, offsets(1, 4)) {
		t.Fatalf("the first node delivered %v, want offsets 1-4 once each", got)
	}
}

// The same rollback, but the event that takes a delivered offset again is appended by another
// node: its bus copy names an offset the room remembers delivering as another event, and is not
// taken for a late copy.
func TestRollbackSeenByTheBusAmongRecentEvents(t *testing.T) {
	e := newEnv(t)
	n := e.catchUpNode(time.Hour)
	rw := resyncWaiter{waiter: &waiter{ch: make(chan struct{}, 1)}, resynced: make(chan struct{}, 1)}
	id, err := n.eng.Fanout().Add(t.Context(), e.room, rw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.eng.Fanout().Remove(context.Background(), e.room, id) })

	n.bus.hold(3)
	e.chatBy(n.eng, interviewer, "c-local", 1, "kept")
	saved := e.saveRoom()
	e.chatBy(n.eng, interviewer, "c-local", 2, "lost 1")
	e.chatBy(n.eng, interviewer, "c-local", 3, "lost 2")
	rw.durable(t, 3)
	n.bus.taken()
	e.restoreRoom(saved)
	if again := e.chat("elsewhere, at a delivered offset"); again.Offset != 2 {
		t.Fatalf("the append after the rollback got offset %d, want 2", again.Offset)
	}
	rw.waitResync(t)
	if got := n.eng.Fanout().Rollbacks(); got != 1 {
		t.Errorf("rollbacks = %d, want 1", got)
	}
}
