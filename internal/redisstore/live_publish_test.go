package redisstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestPublishedEventsCarryTheirHeader: the append script publishes each event with the header
// the fan-out reads instead of decoding it, and what the header and its slices say is exactly the
// event the log keeps, the private part and its addressee included.
func TestPublishedEventsCarryTheirHeader(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, srv.Real)
	bus := NewLiveBus(client, keys, srv.Real)
	t.Cleanup(func() { _ = bus.Close() })
	const room = mockroom.RoomID("r-pub")
	ctx := t.Context()
	if err := bus.Subscribe(ctx, room); err != nil {
		t.Fatal(err)
	}
	// The subscription's notice comes first; after it, every publish reaches the bus.
	for {
		r, payload, err := bus.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r == room && payload == nil {
			break
		}
	}
	events := []live.NewEvent{
		{Type: live.TypeEditorUpdate, Actor: "u-cand", Data: json.RawMessage(`{"version":0,"updates":[{"clientID":"cm1","changes":[0,"x"]}]}`)},
		{Type: live.TypeQuestionStarted, Actor: "u-int", Data: map[string]int{"index": 0}, Private: map[string]string{"guide": `"}{`}, For: "u-int"},
		{Type: live.TypeNoteAdded, Actor: "u-int", Data: map[string]string{"text": "n"}, InterviewerOnly: true, For: "u-int", Keep: live.KeepNote},
	}
	fallbacks := live.PublishedFallbacks()
	res, err := store.Append(ctx, room, live.AppendRequest{ClientID: "cm1", Seq: 1, Now: time.Now(), Events: events})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := client.XRange(ctx, keys.LiveLog(room), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(events) || len(res.Events) != len(events) {
		t.Fatalf("%d events in the log, %d appended, want %d", len(stored), len(res.Events), len(events))
	}
	for i := range events {
		r, payload, err := bus.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r != room || len(payload) == 0 || payload[0] != '#' {
			t.Fatalf("event %d published as %q in room %s, want a header first", i, payload, r)
		}
		want, err := live.DecodeEvent([]byte(stored[i].Values["e"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := live.DecodePublished(payload)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d: published %q\ngot  %+v\nwant %+v", i, payload, got, want)
		}
		if n := live.PublishedFallbacks() - fallbacks; n != 0 {
			t.Fatalf("event %d: the header did not fit the event (%d fallbacks to decoding the JSON)", i, n)
		}
		if !reflect.DeepEqual(got, res.Events[i]) {
			t.Fatalf("event %d: published %+v, the append returned %+v", i, got, res.Events[i])
		}
	}
}
