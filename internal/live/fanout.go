package live

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Bus carries a room's published events to this node. The Redis adapter implements it with one
// pub/sub connection per node on a single Redis, and one sharded connection per slot in use on a
// Redis Cluster.
type Bus interface {
	// Subscribe adds room's channel. While a Receive is under way, it returns once the
	// subscription is in effect: whatever is published from then on reaches Receive (the
	// fan-out reads the room's head right after, and relies on there being no gap between the
	// two).
	Subscribe(ctx context.Context, room mockroom.RoomID) error
	Unsubscribe(ctx context.Context, room mockroom.RoomID) error
	// Receive blocks until a message for a subscribed room arrives or ctx is done. A nil
	// payload is a notice that the room's subscription was (re)established: messages published
	// before it may not have reached this node, and the fan-out reads the room's log for them.
	Receive(ctx context.Context) (mockroom.RoomID, []byte, error)
}

// Listener receives a room's events on this node. Deliver is called in log order, never for
// two durable events of a room at once, and must not block: enqueue without waiting, and drop
// the connection if its queue is full (it resumes from its last position). It runs on the
// fan-out's goroutines, or on the goroutine whose append on this node produced the event (see
// deliverLocal), which may be in the middle of that listener's own command.
type Listener interface {
	Deliver(Event)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(Event)

// Deliver calls f.
func (f ListenerFunc) Deliver(ev Event) { f(ev) }

// Delivery is one event on its way to the local listeners of its room. The fan-out hands the
// same Delivery to each of them in turn, on its goroutine, so work that depends only on the event
// and a small key (encoding it as a frame for one role) is done once per event rather than once
// per listener. A listener must not keep a Delivery after DeliverShared returns; the values it
// shares must not be modified.
type Delivery struct {
	Event Event
	memo  []memoEntry
}

type memoEntry struct {
	key string
	val []byte
}

// Shared returns the value kept under key for this delivery, calling build the first time.
func (d *Delivery) Shared(key string, build func() []byte) []byte {
	for _, m := range d.memo {
		if m.key == key {
			return m.val
		}
	}
	v := build()
	d.memo = append(d.memo, memoEntry{key, v})
	return v
}

// SharedListener is a Listener that can take part in sharing work across a room's listeners.
// The fan-out calls DeliverShared instead of Deliver, with the same guarantees.
type SharedListener interface {
	Listener
	DeliverShared(*Delivery)
}

// Resyncer is a Listener that can start over from a snapshot of the room. When the store's log
// of the room went back (it lost writes it had acknowledged), the fan-out calls Resync on its
// catch-up goroutine while no event of the room is delivered; Resync may read the store with
// ctx, and the listener then takes the events that follow its snapshot's position, skipping
// those the snapshot already holds.
type Resyncer interface {
	Listener
	Resync(ctx context.Context)
}

// ListenerID names one registration, for Remove.
type ListenerID uint64

// Fanout hands a room's events to the node's local listeners. The node is subscribed to a room's
// channel while the room has at least one local listener, and for a short while after its last
// one left (linger, while the fan-out runs): a socket cut and opened again soon after, alone in
// the room on this node or with everyone else's (a network failure cuts many at once), finds the
// room subscribed, its head known and what the node cached of it (Engine.forget runs when the
// linger ends) still there. Events are decoded once per node.
// Pub/sub may lose messages when its connection drops; the fan-out reads the missing events from
// the log (see catchup.go), so listeners see every durable event exactly once and in order.
//
// Events appended on this node are delivered locally as soon as the append returns (local-first,
// see deliverLocal), without waiting for their publication to come back through the bus; other
// nodes receive them through the bus. Whichever path brings an event first delivers it, by its
// offset, and the other finds it among the room's recently delivered positions and drops it.
type Fanout struct {
	bus     Bus
	store   Store
	log     *slog.Logger
	observe func(mockroom.RoomID, Event)
	forget  func(mockroom.RoomID)
	reset   func(mockroom.RoomID) // the room's log went back: drop what is cached of it
	catchUp *catchUpQueue
	// quietCheck is how long a room may go without an event before its log is read anyway.
	quietCheck time.Duration
	warn       *rateLogger

	// subMu guards subLocks: one lock per room, held while the room's subscription changes
	// (subscribe and head read, or unsubscribe), so one room's changes happen in order while
	// other rooms' proceed at the same time. A node-wide lock made every room's first join wait
	// for every other room's subscribe and head read, one round trip after another.
	subMu    sync.Mutex
	subLocks map[mockroom.RoomID]*subLock
	mu       sync.RWMutex
	rooms    map[mockroom.RoomID]*fanRoom
	next     ListenerID

	// linger is how long a room without listeners stays (see Fanout); lingering (under mu) is
	// set while run serves, with runCtx its context, and lingers counts the linger timers that
	// may still fire.
	linger    time.Duration
	lingering bool
	runCtx    context.Context
	lingers   sync.WaitGroup

	retries   atomic.Uint64 // failed receives, each followed by a back-off
	rollbacks atomic.Uint64 // rooms whose log was found to have gone back
}

// ReceiveRetries counts the bus receives that failed (the store unreachable) and were retried
// after a back-off, for the metrics.
func (f *Fanout) ReceiveRetries() uint64 { return f.retries.Load() }

// Rollbacks counts the times this node found that the store's log of a room it serves went back
// (the store lost writes it had acknowledged) and started the room's sockets over, for the
// metrics.
func (f *Fanout) Rollbacks() uint64 { return f.rollbacks.Load() }

// Back-off between failed receives: doubling from the first to the last, with jitter.
const (
	receiveBackoffFirst = 100 * time.Millisecond
	receiveBackoffMax   = 5 * time.Second
)

type fanRoom struct {
	listeners map[ListenerID]Listener // guarded by Fanout.mu
	// idle runs out the room's linger once its last listener left; idleGen tells a timer that
	// was stopped too late (it fired while a listener came back) from the current one. Both
	// guarded by Fanout.mu.
	idle    *time.Timer
	idleGen uint64

	// mu orders the delivery of the room's durable events: the run goroutine, the catch-up
	// goroutine and local deliveries (deliverLocal) all deliver while holding it, and let go of
	// it with Fanout.unlock.
	mu     sync.Mutex
	last   mockroom.Position // last durable event delivered
	recent [recentSize]recentEvent
	// deferred are bus events that arrived while mu was held: its holder handles them before
	// it lets go (Fanout.unlock), so the bus goroutine neither waits nor reads the log for them.
	deferMu  sync.Mutex
	deferred []Event
	failures int          // catch-up reads failed in a row
	heard    atomic.Int64 // unix nanoseconds of the last delivery or catch-up, for the quiet check
}

// recentSize is how many of a room's last delivered events the fan-out remembers, to know a late
// copy of one of them (the bus copy of an event delivered locally, usually one or two events
// behind) from an event whose offset the store issued again after losing writes. A copy older
// than that costs one read of the log (the catch-up checks the log still holds what was
// delivered), as any old event did before.
const recentSize = 16

// recentEvent is one delivered event of the room's current epoch (r.last.Epoch), kept at
// recent[offset % recentSize].
type recentEvent struct {
	offset mockroom.EventOffset
	id     string
}

// setLast makes pos the room's last delivered event. Caller holds r.mu.
func (r *fanRoom) setLast(pos mockroom.Position) {
	if pos.Epoch != r.last.Epoch {
		r.recent = [recentSize]recentEvent{}
	}
	r.last = pos
	r.recent[pos.Offset%recentSize] = recentEvent{pos.Offset, pos.EventID}
}

// delivered reports whether ev, at or before r.last, is an event this room was given: false
// when its offset is too old to tell, or names another event (the store issued it again).
// Caller holds r.mu.
func (r *fanRoom) delivered(ev Event) bool {
	if ev.Epoch != r.last.Epoch || ev.Offset > r.last.Offset {
		return false
	}
	got := r.recent[ev.Offset%recentSize]
	return got.offset == ev.Offset && got.id == ev.ID
}

func newFanout(bus Bus, store Store, log *slog.Logger, observe func(mockroom.RoomID, Event), forget, reset func(mockroom.RoomID), quietCheck, linger time.Duration) *Fanout {
	return &Fanout{bus: bus, store: store, log: log, observe: observe, forget: forget, reset: reset, rooms: map[mockroom.RoomID]*fanRoom{},
		subLocks: map[mockroom.RoomID]*subLock{}, catchUp: newCatchUpQueue(), quietCheck: quietCheck, linger: linger, warn: newRateLogger(log, warnEvery)}
}

// subLock orders the subscription changes of one room; users counts those holding or waiting
// for it, and the last one removes it.
type subLock struct {
	mu    sync.Mutex
	users int
}

// lockRoomSub takes room's subscription lock, and unlockRoomSub lets go of it.
func (f *Fanout) lockRoomSub(room mockroom.RoomID) *subLock {
	f.subMu.Lock()
	l := f.subLocks[room]
	if l == nil {
		l = &subLock{}
		f.subLocks[room] = l
	}
	l.users++
	f.subMu.Unlock()
	l.mu.Lock()
	return l
}

func (f *Fanout) unlockRoomSub(room mockroom.RoomID, l *subLock) {
	l.mu.Unlock()
	f.subMu.Lock()
	if l.users--; l.users == 0 {
		delete(f.subLocks, room)
	}
	f.subMu.Unlock()
}

// Add registers l for room's events, subscribing the node to the room on its first listener.
func (f *Fanout) Add(ctx context.Context, room mockroom.RoomID, l Listener) (ListenerID, error) {
	sl := f.lockRoomSub(room)
	defer f.unlockRoomSub(room, sl)
	f.mu.Lock()
	f.next++
	id := f.next
	if r, ok := f.rooms[room]; ok {
		r.listeners[id] = l
		f.stopIdleLocked(r)
		f.mu.Unlock()
		return id, nil
	}
	f.mu.Unlock()
	if err := f.bus.Subscribe(ctx, room); err != nil {
		return 0, err
	}
	// Read the head after subscribing: anything published before is in the head and anything
	// after arrives on the channel, so there is no gap between the two.
	head, _, err := f.store.Read(ctx, room, 0, 0)
	if err != nil {
		_ = f.bus.Unsubscribe(ctx, room)
		return 0, err
	}
	r := &fanRoom{listeners: map[ListenerID]Listener{id: l}}
	r.setLast(head)
	r.heard.Store(time.Now().UnixNano())
	f.mu.Lock()
	f.rooms[room] = r
	f.mu.Unlock()
	return id, nil
}

// Remove unregisters a listener, unsubscribing the node from the room after its last one.
func (f *Fanout) Remove(ctx context.Context, room mockroom.RoomID, id ListenerID) error {
	sl := f.lockRoomSub(room)
	defer f.unlockRoomSub(room, sl)
	f.mu.Lock()
	r, ok := f.rooms[room]
	if ok {
		delete(r.listeners, id)
	}
	last := ok && len(r.listeners) == 0
	if last && f.lingering && f.linger > 0 {
		r.idleGen++
		gen := r.idleGen
		f.lingers.Add(1)
		r.idle = time.AfterFunc(f.linger, func() {
			defer f.lingers.Done()
			f.endLinger(room, r, gen)
		})
		f.mu.Unlock()
		return nil
	}
	if last {
		delete(f.rooms, room)
	}
	f.mu.Unlock()
	if !last {
		return nil
	}
	f.forget(room)
	return f.bus.Unsubscribe(ctx, room)
}

// stopIdleLocked ends r's linger: a listener came back. A timer that already fired finds the
// generation moved on, or a listener, and does nothing. Caller holds f.mu.
func (f *Fanout) stopIdleLocked(r *fanRoom) {
	if r.idle == nil {
		return
	}
	if r.idle.Stop() {
		f.lingers.Done()
	}
	r.idle = nil
	r.idleGen++
}

// endLinger drops a room whose linger ran out with no listener back: the node forgets what it
// cached of it and leaves its channel.
func (f *Fanout) endLinger(room mockroom.RoomID, r *fanRoom, gen uint64) {
	sl := f.lockRoomSub(room)
	defer f.unlockRoomSub(room, sl)
	f.mu.Lock()
	if f.rooms[room] != r || len(r.listeners) > 0 || r.idleGen != gen {
		f.mu.Unlock()
		return
	}
	r.idle = nil
	delete(f.rooms, room)
	runCtx := f.runCtx
	f.mu.Unlock()
	f.forget(room)
	// Not cancelled with the run: a linger ending as the node stops still leaves the channel.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(runCtx), lingerUnsubscribeWait)
	defer cancel()
	if err := f.bus.Unsubscribe(ctx, room); err != nil {
		f.warn.Warn("leave a room's channel", "room_id", room, "err", err)
	}
}

// RoomLinger is how long a node stays in a room after its last local listener left (see
// Fanout). Long enough to cover the web app's first reconnect attempts after a cut (its back-off
// doubles from half a second: four attempts fit), so a network failure that cuts every socket of
// a node costs their return no subscription, head read or room read; short enough that rooms the
// node no longer serves do not pile up.
const RoomLinger = 10 * time.Second

// lingerUnsubscribeWait bounds the unsubscribe at the end of a linger, which no caller waits on.
const lingerUnsubscribeWait = 5 * time.Second

// startLingering lets rooms linger from now on; stopLingering ends every linger at once (the
// rooms stay as they are: the node is stopping) and waits for a timer that fired meanwhile.
func (f *Fanout) startLingering(ctx context.Context) {
	f.mu.Lock()
	f.lingering, f.runCtx = true, ctx
	f.mu.Unlock()
}

func (f *Fanout) stopLingering() {
	f.mu.Lock()
	f.lingering = false
	for _, r := range f.rooms {
		f.stopIdleLocked(r)
	}
	f.mu.Unlock()
	f.lingers.Wait()
}

// servedRooms lists the rooms the node is in: those with local listeners, and those lingering.
func (f *Fanout) servedRooms() []mockroom.RoomID {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]mockroom.RoomID, 0, len(f.rooms))
	for room := range f.rooms {
		out = append(out, room)
	}
	return out
}

