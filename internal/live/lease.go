package live

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Presence leases.
//
// A person is online in a room while some node holds one of their sockets to it. The store
// cannot see sockets, so each node holding a person's socket keeps a lease on their presence
// and renews it every PresenceRenewEvery; a lease holds for PresenceLease after its renewal. A
// node that closes the person's last socket releases its lease PresenceGrace later unless the
// person came back to it meanwhile (at once when it stops); a node that dies simply stops
// renewing, and its leases run out. Every node also looks, at each renewal, for leases of
// the rooms it serves that ran out, removes them and announces the people left with no lease as
// offline (the store hands each of them to one node only). So whoever is in the room sees a
// crashed node's users go offline within PresenceOfflineBound, whatever node they are on.
//
// The bound assumes the nodes' clocks agree (to well under a second, as NTP keeps them): a lease
// is written with the renewing node's time and judged with the looking node's.

// PresenceRenewEvery is how often a node renews the leases of the people whose sockets it holds
// and looks for leases that ran out in the rooms it serves.
const PresenceRenewEvery = 4 * time.Second

// PresenceLease is how long a lease holds after it was renewed: long enough that two renewals
// may be late or fail before a person who is still connected is shown offline.
const PresenceLease = 11 * time.Second

// PresenceOfflineBound is how long, at most, a person whose node died (or lost the store) is
// still shown online: their last lease runs out PresenceLease after the node's last renewal, and
// the other nodes serving the room look for it at most PresenceRenewEvery later.
const PresenceOfflineBound = PresenceLease + PresenceRenewEvery

// PresenceGrace is how long a node waits, after a person's last socket on it closed, before it
// releases their lease and announces them offline. A socket cut and opened again within it (a
// flaky network, a reload, a mass reconnect) then costs no store write and shows nothing to
// the room: without it, each such cut would send everyone an offline and an online frame and
// cost four round trips. Short enough that a tab really closed is shown offline soon after
// (api/protocol.md promises it); a node that stops releases at once.
const PresenceGrace = 2 * time.Second

// renewBatch bounds the leases renewed in one store call: the rooms of a batch are held (their
// joins and leaves wait) for its round trip.
const renewBatch = 1000

// heldRoom counts this node's sockets per person in one room. mu orders the store writes of the
// room's leases, so a renewal cannot bring back a lease that a leave released.
type heldRoom struct {
	refs  int // callers using the entry; guarded by Engine.presMu
	mu    sync.Mutex
	users map[mockroom.UserID]*heldUser
}

// heldUser is one person's sockets on this node in one room. With none left and grace set, the
// lease is still held (and renewed) until the grace ends or the node stops.
type heldUser struct {
	sockets int
	grace   *time.Timer // guarded by the room's mu
	room    mockroom.RoomID
	user    mockroom.UserID
}

// acquireHeld returns room's entry, made if needed; releaseHeld must follow.
func (e *Engine) acquireHeld(room mockroom.RoomID) *heldRoom {
	e.presMu.Lock()
	defer e.presMu.Unlock()
	h, ok := e.held[room]
	if !ok {
		h = &heldRoom{users: map[mockroom.UserID]*heldUser{}}
		e.held[room] = h
	}
	h.refs++
	return h
}

// releaseHeld drops the entry once nobody uses it and it counts no socket. Every user of h
// holds a reference while it locks h.mu, so with none left nobody is reading h.users.
func (e *Engine) releaseHeld(room mockroom.RoomID, h *heldRoom) {
	e.presMu.Lock()
	defer e.presMu.Unlock()
	h.refs--
	if h.refs == 0 && len(h.users) == 0 {
		delete(e.held, room)
	}
}

// holdPresence counts one more socket of user's on this node in room, with the hold locked
// around enter, which does the store's part of a join. Only when the node did not hold user
// already (nor within their grace) does enter get a lease to take, and announce (by the store,
// in the same step); the socket is counted once enter succeeded.
func (e *Engine) holdPresence(room mockroom.RoomID, user mockroom.UserID, enter func(lease *EnterLease) error) error {
	h := e.acquireHeld(room)
	defer e.releaseHeld(room, h)
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	var lease *EnterLease
	if u == nil {
		now := e.now()
		lease = &EnterLease{User: user, Node: e.node, Until: now.Add(e.lease), Now: now, Announce: presenceEvent(user, true, now)}
	}
	if err := enter(lease); err != nil {
		return err
	}
	if u == nil {
		h.users[user] = &heldUser{sockets: 1, room: room, user: user}
		return nil
	}
	if u.grace != nil {
		e.stopGrace(u)
	}
	u.sockets++
	return nil
}

