package redisstore

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// A presence lease is a field "<user> <node>" holding the unix ms it runs until. Before leases,
// presence was a field of the user id alone, online until 12 hours ahead: such an entry left in
// Redis by an upgrade, or any other field that is not "<user> <node>", is no lease. Reading the
// room does not show its person online, it neither keeps them online nor hides their coming
// online when leases change, and expiring leases removes it without announcing anyone (nobody
// was shown online by it).
func TestPresenceIgnoresEntriesThatAreNotLeases(t *testing.T) {
	client := redistest.Shared(t).Client(t)
	ctx := t.Context()
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, false)
	id := mockroom.RoomID("r-presence-upgrade")
	now := time.Now()
	old, leased := mockroom.UserID("u-old"), mockroom.UserID("u-leased")
	presence := keys.LivePresence(id)
	if err := client.HSet(ctx, presence,
		string(old), now.Add(12*time.Hour).UnixMilli(), // what code before leases wrote
		"u-nodeless ", now.Add(12*time.Hour).UnixMilli(), // a user and no node
	).Err(); err != nil {
		t.Fatal(err)
	}
	if changed, err := store.SetPresence(ctx, id, leased, "node-a", true, now.Add(11*time.Second), now, nil); err != nil || !changed {
		t.Fatalf("a first lease: changed %v, %v; want the person online", changed, err)
	}

	v, err := store.View(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	var online []mockroom.UserID
	for u := range v.Presence {
		online = append(online, u)
	}
	if !slices.Equal(online, []mockroom.UserID{leased}) {
		t.Errorf("online in the room's view: %v, want only %s, who holds a lease", online, leased)
	}

	// The old entry neither hides that the person comes online with their first lease nor keeps
	// them online once it is released.
	if changed, err := store.SetPresence(ctx, id, old, "node-a", true, now.Add(11*time.Second), now, nil); err != nil || !changed {
		t.Errorf("%s's first lease: changed %v, %v; want them to come online", old, changed, err)
	}
	if changed, err := store.SetPresence(ctx, id, old, "node-a", false, time.Time{}, now, nil); err != nil || !changed {
		t.Errorf("%s's lease released: changed %v, %v; want them offline", old, changed, err)
	}

	changes, err := store.RenewPresence(ctx, "node-b", []live.RoomLeases{{Room: id}}, time.Time{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || len(changes[0].Gone) != 0 || len(changes[0].Back) != 0 {
		t.Errorf("expiring announced %v; nobody's lease ran out", changes)
	}
	fields, err := client.HKeys(ctx, presence).Result()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fields, []string{string(leased) + " node-a"}) {
		t.Errorf("presence after expiring: %q, want only the lease that holds", fields)
	}
}

// TestPresenceAnnouncedWithTheChange: the lease script publishes the announcement it is given in
// the same step as the change (a renewal's always, a release's only when the person went
// offline), and what a renewal cycle found is published only if the leases still bear it out;
// so when one node releases a person, or finds their lease ran out, while another takes them
// on, the room's last word on them is always the one that matches the leases: online. On Redis
// and on the embedded store.
func TestPresenceAnnouncedWithTheChange(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, sharded bool) {
		ctx := t.Context()
		keys := Keys{Prefix: redistest.Prefix(t)}
		store := NewLiveStore(client, keys, sharded)
		const room, user = mockroom.RoomID("r-announce"), mockroom.UserID("u-1")
		next := publishedTo(t, client, keys, sharded, room)
		online := func(ev live.Event) bool {
			var d struct {
				Online bool `json:"online"`
			}
			if ev.Type != live.TypePresence || json.Unmarshal(ev.Data, &d) != nil {
				t.Fatalf("received %+v, want a presence announcement", ev)
			}
			return d.Online
		}
		now := time.Now()
		announce := func(on bool) *live.Event {
			return &live.Event{Type: live.TypePresence, At: now, Actor: user, Data: json.RawMessage(`{"user":"u-1","online":` + strconv.FormatBool(on) + `}`)}
		}
		set := func(node string, on bool) bool {
			t.Helper()
			changed, err := store.SetPresence(ctx, room, user, node, on, now.Add(time.Minute), now, announce(on))
			if err != nil {
				t.Fatal(err)
			}
			return changed
		}

		if !set("node-a", true) || !online(next()) {
			t.Fatal("a first lease: want the person online, announced")
		}
		if set("node-b", true) || !online(next()) {
			t.Fatal("a second node's lease: want no change, announced online all the same")
		}
		if set("node-a", false) {
			t.Fatal("node-a released while node-b holds: want no change")
		}
		if !set("node-b", false) || online(next()) { // node-a's release published nothing before it
			t.Fatal("the last lease released: want the person offline, announced")
		}

		// A renewal cycle's finding is published only while the leases bear it out.
		say := func(on bool) bool {
			t.Helper()
			said, err := store.AnnouncePresence(ctx, room, user, on, now, *announce(on))
			if err != nil {
				t.Fatal(err)
			}
			return said
		}
		if say(true) {
			t.Fatal("online announced for a person nobody holds")
		}
		set("node-a", true)
		if !online(next()) {
			t.Fatal("want online")
		}
		if say(false) {
			t.Fatal("offline announced for a person node-a holds")
		}
		if !say(true) || !online(next()) { // the dropped offline published nothing before it
			t.Fatal("online not announced for a person node-a holds")
		}
		if !set("node-a", false) || online(next()) {
			t.Fatal("want offline")
		}
		if !say(false) || online(next()) {
			t.Fatal("offline not announced for a person nobody holds")
		}

		// One node releases the person, or announces them gone as its renewal found, while
		// another takes them on, many times: whichever runs first, the last announcement
		// before the marker says online.
		for i := range 40 {
			set("node-a", true)
			if !online(next()) {
				t.Fatal("want online")
			}
			// The racing calls run off the test's goroutine: they report errors, not stop it.
			var wg sync.WaitGroup
			if i%2 == 0 {
				wg.Go(func() {
					if _, err := store.SetPresence(ctx, room, user, "node-a", false, time.Time{}, now, announce(false)); err != nil {
						t.Error(err)
					}
				})
			} else {
				set("node-a", false)
				if online(next()) {
					t.Fatal("want offline")
				}
				wg.Go(func() { // as a renewal that found node-a's lease ran out
					if _, err := store.AnnouncePresence(ctx, room, user, false, now, *announce(false)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Go(func() {
				if _, err := store.SetPresence(ctx, room, user, "node-b", true, now.Add(time.Minute), now, announce(true)); err != nil {
					t.Error(err)
				}
			})
			wg.Wait()
			if t.Failed() {
				return
			}
			if err := store.Publish(ctx, room, live.Event{Type: "marker", At: now}); err != nil {
				t.Fatal(err)
			}
			last := true
			for ev := next(); ev.Type != "marker"; ev = next() {
				last = online(ev)
			}
			if !last {
				t.Fatalf("round %d: the room was last told offline while node-b holds the person", i)
			}
			if !set("node-b", false) || online(next()) {
				t.Fatalf("round %d: node-b's release: want offline, announced", i)
			}
		}
	})
}

// publishedTo subscribes a bus of its own (closed when t ends) to room and returns a function
// that waits for the next event published to it.
func publishedTo(t *testing.T, client redis.UniversalClient, keys Keys, sharded bool, room mockroom.RoomID) func() live.Event {
	t.Helper()
	bus := NewLiveBus(client, keys, sharded)
	t.Cleanup(func() { _ = bus.Close() })
	if err := bus.Subscribe(t.Context(), room); err != nil {
		t.Fatal(err)
	}
	return func() live.Event {
		t.Helper()
		for {
			r, payload, err := bus.Receive(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if r != room || payload == nil {
				continue // the subscription's notice
			}
			ev, err := live.DecodePublished(payload)
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
	}
}