// Listeners is the number of local listeners of room.
func (f *Fanout) Listeners(room mockroom.RoomID) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if r, ok := f.rooms[room]; ok {
		return len(r.listeners)
	}
	return 0
}

func (f *Fanout) run(ctx context.Context) error {
	if f.bus == nil {
		<-ctx.Done()
		return nil
	}
	f.startLingering(ctx)
	defer f.stopLingering()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.runCatchUp(ctx)
	}()
	defer wg.Wait()
	// An unreachable store fails every receive at once: retry after a growing, jittered pause,
	// and log the change of state once each way, not every attempt.
	failing, backoff := 0, receiveBackoffFirst
	for {
		room, payload, err := f.bus.Receive(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			f.retries.Add(1)
			if failing == 0 {
				f.log.Warn("room fan-out: the store stopped answering; retrying with back-off", "err", err)
			}
			failing++
			pause := backoff/2 + rand.N(backoff/2+1)
			backoff = min(2*backoff, receiveBackoffMax)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
			continue
		}
		if failing > 0 {
			f.log.Info("room fan-out: the store answers again", "failed_attempts", failing)
			failing, backoff = 0, receiveBackoffFirst
		}
		f.received(room, payload)
	}
}

// received handles one message from the bus.
func (f *Fanout) received(room mockroom.RoomID, payload []byte) {
	if payload == nil { // (re)subscribed: look in the log for what was published meanwhile
		f.catchUp.kick(room)
		return
	}
	if f.seen(room, payload) {
		return
	}
	ev, err := DecodePublished(payload)
	if err != nil {
		f.log.Error("room fan-out: undecodable event", "room_id", room, "err", err)
		return
	}
	f.deliver(room, ev)
}

