package redisstore

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

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

// TestAppendWhileOpen: a command that must run while the session is open is refused, changing
// nothing, in wrap-up, once closed, and once the room was closed in any phase; an equality check
// that fails is reported first and a difference check after it; a command without the flag and
// a retry of a command applied before the end are not refused.
func TestAppendWhileOpen(t *testing.T) {
	srv := redistest.Shared(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, srv.Real)
	const room = mockroom.RoomID("r-open")
	ctx := t.Context()
	event := []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u1", Data: map[string]string{"text": "x"}}}
	setState := func(fields ...string) {
		t.Helper()
		if err := client.HSet(ctx, keys.LiveState(room), fields).Err(); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: 1, Now: time.Now(), WhileOpen: true, Events: event})
	if err != nil {
		t.Fatal(err)
	}
	setState("phase", "live", "ver", "2")
	open := func(seq uint64, checks ...live.Check) error {
		_, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: seq, Now: time.Now(), WhileOpen: true, Checks: checks, Events: event})
		return err
	}
	refusals := []struct {
		name         string
		state        []string
		checks       []live.Check
		field, found string
	}{
		{"wrap-up", []string{"phase", "wrap_up"}, nil, "phase", "wrap_up"},
		{"closed phase", []string{"phase", "closed"}, nil, "phase", "closed"},
		{"room closed while live", []string{"phase", "live", "closed", "1"}, nil, "closed", "1"},
		{"room closed while waiting", []string{"phase", "", "closed", "1"}, nil, "closed", "1"},
		{"a failed equality first", []string{"phase", "wrap_up", "closed", ""}, []live.Check{{Field: "ver", Value: "1"}}, "ver", "2"},
		{"a difference after", []string{"phase", "live", "closed", "1"}, []live.Check{{Field: "locked", Value: "", Not: true}}, "closed", "1"},
	}
	seq := uint64(1)
	for _, r := range refusals {
		setState(r.state...)
		before, _ := client.HGetAll(ctx, keys.LiveState(room)).Result()
		seq++
		err := open(seq, r.checks...)
		var ce *live.ConflictError
		if !errors.As(err, &ce) || ce.Field != r.field || ce.Actual != r.found {
			t.Errorf("%s: err %v, want a conflict on %s finding %q", r.name, err, r.field, r.found)
		}
		if after, _ := client.HGetAll(ctx, keys.LiveState(room)).Result(); !maps.Equal(after, before) {
			t.Errorf("%s: the refused command changed the state: %v, was %v", r.name, after, before)
		}
	}
	if n, err := client.XLen(ctx, keys.LiveLog(room)).Result(); err != nil || n != 1 {
		t.Errorf("the log holds %d events after one applied command and refused ones (%v)", n, err)
	}
	again, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: 1, Now: time.Now(), WhileOpen: true, Events: event})
	if err != nil || !again.Duplicate || again.Head != applied.Head {
		t.Errorf("a retry of the command applied before the end: %+v, %v; want its first answer %+v", again, err, applied.Head)
	}
	if _, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: seq + 1, Now: time.Now(), Events: event}); err != nil {
		t.Errorf("a command without WhileOpen in a closed room: %v", err)
	}
	setState("phase", "live", "closed", "")
	if err := open(seq + 2); err != nil {
		t.Errorf("a command while the session is open: %v", err)
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

// onRedisAndEmbedded runs test on the shared real Redis and on an embedded store of its own,
// whose Lua differs.
func onRedisAndEmbedded(t *testing.T, test func(t *testing.T, client redis.UniversalClient, sharded bool)) {
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Shared(t)
		test(t, srv.Client(t), srv.Real)
	})
	t.Run("embedded", func(t *testing.T) {
		test(t, embeddedClient(t), false)
	})
}

// embeddedClient is a client of a new embedded store (miniredis), both closed when t ends.
func embeddedClient(t *testing.T) *redis.Client {
	m := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: m.Addr(), Protocol: 2})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// TestAppendIdempotencyRecords: a client's command is answered once; the same (client, seq)
// again gets the first answer, an older seq is refused, and sequence numbers compare as numbers
// (10 after 9). The records live in the state hash; a record the clients hash holds from before
// they moved there still answers, for the append and for Seen. On Redis and on the embedded
// store, whose Lua differs.
func TestAppendIdempotencyRecords(t *testing.T) {
	onRedisAndEmbedded(t, testIdempotencyRecords)
}

