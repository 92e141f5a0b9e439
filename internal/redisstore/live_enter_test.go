package redisstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestEnterIsTheJoinInOneStep: Enter does what the calls it replaces do (the first join's
// append, the lease with its announcement, the view or the log read), in one step. A room in
// another half than the caller's is refused with nothing written; the first join is recorded
// once however often the person enters; a second node's lease does not bring them online again;
// what it reads is what View and Read read. On Redis and on the embedded store, whose Lua
// differs.
func TestEnterIsTheJoinInOneStep(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, sharded bool) {
		ctx := t.Context()
		keys := Keys{Prefix: redistest.Prefix(t)}
		store := NewLiveStore(client, keys, sharded)
		const room, user = mockroom.RoomID("r-enter"), mockroom.UserID("u-1")
		published := publishedTo(t, client, keys, sharded, room)
		now := time.Now().Truncate(time.Millisecond)
		joined := "joined:" + string(user)
		request := func(half int, node string, read live.EnterRead) live.EnterRequest {
			return live.EnterRequest{
				Half: half,
				First: live.AppendRequest{
					Now:    now,
					Checks: []live.Check{{Field: joined, Value: ""}},
					Set:    []live.FieldValue{{Field: joined, Value: "1"}},
					Events: []live.NewEvent{{Type: live.TypeJoined, Actor: user, Data: json.RawMessage(`{"user_id":"u-1"}`)}},
				},
				FirstUnless: joined,
				Lease: &live.EnterLease{
					User: user, Node: node, Until: now.Add(time.Minute), Now: now,
					Announce: &live.Event{Type: live.TypePresence, At: now, Actor: user, Data: json.RawMessage(`{"user":"u-1","online":true}`)},
				},
				Read: read,
			}
		}
		// The room is in its second half (a peer room after the swap).
		if _, err := store.Append(ctx, room, live.AppendRequest{Now: now, Set: []live.FieldValue{{Field: live.FieldHalf, Value: "1"}}}); err != nil {
			t.Fatal(err)
		}
		stateBefore, err := client.HGetAll(ctx, keys.LiveState(room)).Result()
		if err != nil {
			t.Fatal(err)
		}

		res, err := store.Enter(ctx, room, request(0, "node-a", live.EnterRead{View: true}))
		if err != nil || !res.Stale || res.Half != 1 {
			t.Fatalf("entering for the first half of a room in its second: %+v, %v; want stale, half 1", res, err)
		}
		stateAfter, err := client.HGetAll(ctx, keys.LiveState(room)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stateBefore, stateAfter) {
			t.Errorf("a stale enter changed the state: %v, was %v", stateAfter, stateBefore)
		}
		if n, err := client.Exists(ctx, keys.LivePresence(room)).Result(); err != nil || n != 0 {
			t.Errorf("a stale enter took a lease (presence hash exists: %d, %v)", n, err)
		}

		res, err = store.Enter(ctx, room, request(1, "node-a", live.EnterRead{View: true}))
		if err != nil || res.Stale || !res.CameOnline {
			t.Fatalf("entering for the right half: %+v, %v; want in, online", res, err)
		}
		if ev := published(); ev.Type != live.TypeJoined || ev.Offset != 1 {
			t.Errorf("published first: %+v, want the joined event at offset 1", ev)
		}
		if ev := published(); ev.Type != live.TypePresence {
			t.Errorf("published second: %+v, want the presence announcement", ev)
		}
		view, err := store.View(ctx, room, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.View, view) {
			t.Errorf("Enter's view:\n%+v\nView's:\n%+v", res.View, view)
		}
		if view.State.Head.Offset != 1 || view.Presence[user].IsZero() {
			t.Errorf("the view after entering: head %d, presence %v; want the joined event at 1 and the person online", view.State.Head.Offset, view.Presence)
		}

		// Again through another node, reading the log: the first join is not recorded twice,
		// and the person was online already.
		res, err = store.Enter(ctx, room, request(1, "node-b", live.EnterRead{Log: true, From: 1, Max: 10}))
		if err != nil || res.Stale || res.CameOnline {
			t.Fatalf("entering again through another node: %+v, %v; want in, no change of presence", res, err)
		}
		head, events, err := store.Read(ctx, room, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if res.Head != head || !reflect.DeepEqual(res.Events, events) {
			t.Errorf("Enter's log read: %v %+v; Read's: %v %+v", res.Head, res.Events, head, events)
		}
		if len(events) != 1 || head.Offset != 1 {
			t.Errorf("the log after two enters: head %d, %d events; want the joined event once", head.Offset, len(events))
		}
		if ev := published(); ev.Type != live.TypePresence {
			t.Errorf("published after the second enter: %+v, want only the presence announcement", ev)
		}

		// Without a lease nor a read, an enter of someone recorded writes nothing.
		req := request(1, "node-c", live.EnterRead{})
		req.Lease = nil
		before, err := client.HGetAll(ctx, keys.LivePresence(room)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if res, err = store.Enter(ctx, room, req); err != nil || res.Stale || res.CameOnline {
			t.Fatalf("entering without a lease: %+v, %v", res, err)
		}
		after, err := client.HGetAll(ctx, keys.LivePresence(room)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("an enter without a lease changed the leases: %v, was %v", after, before)
		}
		if head, _, err := store.Read(ctx, room, 1, 0); err != nil || head.Offset != 1 {
			t.Errorf("the head after an enter without a lease: %v, %v; want 1", head, err)
		}
		// Nor is a first join appended that the caller says is recorded (no FirstUnless), even
		// when the field says otherwise.
		req.First.Checks[0].Field, req.First.Set[0].Field = "joined:u-2", "joined:u-2"
		req.FirstUnless = ""
		if res, err = store.Enter(ctx, room, req); err != nil || res.Stale {
			t.Fatalf("entering with the first join known: %+v, %v", res, err)
		}
		if head, _, err := store.Read(ctx, room, 1, 0); err != nil || head.Offset != 1 {
			t.Errorf("the head after an enter with the first join known: %v, %v; want 1", head, err)
		}
	})
}
