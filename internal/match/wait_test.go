package match_test

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room/roomtest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// pending pairs a and b (a waited longer) and has a confirm; it returns the match id.
func pending(t *testing.T, n *node, a, b mockroom.Principal) string {
	t.Helper()
	join(t, n, a)
	m := join(t, n, b)
	if m.Status != match.StatusMatched {
		t.Fatalf("b = %+v, want matched", m)
	}
	if _, err := n.match.Confirm(t.Context(), a.UserID, m.Match.ID); err != nil {
		t.Fatal(err)
	}
	return m.Match.ID
}

// waitAsync runs one Wait in the background; the returned channel gets its answer.
func waitAsync(t *testing.T, n *node, u mockroom.UserID, seen string) <-chan match.View {
	t.Helper()
	out := make(chan match.View, 1)
	go func() {
		v, err := n.match.Wait(t.Context(), u, 20*time.Second, seen)
		if err != nil {
			t.Error(err)
		}
		out <- v
	}()
	return out
}

func answer(t *testing.T, ch <-chan match.View) match.View {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-testwait.After(t):
		t.Fatal("the wait was not answered")
		return match.View{}
	}
}

// A person who confirmed has nothing to do but wait: the long poll blocks for them instead of
// answering at once, and the person who has not confirmed is answered at once.
func TestWaitBlocksOnlyForWhoConfirmed(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	a, b := user(1), user(2)
	id := pending(t, n, a, b)

	v, err := n.match.Wait(t.Context(), a.UserID, 30*time.Millisecond, "")
	if err != nil || v.Status != match.StatusTimeout || v.Current != match.StatusMatched {
		t.Fatalf("confirmed a's wait = %+v, %v; want a timeout while matched", v, err)
	}
	v, err = n.match.Wait(t.Context(), b.UserID, time.Minute, "")
	if err != nil || v.Status != match.StatusMatched || v.Match.ID != id || v.Match.Confirmed || !v.Match.PeerConfirmed {
		t.Fatalf("unconfirmed b's wait = %+v, %v; want the match to confirm at once", v, err)
	}
	// Once b's page shows the match, it may wait for news too.
	v, err = n.match.Wait(t.Context(), b.UserID, 30*time.Millisecond, id)
	if err != nil || v.Status != match.StatusTimeout || v.Current != match.StatusMatched {
		t.Fatalf("b's wait on a match it was shown = %+v, %v; want a timeout", v, err)
	}
	// Another match id is not the one on b's screen: answered at once.
	if v, _ := n.match.Wait(t.Context(), b.UserID, time.Minute, "another"); v.Status != match.StatusMatched {
		t.Fatalf("b's wait naming another match = %+v; want matched at once", v)
	}
	// A match that ended before the wait began is news at once, though the ticket is back to
	// waiting (which on its own would block).
	if err := n.match.Leave(t.Context(), b.UserID); err != nil {
		t.Fatal(err)
	}
	v, err = n.match.Wait(t.Context(), a.UserID, time.Minute, id)
	if err != nil || v.Status != match.StatusWaiting || v.Reason != match.ReasonPeerDeclined {
		t.Fatalf("a's wait on an ended match = %+v, %v; want waiting/peer_declined at once", v, err)
	}
}

func TestWaitOfWhoConfirmedEndsWithThePeer(t *testing.T) {
	q := match.Queue{Track: roomtest.Track, Level: mockroom.Mid}
	for _, tt := range []struct {
		name       string
		peer       func(t *testing.T, c *cluster, n *node, id string)
		wantStatus match.Status
		wantReason string
	}{
		{"peer confirms", func(t *testing.T, _ *cluster, n *node, id string) {
			if _, err := n.match.Confirm(t.Context(), user(2).UserID, id); err != nil {
				t.Fatal(err)
			}
		}, match.StatusConfirmed, ""},
		{"peer declines", func(t *testing.T, _ *cluster, n *node, _ string) {
			if err := n.match.Leave(t.Context(), user(2).UserID); err != nil {
				t.Fatal(err)
			}
		}, match.StatusWaiting, match.ReasonPeerDeclined},
		{"peer does not show", func(t *testing.T, c *cluster, n *node, _ string) {
			c.clock.Advance(time.Minute + time.Millisecond)
			if err := n.match.SweepQueue(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}, match.StatusWaiting, match.ReasonPeerNoShow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, match.Config{ConfirmWindow: time.Minute})
			waiter, other := c.node(t, false), c.node(t, false) // the news crosses nodes
			id := pending(t, other, user(1), user(2))
			got := waitAsync(t, waiter, user(1).UserID, id)
			tt.peer(t, c, other, id)
			v := answer(t, got)
			if v.Status != tt.wantStatus || v.Reason != tt.wantReason {
				t.Fatalf("a's wait = %s/%s, want %s/%s", v.Status, v.Reason, tt.wantStatus, tt.wantReason)
			}
			if tt.wantStatus == match.StatusConfirmed && (v.Match == nil || v.Match.RoomID == "") {
				t.Fatalf("confirmed without a room: %+v", v.Match)
			}
		})
	}
}

// The person deciding, with the match on screen, hears of the peer's answer without polling.
func TestWaitOnAShownMatchEndsWhenThePeerDeclines(t *testing.T) {
	c := newCluster(t, match.Config{})
	n := c.node(t, false)
	a, b := user(1), user(2)
	join(t, n, a)
	m := join(t, n, b)
	got := waitAsync(t, n, b.UserID, m.Match.ID)
	if err := n.match.Leave(t.Context(), a.UserID); err != nil {
		t.Fatal(err)
	}
	if v := answer(t, got); v.Status != match.StatusWaiting || v.Reason != match.ReasonPeerDeclined {
		t.Fatalf("b's wait = %s/%s, want waiting/peer_declined", v.Status, v.Reason)
	}
}

// Every view carries the server's clock, so a page counts down to confirm_by without trusting
// the browser's.
func TestViewsCarryServerTime(t *testing.T) {
	c := newCluster(t, match.Config{ConfirmWindow: time.Minute})
	n := c.node(t, false)
	join(t, n, user(1))
	m := join(t, n, user(2))
	if !m.ServerTime.Equal(c.clock.Now()) || !m.Match.ConfirmBy.Equal(c.clock.Now().Add(time.Minute)) {
		t.Fatalf("server_time %v, confirm_by %v; clock %v", m.ServerTime, m.Match.ConfirmBy, c.clock.Now())
	}
	c.clock.Advance(20 * time.Second)
	if v := status(t, n, user(2).UserID); !v.ServerTime.Equal(c.clock.Now()) {
		t.Errorf("status server_time %v, want %v", v.ServerTime, c.clock.Now())
	}
	if v := status(t, n, "nobody"); !v.ServerTime.Equal(c.clock.Now()) {
		t.Errorf("server_time of someone not queued %v, want %v", v.ServerTime, c.clock.Now())
	}
	v, err := n.match.Wait(t.Context(), user(2).UserID, 10*time.Millisecond, m.Match.ID)
	if err != nil || v.Status != match.StatusTimeout || !v.ServerTime.Equal(c.clock.Now()) {
		t.Errorf("timeout view %+v, %v; want the server's time", v, err)
	}
}
