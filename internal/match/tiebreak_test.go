package match_test

import (
	"context"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// standings is a fixed helpfulness per person: {average, ratings}.
type standings map[mockroom.UserID][2]float64

func (s standings) Helpfulness(_ context.Context, u mockroom.UserID) (float64, int, error) {
	v := s[u]
	return v[0], int(v[1]), nil
}

// peerOf returns who user was matched with.
func peerOf(t *testing.T, n *node, user mockroom.UserID) mockroom.UserID {
	t.Helper()
	q := match.Queue{Track: roomtest.Track, Level: mockroom.Mid}
	e, ok, err := n.store.Entry(t.Context(), q, user)
	if err != nil || !ok || e.MatchID == "" {
		t.Fatalf("%s has no match: %+v %v %v", user, e, ok, err)
	}
	m, ok, err := n.store.Match(t.Context(), q, e.MatchID)
	if err != nil || !ok {
		t.Fatalf("match %s: %v %v", e.MatchID, ok, err)
	}
	_, other, _ := m.Side(user)
	return other.User
}

// TestHelpfulPeerBreaksATie: ann waits longest and is paired first either way. Her peer is bob,
// next in line, unless carol joined within the tie window after bob and has the better standing
// (enough ratings to count). Bob, passed over, is paired in the very next pairing.
func TestHelpfulPeerBreaksATie(t *testing.T) {
	cases := []struct {
		name     string
		carolLag time.Duration // after bob
		st       standings
		annPeer  mockroom.UserID
	}{
		{"helpful peer within the window", 10 * time.Second, standings{"carol": {3.8, 5}}, "carol"},
		{"helpful peer too late", match.TieWindow + time.Second, standings{"carol": {3.8, 5}}, "bob"},
		{"too few ratings to count", 10 * time.Second, standings{"carol": {4, match.MinRatings - 1}}, "bob"},
		{"next in line is as helpful", 10 * time.Second, standings{"bob": {3.8, 5}, "carol": {3.8, 9}}, "bob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, match.Config{Standings: tc.st})
			n := c.node(t, false)
			q := match.Queue{Track: roomtest.Track, Level: mockroom.Mid}
			at := c.clock.Now().Add(-time.Minute)
			for _, w := range []struct {
				user mockroom.UserID
				at   time.Time
			}{{"ann", at}, {"bob", at.Add(time.Second)}, {"carol", at.Add(time.Second + tc.carolLag)}} {
				err := n.store.Enqueue(t.Context(), match.Ticket{ID: "t-" + string(w.user), User: w.user, Name: string(w.user), Queue: q, EnqueuedAt: w.at, ExpiresAt: w.at.Add(time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
			}
			join(t, n, mockroom.Principal{UserID: "dave", Name: "dave"})

			if got := peerOf(t, n, "ann"); got != tc.annPeer {
				t.Fatalf("ann paired with %s, want %s", got, tc.annPeer)
			}
			if tc.annPeer == "carol" {
				if got := peerOf(t, n, "bob"); got != "dave" {
					t.Fatalf("bob, passed over, paired with %s; want the next pairing (dave)", got)
				}
			}
			if left := c.queued(t); len(left) != 0 {
				t.Fatalf("left waiting: %v", left)
			}
		})
	}
}