func testIdempotencyRecords(t *testing.T, client redis.UniversalClient, sharded bool) {
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, sharded)
	const room = mockroom.RoomID("r-records")
	ctx := t.Context()
	push := func(clientID string, seq uint64) live.AppendResult {
		t.Helper()
		res, err := store.Append(ctx, room, live.AppendRequest{
			ClientID: clientID, Seq: seq, Now: time.Now(),
			Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u1", Data: map[string]uint64{"seq": seq}}},
		})
		if err != nil {
			t.Fatalf("%s seq %d: %v", clientID, seq, err)
		}
		return res
	}
	logLength := func() int64 {
		t.Helper()
		n, err := client.XLen(ctx, keys.LiveLog(room)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	first := push("u1 c1", 9)
	if first.Duplicate || len(first.Events) != 1 {
		t.Fatalf("first push: %+v", first)
	}
	if again := push("u1 c1", 9); !again.Duplicate || again.Head != first.Head {
		t.Errorf("the same seq again: %+v, want a duplicate answered with %+v", again, first.Head)
	}
	if old := push("u1 c1", 8); !old.Duplicate || old.Head != (mockroom.Position{}) {
		t.Errorf("an older seq: %+v, want a duplicate with no position", old)
	}
	tenth := push("u1 c1", 10)
	if tenth.Duplicate || tenth.Head.Offset != first.Head.Offset+1 {
		t.Errorf("seq 10 after 9: %+v, want it appended after %+v", tenth, first.Head)
	}
	if old := push("u1 c1", 9); !old.Duplicate {
		t.Errorf("seq 9 after 10: %+v, want it refused as old", old)
	}
	if n := logLength(); n != 2 {
		t.Errorf("the log holds %d events, want 2", n)
	}
	rec, err := client.HGet(ctx, keys.LiveState(room), "cmd:u1 c1").Result()
	if err != nil || rec != "10\n"+tenth.Head.Epoch+" 2 "+tenth.Head.EventID {
		t.Errorf("record in the state hash: %q, %v", rec, err)
	}
	if n, err := client.Exists(ctx, keys.LiveClients(room)).Result(); err != nil || n != 0 {
		t.Errorf("the clients hash exists (%d, %v): nothing should write it", n, err)
	}

	// A record written before the move, in the clients hash.
	oldHead := mockroom.Position{Epoch: tenth.Head.Epoch, Offset: 2, EventID: tenth.Head.EventID}
	if err := client.HSet(ctx, keys.LiveClients(room), "u2 c9", "7\n"+oldHead.Epoch+" 2 "+oldHead.EventID).Err(); err != nil {
		t.Fatal(err)
	}
	if got, seen, err := store.Seen(ctx, room, "u2 c9", 7); err != nil || !seen || got.Head != oldHead {
		t.Errorf("Seen of an old record: %+v, %v, %v; want %+v", got, seen, err, oldHead)
	}
	if got := push("u2 c9", 7); !got.Duplicate || got.Head != oldHead {
		t.Errorf("the seq of an old record: %+v, want a duplicate answered with %+v", got, oldHead)
	}
	if got := push("u2 c9", 6); !got.Duplicate {
		t.Errorf("a seq older than an old record: %+v, want it refused", got)
	}
	if n := logLength(); n != 2 {
		t.Errorf("the log holds %d events after the old record's duplicates, want 2", n)
	}
	next := push("u2 c9", 8)
	if next.Duplicate {
		t.Fatalf("the seq after an old record: %+v, want it appended", next)
	}
	if got, seen, err := store.Seen(ctx, room, "u2 c9", 8); err != nil || !seen || got.Head != next.Head {
		t.Errorf("Seen after the record moved: %+v, %v, %v; want %+v", got, seen, err, next.Head)
	}
	if _, seen, err := store.Seen(ctx, room, "u2 c9", 9); err != nil || seen {
		t.Errorf("Seen of a newer seq: %v, %v; want not seen", seen, err)
	}
}

// TestAppendLogForms: a new log takes its first event's id as its epoch (a command without
// events, Redis's clock), events go to the stream under their offsets and to the side lists
// their keep names, a command's reply gives each event its offset and id, and a log written by
// an earlier release (entry ids "<offset>-1") goes on after its last entry and reads in order.
func TestAppendLogForms(t *testing.T) {
	onRedisAndEmbedded(t, testAppendLogForms)
}

func testAppendLogForms(t *testing.T, client redis.UniversalClient, sharded bool) {
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, sharded)
	ctx := t.Context()
	chat := live.NewEvent{Type: live.TypeChatMessage, Actor: "u1", Data: map[string]string{"text": "hi"}, Keep: live.KeepChat}
	note := live.NewEvent{Type: live.TypeNoteAdded, Actor: "u1", InterviewerOnly: true, For: "u1", Data: map[string]string{"text": "n"}, Keep: live.KeepNote}
	plain := live.NewEvent{Type: live.TypeEditorUpdate, Actor: "u1", Data: map[string]int{"version": 1}}

	const room = mockroom.RoomID("r-forms")
	res, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: 1, Now: time.Now(), Events: []live.NewEvent{chat, plain, note}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 3 {
		t.Fatalf("%d events in the result, want 3", len(res.Events))
	}
	epoch := res.Events[0].Epoch
	if epoch != res.Events[0].ID {
		t.Errorf("a new log's epoch is %q, want its first event's id %q", epoch, res.Events[0].ID)
	}
	for i, ev := range res.Events {
		if ev.Offset != mockroom.EventOffset(i+1) || ev.Epoch != epoch || ev.ID == "" {
			t.Errorf("event %d: offset %d epoch %q id %q", i, ev.Offset, ev.Epoch, ev.ID)
		}
	}
	if res.Head != res.Events[2].Position() {
		t.Errorf("head %+v, want the last event's position %+v", res.Head, res.Events[2].Position())
	}
	entries, err := client.XRange(ctx, keys.LiveLog(room), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	if want := []string{"1-0", "2-0", "3-0"}; !slices.Equal(ids, want) {
		t.Errorf("stream ids %v, want %v", ids, want)
	}
	for key, want := range map[string]string{keys.LiveChat(room): res.Events[0].ID, keys.LiveNotes(room): res.Events[2].ID} {
		kept, err := client.LRange(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 1 || !strings.Contains(kept[0], `"id":"`+want+`"`) {
			t.Errorf("%s holds %q, want the one event %s", key, kept, want)
		}
	}
	again, err := store.Append(ctx, room, live.AppendRequest{ClientID: "c1", Seq: 1, Now: time.Now(), Events: []live.NewEvent{chat, plain, note}})
	if err != nil || !again.Duplicate || again.Head != res.Head {
		t.Errorf("the retried command: %+v, %v; want a duplicate at %+v", again, err, res.Head)
	}

	// A command without events on a new log: the epoch comes from Redis's clock.
	const bare = mockroom.RoomID("r-forms-bare")
	if _, err := store.Append(ctx, bare, live.AppendRequest{Now: time.Now(), Set: []live.FieldValue{{Field: "phase", Value: "live"}}}); err != nil {
		t.Fatal(err)
	}
	bareEpoch, err := client.HGet(ctx, keys.LiveState(bare), "epoch").Result()
	if err != nil || len(bareEpoch) < 10 || strings.Trim(bareEpoch, "0123456789") != "" {
		t.Errorf("epoch of a log begun without events: %q, %v; want Redis's clock in decimal", bareEpoch, err)
	}

	// A log as an earlier release wrote it.
	const old = mockroom.RoomID("r-forms-old")
	for off, id := range []string{"", "ida", "idb"} {
		if off == 0 {
			continue
		}
		ev := fmt.Sprintf(`{"offset":%d,"id":"%s","epoch":"old","at":1,"type":"chat.message","actor":"u1","data":{}}`, off, id)
		if err := client.XAdd(ctx, &redis.XAddArgs{Stream: keys.LiveLog(old), ID: fmt.Sprintf("%d-1", off), Values: []any{"e", ev}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.HSet(ctx, keys.LiveState(old), "epoch", "old", "off", "2", "last_id", "idb", "phase", "live").Err(); err != nil {
		t.Fatal(err)
	}
	next, err := store.Append(ctx, old, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{plain}})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next.Events[0]; ev.Offset != 3 || ev.Epoch != "old" {
		t.Errorf("appended after an old log's two entries: offset %d epoch %q, want 3 in epoch old", ev.Offset, ev.Epoch)
	}
	head, evs, err := store.Read(ctx, old, 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	var offs []mockroom.EventOffset
	for _, ev := range evs {
		offs = append(offs, ev.Offset)
	}
	if !slices.Equal(offs, []mockroom.EventOffset{2, 3}) || head.Offset != 3 || head.EventID != next.Events[0].ID {
		t.Errorf("read from offset 2: offsets %v, head %+v; want [2 3] and the new event as head", offs, head)
	}
}
