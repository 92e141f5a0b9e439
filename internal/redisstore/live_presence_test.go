package redisstore

import (
	"slices"
	"testing"
	"time"

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
	if changed, err := store.SetPresence(ctx, id, leased, "node-a", true, now.Add(11*time.Second), now); err != nil || !changed {
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
	if changed, err := store.SetPresence(ctx, id, old, "node-a", true, now.Add(11*time.Second), now); err != nil || !changed {
		t.Errorf("%s's first lease: changed %v, %v; want them to come online", old, changed, err)
	}
	if changed, err := store.SetPresence(ctx, id, old, "node-a", false, time.Time{}, now); err != nil || !changed {
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