// deliver hands ev, just received from the bus, to the room's listeners if it is the next event
// they expect. A gap before it is left to the catch-up goroutine, which reads the log from the
// last event delivered; while another goroutine delivers to the room (a catch-up in progress, or
// a local delivery), ev is left to that goroutine. This goroutine never waits for the store.
func (f *Fanout) deliver(room mockroom.RoomID, ev Event) {
	f.mu.RLock()
	r, ok := f.rooms[room]
	f.mu.RUnlock()
	if !ok {
		return
	}
	if ev.Offset == 0 { // ephemeral
		f.send(room, ev)
		return
	}
	if !r.mu.TryLock() {
		// Whoever delivers to the room (a local delivery, or the catch-up, which may have read
		// the log before ev was appended) handles ev when done.
		if !r.keep(ev) {
			f.catchUp.kick(room)
			return
		}
		if r.mu.TryLock() { // let go meanwhile, perhaps before it looked: handle it here
			f.unlock(room, r)
		}
		return
	}
	defer f.unlock(room, r)
	f.handleDeferred(room, r) // they came before ev
	f.handle(room, r, ev)
}

// handle delivers ev, from the bus, if it is the room's next event. Caller holds r.mu.
func (f *Fanout) handle(room mockroom.RoomID, r *fanRoom, ev Event) {
	switch follows(r.last, ev) {
	case evNext:
		f.deliverLocked(room, r, ev)
	case evGap:
		f.catchUp.kick(room)
	case evOld:
		// Usually an event delivered first locally or by the catch-up. But a store that lost
		// writes issues their offsets again: the catch-up checks that the log still holds what
		// was delivered.
		if !r.delivered(ev) {
			f.catchUp.kick(room)
		}
	}
}

