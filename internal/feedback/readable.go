package feedback

import (
	"context"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Readable returns the forms of a room that reader may read afterwards, for the session's
// record: the ones they wrote (submitted versions only, never the draft) and the ones about
// them once released. Observers, and people who were not in the room, get none.
func (s *Service) Readable(ctx context.Context, id mockroom.RoomID, reader mockroom.UserID) ([]Form, error) {
	r, err := s.rooms.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p, ok := r.Participant(reader); !ok || p.Role == mockroom.RoleObserver {
		return nil, nil
	}
	sc, err := s.loadRoom(ctx, r)
	if err != nil {
		return nil, err
	}
	var out []Form
	for _, sl := range sc.slots {
		switch {
		case sl.author == reader:
			f := sc.form(sl, true)
			f.Draft = nil
			if f.Submitted() {
				out = append(out, f)
			}
		case sl.about == reader && sc.releasedToSubject(sl):
			out = append(out, sc.form(sl, false))
		}
	}
	return out, nil
}
