package redisstore

import (
	"errors"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestAppendChecks: every kind of check the append script takes (equality and difference, on a
// field the script reads for itself, on a field another check reads too, on one only it names,
// on a field that is absent) refuses with the field and the value it found, and a refused append
// writes nothing; when every check holds, the append goes through.
func TestAppendChecks(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, srv.Real)
	const room = mockroom.RoomID("r-checks")
	ctx := t.Context()
	seq := uint64(0)
	appendWith := func(checks ...live.Check) (live.AppendResult, error) {
		seq++
		return store.Append(ctx, room, live.AppendRequest{
			ClientID: "c1", Seq: seq, Now: time.Now(), Checks: checks,
			Set:    []live.FieldValue{{Field: "ver", Value: "3"}},
			Events: []live.NewEvent{{Type: live.TypeEditorUpdate, Actor: "u1", Data: map[string]int{"version": 2}}},
		})
	}
	if _, err := store.Append(ctx, room, live.AppendRequest{Now: time.Now(), Set: []live.FieldValue{{Field: "phase", Value: "live"}, {Field: "ver", Value: "2"}, {Field: "half", Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	before, err := client.HGetAll(ctx, keys.LiveState(room)).Result()
	if err != nil {
		t.Fatal(err)
	}
	eq := func(f, v string) live.Check { return live.Check{Field: f, Value: v} }
	ne := func(f, v string) live.Check { return live.Check{Field: f, Value: v, Not: true} }
	refusals := []struct {
		name         string
		checks       []live.Check
		field, found string
	}{
		{"equality", []live.Check{eq("ver", "1")}, "ver", "2"},
		{"second equality", []live.Check{eq("ver", "2"), eq("half", "")}, "half", "1"},
		{"equality on an absent field", []live.Check{eq("ver", "2"), eq("locked", "1")}, "locked", ""},
		{"difference on the script's own field", []live.Check{eq("ver", "2"), ne("phase", "wrap_up"), ne("phase", "live")}, "phase", "live"},
		{"difference on a field an equality reads", []live.Check{eq("half", "1"), ne("half", "1")}, "half", "1"},
		{"difference on a field of its own", []live.Check{ne("closed", "1"), ne("locked", ""), eq("ver", "2")}, "locked", ""},
		{"difference after another on the same field", []live.Check{ne("locked", "1"), ne("locked", "")}, "locked", ""},
	}
	for _, r := range refusals {
		_, err := appendWith(r.checks...)
		var ce *live.ConflictError
		if !errors.As(err, &ce) || ce.Field != r.field || ce.Actual != r.found {
			t.Errorf("%s: err %v, want a conflict on %s finding %q", r.name, err, r.field, r.found)
		}
	}
	after, err := client.HGetAll(ctx, keys.LiveState(room)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || after["ver"] != before["ver"] || after["off"] != before["off"] {
		t.Errorf("refused appends changed the state: %v, was %v", after, before)
	}
	if n, err := client.XLen(ctx, keys.LiveLog(room)).Result(); err != nil || n != 0 {
		t.Errorf("the log holds %d events after refused appends only (%v)", n, err)
	}
	res, err := appendWith(eq("ver", "2"), ne("phase", "wrap_up"), ne("phase", "closed"), ne("closed", "1"), ne("locked", "1"), eq("half", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 || res.Events[0].Offset != 1 {
		t.Fatalf("append with every check holding: %+v", res)
	}
	if v, err := client.HGet(ctx, keys.LiveState(room), "ver").Result(); err != nil || v != "3" {
		t.Errorf("ver after the append: %q (%v), want 3", v, err)
	}
}

// TestAppendRefusesTheStoresOwnFields: the head and epoch are the script's to write.
func TestAppendRefusesTheStoresOwnFields(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	store := NewLiveStore(client, Keys{Prefix: redistest.Prefix(t)}, srv.Real)
	for _, field := range []string{live.FieldOffset, live.FieldLastID, live.FieldEpoch} {
		_, err := store.Append(t.Context(), "r-own", live.AppendRequest{Now: time.Now(), Set: []live.FieldValue{{Field: field, Value: "9"}}})
		if mockroom.ErrorKind(err) != mockroom.KindInternal {
			t.Errorf("setting %s: %v, want an internal error", field, err)
		}
	}
}