// maxDeferred bounds the bus events a room keeps while its delivery lock is held; past it, an
// event is left to a read of the log instead.
const maxDeferred = 256

// keep keeps ev, received from the bus while r.mu was held by another goroutine, for the
// holder to handle before it lets go (unlock); false when too many wait already.
func (r *fanRoom) keep(ev Event) bool {
	r.deferMu.Lock()
	defer r.deferMu.Unlock()
	if len(r.deferred) >= maxDeferred {
		return false
	}
	r.deferred = append(r.deferred, ev)
	return true
}

func (r *fanRoom) takeDeferred() []Event {
	r.deferMu.Lock()
	defer r.deferMu.Unlock()
	evs := r.deferred
	r.deferred = nil
	return evs
}

func (r *fanRoom) hasDeferred() bool {
	r.deferMu.Lock()
	defer r.deferMu.Unlock()
	return len(r.deferred) > 0
}

// handleDeferred handles the bus events deferred to the holder of r.mu, in the order they came.
// Caller holds r.mu.
func (f *Fanout) handleDeferred(room mockroom.RoomID, r *fanRoom) {
	for _, ev := range r.takeDeferred() {
		f.handle(room, r, ev)
	}
}

// unlock lets go of r.mu, handling first what the bus deferred to its holder. An event deferred
// after the holder's last look but before it let go is found by the look after: the holder
// takes the lock again for it, or whoever took it meanwhile handles it on its own way out.
func (f *Fanout) unlock(room mockroom.RoomID, r *fanRoom) {
	for {
		f.handleDeferred(room, r)
		r.mu.Unlock()
		if !r.hasDeferred() || !r.mu.TryLock() {
			return
		}
	}
}

