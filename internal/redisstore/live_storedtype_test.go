package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestStoredTypeReadsTheAppendsForm: the type read off a stored event without decoding it is
// the decoded event's, for every event the append stores; an event in any other form (fields in
// another order, as an earlier release may have stored them, or an escaped id) is not told, so
// it is decoded; and the view's editor tail, which skips by the stored type, holds the editor's
// events and nothing else. On Redis and on the embedded store, whose Lua differs.
func TestStoredTypeReadsTheAppendsForm(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, sharded bool) {
		ctx := t.Context()
		keys := Keys{Prefix: redistest.Prefix(t)}
		store := NewLiveStore(client, keys, sharded)
		const room = mockroom.RoomID("r-stored-type")
		events := []live.NewEvent{
			{Type: live.TypeJoined, Actor: "u1", Data: map[string]string{"user_id": "u1", "type": "candidate"}},
			{Type: live.TypeChatMessage, Actor: "u1", Data: map[string]string{"text": `a "type":"editor.update" in chat`}, Keep: live.KeepChat},
			{Type: live.TypeEditorUpdate, Actor: "u1", Data: map[string]int{"version": 1}},
			{Type: live.TypeNoteAdded, Actor: "u1", InterviewerOnly: true, For: "u1", Data: map[string]string{"text": "n"}, Keep: live.KeepNote},
			{Type: live.TypeEditorLanguage, Actor: "u1", Data: map[string]string{"language": "go"}},
		}
		if _, err := store.Append(ctx, room, live.AppendRequest{Now: time.Now(), Events: events}); err != nil {
			t.Fatal(err)
		}
		entries, err := client.XRange(ctx, keys.LiveLog(room), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(events) {
			t.Fatalf("%d stored events, want %d", len(entries), len(events))
		}
		for _, e := range entries {
			raw, _ := e.Values["e"].(string)
			ev, err := live.DecodeEvent([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if typ, known := storedType(raw); !known || typ != ev.Type {
				t.Errorf("stored type of %s: %q, %v; want %q", raw, typ, known, ev.Type)
			}
		}

		v, err := store.View(ctx, room, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Tail) != 2 || v.Tail[0].Type != live.TypeEditorUpdate || v.Tail[1].Type != live.TypeEditorLanguage {
			t.Errorf("the view's editor tail: %+v, want the update and the language change", v.Tail)
		}
	})

	for _, raw := range []string{
		`{"type":"editor.update","offset":1,"id":"a","epoch":"e","at":1}`,
		`{"offset":1,"id":"a","epoch":"e","at":1,"data":{"type":"chat.message"},"type":"editor.update"}`,
		`{"offset":1,"id":"a\"b","epoch":"e","at":1,"type":"chat.message"}`,
		`{"offset":1,"id":"a","epoch":"e","at":1,"type":"chat.mess\u0061ge"}`,
		`{"offset":x,"id":"a","epoch":"e","at":1,"type":"chat.message"}`,
		`{"offset":1,"id":"a","epoch":"e","at":1,"type":"chat.message`,
	} {
		if typ, known := storedType(raw); known {
			t.Errorf("stored type of %s: %q, want it not told", raw, typ)
		}
	}
}

// BenchmarkViewTail reads a fresh room's view reply as a join's step returns it: a waiting
// room's state, no document, and a tail of its two participants' joined events, the editor's
// tail empty.
//
//	go test -run '^$' -bench BenchmarkViewTail -benchmem ./internal/redisstore
func BenchmarkViewTail(b *testing.B) {
	joined := func(off, user string) any {
		return `{"offset":` + off + `,"id":"yHWTkF7V5lr_` + off + `","epoch":"1796670694307401","at":1796670694306,"type":"participant.joined","actor":"` + user +
			`","data":{"user_id":"` + user + `","role":"candidate","display_name":"Carl Candidate"}}`
	}
	reply := []any{
		[]any{"epoch", "1796670694307401", "off", "2", "last_id", "yHWTkF7V5lr_2", "joined:u-1", "1", "joined:u-2", "1", "w_exp", "1796670994306", "w_keys", "1100001"},
		[]any{}, []any{}, []any{},
		[]any{"u-1 node-a", "1796670705306", "u-2 node-a", "1796670705306"},
		[]any{joined("1", "u-1"), joined("2", "u-2")},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := viewReply(reply, false); err != nil {
			b.Fatal(err)
		}
	}
}