// dropPresence gives up one socket's hold. With the person's last socket on this node gone, the
// lease is kept for the grace while the node runs (endGrace releases it), or released at once
// (and the person announced offline by the store if no other node holds them).
func (e *Engine) dropPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID) error {
	h := e.acquireHeld(room)
	defer e.releaseHeld(room, h)
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	if u != nil && u.sockets > 1 {
		u.sockets--
		return nil
	}
	if u != nil && u.sockets == 1 && e.startGrace(u) {
		u.sockets = 0
		return nil
	}
	if u != nil && u.grace != nil {
		e.stopGrace(u)
	}
	delete(h.users, user)
	now := e.now()
	_, err := e.store.SetPresence(ctx, room, user, e.node, false, time.Time{}, now, presenceEvent(user, false, now))
	return err
}

// startGrace arms u's grace unless the node is not running (or is stopping) or has none.
// Caller holds the room's mu.
func (e *Engine) startGrace(u *heldUser) bool {
	e.presMu.Lock()
	defer e.presMu.Unlock()
	if !e.running || e.grace <= 0 {
		return false
	}
	e.graces[u] = struct{}{}
	e.graceWG.Add(1)
	u.grace = time.AfterFunc(e.grace, func() {
		defer e.graceWG.Done()
		e.endGrace(u)
	})
	return true
}

// stopGrace disarms u's grace: the person came back. A timer that already fired finds u
// holding a socket again (or no grace) and does nothing. Caller holds the room's mu.
func (e *Engine) stopGrace(u *heldUser) {
	if u.grace.Stop() {
		e.graceWG.Done()
	}
	u.grace = nil
	e.presMu.Lock()
	delete(e.graces, u)
	e.presMu.Unlock()
}

// endGrace releases u's lease if the person did not come back, and announces them offline
// unless another node holds them.
func (e *Engine) endGrace(u *heldUser) {
	ctx, cancel := context.WithTimeout(context.Background(), e.renewEvery)
	defer cancel()
	h := e.acquireHeld(u.room)
	defer e.releaseHeld(u.room, h)
	h.mu.Lock()
	if h.users[u.user] != u || u.sockets > 0 || u.grace == nil {
		h.mu.Unlock()
		return
	}
	e.stopGrace(u)
	delete(h.users, u.user)
	now := e.now()
	_, err := e.store.SetPresence(ctx, u.room, u.user, e.node, false, time.Time{}, now, presenceEvent(u.user, false, now))
	h.mu.Unlock()
	if err != nil {
		// The lease runs out by itself within PresenceOfflineBound.
		e.warn.Warn("release presence lease", "room_id", u.room, "user_id", u.user, "err", err)
	}
}

// endAllGraces stops granting graces and releases, now, every lease still in one, so a node
// that stops leaves nobody shown online by it and no timer behind.
func (e *Engine) endAllGraces() {
	e.presMu.Lock()
	e.running = false
	pending := make([]*heldUser, 0, len(e.graces))
	for u := range e.graces {
		pending = append(pending, u)
	}
	e.presMu.Unlock()
	for _, u := range pending {
		e.endGrace(u)
	}
	// A timer that fired meanwhile found nothing left to do, or did it; wait for it either way.
	e.graceWG.Wait()
}

// keepPresence renews this node's leases and expires other nodes' stale ones until ctx is done.
// A cycle is spread over renewSlices ticks, each renewing the rooms of one slice, so the store
// gets a few dozen renewal scripts at a time instead of one script per room all at once: a
// single Redis runs a pipeline's scripts back to back, and the keystrokes of every room would
// wait behind a thousand of them every PresenceRenewEvery (a latency spike in the p99). Each
// room stays in its slice, so it is still renewed once per PresenceRenewEvery.
func (e *Engine) keepPresence(ctx context.Context) {
	n := renewSlicesFor(e.renewEvery)
	t := time.NewTicker(e.renewEvery / time.Duration(n))
	defer t.Stop()
	for tick := 0; ; tick = (tick + 1) % n {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.renewSlice(ctx, tick, n)
	}
}

// renewSlices is how many ticks a renewal cycle is spread over, at most; minRenewTick keeps
// the ticks of a short cycle (tests) from coming faster than that.
const (
	renewSlices  = 16
	minRenewTick = 50 * time.Millisecond
)

func renewSlicesFor(every time.Duration) int {
	return max(1, min(renewSlices, int(every/minRenewTick)))
}

// renewSliceOf is the slice of a cycle of n that renews room: FNV-1a of its id, written out
// because every tick hashes every room the node serves and hash/fnv allocates for each.
func renewSliceOf(room mockroom.RoomID, n int) int {
	h := uint32(2166136261)
	for i := 0; i < len(room); i++ {
		h = (h ^ uint32(room[i])) * 16777619
	}
	return int(h % uint32(n))
}

