package live

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// TestObserveLeavesTheDocumentForItsNextUse: the fan-out hands a node every event of the rooms it
// serves on the way to their sockets. Editor updates only join the room's inbox (nothing is
// decoded there); the node's next use of the document (drain, as a push or a cursor does)
// applies them in order. The editor's lock is applied at once. Past maxInbox waiting updates the
// document is dropped, to be read again from the store, and the inbox emptied; events the cache
// keeps nothing of do not wait in it.
func TestObserveLeavesTheDocumentForItsNextUse(t *testing.T) {
	const room = mockroom.RoomID("r-observe")
	doc, err := editor.NewDoc(editor.Snapshot{}, editor.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{cache: map[mockroom.RoomID]*roomCache{}}
	c := e.room(room)
	c.doc, c.epoch = doc, "ep"
	off := mockroom.EventOffset(0)
	event := func(typ string, data any) Event {
		off++
		raw, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		return Event{Type: typ, Epoch: "ep", Offset: off, ID: fmt.Sprint("id-", off), Data: raw}
	}
	typed := 0
	update := func() Event { // an x typed at the end of the document
		changes := []any{[]any{0, "x"}}
		if typed > 0 {
			changes = []any{typed, []any{0, "x"}}
		}
		ev := event(TypeEditorUpdate, map[string]any{"version": typed, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}})
		typed++
		return ev
	}

	for range 5 {
		e.observe(room, update())
	}
	e.observe(room, event(TypeChatMessage, map[string]string{"text": "hi"}))
	if got := len(c.inbox); got != 5 {
		t.Fatalf("%d events wait in the inbox, want the 5 updates", got)
	}
	if v := c.doc.Version(); v != 0 {
		t.Fatalf("the document is at version %d before anyone here used it, want 0", v)
	}
	e.observe(room, event(TypeEditorLock, map[string]bool{"locked": true}))
	if !c.locked {
		t.Error("the editor's lock was not applied at once")
	}
	if v := c.doc.Version(); v != 5 || len(c.inbox) != 0 {
		t.Errorf("after the lock: document at version %d with %d waiting, want 5 and 0 (applied in order before it)", v, len(c.inbox))
	}

	for range 3 {
		e.observe(room, update())
	}
	c.mu.Lock()
	e.drain(c)
	c.mu.Unlock()
	if text := c.doc.Document().String(); c.doc.Version() != 8 || text != "xxxxxxxx" {
		t.Errorf("after its next use the document is %q at version %d, want 8 x at version 8", text, c.doc.Version())
	}

	for range maxInbox + 1 {
		e.observe(room, update())
	}
	if c.doc != nil || len(c.inbox) != 0 {
		t.Errorf("with %d updates nobody used: document %v, %d waiting; want it dropped and none waiting", maxInbox+1, c.doc != nil, len(c.inbox))
	}
}
