package match_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// TestHundredPeersOnTwoNodes is the matching race: two nodes (separate clients, stores and
// services) share one Redis; 100 people join at once, spread over both, and everyone confirms.
func TestHundredPeersOnTwoNodes(t *testing.T) {
	c := newCluster(t, match.Config{Recheck: time.Second})
	nodes := []*node{c.node(t, false), c.node(t, false)}
	const people = 100
	ctx := testwait.Context(t)

	rooms := make([]mockroom.RoomID, people)
	errs := make(chan error, people)
	var wg sync.WaitGroup
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				n, p := nodes[i%2], user(i)
				v, err := n.match.Join(ctx, p, midQueue)
				for err == nil {
					switch {
					case v.Status == match.StatusConfirmed:
						rooms[i] = v.Match.RoomID
						return nil
					case v.Status == match.StatusMatched && !v.Match.Confirmed:
						v, err = n.match.Confirm(ctx, p.UserID, v.Match.ID)
					case v.Status == match.StatusWaiting || v.Status == match.StatusMatched || v.Status == match.StatusTimeout:
						v, err = n.match.Wait(ctx, p.UserID, 10*time.Second, "")
					default:
						return &mockroom.Error{Code: "unexpected", Message: string(p.UserID) + " ended " + string(v.Status)}
					}
				}
				return err
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	members := map[mockroom.RoomID][]mockroom.UserID{}
	for i, id := range rooms {
		members[id] = append(members[id], user(i).UserID)
	}
	if len(members) != people/2 {
		t.Fatalf("%d rooms, want %d", len(members), people/2)
	}
	for id, us := range members {
		r, err := nodes[0].rooms.Get(t.Context(), id)
		if err != nil {
			t.Fatalf("room %s: %v", id, err)
		}
		var in []mockroom.UserID
		for _, p := range r.Participants {
			in = append(in, p.UserID)
		}
		if len(us) != 2 || len(in) != 2 || !sameSet(us, in) || r.Kind != mockroom.RoomPeer || len(r.Halves) != 2 {
			t.Errorf("room %s: told to %v, holds %v", id, us, in)
		}
	}
	if q := c.queued(t); len(q) != 0 {
		t.Errorf("left waiting: %v", q)
	}
	for i := range people {
		if mine, _ := nodes[1].rooms.Mine(t.Context(), user(i).UserID); len(mine.Upcoming) != 1 {
			t.Errorf("%s is in %d rooms, want 1", user(i).UserID, len(mine.Upcoming))
		}
	}
}

func sameSet(a, b []mockroom.UserID) bool {
	seen := map[mockroom.UserID]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestNoShowPutsTheConfirmerAtTheHead(t *testing.T) {
	c := newCluster(t, match.Config{ConfirmWindow: time.Minute})
	n := c.node(t, false)
	ctx := t.Context()
	a, b, early := user(1), user(2), user(3)

	join(t, n, a)
	m := join(t, n, b)
	if m.Status != match.StatusMatched {
		t.Fatalf("second person's status = %+v, want matched", m)
	}
	c.clock.Advance(time.Second)
	join(t, n, early) // waits alone, and has waited longer than a will have after the requeue
	if _, err := n.match.Confirm(ctx, a.UserID, m.Match.ID); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, b.UserID); !v.Match.PeerConfirmed || v.Match.Confirmed {
		t.Fatalf("b's view = %+v", v.Match)
	}

	c.clock.Advance(30 * time.Second)
	if err := n.match.SweepQueue(ctx, match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, a.UserID); v.Status != match.StatusMatched {
		t.Fatalf("nothing is due yet, but a is %s", v.Status)
	}

	c.clock.Advance(31 * time.Second)
	_, err := n.match.Confirm(ctx, b.UserID, m.Match.ID)
	wantCode(t, err, mockroom.KindConflict, "match_expired")
	if err := n.match.SweepQueue(ctx, match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}

	if v := status(t, n, b.UserID); v.Status != match.StatusCancelled || v.Reason != match.ReasonNoShow {
		t.Errorf("b = %s/%s, want cancelled/no_show", v.Status, v.Reason)
	}
	if got, _ := n.match.NoShows(ctx, b.UserID); got != 1 {
		t.Errorf("b's no-shows = %d, want 1", got)
	}
	if got, _ := n.match.NoShows(ctx, a.UserID); got != 0 {
		t.Errorf("a's no-shows = %d, want 0", got)
	}
	// Back at the head, a is paired at once with the person who was waiting, ahead of them.
	va := status(t, n, a.UserID)
	ve := status(t, n, early.UserID)
	if va.Status != match.StatusMatched || ve.Status != match.StatusMatched || va.Match.ID != ve.Match.ID {
		t.Fatalf("a = %+v, early = %+v: want them matched together", va, ve)
	}
	pair, _, err := n.store.Match(ctx, match.Queue{Track: roomtest.Track, Level: mockroom.Mid}, va.Match.ID)
	if err != nil || pair.A.User != a.UserID {
		t.Errorf("the requeued person must come first: match %+v, %v", pair, err)
	}
	// The no-show may queue again.
	if v := join(t, n, b); v.Status != match.StatusWaiting {
		t.Errorf("b rejoined as %s", v.Status)
	}
}

