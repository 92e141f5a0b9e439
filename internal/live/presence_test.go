package live_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/testwait"
)

// presenceOf returns how many presence announcements of user with the given online flag w has
// seen, and their total number of presence announcements (cursors left out).
func (w *waiter) presenceOf(user mockroom.UserID, online bool) (match, all int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ev := range w.evs {
		if ev.Type != live.TypePresence {
			continue
		}
		var d struct {
			User      mockroom.UserID `json:"user"`
			Online    bool            `json:"online"`
			Selection json.RawMessage `json:"selection"`
		}
		if json.Unmarshal(ev.Data, &d) != nil || d.Selection != nil {
			continue
		}
		all++
		if d.User == user && d.Online == online {
			match++
		}
	}
	return match, all
}

// waitPresence blocks until w has seen n announcements that user is (or is not) online.
func (w *waiter) waitPresence(t *testing.T, user mockroom.UserID, online bool, n int) {
	t.Helper()
	deadline := testwait.After(t)
	for {
		if got, _ := w.presenceOf(user, online); got >= n {
			return
		}
		select {
		case <-w.ch:
		case <-deadline:
			t.Fatalf("no announcement #%d that %s is online=%v", n, user, online)
		}
	}
}

// onlineIn reads who is online from a fresh snapshot taken through eng.
func onlineIn(t *testing.T, e *env, eng *live.Engine) map[mockroom.UserID]bool {
	t.Helper()
	snap, err := eng.Snapshot(t.Context(), e.room, candidate.UserID)
	if err != nil {
		t.Fatal(err)
	}
	on := map[mockroom.UserID]bool{}
	for _, p := range snap.Participants {
		on[p.UserID] = p.Online
	}
	return on
}

func TestPresenceBoundIsTheLeasePlusOneRenewal(t *testing.T) {
	if live.PresenceOfflineBound != live.PresenceLease+live.PresenceRenewEvery || live.PresenceLease < 2*live.PresenceRenewEvery {
		t.Fatalf("lease %v renewed every %v: a connected person could be shown offline after one late renewal, or the bound %v is not what they give",
			live.PresenceLease, live.PresenceRenewEvery, live.PresenceOfflineBound)
	}
}

// A node that dies never says goodbye: the people it held stay online until their lease runs
// out, then another node serving the room announces them offline, once.
func TestPeopleOfADeadNodeGoOfflineWhenTheirLeaseRunsOut(t *testing.T) {
	e := newEnv(t)
	a, stopA := e.engine()
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	if _, err := a.Join(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, interviewer.UserID, true, 1)
	stopA() // the node dies holding the interviewer's socket: no Leave

	e.clock.Advance(live.PresenceLease - time.Millisecond)
	b.RenewPresence(ctx)
	if on := onlineIn(t, e, b); !on[interviewer.UserID] || !on[candidate.UserID] {
		t.Fatalf("within the lease: online %v, want both", on)
	}

	e.clock.Advance(2 * time.Millisecond)
	b.RenewPresence(ctx)
	w.waitPresence(t, interviewer.UserID, false, 1)
	if on := onlineIn(t, e, b); on[interviewer.UserID] || !on[candidate.UserID] {
		t.Fatalf("after the lease ran out: online %v, want the candidate only (b renews the candidate's lease)", on)
	}

	// Another node looking at the same room finds nothing left to announce.
	c, _ := e.engine()
	c.RenewPresence(ctx)
	b.RenewPresence(ctx)
	if _, err := b.Join(ctx, e.room, observer); err != nil { // an announcement after the others, to wait for
		t.Fatal(err)
	}
	w.waitPresence(t, observer.UserID, true, 1)
	if n, _ := w.presenceOf(interviewer.UserID, false); n != 1 {
		t.Errorf("the interviewer was announced offline %d times, want once", n)
	}
	if n, _ := w.presenceOf(candidate.UserID, false); n != 0 {
		t.Errorf("the candidate, still connected, was announced offline %d times", n)
	}
}

// A person connected through two nodes stays online while either holds them; closing one of two
// sockets on a node changes nothing, the last one announces them offline.
func TestPresenceCountsEverySocketOnEveryNode(t *testing.T) {
	e := newEnv(t)
	a, stopA := e.engine()
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	for _, eng := range []*live.Engine{a, b, b} {
		if _, err := eng.Join(ctx, e.room, candidate); err != nil {
			t.Fatal(err)
		}
	}
	stopA()
	e.clock.Advance(live.PresenceLease + time.Second)
	b.RenewPresence(ctx) // a's lease ran out, b's is renewed first
	if on := onlineIn(t, e, b); !on[candidate.UserID] {
		t.Fatalf("the candidate still has a socket on b but shows offline: %v", on)
	}

	if err := b.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if on := onlineIn(t, e, b); !on[candidate.UserID] {
		t.Fatalf("one of the candidate's two sockets on b closed and they show offline: %v", on)
	}
	if err := b.Leave(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(t, candidate.UserID, false, 1)
	if on := onlineIn(t, e, b); on[candidate.UserID] {
		t.Fatalf("the candidate's last socket closed and they show online: %v", on)
	}
	if n, _ := w.presenceOf(candidate.UserID, false); n != 1 {
		t.Errorf("the candidate was announced offline %d times, want once", n)
	}
}

// A node that could not renew in time (the store was away longer than a lease) and whose
// person was announced offline announces them online again at its next renewal.
func TestALateRenewalAnnouncesThePersonAgain(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	ctx := t.Context()
	w := listen(t, b, e.room)
	if _, err := a.Join(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(live.PresenceLease + time.Second)
	b.RenewPresence(ctx)
	w.waitPresence(t, interviewer.UserID, false, 1)
	a.RenewPresence(ctx)
	w.waitPresence(t, interviewer.UserID, true, 2) // once at the join, once now
	if on := onlineIn(t, e, b); !on[interviewer.UserID] {
		t.Fatalf("after the renewal: online %v, want the interviewer", on)
	}
}

// The store hands each run-out person to one caller only, and keeps people with a live lease.
func TestExpirePresenceAnswersOnce(t *testing.T) {
	e := newEnv(t)
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	ctx := t.Context()
	now := e.clock.Now()
	for _, l := range []struct {
		user  mockroom.UserID
		node  string
		until time.Time
	}{
		{interviewer.UserID, "n1", now.Add(-time.Second)},
		{candidate.UserID, "n1", now.Add(-time.Second)},
		{candidate.UserID, "n2", now.Add(time.Second)},
	} {
		if _, err := store.SetPresence(ctx, e.room, l.user, l.node, true, l.until, now.Add(-time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	// A node that holds nobody in the room only looks for leases that ran out.
	rooms := []live.RoomLeases{{Room: e.room}}
	changes, err := store.RenewPresence(ctx, "n3", rooms, time.Time{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || len(changes[0].Back) != 0 || !slices.Equal(changes[0].Gone, []mockroom.UserID{interviewer.UserID}) {
		t.Fatalf("first expiry: %v, want the interviewer gone only", changes)
	}
	if changes, err = store.RenewPresence(ctx, "n3", rooms, time.Time{}, now); err != nil || len(changes) != 1 || len(changes[0].Gone) != 0 {
		t.Fatalf("second expiry: %v %v, want nobody", changes, err)
	}
	v, err := store.View(ctx, e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Presence[interviewer.UserID]; ok || !v.Presence[candidate.UserID].Equal(now.Add(time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("presence after expiry: %v", v.Presence)
	}
}
