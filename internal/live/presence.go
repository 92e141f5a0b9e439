package live

import (
	"context"
	"encoding/json"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// presenceData is the Data of an ephemeral presence event.
func presenceData(user mockroom.UserID, online bool, selection json.RawMessage) json.RawMessage {
	b, _ := json.Marshal(struct {
		User      mockroom.UserID `json:"user"`
		Online    bool            `json:"online"`
		Selection json.RawMessage `json:"selection,omitempty"`
	}{user, online, selection})
	return b
}

// Presence relays p's cursor and selection to the room. It is checked against the document as
// this node knows it and never stored. Observers are read-only and show no cursor.
func (e *Engine) Presence(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, selection json.RawMessage) error {
	c := e.room(id)
	c.mu.Lock()
	_, m, err := e.member(ctx, id, c, p.UserID)
	if err == nil && m.Role == mockroom.RoleObserver {
		err = mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "observers do not share a cursor")
	}
	if err == nil && c.doc == nil {
		err = e.loadDoc(ctx, id, c)
	}
	var docLen int
	if err == nil {
		e.drain(c)
		docLen = c.doc.Len16()
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := editor.ParseSelection(selection, docLen); err != nil {
		return err
	}
	return e.store.Publish(ctx, id, Event{Type: TypePresence, At: e.now(), Actor: p.UserID, Data: presenceData(p.UserID, true, selection)})
}
