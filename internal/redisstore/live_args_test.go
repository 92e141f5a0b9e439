package redisstore

import (
	"fmt"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// TestBoxedFieldStopsGrowing: names are boxed to themselves, the same box is reused for a name
// seen before, and the map of boxes stops growing at maxBoxedFields however many names (a run's
// field carries its id) come by.
func TestBoxedFieldStopsGrowing(t *testing.T) {
	if got := boxedField("version"); got != any("version") {
		t.Fatalf("boxedField(version) = %#v", got)
	}
	for i := range 3 * maxBoxedFields {
		name := fmt.Sprintf("run:test-%d", i)
		if got := boxedField(name); got != any(name) {
			t.Fatalf("boxedField(%s) = %#v", name, got)
		}
	}
	if n := len(*boxedFields.Load()); n > maxBoxedFields {
		t.Errorf("%d boxed names kept, at most %d allowed", n, maxBoxedFields)
	}
	var known string
	for name := range *boxedFields.Load() {
		known = name
		break
	}
	allocs := testing.AllocsPerRun(100, func() { _ = boxedField(known) })
	if allocs != 0 {
		t.Errorf("boxing a known name (%s) allocated %.1f times", known, allocs)
	}
}

// TestBoxedKeyCache: the cache gives a room's append keys in the scripts' order (the short form's
// the state hash, the log and the channel), the same boxes on the next push, a room new to it in
// the full form, and never holds more than maxCachedKeyRooms rooms however many pass through.
func TestBoxedKeyCache(t *testing.T) {
	var c boxedKeyCache
	keys := Keys{Prefix: "test"}
	first := c.get("r-1", keys)
	want := keys.LiveStored("r-1", true, 0)
	if len(first.full) != len(want) {
		t.Fatalf("%d keys, want %d", len(first.full), len(want))
	}
	for i, k := range want {
		if first.full[i] != any(k) {
			t.Errorf("key %d = %v, want %s", i, first.full[i], k)
		}
	}
	wantShort := []string{keys.LiveState("r-1"), keys.LiveLog("r-1"), keys.LiveChannel("r-1")}
	for i, k := range wantShort {
		if i >= len(first.shortKeys) || first.shortKeys[i] != any(k) {
			t.Errorf("short form's keys %v, want %v", first.shortKeys, wantShort)
			break
		}
	}
	if first.short.Load() {
		t.Error("a room new to the cache takes the short form")
	}
	if again := c.get("r-1", keys); again != first {
		t.Error("the second get of a room built its keys again")
	}
	for i := range 2*maxCachedKeyRooms + 3 {
		c.get(mockroom.RoomID(fmt.Sprintf("r-%d", i)), keys)
		if n := len(c.rooms); n > maxCachedKeyRooms {
			t.Fatalf("%d rooms cached, at most %d allowed", n, maxCachedKeyRooms)
		}
	}
	if got := c.get("r-other", keys); got.full[0] != any(keys.LiveState("r-other")) {
		t.Errorf("after starting over, the first key is %v", got.full[0])
	}
}
