package live

import (
	"context"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Presence leases.
//
// A person is online in a room while some node holds one of their sockets to it. The store
// cannot see sockets, so each node holding a person's socket keeps a lease on their presence
// and renews it every PresenceRenewEvery; a lease holds for PresenceLease after its renewal. A
// node that closes the person's last socket releases its lease at once; a node that dies simply
// stops renewing, and its leases run out. Every node also looks, at each renewal, for leases of
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

// heldRoom counts this node's sockets per person in one room. mu orders the store writes of the
// room's leases, so a renewal cannot bring back a lease that a leave released.
type heldRoom struct {
	refs  int // callers using the entry; guarded by Engine.presMu
	mu    sync.Mutex
	users map[mockroom.UserID]int
}

// acquireHeld returns room's entry, made if needed; releaseHeld must follow.
func (e *Engine) acquireHeld(room mockroom.RoomID) *heldRoom {
	e.presMu.Lock()
	defer e.presMu.Unlock()
	h, ok := e.held[room]
	if !ok {
		h = &heldRoom{users: map[mockroom.UserID]int{}}
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

// holdPresence takes a lease on p's presence for one more socket on this node.
func (e *Engine) holdPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID) error {
	h := e.acquireHeld(room)
	defer e.releaseHeld(room, h)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := e.now()
	if _, err := e.store.SetPresence(ctx, room, user, e.node, true, now.Add(e.lease), now); err != nil {
		return err
	}
	h.users[user]++
	return nil
}

// dropPresence gives up one socket's hold; with the person's last socket on this node gone, the
// node's lease is released. It reports whether the person is offline now (no other node holds
// them).
func (e *Engine) dropPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID) (bool, error) {
	h := e.acquireHeld(room)
	defer e.releaseHeld(room, h)
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := h.users[user]; n > 1 {
		h.users[user] = n - 1
		return false, nil
	}
	delete(h.users, user)
	now := e.now()
	return e.store.SetPresence(ctx, room, user, e.node, false, time.Time{}, now)
}

// keepPresence renews this node's leases and expires other nodes' stale ones until ctx is done.
func (e *Engine) keepPresence(ctx context.Context) {
	t := time.NewTicker(e.renewEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.RenewPresence(ctx)
	}
}

// RenewPresence renews every lease this node holds, then removes the leases that ran out in the
// rooms it serves and announces who went offline. Run does it every PresenceRenewEvery; it is
// exported for tests and tools.
func (e *Engine) RenewPresence(ctx context.Context) {
	e.presMu.Lock()
	rooms := make([]mockroom.RoomID, 0, len(e.held))
	for room := range e.held {
		rooms = append(rooms, room)
	}
	e.presMu.Unlock()
	for _, room := range rooms {
		if ctx.Err() != nil {
			return
		}
		e.renewRoom(ctx, room)
	}
	served := map[mockroom.RoomID]bool{}
	for _, room := range rooms {
		served[room] = true
	}
	for _, room := range e.fanout.servedRooms() {
		served[room] = true
	}
	for room := range served {
		if ctx.Err() != nil {
			return
		}
		e.expireRoom(ctx, room)
	}
}

// renewRoom renews the node's leases in one room. A lease that had run out (the node could not
// renew it in time, and someone may have announced the person offline) is announced online again.
func (e *Engine) renewRoom(ctx context.Context, room mockroom.RoomID) {
	h := e.acquireHeld(room)
	defer e.releaseHeld(room, h)
	h.mu.Lock()
	defer h.mu.Unlock()
	for user := range h.users {
		callCtx, cancel := context.WithTimeout(ctx, e.renewEvery)
		now := e.now()
		back, err := e.store.SetPresence(callCtx, room, user, e.node, true, now.Add(e.lease), now)
		if err == nil && back {
			err = e.publishPresence(callCtx, room, user, true)
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			e.warn.Warn("renew presence leases", "room_id", room, "user_id", user, "err", err)
		}
	}
}

// expireRoom removes the room's leases that ran out and announces the people left without one.
func (e *Engine) expireRoom(ctx context.Context, room mockroom.RoomID) {
	callCtx, cancel := context.WithTimeout(ctx, e.renewEvery)
	defer cancel()
	gone, err := e.store.ExpirePresence(callCtx, room, e.now())
	for _, user := range gone {
		if perr := e.publishPresence(callCtx, room, user, false); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil && ctx.Err() == nil {
		e.warn.Warn("expire presence leases", "room_id", room, "err", err)
	}
}

func (e *Engine) publishPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, online bool) error {
	return e.store.Publish(ctx, room, Event{Type: TypePresence, At: e.now(), Actor: user, Data: presenceData(user, online, nil)})
}
