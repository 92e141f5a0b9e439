package live

import (
	"context"
	"errors"
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

// Append appends, and hands the events to the room's local listeners. While the node serves the
// room (it is subscribed to the room's channel), the append says so (AppendRequest.DeliveredHere)
// and the store publishes the events only when another node listens too: a room served by one
// node sends nothing through pub/sub, and its events reach its listeners from here alone.
func (s localFirst) Append(ctx context.Context, room mockroom.RoomID, req AppendRequest) (AppendResult, error) {
	served := s.fanout.serving(room)
	req.DeliveredHere = served != nil
	res, err := s.Store.Append(ctx, room, req)
	switch {
	case err != nil:
		if conflict := (*ConflictError)(nil); served != nil && !errors.As(err, &conflict) {
			// Applied or not, nobody knows: if it was, no one may have published its events,
			// and the log has them.
			s.fanout.catchUp.kick(room)
		}
	case res.Duplicate:
	case res.Unpublished:
		if !s.fanout.deliverUnpublished(room, served, res.Events) {
			// The node left the room's channel while the append ran, so the store may have
			// counted this node's subscription as the only one while another node listened.
			s.republish(ctx, room, res.Events)
		}
	default:
		s.fanout.deliverLocal(room, res.Events)
	}
	return res, err
}

// republish publishes events appended without publication, for the nodes that may have been
// left out; a node that has them already drops the copies by their offsets.
func (s localFirst) republish(ctx context.Context, room mockroom.RoomID, evs []Event) {
	for _, ev := range evs {
		if err := s.Store.Publish(ctx, room, ev); err != nil {
			// Their catch-up finds the events in the log (a gap, or the room's quiet check).
			s.fanout.warn.Warn("publish events appended while leaving the room", "room_id", room, "err", err)
			return
		}
	}
}

func (s localFirst) Fire(ctx context.Context, ref TimerRef, now time.Time) (FireResult, error) {
	res, err := s.Store.Fire(ctx, ref, now)
	if err == nil {
		s.fanout.deliverLocal(ref.Room, res.Fired)
	}
	return res, err
}
