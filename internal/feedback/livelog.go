package feedback

import (
	"context"
	"errors"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// LiveLog implements Log over the live engine's store: reads page through the room's log, and an
// append-once is a live append guarded by a state field, so two nodes (or a retry after a crash)
// append the event once.
type LiveLog struct {
	Store live.Store
	Now   func() time.Time
}

// readPage bounds one read of the log.
const readPage = 1000

// Events implements Log.
func (l LiveLog) Events(ctx context.Context, id mockroom.RoomID) ([]live.Event, error) {
	var out []live.Event
	from := mockroom.EventOffset(1)
	for {
		head, evs, err := l.Store.Read(ctx, id, from, readPage)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if len(evs) == 0 || evs[len(evs)-1].Offset >= head.Offset {
			return out, nil
		}
		from = evs[len(evs)-1].Offset + 1
	}
}

// SecondHalf implements Log.
func (l LiveLog) SecondHalf(ctx context.Context, id mockroom.RoomID) (bool, error) {
	st, err := l.Store.State(ctx, id)
	if err != nil {
		return false, err
	}
	return st.Half == 1, nil
}

// AppendOnce implements Log.
func (l LiveLog) AppendOnce(ctx context.Context, id mockroom.RoomID, once string, ev live.NewEvent) error {
	field := "fb:" + once
	_, err := l.Store.Append(ctx, id, live.AppendRequest{
		Now:    l.Now(),
		Checks: []live.Check{{Field: field, Value: ""}},
		Set:    []live.FieldValue{{Field: field, Value: "1"}},
		Events: []live.NewEvent{ev},
	})
	var ce *live.ConflictError
	if errors.As(err, &ce) && ce.Field == field {
		return nil // appended before
	}
	return err
}
