package live

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Catching up with the log.
//
// Pub/sub delivers a message only to the subscriptions that exist when it is published. When a
// node's subscription drops (its connection broke, or the master owning the room's slot failed
// and the bus reconnected to the new one), events appended meanwhile are in the room's log but
// never reach the node on the channel. The fan-out therefore reads the room's log, from the last
// event it delivered, whenever it has reason to think it missed something:
//
//   - the bus reports that the room's subscription was (re)established;
//   - an event arrives whose offset is not the next one (a gap);
//   - the room has been quiet for QuietCheck: nothing says a message was lost, but a quiet room
//     is also the one where nothing else would expose the gap.
//
// These reads run on one catch-up goroutine, never on the goroutine that receives from the bus,
// so a store that is slow or down delays only the rooms that need a read. Delivery of a room's
// durable events is serialised by the room's lock, and an event is delivered only when it is the
// next one after the last delivered, so each reaches the listeners once and in order whichever
// path brings it. A read that fails is retried with growing pauses (up to catchUpMaxPause); the
// room's position does not move past an event it has not delivered.

// DefaultQuietCheck is how often, by default, a node reads the log of a room it has heard nothing
// from, in case a message was lost without the subscription noticing.
const DefaultQuietCheck = 5 * time.Second

// catchUpBatch bounds the events read from the log per round trip.
const catchUpBatch = 500

// catchUpMaxPause caps the pause between failed reads of one room's log.
const catchUpMaxPause = 2 * time.Second

type evOrder int

const (
	evOld  evOrder = iota // delivered already
	evNext                // the next event expected
	evGap                 // something is missing before it
)

// follows says where ev stands after last, the position of the last event delivered.
func follows(last mockroom.Position, ev Event) evOrder {
	if ev.Epoch != last.Epoch {
		// The room's first event, or one of another log than the one delivered so far: the
		// catch-up reads the log and starts the room's listeners over (see resyncLocked).
		if last.Epoch == "" && ev.Offset == 1 {
			return evNext
		}
		return evGap
	}
	switch {
	case ev.Offset <= last.Offset:
		return evOld
	case ev.Offset == last.Offset+1:
		return evNext
	}
	return evGap
}

// stillHolds reports whether the log whose head is head still holds last, the last event
// delivered, given evs read from last's offset on. It does not after the store lost writes it
// had acknowledged (restarted from an older snapshot or append-only file, or failed over to a
// replica that lagged): the head is then behind last, or the offset was issued again to another
// event, or the log was lost altogether and restarted under a new epoch.
func stillHolds(last, head mockroom.Position, evs []Event) bool {
	return head.Epoch == last.Epoch && head.Offset >= last.Offset &&
		len(evs) > 0 && evs[0].Offset == last.Offset && evs[0].ID == last.EventID
}

// catchUpQueue holds the rooms whose log is to be read, with the earliest time to read it.
type catchUpQueue struct {
	mu   sync.Mutex
	due  map[mockroom.RoomID]time.Time // zero: as soon as possible
	wake chan struct{}
}

func newCatchUpQueue() *catchUpQueue {
	return &catchUpQueue{due: map[mockroom.RoomID]time.Time{}, wake: make(chan struct{}, 1)}
}

