package live

import (
	"context"
	"errors"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// RevealedName is one person's real name, as names.revealed tells it.
type RevealedName struct {
	UserID      mockroom.UserID `json:"user_id"`
	DisplayName string          `json:"display_name"`
}

type namesRevealedData struct {
	Participants []RevealedName `json:"participants"`
}

// NamesRevealed appends names.revealed to a peer room's log: both people agreed to show their
// names, and everyone in the room learns them at once (and the record shows when). It is not a
// command of anyone connected: the room service decides the reveal and calls this, so it has no
// role check. It appends once per room whatever the callers and nodes, so the room service may
// call it again after a failure, or from two reveals that raced to complete the pair.
func (e *Engine) NamesRevealed(ctx context.Context, id mockroom.RoomID, names []RevealedName) error {
	if len(names) == 0 {
		return invalid("names_missing", "names.revealed needs the participants' names")
	}
	for _, n := range names {
		if n.UserID == "" || n.DisplayName == "" {
			return invalid("names_invalid", "every revealed name needs a user id and a display name")
		}
	}
	_, err := e.store.Append(ctx, id, AppendRequest{
		Now:    e.now(),
		Checks: []Check{{Field: fieldRevealed, Value: ""}},
		Set:    []FieldValue{{fieldRevealed, "1"}},
		Events: []NewEvent{{Type: TypeNamesRevealed, Data: namesRevealedData{Participants: names}}},
	})
	var ce *ConflictError
	if errors.As(err, &ce) && ce.Field == fieldRevealed {
		return nil // already in the log
	}
	return err
}

// RoomClosed appends room.state {state: closed} to the room's log once: every socket of the room,
// on every node, delivers it and closes at once with the "room closed" code, and later joins are
// refused with the same code. Like NamesRevealed it is the room service's decision, called
// after the room was closed there, and may be called again (a retry) without a second event.
// The phase field is left alone: a room closed before it started keeps the short retention of
// a room that never started.
func (e *Engine) RoomClosed(ctx context.Context, id mockroom.RoomID) error {
	_, err := e.store.Append(ctx, id, AppendRequest{
		Now:    e.now(),
		Checks: []Check{{Field: fieldClosed, Value: ""}},
		Set:    []FieldValue{{fieldClosed, "1"}},
		Events: []NewEvent{{Type: TypeRoomState, Data: map[string]string{"state": string(mockroom.StateClosed)}}},
	})
	var ce *ConflictError
	if errors.As(err, &ce) && ce.Field == fieldClosed {
		return nil // already in the log
	}
	if err == nil {
		c := e.room(id)
		c.mu.Lock()
		if c.loaded {
			c.info.State = mockroom.StateClosed
		}
		c.mu.Unlock()
	}
	return err
}