func TestNoShowAloneWaitsAtTheHead(t *testing.T) {
	c := newCluster(t, match.Config{ConfirmWindow: time.Minute})
	n := c.node(t, false)
	a, b := user(1), user(2)
	join(t, n, a)
	m := join(t, n, b)
	if _, err := n.match.Confirm(t.Context(), b.UserID, m.Match.ID); err != nil {
		t.Fatal(err)
	}
	c.clock.Advance(2 * time.Minute)
	if err := n.match.SweepQueue(t.Context(), match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, b.UserID); v.Status != match.StatusWaiting || v.Reason != match.ReasonPeerNoShow {
		t.Errorf("b = %s/%s, want waiting/peer_no_show", v.Status, v.Reason)
	}
	if v := status(t, n, a.UserID); v.Status != match.StatusCancelled || v.Reason != match.ReasonNoShow {
		t.Errorf("a = %s/%s, want cancelled/no_show", v.Status, v.Reason)
	}
	c.clock.Advance(time.Second)
	late := user(3)
	join(t, n, user(4)) // pairs with b at once: b was first
	if v := status(t, n, user(4).UserID); v.Status != match.StatusMatched {
		t.Fatalf("u004 = %s", v.Status)
	}
	join(t, n, late)
	if diff := cmp.Diff([]string{string(late.UserID)}, c.queued(t)); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
}

// TestSweepersOnTwoNodesCountOnce runs the real sweeper goroutine on two nodes: a deadline is
// handled once, and the confirmer waiting on one node is woken by the other's sweep if it wins.
func TestSweepersOnTwoNodesCountOnce(t *testing.T) {
	c := newCluster(t, match.Config{ConfirmWindow: time.Minute, SweepEvery: 5 * time.Millisecond, Recheck: time.Minute})
	n1, n2 := c.node(t, true), c.node(t, true)
	a, b := user(1), user(2)
	join(t, n1, a)
	m := join(t, n2, b)
	v, err := n1.match.Confirm(t.Context(), a.UserID, m.Match.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != match.StatusMatched || !v.Match.Confirmed {
		t.Fatalf("after confirming: %+v", v)
	}
	// Watch a's notifications on a's node before the deadline passes; whichever node's sweeper
	// handles it must reach a there.
	woken, stop := n1.notes.Watch(a.UserID)
	defer stop()
	c.clock.Advance(2 * time.Minute)
	for {
		select {
		case <-woken:
		case <-testwait.After(t):
			t.Fatal("the confirmer was not woken by the sweep")
		}
		if v := status(t, n1, a.UserID); v.Status == match.StatusWaiting {
			if v.Reason != match.ReasonPeerNoShow {
				t.Fatalf("woken with %+v", v)
			}
			break
		}
	}
	if n, _ := n2.match.NoShows(t.Context(), b.UserID); n != 1 {
		t.Errorf("no-shows = %d, want exactly 1", n)
	}
}

func TestLeave(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	ctx := t.Context()
	a, b := user(1), user(2)

	wantCode(t, n.match.Leave(ctx, a.UserID), mockroom.KindNotFound, "not_queued")
	join(t, n, a)
	if err := n.match.Leave(ctx, a.UserID); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, a.UserID); v.Status != match.StatusNone {
		t.Fatalf("after leaving: %s", v.Status)
	}
	if q := c.queued(t); len(q) != 0 {
		t.Fatalf("queue after leaving: %v", q)
	}

	join(t, n, a)
	m := join(t, n, b)
	if err := n.match.Leave(ctx, b.UserID); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, a.UserID); v.Status != match.StatusWaiting || v.Reason != match.ReasonPeerDeclined {
		t.Errorf("a = %s/%s, want waiting/peer_declined", v.Status, v.Reason)
	}
	_, err := n.match.Confirm(ctx, a.UserID, m.Match.ID)
	wantCode(t, err, mockroom.KindConflict, "match_cancelled")
	if got, _ := n.match.NoShows(ctx, b.UserID); got != 0 {
		t.Errorf("declining is not a no-show, counted %d", got)
	}
}

