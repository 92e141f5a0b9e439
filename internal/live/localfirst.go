package live

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// localFirst is the engine's view of the store: every event an append or a timer firing of this
// node adds to a room's log is handed to the room's local listeners as soon as the store answers
// (Fanout.deliverLocal), on the goroutine that asked, rather than when the bus brings its
// publication back. The people on this node (the typist among them, whose acknowledgement waits
// for its own event) see it one trip through pub/sub sooner; the other nodes are unaffected.
type localFirst struct {
	Store
	fanout *Fanout
}

func (s localFirst) Append(ctx context.Context, room mockroom.RoomID, req AppendRequest) (AppendResult, error) {
	res, err := s.Store.Append(ctx, room, req)
	if err == nil && !res.Duplicate {
		s.fanout.deliverLocal(room, res.Events)
	}
	return res, err
}

func (s localFirst) Fire(ctx context.Context, ref TimerRef, now time.Time) (FireResult, error) {
	res, err := s.Store.Fire(ctx, ref, now)
	if err == nil {
		s.fanout.deliverLocal(ref.Room, res.Fired)
	}
	return res, err
}
