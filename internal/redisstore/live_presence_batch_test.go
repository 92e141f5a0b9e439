package redisstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// checkPresenceBatches renews and expires the leases of rooms in batches and checks each
// lease's answer: a first renewal brings its person online, a second does not, a lease that
// ran out is handed back once by the expiry, and the same holds after the script cache was
// flushed (flush). The rooms' keys are named by keys.
func checkPresenceBatches(t *testing.T, client redis.UniversalClient, keys Keys, sharded bool, rooms []mockroom.RoomID, flush func()) {
	t.Helper()
	ctx := t.Context()
	store := NewLiveStore(client, keys, sharded)
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	var stay, brief []live.Lease
	for _, room := range rooms {
		stay = append(stay, live.Lease{Room: room, User: "u-a"}, live.Lease{Room: room, User: "u-b"})
		brief = append(brief, live.Lease{Room: room, User: "u-c"})
	}
	renew := func(node string, leases []live.Lease, until, at time.Time, want bool) {
		t.Helper()
		back, err := store.RenewPresence(ctx, node, leases, until, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(back) != len(leases) {
			t.Fatalf("%d answers for %d leases", len(back), len(leases))
		}
		for i, b := range back {
			if b != want {
				t.Fatalf("renewal of %v by %s at %v: came online %v, want %v", leases[i], node, at, b, want)
			}
		}
	}
	renew("n1", stay, now.Add(11*time.Second), now, true)
	renew("n2", brief, now.Add(time.Second), now, true)
	renew("n1", stay, now.Add(12*time.Second), now.Add(time.Second), false)
	flush()
	renew("n1", stay, now.Add(13*time.Second), now.Add(2*time.Second), false)

	gone, err := store.ExpirePresence(ctx, rooms, now.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != len(rooms) {
		t.Fatalf("%d answers for %d rooms", len(gone), len(rooms))
	}
	for i, users := range gone {
		if !slices.Equal(users, []mockroom.UserID{"u-c"}) {
			t.Fatalf("expiry of %s: %v gone, want u-c alone", rooms[i], users)
		}
	}
	flush()
	if gone, err = store.ExpirePresence(ctx, rooms, now.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for i, users := range gone {
		if len(users) != 0 {
			t.Fatalf("second expiry of %s: %v gone, want nobody", rooms[i], users)
		}
	}
	for _, room := range []mockroom.RoomID{rooms[0], rooms[len(rooms)-1]} {
		v, err := store.View(ctx, room, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Presence) != 2 || !v.Presence["u-a"].Equal(now.Add(13*time.Second)) {
			t.Fatalf("presence of %s: %v, want u-a and u-b until %v", room, v.Presence, now.Add(13*time.Second))
		}
	}
}

// More leases than one pipeline takes, on the embedded store as Open sets it up.
func TestPresenceBatchesOnTheEmbeddedStore(t *testing.T) {
	m := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: m.Addr(), Protocol: 2})
	t.Cleanup(func() { _ = client.Close() })
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