func TestOneQueueAtATime(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	ctx := t.Context()
	a := user(1)
	join(t, n, a)
	_, err := n.match.Join(ctx, a, match.JoinRequest{Track: roomtest.Track, Level: mockroom.Senior})
	wantCode(t, err, mockroom.KindConflict, "already_queued")
	_, err = n.match.Join(ctx, a, midQueue)
	wantCode(t, err, mockroom.KindConflict, "already_queued")
	if err := n.match.Leave(ctx, a.UserID); err != nil {
		t.Fatal(err)
	}
	if v, err := n.match.Join(ctx, a, match.JoinRequest{Track: roomtest.Track, Level: mockroom.Senior}); err != nil || v.Status != match.StatusWaiting {
		t.Fatalf("join after leaving: %+v %v", v, err)
	}
}

func TestConcurrentJoinsOfOnePersonLeaveOneTicket(t *testing.T) {
	c := newCluster(t, match.Config{})
	nodes := []*node{c.node(t, false), c.node(t, false)}
	a := user(1)
	levels := []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior, mockroom.Mid}
	var wg sync.WaitGroup
	for i, l := range levels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = nodes[i%2].match.Join(t.Context(), a, match.JoinRequest{Track: roomtest.Track, Level: l})
		}()
	}
	wg.Wait()
	active := 0
	for _, l := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
		e, found, err := nodes[0].store.Entry(t.Context(), match.Queue{Track: roomtest.Track, Level: l}, a.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if found && e.Status.Active() {
			active++
		}
	}
	if active != 1 {
		t.Fatalf("one person holds %d active tickets", active)
	}
}

func TestTicketExpires(t *testing.T) {
	c := newCluster(t, match.Config{MaxWait: 10 * time.Minute})
	n := c.node(t, false)
	a := user(1)
	join(t, n, a)
	c.clock.Advance(10*time.Minute + time.Millisecond)
	if err := n.match.SweepQueue(t.Context(), match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}
	v, err := n.match.Wait(t.Context(), a.UserID, time.Minute, "")
	if err != nil || v.Status != match.StatusExpired || v.Reason != match.ReasonNoPeer {
		t.Fatalf("wait after expiry = %+v, %v; want expired/no_peer at once", v, err)
	}
	if q := c.queued(t); len(q) != 0 {
		t.Fatalf("an expired ticket stays queued: %v", q)
	}
	// The outcome is kept a while, then cleared.
	c.clock.Advance(11 * time.Minute)
	if err := n.match.SweepQueue(t.Context(), match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}
	if v := status(t, n, a.UserID); v.Status != match.StatusNone {
		t.Errorf("after clean-up: %s", v.Status)
	}
}

func TestWaitTimesOutWithAnAnswer(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	join(t, n, user(1))
	v, err := n.match.Wait(t.Context(), user(1).UserID, 20*time.Millisecond, "")
	if err != nil || v.Status != match.StatusTimeout || v.Current != match.StatusWaiting {
		t.Fatalf("wait = %+v, %v; want timeout while waiting", v, err)
	}
	if v, _ := n.match.Wait(t.Context(), "nobody", time.Minute, ""); v.Status != match.StatusNone {
		t.Fatalf("wait of someone not queued = %+v; want none at once", v)
	}
}

