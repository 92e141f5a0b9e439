package redisstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// checkPresenceBatches renews and expires the leases of rooms in batches and checks each
// room's answer: a first renewal brings its people online, a second does not, a lease that ran
// out is handed back once by the expiry (a room renewed with nobody in it), a renewal of leases
// that ran out brings their people back, and the same holds after the script cache was flushed
// (flush). The rooms' keys are named by keys.
func checkPresenceBatches(t *testing.T, client redis.UniversalClient, keys Keys, sharded bool, rooms []mockroom.RoomID, flush func()) {
	t.Helper()
	ctx := t.Context()
	store := NewLiveStore(client, keys, sharded)
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	var stay, brief, none []live.RoomLeases
	for _, room := range rooms {
		stay = append(stay, live.RoomLeases{Room: room, Users: []mockroom.UserID{"u-a", "u-b"}})
		brief = append(brief, live.RoomLeases{Room: room, Users: []mockroom.UserID{"u-c"}})
		none = append(none, live.RoomLeases{Room: room})
	}
	renew := func(node string, batch []live.RoomLeases, until, at time.Time, back, gone []mockroom.UserID) {
		t.Helper()
		changes, err := store.RenewPresence(ctx, node, batch, until, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != len(batch) {
			t.Fatalf("%d answers for %d rooms", len(changes), len(batch))
		}
		for i, c := range changes {
			slices.Sort(c.Back)
			if !slices.Equal(c.Back, back) || !slices.Equal(c.Gone, gone) {
				t.Fatalf("renewal of %v by %s at %v: back %v gone %v, want back %v gone %v", batch[i], node, at, c.Back, c.Gone, back, gone)
			}
		}
	}
	both := []mockroom.UserID{"u-a", "u-b"}
	renew("n1", stay, now.Add(11*time.Second), now, both, nil)
	renew("n2", brief, now.Add(3*time.Second), now, []mockroom.UserID{"u-c"}, nil)
	renew("n1", stay, now.Add(12*time.Second), now.Add(time.Second), nil, nil)
	flush()
	renew("n1", stay, now.Add(13*time.Second), now.Add(2*time.Second), nil, nil)

	renew("n3", none, time.Time{}, now.Add(5*time.Second), nil, []mockroom.UserID{"u-c"})
	flush()
	renew("n3", none, time.Time{}, now.Add(5*time.Second), nil, nil)
	for _, room := range []mockroom.RoomID{rooms[0], rooms[len(rooms)-1]} {
		v, err := store.View(ctx, room, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Presence) != 2 || !v.Presence["u-a"].Equal(now.Add(13*time.Second)) {
			t.Fatalf("presence of %s: %v, want u-a and u-b until %v", room, v.Presence, now.Add(13*time.Second))
		}
	}

	// n1 comes back after its leases ran out: its people are back, and nobody is gone (their
	// run-out leases are the ones renewed).
	renew("n1", stay, now.Add(31*time.Second), now.Add(20*time.Second), both, nil)
	v, err := store.View(ctx, rooms[0], false)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Presence) != 2 || !v.Presence["u-b"].Equal(now.Add(31*time.Second)) {
		t.Fatalf("presence of %s after the late renewal: %v, want u-a and u-b until %v", rooms[0], v.Presence, now.Add(31*time.Second))
	}
}

// More leases than one pipeline takes, on the embedded store as Open sets it up.
func TestPresenceBatchesOnTheEmbeddedStore(t *testing.T) {
	client := embeddedClient(t)
	rooms := make([]mockroom.RoomID, presencePipeline/2+100)
	for i := range rooms {
		rooms[i] = mockroom.RoomID(fmt.Sprintf("r-%d", i))
	}
	checkPresenceBatches(t, client, Keys{Prefix: "mockroom"}, false, rooms, func() {
		if err := client.ScriptFlush(t.Context()).Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// The same on Redis, and on a Cluster with the rooms on every master: one pipeline holds rooms
// of different slots, which go-redis sends to their nodes.
func TestPresenceBatchesOnRedisAndCluster(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		client := redistest.Shared(t).Client(t)
		rooms := make([]mockroom.RoomID, presencePipeline/2+100)
		for i := range rooms {
			rooms[i] = mockroom.RoomID(fmt.Sprintf("r-%d", i))
		}
		checkPresenceBatches(t, client, Keys{Prefix: redistest.Prefix(t)}, true, rooms, func() {
			if err := client.ScriptFlush(t.Context()).Err(); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t)
		if c == nil {
			return
		}
		client := c.Client(t)
		keys := Keys{Prefix: redistest.Prefix(t)}
		checkPresenceBatches(t, client, keys, true, spreadRooms(t, client, keys, 10), func() {
			for i := range c.Addrs {
				if err := c.Node(t, i).ScriptFlush(t.Context()).Err(); err != nil {
					t.Fatal(err)
				}
			}
		})
	})
}
