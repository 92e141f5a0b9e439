package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// subscribedBus is a node's bus subscribed to room, once Redis has confirmed the subscription.
func subscribedBus(t *testing.T, client redis.UniversalClient, keys Keys, sharded bool, room mockroom.RoomID) *LiveBus {
	t.Helper()
	bus := NewLiveBus(client, keys, sharded)
	t.Cleanup(func() { _ = bus.Close() })
	if err := bus.Subscribe(t.Context(), room); err != nil {
		t.Fatal(err)
	}
	for {
		r, payload, err := bus.Receive(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if r == room && payload == nil {
			return bus
		}
	}
}

// receiveOffset is the offset of the next event bus receives.
func receiveOffset(t *testing.T, bus *LiveBus) mockroom.EventOffset {
	t.Helper()
	_, payload, err := bus.Receive(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := live.DecodePublished(payload)
	if err != nil {
		t.Fatalf("decode %q: %v", payload, err)
	}
	return ev.Offset
}

// TestAppendPublishesOnlyWhenAnotherNodeListens: an append whose node delivers the events itself
// (DeliveredHere) publishes them only when the channel has a subscriber besides that node's:
// with the node's own subscription alone nothing is published and the result says so (and the
// idempotency record, which answers the command's duplicate, is the usual one); with a second
// subscription both receive every event; an append that does not deliver its events itself is
// published whatever listens. On Redis and on the embedded store.
func TestAppendPublishesOnlyWhenAnotherNodeListens(t *testing.T) {
	onRedisAndEmbedded(t, testAppendPublishesOnlyWhenAnotherNodeListens)
}

func testAppendPublishesOnlyWhenAnotherNodeListens(t *testing.T, client redis.UniversalClient, sharded bool) {
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, sharded)
	const room = mockroom.RoomID("r-unpublished")
	chat := func(deliveredHere bool, seq uint64) live.AppendResult {
		t.Helper()
		res, err := store.Append(t.Context(), room, live.AppendRequest{ClientID: "u-int c1", Seq: seq, Now: time.Now(), DeliveredHere: deliveredHere,
			Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u-int", Data: map[string]string{"text": "hi"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	own := subscribedBus(t, client, keys, sharded, room)

	first := chat(true, 1)
	if !first.Unpublished || first.Head.Offset != 1 {
		t.Fatalf("alone on the channel: %+v, want offset 1 unpublished", first)
	}
	if dup := chat(true, 1); !dup.Duplicate || dup.Head != first.Head {
		t.Fatalf("the unpublished command again: %+v, want a duplicate with its head %+v", dup, first.Head)
	}
	if res := chat(false, 2); res.Unpublished {
		t.Fatalf("an append that does not deliver its events itself was not published: %+v", res)
	}
	if got := receiveOffset(t, own); got != 2 {
		t.Fatalf("the node's bus received offset %d first, want 2 (1 was not published)", got)
	}

	other := subscribedBus(t, client, keys, sharded, room)
	if res := chat(true, 3); res.Unpublished || res.Head.Offset != 3 {
		t.Fatalf("with another node listening: %+v, want offset 3 published", res)
	}
	for name, bus := range map[string]*LiveBus{"the node's own": own, "the other node's": other} {
		if got := receiveOffset(t, bus); got != 3 {
			t.Fatalf("%s bus received offset %d, want 3", name, got)
		}
	}
}
