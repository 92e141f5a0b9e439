package redisstore

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestAppendShortForm follows one room through the append's two forms: a room new to the node
// and a waiting room take the full form; from the start on, pushes take the short one; where the
// short form does not suit (a client's first command, a session ended by another node, a state
// lost) it writes nothing and the same command goes again in the full form, applied once; a
// command that keeps chat takes the full form whatever the room.
func TestAppendShortForm(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, srv.Real)
	const room = mockroom.RoomID("r-short")
	ctx := t.Context()
	form := store.appendKeys.get(room, keys)
	seqs := map[string]uint64{}
	appendAs := func(clientID string, req live.AppendRequest) live.AppendResult {
		t.Helper()
		if clientID != "" {
			seqs[clientID]++
			req.ClientID, req.Seq = clientID, seqs[clientID]
		}
		req.Now = time.Now()
		res, err := store.Append(ctx, room, req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	edit := live.NewEvent{Type: live.TypeEditorUpdate, Actor: "u-1", Data: map[string]int{"version": 1}}
	logLength := func() int64 {
		t.Helper()
		n, err := client.XLen(ctx, keys.LiveLog(room)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	wantForm := func(step string, short bool) {
		t.Helper()
		if got := form.short.Load(); got != short {
			t.Fatalf("%s: the room's next push takes the short form: %v, want %v", step, got, short)
		}
	}

	wantForm("a room new to the node", false)
	appendAs("c1", live.AppendRequest{Events: []live.NewEvent{edit}})
	wantForm("a push while waiting", false)
	appendAs("", live.AppendRequest{Set: []live.FieldValue{{Field: live.FieldPhase, Value: "live"}}})
	wantForm("the start", true)

	before := logLength()
	res := appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}})
	if n := logLength(); n != before+1 || res.Head.Offset != mockroom.EventOffset(n) {
		t.Fatalf("a client's first command, asked again in the full form: log %d → %d, head %d", before, n, res.Head.Offset)
	}
	if record, _ := client.HGet(ctx, keys.LiveState(room), recordField("c2")).Result(); record == "" {
		t.Fatal("the full form did not record the client's first command")
	}
	wantForm("a client's first command", true)

	// A record written where records were kept before they moved into the state hash: only the
	// full form reads it.
	if err := client.HSet(ctx, keys.LiveClients(room), "c3", "1\n"+res.Head.Epoch+" 1 old-id").Err(); err != nil {
		t.Fatal(err)
	}
	seqs["c3"] = 0
	if dup := appendAs("c3", live.AppendRequest{Events: []live.NewEvent{edit}}); !dup.Duplicate || dup.Head.EventID != "old-id" || logLength() != before+1 {
		t.Fatalf("a command recorded in the clients hash, sent again: %+v (log %d), want its duplicate", dup, logLength())
	}
	wantForm("a command recorded before records moved", false)
	appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}})
	wantForm("a push in the full form", true)
	before++

	// A waiting expiry left with the room live (no release writes it so; the short form checks
	// anyway): the full form takes it away.
	if err := client.HSet(ctx, keys.LiveState(room), "w_exp", time.Now().Add(time.Hour).UnixMilli(), "w_keys", "1100000").Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Expire(ctx, keys.LiveState(room), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}})
	if ttl, err := client.PTTL(ctx, keys.LiveState(room)).Result(); err != nil || ttl != -1 {
		t.Fatalf("a push with a waiting expiry left: the state expires in %v (%v), want never", ttl, err)
	}
	if exp, _ := client.HGet(ctx, keys.LiveState(room), "w_exp").Result(); exp != "" {
		t.Fatalf("a push with a waiting expiry left kept w_exp %s", exp)
	}
	wantForm("a push with a waiting expiry left", true)
	before++

	res = appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}})
	if n := logLength(); n != before+2 || res.Head.Offset != mockroom.EventOffset(n) {
		t.Fatalf("a push in the short form: log %d, head %d", n, res.Head.Offset)
	}
	seqs["c2"]-- // the same command again
	if dup := appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}}); !dup.Duplicate || dup.Head != res.Head || logLength() != before+2 {
		t.Fatalf("a command sent again, in the short form: %+v (log %d), want the duplicate of %+v", dup, logLength(), res.Head)
	}

	chat := live.NewEvent{Type: live.TypeChatMessage, Actor: "u-1", Data: map[string]string{"text": "hi"}, Keep: live.KeepChat}
	appendAs("c2", live.AppendRequest{Events: []live.NewEvent{chat}})
	if n, err := client.LLen(ctx, keys.LiveChat(room)).Result(); err != nil || n != 1 {
		t.Fatalf("a chat message with the room in the short form: chat holds %d (%v), want 1", n, err)
	}
	wantForm("a chat message", true)

	// Another node ends the session; this one still takes the room for started.
	if err := client.HSet(ctx, keys.LiveState(room), live.FieldPhase, "wrap_up").Err(); err != nil {
		t.Fatal(err)
	}
	before = logLength()
	appendAs("c2", live.AppendRequest{Events: []live.NewEvent{edit}})
	if n := logLength(); n != before+1 {
		t.Fatalf("a push after the end: log %d → %d, want one event more", before, n)
	}
	wantForm("a push after the end", false)

	// The state is lost while the node takes the room for started: the full form starts a new log.
	epoch := res.Head.Epoch
	if err := client.Del(ctx, keys.LiveState(room), keys.LiveLog(room)).Err(); err != nil {
		t.Fatal(err)
	}
	form.short.Store(true)
	res = appendAs("", live.AppendRequest{Events: []live.NewEvent{edit}})
	if res.Head.Offset != 1 || res.Head.Epoch == epoch || logLength() != 1 {
		t.Fatalf("a push after the state was lost: head %+v (log %d), want offset 1 of a new epoch", res.Head, logLength())
	}
	wantForm("a push after the state was lost", false)
}

// TestShortAppendKeepsNoLists: the short form, given a command that keeps chat (which the store
// never gives it), refuses it and writes nothing, rather than append the event and fail on the
// chat list it has no key for.
func TestShortAppendKeepsNoLists(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, srv.Real)
	const room = mockroom.RoomID("r-short-chat")
	ctx := t.Context()
	if _, err := store.Append(ctx, room, live.AppendRequest{Now: time.Now(), Set: []live.FieldValue{{Field: live.FieldPhase, Value: "live"}}}); err != nil {
		t.Fatal(err)
	}
	form := store.appendKeys.get(room, keys)
	args := append([]any{"evalsha", store.appendSHA, len(form.shortKeys)}, form.shortKeys...)
	args, _, _, err := store.appendArgs(args, nil, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{
		{Type: live.TypeChatMessage, Actor: "u-1", Data: map[string]string{"text": "hi"}, Keep: live.KeepChat},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.runAppend(ctx, args); err == nil {
		t.Fatal("the short form took a chat message")
	}
	for _, key := range []string{keys.LiveLog(room), keys.LiveChat(room)} {
		if n, err := client.Exists(ctx, key).Result(); err != nil || n != 0 {
			t.Errorf("%s exists after the refused command (%v)", key, err)
		}
	}
}
