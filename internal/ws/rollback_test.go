package ws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// roomKeys are the room's stored live keys: what a store that loses writes loses them from.
func (h *harness) roomKeys(room mockroom.RoomID) []string {
	k := h.keys
	return []string{k.LiveState(room), k.LiveLog(room), k.LiveClients(room), k.LiveChat(room),
		k.LiveNotes(room), k.LiveDoc(room), k.LivePresence(room)}
}

// saveRoom copies the room's live keys as they are now (DUMP), like a snapshot of the store.
func (h *harness) saveRoom(ctx context.Context, room mockroom.RoomID) map[string]string {
	h.t.Helper()
	saved := map[string]string{}
	for _, key := range h.roomKeys(room) {
		d, err := h.redis.Dump(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			h.t.Fatal(err)
		}
		saved[key] = d
	}
	return saved
}

// restoreRoom puts the room's live keys back as saveRoom found them: the store loses every write
// made since, as after a restart from an older snapshot or a failover to a lagging replica.
func (h *harness) restoreRoom(ctx context.Context, room mockroom.RoomID, saved map[string]string) {
	h.t.Helper()
	for _, key := range h.roomKeys(room) {
		var err error
		if d, ok := saved[key]; ok {
			err = h.redis.RestoreReplace(ctx, key, 0, d).Err()
		} else {
			err = h.redis.Del(ctx, key).Err()
		}
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

// roomAsSeen rebuilds what a client holds from its frames: the last snapshot's chat and document,
// then the chat messages and editor updates after it.
func roomAsSeen(t *testing.T, cl *client) (chat []string, doc string) {
	t.Helper()
	start := -1
	for i, raw := range cl.raw {
		if mustFrame(raw).str("type") == "snapshot" {
			start = i
		}
	}
	if start < 0 {
		t.Fatalf("%s: no snapshot read", cl.user)
	}
	room := mustFrame(cl.raw[start]).obj("room")
	for _, m := range room["chat"].([]any) {
		chat = append(chat, frame(m.(map[string]any)).obj("data").str("text"))
	}
	doc = room.obj("doc").str("text")
	for _, raw := range cl.raw[start+1:] {
		f := mustFrame(raw)
		switch f.str("event") {
		case "chat.message":
			chat = append(chat, f.obj("data").str("text"))
		case "editor.update":
			// The tests type at the end only: each change set is [length, [0, text]].
			for _, u := range f.obj("data")["updates"].([]any) {
				changes := frame(u.(map[string]any))["changes"].([]any)
				doc += changes[1].([]any)[1].(string)
			}
		}
	}
	return chat, doc
}

// type appends text at the end of the document at version and waits for the acknowledgement.
func typeAt(cl *client, version int, docLen int, text string) {
	cl.t.Helper()
	cl.command("editor.push", map[string]any{"version": version, "updates": []any{
		map[string]any{"clientID": cl.clientID, "changes": []any{docLen, []any{0, text}}},
	}})
}

// metricValue is the value of the first series of the counter or gauge name in the server's
// registry, 0 before it has one. A series is one or the other, so the other reads as 0.
func (h *harness) metricValue(name string) float64 {
	h.t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

// The store loses its newest acknowledged writes under connected sockets (restored from an older
// copy of the room's keys). The next write reuses an offset the sockets were given; the node
// notices and sends every connected socket of the room a snapshot (position_mismatch) without
// closing it, and from there everyone converges on what the store holds, editor included.
func TestConnectedSocketsResyncAfterTheStoreRollsBack(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	const room = mockroom.RoomID("r-rollback")
	h.mentorRoom(room)
	iv := h.join(interviewer, room)
	cand := h.join(candidate, room)

	typeAt(iv, 0, 0, "kept ")
	iv.command("chat.send", map[string]any{"text": "kept"})
	cand.waitFor("kept", func(f frame) bool { return f.obj("data").str("text") == "kept" })
	saved := h.saveRoom(ctx, room)

	typeAt(iv, 1, 5, "lost ")
	iv.command("chat.send", map[string]any{"text": "lost"})
	for _, cl := range []*client{iv, cand} {
		cl.waitFor("lost", func(f frame) bool { return f.obj("data").str("text") == "lost" })
	}
	lostAt := *cand.last
	h.restoreRoom(ctx, room, saved)

	// The next write takes an offset the sockets already had, for another event.
	after := iv.command("chat.send", map[string]any{"text": "after"})
	if got := mockroom.EventOffset(after.obj("result").obj("position").num("offset")); got > lostAt.Offset {
		t.Fatalf("the write after the rollback got offset %d, past the lost %d: the store did not go back", got, lostAt.Offset)
	}
	version := 0
	for _, cl := range []*client{iv, cand} {
		snap := cl.waitFor("the resync snapshot", func(f frame) bool {
			return f.str("type") == "snapshot" && f.str("reason") == "position_mismatch"
		})
		if snap["recovered"] != false {
			t.Errorf("%s: resync snapshot recovered=%v, want false", cl.user, snap["recovered"])
		}
		version = int(snap.obj("room").obj("doc").num("version"))
		if text := snap.obj("room").obj("doc").str("text"); text != "kept " || version != 1 {
			t.Errorf("%s: resync snapshot document %q at version %d, want %q at 1", cl.user, text, version, "kept ")
		}
	}

	// The engine dropped its cached document: a push at the store's version is accepted.
	typeAt(cand, version, 5, "typed")
	iv.command("chat.send", map[string]any{"text": "later"})
	fresh := h.join(observer, room)
	wantChat := []string{"kept", "after", "later"}
	for _, cl := range []*client{iv, cand} {
		cl.waitFor("later", func(f frame) bool { return f.obj("data").str("text") == "later" })
		chat, doc := roomAsSeen(t, cl)
		if strings.Join(chat, "|") != strings.Join(wantChat, "|") || doc != "kept typed" {
			t.Errorf("%s holds chat %q and document %q, want %q and %q", cl.user, chat, doc, wantChat, "kept typed")
		}
	}
	if chat, doc := roomAsSeen(t, fresh); strings.Join(chat, "|") != strings.Join(wantChat, "|") || doc != "kept typed" {
		t.Errorf("a fresh join sees chat %q and document %q, want %q and %q", chat, doc, wantChat, "kept typed")
	}
	if n := h.metricValue("mockroom_ws_resyncs_total"); n != 2 {
		t.Errorf("mockroom_ws_resyncs_total = %v, want 2 (both sockets)", n)
	}
	if n := h.engine.Fanout().Rollbacks(); n != 1 {
		t.Errorf("fan-out rollbacks = %d, want 1", n)
	}
}
