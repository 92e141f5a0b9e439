package live_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// A renewal cycle is one script per room, and the scripts of many rooms go to the store
// together: a node holding 1,200 people in 600 rooms renews their leases and looks for run-out
// ones with 600 scripts in two pipelines (up to 1,000 leases each), instead of a script per
// lease and one more per room. Every lease is still renewed, and nobody is announced.
func TestARenewalCycleIsAFewRoundTrips(t *testing.T) {
	e := newEnv(t)
	store, log := e.loggedStore()
	eng := live.NewEngine(live.Config{Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Now: e.clock.Now})
	ctx := t.Context()
	const rooms = 600
	ids := joinRooms(t, e, eng, "r-renew", rooms, interviewer, candidate)
	eng.RenewPresence(ctx) // loads the scripts
	e.clock.Advance(live.PresenceRenewEvery)
	log.take()
	eng.RenewPresence(ctx)
	names, rounds := log.take()

	const leases = 2 * rooms
	// ceil(1,200 / 1,000) pipelines, one script per room.
	const budget = 2
	if rounds > budget {
		t.Errorf("a renewal cycle of %d leases in %d rooms took %d round trips, budget %d", leases, rooms, rounds, budget)
	}
	calls := map[string]int{}
	for _, n := range names {
		calls[n]++
	}
	if calls["evalsha"] != rooms || len(names) != rooms {
		t.Errorf("a renewal cycle ran %v, want %d EVALSHA (one per room) and nothing else", calls, rooms)
	}
	want := e.clock.Now().Add(live.PresenceLease).Truncate(time.Millisecond)
	for _, id := range []mockroom.RoomID{ids[0], ids[rooms/2], ids[rooms-1]} {
		v, err := store.View(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []mockroom.Principal{interviewer, candidate} {
			if got := v.Presence[p.UserID]; !got.Equal(want) {
				t.Errorf("%s in %s is online until %v, want the renewed %v", p.UserID, id, got, want)
			}
		}
	}
	t.Logf("renewal cycle: %d leases, %d rooms, %d round trips", leases, rooms, rounds)
}

// A running node spreads each renewal cycle over ticks, a slice of its rooms at a time, so the
// store never gets a script per room all at once (a single Redis runs a pipeline's scripts back
// to back, and every keystroke waits behind them); over a cycle each room is renewed exactly
// once.
func TestARenewalCycleIsSpreadOverItsTicks(t *testing.T) {
	if n := live.RenewSlicesFor(live.PresenceRenewEvery); n < 8 {
		t.Fatalf("a cycle of %v is spread over %d ticks, want at least 8", live.PresenceRenewEvery, n)
	}
	if n := live.RenewSlicesFor(10 * time.Millisecond); n != 1 {
		t.Errorf("a cycle of 10ms is spread over %d ticks, want 1 (ticks no shorter than 50ms)", n)
	}
	e := newEnv(t)
	store, log := e.loggedStore()
	eng := live.NewEngine(live.Config{Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Now: e.clock.Now})
	ctx := t.Context()
	const rooms = 400
	joinRooms(t, e, eng, "r-spread", rooms, candidate)
	eng.RenewPresence(ctx) // loads the scripts
	log.take()
	n := live.RenewSlicesFor(live.PresenceRenewEvery)
	total, most := 0, 0
	for slice := range n {
		eng.RenewSlice(ctx, slice, n)
		names, _ := log.take()
		scripts := 0
		for _, name := range names {
			if name == "evalsha" {
				scripts++
			}
		}
		total += scripts
		most = max(most, scripts)
	}
	if total != rooms {
		t.Errorf("a cycle of %d ticks renewed %d rooms, want each of %d once", n, total, rooms)
	}
	// The slices are the rooms' hashes modulo n: about rooms/n each.
	if most > 3*rooms/n {
		t.Errorf("the busiest tick renewed %d rooms of %d over %d ticks, want them spread", most, rooms, n)
	}
}

// joinRooms makes n copies of the env's room, named prefix-0 and on, and joins people to each
// on eng; it returns their ids.
func joinRooms(t *testing.T, e *env, eng *live.Engine, prefix string, n int, people ...mockroom.Principal) []mockroom.RoomID {
	t.Helper()
	info, err := e.rooms.Room(t.Context(), e.room)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]mockroom.RoomID, n)
	for i := range ids {
		ids[i] = mockroom.RoomID(fmt.Sprintf("%s-%d", prefix, i))
		info.ID = ids[i]
		e.rooms.Put(info)
		for _, p := range people {
			if _, err := eng.Join(t.Context(), ids[i], p); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

// writes takes what log recorded and keeps the commands that write or publish (the timer poll
// reads on its own clock meanwhile).
func writes(log *cmdLog) []string {
	names, _ := log.take()
	var out []string
	for _, n := range names {
		switch n {
		case "evalsha", "eval", "publish", "spublish", "hset", "hdel":
			out = append(out, n)
		}
	}
	return out
}

// withGrace sets the engine's presence grace.
func withGrace(d time.Duration) func(*live.Config) {
	return func(c *live.Config) { c.PresenceGrace = d }
}

// A socket cut and opened again within the grace writes nothing to the store and shows the room
// nothing: the person never went away.
func TestAQuickRejoinIsNotAnnounced(t *testing.T) {
	e := newEnv(t)
	logged, log := e.loggedStore()
	store := &enterSpy{Store: logged}
	// No renewal falls into the test: only what the leave and the join send is logged.
	a, _ := e.engine(withGrace(time.Hour), func(c *live.Config) { c.Store, c.PresenceRenewEvery = store, time.Hour })
	ctx := t.Context()
	w := listen(t, a, e.room)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, candidate.UserID, true, 1)
	log.take()
	if err := a.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if names := writes(log); len(names) != 0 {
		t.Errorf("the leave wrote %v to the store, want nothing within the grace", names)
	}
	store.take()
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	// The join's one store step (Enter) reads, and would write the first join (recorded
	// already) and a lease: it must take none.
	if names := writes(log); len(names) != 1 {
		t.Errorf("the join within the grace sent %v to the store, want its one step alone", names)
	}
	if reqs := store.take(); len(reqs) != 1 || reqs[0].Lease != nil {
		t.Errorf("the join within the grace entered with %+v, want once with no lease", reqs)
	}
	if _, err := a.Join(ctx, e.room, observer); err != nil { // an announcement after the others, to wait for
		t.Fatal(err)
	}
	w.waitPresence(t, observer.UserID, true, 1)
	if on, _ := w.presenceOf(candidate.UserID, true); on != 1 {
		t.Errorf("the candidate was announced online %d times, want once (at the first join)", on)
	}
	if off, _ := w.presenceOf(candidate.UserID, false); off != 0 {
		t.Errorf("the candidate was announced offline %d times, want never", off)
	}
	if on := onlineIn(t, e, a); !on[candidate.UserID] {
		t.Errorf("the candidate shows offline after coming back: %v", on)
	}
}

// A real leave is announced once the grace is over, and the lease is released.
func TestALeaveIsAnnouncedAfterTheGrace(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine(withGrace(20 * time.Millisecond))
	ctx := t.Context()
	w := listen(t, a, e.room)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if err := a.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, candidate.UserID, false, 1)
	if on := onlineIn(t, e, a); on[candidate.UserID] {
		t.Errorf("the candidate was announced offline and still shows online: %v", on)
	}
	v, err := redisstore.NewLiveStore(e.client, e.keys, true).View(ctx, e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, held := v.Presence[candidate.UserID]; held {
		t.Errorf("the candidate's lease is still stored after the grace: %v", v.Presence)
	}
}

// A person who leaves one node and comes back through another within the grace is online
// through the other node's lease; the first node's release at the end of its grace must not
// show them offline.
func TestARejoinOnAnotherNodeDuringTheGrace(t *testing.T) {
	e := newEnv(t)
	a, stopA := e.engine(withGrace(time.Hour))
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, candidate.UserID, true, 1)
	if err := a.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	stopA()                                                  // ends a's grace now: a releases its lease
	if _, err := b.Join(ctx, e.room, observer); err != nil { // an announcement after the others, to wait for
		t.Fatal(err)
	}
	w.waitPresence(t, observer.UserID, true, 1)
	if off, _ := w.presenceOf(candidate.UserID, false); off != 0 {
		t.Errorf("the candidate, back through b, was announced offline %d times", off)
	}
	v, err := redisstore.NewLiveStore(e.client, e.keys, true).View(ctx, e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, held := v.Presence[candidate.UserID]; !held {
		t.Errorf("the candidate, connected through b, has no lease: %v", v.Presence)
	}
	fields, err := e.client.HKeys(ctx, e.keys.LivePresence(e.room)).Result()
	if err != nil {
		t.Fatal(err)
	}
	leases := 0
	for _, f := range fields {
		if strings.HasPrefix(f, string(candidate.UserID)+" ") {
			leases++
		}
	}
	if leases != 1 {
		t.Errorf("the candidate has %d leases, want b's alone (a stopped): %q", leases, fields)
	}
}

// A node that stops does not wait out its graces: it releases those leases at once and
// announces the people offline, and leaves no timer behind (goleak, in TestMain).
func TestStoppingReleasesLeasesInTheirGrace(t *testing.T) {
	e := newEnv(t)
	a, stopA := e.engine(withGrace(time.Hour))
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if err := a.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	stopA()
	w.waitPresence(t, candidate.UserID, false, 1)
	if on := onlineIn(t, e, b); on[candidate.UserID] {
		t.Errorf("the candidate was announced offline and still shows online: %v", on)
	}
	// A leave after the node stopped is released at once.
	if _, err := a.Join(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}
	if err := a.Leave(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, interviewer.UserID, false, 1)
}

// A person in their grace is still held: the renewal keeps their lease, so nobody (this node or
// another) announces them offline before the grace ends.
func TestALeaseInItsGraceIsRenewed(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine(withGrace(time.Hour))
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if err := a.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(live.PresenceLease - time.Second)
	a.RenewPresence(ctx)
	e.clock.Advance(live.PresenceLease - time.Second)
	b.RenewPresence(ctx)
	if _, err := b.Join(ctx, e.room, observer); err != nil { // an announcement after the others, to wait for
		t.Fatal(err)
	}
	w.waitPresence(t, observer.UserID, true, 1)
	if off, _ := w.presenceOf(candidate.UserID, false); off != 0 {
		t.Errorf("the candidate, in their grace, was announced offline %d times", off)
	}
	v, err := redisstore.NewLiveStore(e.client, e.keys, true).View(ctx, e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(time.Second).Truncate(time.Millisecond); !v.Presence[candidate.UserID].Equal(want) {
		t.Errorf("the candidate's lease holds until %v, want the renewed %v", v.Presence[candidate.UserID], want)
	}
}

// enterSpy records the requests a store's Enter is given.
type enterSpy struct {
	live.Store
	mu   sync.Mutex
	reqs []live.EnterRequest
}

func (s *enterSpy) Enter(ctx context.Context, room mockroom.RoomID, req live.EnterRequest) (live.EnterResult, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	return s.Store.Enter(ctx, room, req)
}

// take returns the requests recorded since the last take.
func (s *enterSpy) take() []live.EnterRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.reqs
	s.reqs = nil
	return reqs
}

// A join that fails after its store step took the person's lease (here: the resume falls through
// and the snapshot's read fails) gives the hold back, as the leave it will never have would: the
// person is announced offline after the grace, not kept online by this node's renewals.
func TestAFailedEnterGivesItsHoldBack(t *testing.T) {
	e := newEnv(t)
	store := &failingView{Store: redisstore.NewLiveStore(e.client, e.keys, true)}
	a, _ := e.engine(withGrace(20*time.Millisecond), func(c *live.Config) { c.Store = store })
	ctx := t.Context()
	w := listen(t, a, e.room)
	if _, err := a.Join(ctx, e.room, interviewer); err != nil { // the room's log begins
		t.Fatal(err)
	}
	// A position of another log: the resume falls through to a snapshot, whose read fails.
	_, err := a.Enter(ctx, e.room, candidate, &mockroom.Position{Epoch: "another", Offset: 1, EventID: "x"}, 10)
	if err == nil {
		t.Fatal("the enter succeeded with the snapshot's read failing")
	}
	w.waitPresence(t, candidate.UserID, true, 1)
	w.waitPresence(t, candidate.UserID, false, 1)
	v, err := redisstore.NewLiveStore(e.client, e.keys, true).View(ctx, e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, held := v.Presence[candidate.UserID]; held {
		t.Errorf("the candidate's lease is still held after the failed join: %v", v.Presence)
	}
}

// failingView is a store whose View fails.
type failingView struct{ live.Store }

func (failingView) View(context.Context, mockroom.RoomID, bool) (live.View, error) {
	return live.View{}, mockroom.Errorf(mockroom.KindUnavailable, "store_unavailable", "no view today")
}