// seen reports whether payload, just received from the bus, is the copy of an event the room
// was given already (usually delivered locally when this node appended it): it is then dropped
// without being decoded. Anything it cannot tell at once is left to deliver.
func (f *Fanout) seen(room mockroom.RoomID, payload []byte) bool {
	off, id, epoch, ok := peekPosition(payload)
	if !ok || off == 0 {
		return false
	}
	f.mu.RLock()
	r, ok := f.rooms[room]
	f.mu.RUnlock()
	if !ok || !r.mu.TryLock() {
		return false
	}
	defer f.unlock(room, r)
	got := r.recent[off%recentSize]
	return string(epoch) == r.last.Epoch && off <= r.last.Offset && got.offset == off && string(id) == got.id
}

// deliverLocal hands evs, just appended by this node, to the room's local listeners without
// waiting for their publication to come back through the bus. It runs on the goroutine that
// appended (never the store's batching goroutine, and never waiting for the room's delivery
// lock): an event is delivered here only if it is the next one the room's listeners expect and
// nothing else is delivering to the room at that moment. Otherwise (another node's event before
// it has not arrived yet, a catch-up under way) it is left to its bus copy, which takes the
// usual path of deliver, so nothing is delivered twice or out of order and no read of the log is
// added. Ephemeral events are not appended and never come here.
func (f *Fanout) deliverLocal(room mockroom.RoomID, evs []Event) {
	if f.bus == nil || len(evs) == 0 {
		return // no fan-out running: nothing is delivered on this node
	}
	f.mu.RLock()
	r, ok := f.rooms[room]
	f.mu.RUnlock()
	if !ok || !r.mu.TryLock() {
		return
	}
	defer f.unlock(room, r)
	for _, ev := range evs {
		switch follows(r.last, ev) {
		case evNext:
			f.deliverLocked(room, r, ev)
		case evOld:
			if !r.delivered(ev) { // an offset of ours was delivered as another event
				f.catchUp.kick(room)
			}
		case evGap:
			return
		}
	}
}

// deliverLocked delivers the next durable event of the room. Caller holds r.mu.
func (f *Fanout) deliverLocked(room mockroom.RoomID, r *fanRoom, ev Event) {
	r.setLast(ev.Position())
	r.heard.Store(time.Now().UnixNano())
	f.observe(room, ev)
	f.send(room, ev)
}

func (f *Fanout) send(room mockroom.RoomID, ev Event) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	r, ok := f.rooms[room]
	if !ok {
		return
	}
	d := &Delivery{Event: ev}
	for _, l := range r.listeners {
		if sl, ok := l.(SharedListener); ok {
			sl.DeliverShared(d)
		} else {
			l.Deliver(ev)
		}
	}
}
