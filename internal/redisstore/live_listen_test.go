package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// TestAppendPublishesForOtherListeners: an append publishes its events unless the room's
// listening nodes are the appending node alone, or none; a room whose listeners are not known
// (no list: never listened to, or written before lists existed) publishes everything. Listen
// returns the head, and Unlisten writes nothing to a room that is gone. On Redis and on the
// embedded store.
func TestAppendPublishesForOtherListeners(t *testing.T) {
	onRedisAndEmbedded(t, testAppendPublishesForOtherListeners)
}

func testAppendPublishesForOtherListeners(t *testing.T, client redis.UniversalClient, sharded bool) {
	keys := Keys{Prefix: fmt.Sprintf("t%d:", time.Now().UnixNano())}
	store := NewLiveStore(client, keys, sharded, WithWaitingTTL(time.Hour))
	bus := NewLiveBus(client, keys, sharded)
	t.Cleanup(func() { _ = bus.Close() })
	ctx := t.Context()
	const room = mockroom.RoomID("r-listen")
	next := publishedTo(t, bus, room)
	n := 0
	// appendAs appends a chat message by node and reports whether it was published: a marker
	// published right after it (always published, as every ephemeral event) must be the next
	// message the bus brings, or come right after the append's event.
	appendAs := func(node string) bool {
		t.Helper()
		n++
		res, err := store.Append(ctx, room, live.AppendRequest{Now: time.Now(), Node: node,
			Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u-int", Data: map[string]string{"text": fmt.Sprint("m", n)}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Publish(ctx, room, live.Event{Type: "marker", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		published := false
		ev := next()
		if ev.Offset == res.Events[0].Offset {
			published = true
			ev = next()
		}
		if ev.Type != "marker" {
			t.Fatalf("the bus brought %s at offset %d, want %s's event (offset %d) or the marker", ev.Type, ev.Offset, node, res.Events[0].Offset)
		}
		if res.Unpublished == published {
			t.Fatalf("%s's append: published %v, but the store says unpublished %v", node, published, res.Unpublished)
		}
		return published
	}
	subs := func() string {
		t.Helper()
		v, err := client.HGet(ctx, keys.LiveState(room), "subs").Result()
		if err == redis.Nil {
			return "(none)"
		}
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	listen := func(node string) mockroom.Position {
		t.Helper()
		head, err := store.Listen(ctx, room, node)
		if err != nil {
			t.Fatal(err)
		}
		return head
	}
	unlisten := func(node string) {
		t.Helper()
		if err := store.Unlisten(ctx, room, node); err != nil {
			t.Fatal(err)
		}
	}

	// A new room: the first listener makes the list, and its state expires as the room waits.
	if head := listen("node-a"); head != (mockroom.Position{}) {
		t.Fatalf("head of a new room = %+v, want none", head)
	}
	if ttl, err := client.PTTL(ctx, keys.LiveState(room)).Result(); err != nil || ttl <= 0 {
		t.Fatalf("a waiting room's state made by Listen has PTTL %v (%v), want it to expire", ttl, err)
	}
	steps := []struct {
		do      func()
		subs    string
		appends map[string]bool // node appending: published?
	}{
		{func() {}, "node-a", map[string]bool{"node-a": false, "node-b": true, "": true}},
		{func() { listen("node-a") }, "node-a", map[string]bool{"node-a": false}},
		{func() { listen("node-b") }, "node-a node-b", map[string]bool{"node-a": true, "node-b": true}},
		{func() { unlisten("node-a") }, "node-b", map[string]bool{"node-a": true, "node-b": false}},
		{func() { unlisten("node-c") }, "node-b", map[string]bool{"node-b": false}},
		{func() { unlisten("node-b") }, "", map[string]bool{"node-a": false, "": false}},
		{func() { listen("node-c") }, "node-c", map[string]bool{"node-c": false, "node-a": true}},
	}
	for i, st := range steps {
		st.do()
		if got := subs(); got != st.subs {
			t.Fatalf("step %d: listening nodes %q, want %q", i, got, st.subs)
		}
		for node, want := range st.appends {
			if got := appendAs(node); got != want {
				t.Fatalf("step %d (listening %q): %q's append published %v, want %v", i, st.subs, node, got, want)
			}
		}
	}
	head := listen("node-c")
	if _, last, err := store.Read(ctx, room, 1, 1000); err != nil || len(last) == 0 || head != last[len(last)-1].Position() {
		t.Fatalf("Listen's head %+v is not the log's last event (%v)", head, err)
	}

	// A room whose state has no list is one whose listeners are not known: it stays so, and
	// publishes every append.
	const legacy = mockroom.RoomID("r-legacy")
	if _, err := store.Append(ctx, legacy, live.AppendRequest{Now: time.Now(),
		Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u-int", Data: map[string]string{"text": "before"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Listen(ctx, legacy, "node-a"); err != nil {
		t.Fatal(err)
	}
	if n, err := client.HExists(ctx, keys.LiveState(legacy), "subs").Result(); err != nil || n {
		t.Fatalf("a room written without a list got one (%v)", err)
	}
	res, err := store.Append(ctx, legacy, live.AppendRequest{Now: time.Now(), Node: "node-a",
		Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u-int", Data: map[string]string{"text": "after"}}}})
	if err != nil || res.Unpublished {
		t.Fatalf("the only listener's append in a room without a list: unpublished %v (%v), want published", res.Unpublished, err)
	}

	// A room that is gone is not made again by a node leaving it.
	const gone = mockroom.RoomID("r-gone")
	if err := store.Unlisten(ctx, gone, "node-a"); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, keys.LiveState(gone)).Result(); err != nil || n != 0 {
		t.Fatalf("Unlisten made the state of a room that had none (%v)", err)
	}
}