// kick asks for room's log to be read now.
func (q *catchUpQueue) kick(room mockroom.RoomID) {
	q.mu.Lock()
	q.due[room] = time.Time{}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// later asks for room's log to be read at at, unless it was kicked since.
func (q *catchUpQueue) later(room mockroom.RoomID, at time.Time) {
	q.mu.Lock()
	if t, ok := q.due[room]; !ok || !t.IsZero() {
		q.due[room] = at
	}
	q.mu.Unlock()
}

// take removes and returns the rooms due at now.
func (q *catchUpQueue) take(now time.Time) []mockroom.RoomID {
	q.mu.Lock()
	defer q.mu.Unlock()
	var rooms []mockroom.RoomID
	for room, at := range q.due {
		if !at.After(now) {
			rooms = append(rooms, room)
			delete(q.due, room)
		}
	}
	return rooms
}

// next is the earliest time a room is due, zero if none is.
func (q *catchUpQueue) next() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	for _, at := range q.due {
		if at.IsZero() {
			at = time.Unix(0, 1) // due now
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

// runCatchUp reads the logs of the rooms that need it until ctx is done.
func (f *Fanout) runCatchUp(ctx context.Context) {
	quiet := time.NewTicker(f.quietCheck)
	defer quiet.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.catchUp.wake:
		case <-retry.C:
		case now := <-quiet.C:
			f.kickQuiet(now)
		}
		for _, room := range f.catchUp.take(time.Now()) {
			if ctx.Err() != nil {
				return
			}
			f.catchUpOne(ctx, room)
		}
		if next := f.catchUp.next(); !next.IsZero() {
			retry.Reset(max(time.Until(next), 0))
		}
	}
}

// kickQuiet queues every room nothing was delivered to, nor read for, during the last QuietCheck.
func (f *Fanout) kickQuiet(now time.Time) {
	f.mu.RLock()
	var quiet []mockroom.RoomID
	for room, r := range f.rooms {
		if now.Sub(time.Unix(0, r.heard.Load())) >= f.quietCheck {
			quiet = append(quiet, room)
		}
	}
	f.mu.RUnlock()
	for _, room := range quiet {
		f.catchUp.kick(room)
	}
}

// catchUpOne reads room's log and schedules a retry if that failed.
func (f *Fanout) catchUpOne(ctx context.Context, room mockroom.RoomID) {
	failures, err := f.CatchUp(ctx, room)
	if err == nil || ctx.Err() != nil {
		return
	}
	pause := min(100*time.Millisecond<<min(failures-1, 5), catchUpMaxPause)
	f.catchUp.later(room, time.Now().Add(pause))
	f.warn.Warn("room fan-out: read the log for missed events; will retry", "room_id", room,
		"attempt", failures, "retry_in", pause, "err", err)
}

// CatchUp reads room's log from the last event delivered on this node and delivers what follows,
// in order. It returns how many reads of the room have failed in a row (0 on success). The
// fan-out calls it by itself when needed; it is exported for tests and tools.
func (f *Fanout) CatchUp(ctx context.Context, room mockroom.RoomID) (int, error) {
	f.mu.RLock()
	r, ok := f.rooms[room]
	f.mu.RUnlock()
	if !ok {
		return 0, nil
	}
	r.mu.Lock()
	defer f.unlock(room, r)
	if err := f.catchUpLocked(ctx, room, r); err != nil {
		r.failures++
		return r.failures, err
	}
	r.failures = 0
	r.heard.Store(time.Now().UnixNano())
	return 0, nil
}

func (f *Fanout) catchUpLocked(ctx context.Context, room mockroom.RoomID, r *fanRoom) error {
	// The first read starts at the last event delivered, to check the log still holds it.
	from, check := r.last.Offset, r.last.Offset > 0
	if !check {
		from = 1
	}
	for {
		head, evs, err := f.store.Read(ctx, room, from, catchUpBatch)
		if err != nil {
			return err
		}
		full := len(evs) == catchUpBatch
		if check {
			if !stillHolds(r.last, head, evs) {
				f.resyncLocked(ctx, room, r, head)
				return nil
			}
			evs, check = evs[1:], false
		}
		for _, ev := range evs {
			switch follows(r.last, ev) {
			case evNext:
				f.deliverLocked(room, r, ev)
			case evGap:
				return fmt.Errorf("the room log has no event at offset %d (read from %d, got %d)", r.last.Offset+1, from, ev.Offset)
			}
		}
		if !full || (r.last.Epoch == head.Epoch && r.last.Offset >= head.Offset) {
			return nil
		}
		from = r.last.Offset + 1
	}
}

// resyncLocked handles a log that went back under the room's listeners: events they were given
// no longer exist, and later events may reuse their offsets. Every listener that can (a
// Resyncer: each socket) starts over from a fresh snapshot, the engine forgets what it cached
// of the room, and delivery goes on from the log's head. Caller holds r.mu, so no event of the
// room is delivered meanwhile.
func (f *Fanout) resyncLocked(ctx context.Context, room mockroom.RoomID, r *fanRoom, head mockroom.Position) {
	f.rollbacks.Add(1)
	f.log.Warn("room fan-out: the store's log of the room went back (it lost acknowledged writes); its sockets start over from a snapshot",
		"room_id", room, "delivered_epoch", r.last.Epoch, "delivered_offset", r.last.Offset,
		"store_epoch", head.Epoch, "store_offset", head.Offset)
	f.reset(room)
	r.recent = [recentSize]recentEvent{} // positions of the log that went back
	r.setLast(head)
	f.mu.RLock()
	var resync []Resyncer
	for _, l := range f.rooms[room].listeners {
		if rl, ok := l.(Resyncer); ok {
			resync = append(resync, rl)
		}
	}
	f.mu.RUnlock()
	for _, l := range resync {
		l.Resync(ctx)
	}
}