func TestPeerRoomAfterConfirmation(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	a, b := user(1), user(2)
	join(t, n, a)
	m := join(t, n, b)
	if _, err := n.match.Confirm(t.Context(), b.UserID, m.Match.ID); err != nil {
		t.Fatal(err)
	}
	v, err := n.match.Confirm(t.Context(), a.UserID, m.Match.ID)
	if err != nil || v.Status != match.StatusConfirmed || v.Match.RoomID == "" {
		t.Fatalf("confirm = %+v, %v", v, err)
	}
	r, err := n.rooms.Get(t.Context(), v.Match.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := room.Pseudonyms(r.ID)
	if diff := cmp.Diff([]string{pa, pb}, []string{r.Participants[0].DisplayName, r.Participants[1].DisplayName}); diff != "" {
		t.Errorf("peers must see pseudonyms (-want +got):\n%s", diff)
	}
	if r.Halves[0].Interviewer != a.UserID || r.Halves[0].Candidate != b.UserID {
		t.Errorf("halves = %+v; the one who waited longer interviews first", r.Halves)
	}
	// Confirming again is harmless.
	if v2, err := n.match.Confirm(t.Context(), a.UserID, m.Match.ID); err != nil || v2.Match.RoomID != v.Match.RoomID {
		t.Errorf("second confirm = %+v, %v", v2, err)
	}
	_, err = n.match.Confirm(t.Context(), a.UserID, "other-match")
	wantCode(t, err, mockroom.KindNotFound, "match_not_found")
}

func TestJoinValidation(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	tests := []struct {
		req  match.JoinRequest
		code string
	}{
		{match.JoinRequest{Track: "nope", Level: mockroom.Mid}, "unknown_track"},
		{match.JoinRequest{Track: roomtest.Track, Level: "expert"}, "unknown_level"},
		{match.JoinRequest{Track: roomtest.Track, Level: mockroom.Mid, Categories: []mockroom.Category{"gossip"}}, "unknown_category"},
	}
	for _, tt := range tests {
		_, err := n.match.Join(t.Context(), user(1), tt.req)
		wantCode(t, err, mockroom.KindInvalid, tt.code)
	}
	if v := status(t, n, user(1).UserID); v.Status != match.StatusNone {
		t.Errorf("a refused join left %s behind", v.Status)
	}
}

// TestPreferredCategoriesShapeEachHalf: preferences never keep two people of one queue apart,
// and each person's half asks what that person chose.
func TestPreferredCategoriesShapeEachHalf(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	a, b := user(1), user(2)
	design, concept, behav := mockroom.CategorySystemDesign, mockroom.CategoryConceptual, mockroom.CategoryBehavioral
	va, err := n.match.Join(t.Context(), a, match.JoinRequest{Track: roomtest.Track, Level: mockroom.Mid, Categories: []mockroom.Category{design, concept, design}})
	if err != nil {
		t.Fatal(err)
	}
	// Repeats are dropped; the order the person ranked them in is kept.
	if diff := cmp.Diff([]mockroom.Category{design, concept}, va.Ticket.Categories); diff != "" {
		t.Errorf("a's ticket categories (-want +got):\n%s", diff)
	}
	vb, err := n.match.Join(t.Context(), b, match.JoinRequest{Track: roomtest.Track, Level: mockroom.Mid, Categories: []mockroom.Category{behav}})
	if err != nil {
		t.Fatal(err)
	}
	if vb.Status != match.StatusMatched {
		t.Fatalf("different preferences kept two people of one queue apart: %+v", vb)
	}
	if _, err := n.match.Confirm(t.Context(), a.UserID, vb.Match.ID); err != nil {
		t.Fatal(err)
	}
	v, err := n.match.Confirm(t.Context(), b.UserID, vb.Match.ID)
	if err != nil || v.Status != match.StatusConfirmed {
		t.Fatalf("confirm = %+v, %v", v, err)
	}
	r, err := n.rooms.Get(t.Context(), v.Match.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	halves := map[mockroom.UserID][]mockroom.Category{}
	for _, h := range r.Halves {
		for _, q := range r.Questions[h.FirstQuestion : h.FirstQuestion+h.QuestionCount] {
			halves[h.Candidate] = append(halves[h.Candidate], q.Category)
		}
	}
	want := map[mockroom.UserID][]mockroom.Category{
		a.UserID: {design, concept, design},
		b.UserID: {behav, behav, behav},
	}
	if diff := cmp.Diff(want, halves); diff != "" {
		t.Errorf("question categories by candidate (-want +got):\n%s", diff)
	}
}

// TestPreferencesSurviveARequeue: the one put back at the head of the queue after a no-show
// keeps their preferences for the next match.
func TestPreferencesSurviveARequeue(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	a, b, d := user(1), user(2), user(3)
	design := []mockroom.Category{mockroom.CategorySystemDesign}
	if _, err := n.match.Join(t.Context(), a, match.JoinRequest{Track: roomtest.Track, Level: mockroom.Mid, Categories: design}); err != nil {
		t.Fatal(err)
	}
	m := join(t, n, b)
	if _, err := n.match.Confirm(t.Context(), a.UserID, m.Match.ID); err != nil {
		t.Fatal(err)
	}
	c.clock.Advance(2 * time.Minute) // b never confirms
	if err := n.match.SweepQueue(t.Context(), match.Queue{Track: roomtest.Track, Level: mockroom.Mid}); err != nil {
		t.Fatal(err)
	}
	m2 := join(t, n, d)
	if m2.Status != match.StatusMatched {
		t.Fatalf("d = %+v", m2)
	}
	for _, u := range []mockroom.UserID{a.UserID, d.UserID} {
		if _, err := n.match.Confirm(t.Context(), u, m2.Match.ID); err != nil {
			t.Fatal(err)
		}
	}
	v := status(t, n, a.UserID)
	r, err := n.rooms.Get(t.Context(), v.Match.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Halves {
		for _, q := range r.Questions[h.FirstQuestion : h.FirstQuestion+h.QuestionCount] {
			if isDesign := q.Category == mockroom.CategorySystemDesign; isDesign != (h.Candidate == a.UserID) {
				t.Errorf("%s's half has a %s question", h.Candidate, q.Category)
			}
		}
	}
}