// RenewPresence renews every lease this node holds, removes the leases that ran out in the
// rooms it serves and announces who came back online and who went offline. Run does it every
// PresenceRenewEvery, a slice of the rooms at a time; it is exported for tests and tools. Each
// room is one store script (its leases renewed, its run-out leases removed), and the scripts of
// many rooms go to the store together, up to renewBatch rooms at a time: a renewal cycle costs
// a few round trips and one script per room whatever the number of people.
func (e *Engine) RenewPresence(ctx context.Context) { e.renewSlice(ctx, 0, 1) }

// renewSlice renews the rooms of slice (of a cycle of n).
func (e *Engine) renewSlice(ctx context.Context, slice, n int) {
	served := map[mockroom.RoomID]bool{}
	add := func(room mockroom.RoomID) {
		if n == 1 || renewSliceOf(room, n) == slice {
			served[room] = true
		}
	}
	e.presMu.Lock()
	for room := range e.held {
		add(room)
	}
	e.presMu.Unlock()
	for _, room := range e.fanout.servedRooms() {
		add(room)
	}
	// One order for every caller: a batch locks many rooms, and two renewals at once (tests,
	// tools) must not lock them crosswise.
	rooms := slices.Sorted(maps.Keys(served))
	for start := 0; start < len(rooms); {
		if ctx.Err() != nil {
			return
		}
		start = e.renewBatch(ctx, rooms, start)
	}
}

// renewBatch renews the node's leases in rooms[start:] and removes the rooms' leases that ran
// out, for up to renewBatch rooms and as many as fit in renewBatch leases (one room at least),
// and returns where the next batch starts. Every room of the batch is locked from before its
// leases are read until the store answered and the changes were announced, so a leave waits
// for the renewal and its release comes after it, and a join's online comes after an offline
// the expiry found. A lease that had run out (the node could not renew it in time, and someone
// may have announced the person offline) is announced online again. A room the node only
// serves (it holds nobody there) is only looked at for leases that ran out.
func (e *Engine) renewBatch(ctx context.Context, rooms []mockroom.RoomID, start int) int {
	var locked []*heldRoom
	var batch []RoomLeases
	leases := 0
	end := start
	for ; end < len(rooms) && len(batch) < renewBatch; end++ {
		h := e.acquireHeld(rooms[end])
		h.mu.Lock()
		if leases > 0 && leases+len(h.users) > renewBatch {
			h.mu.Unlock()
			e.releaseHeld(rooms[end], h)
			break
		}
		locked = append(locked, h)
		r := RoomLeases{Room: rooms[end], Users: make([]mockroom.UserID, 0, len(h.users))}
		for user := range h.users {
			r.Users = append(r.Users, user)
		}
		leases += len(r.Users)
		batch = append(batch, r)
	}
	defer func() {
		for i, h := range locked {
			h.mu.Unlock()
			e.releaseHeld(rooms[start+i], h)
		}
	}()
	callCtx, cancel := context.WithTimeout(ctx, e.renewEvery)
	defer cancel()
	now := e.now()
	changes, err := e.store.RenewPresence(callCtx, e.node, batch, now.Add(e.lease), now)
	if err != nil && ctx.Err() == nil {
		e.warn.Warn("renew presence leases", "rooms", len(batch), "leases", leases, "err", err)
	}
	for i, c := range changes {
		room := batch[i].Room
		// Still under the room's lock: a leave's offline, or a join's online, on this node comes
		// after these; another node's comes before or after, and the store drops an
		// announcement it made untrue.
		for _, user := range c.Back {
			if err := e.announcePresence(callCtx, room, user, true); err != nil && ctx.Err() == nil {
				e.warn.Warn("announce renewed presence", "room_id", room, "user_id", user, "err", err)
			}
		}
		for _, user := range c.Gone {
			if err := e.announcePresence(callCtx, room, user, false); err != nil && ctx.Err() == nil {
				e.warn.Warn("announce expired presence", "room_id", room, "user_id", user, "err", err)
			}
		}
	}
	return end
}

func (e *Engine) announcePresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, online bool) error {
	now := e.now()
	_, err := e.store.AnnouncePresence(ctx, room, user, online, now, *presenceEvent(user, online, now))
	return err
}

// presenceEvent announces that user came online or went offline.
func presenceEvent(user mockroom.UserID, online bool, at time.Time) *Event {
	return &Event{Type: TypePresence, At: at, Actor: user, Data: presenceData(user, online, nil)}
}
