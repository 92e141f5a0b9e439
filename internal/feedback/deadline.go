package feedback

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Release deadlines of peer rooms follow the room timers' exactly-once design: the store's
// index says when to look at a room and may be early, never late (it is armed before anything is
// stored); every node polls it; the effect is guarded so that it happens once however many nodes
// race (the release marks are first-wins in one script, each event is appended once behind a
// state field of the room's log); and an entry is removed only after the effect, so a node that
// dies half-way leaves the room for the next poll of any node.

// pollBatch bounds the rooms handled per poll.
const pollBatch = 100

// Run polls the release-deadline index every PollEvery until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.PollOnce(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("poll feedback deadlines", "err", err)
		}
	}
}

// PollOnce handles every room due now; Run calls it every PollEvery. Exposed for tests.
func (s *Service) PollOnce(ctx context.Context) error {
	due, err := s.store.DueDeadlines(ctx, s.cfg.Now(), pollBatch)
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := s.fireDeadline(ctx, d); err != nil {
			s.cfg.Logger.Warn("release feedback at deadline", "room_id", d.Room, "err", err)
		}
	}
	return nil
}

// fireDeadline releases a due room's feedback, or moves an early entry to the real deadline. A
// mentor room is in the index only while a submit that releases on submit is under way: once
// its release is applied, the entry goes.
func (s *Service) fireDeadline(ctx context.Context, d Deadline) error {
	r, err := s.rooms.Get(ctx, d.Room)
	if mockroom.ErrorKind(err) == mockroom.KindNotFound {
		return s.store.SettleDeadline(ctx, d) // the room is gone, and its feedback with it
	}
	if err != nil {
		return err
	}
	sc, err := s.loadRoom(ctx, r)
	if err != nil {
		return err
	}
	deadline := r.EndedAt.Add(s.cfg.PeerDeadline)
	passed := !r.EndedAt.IsZero() && !s.cfg.Now().Before(deadline)
	if err := s.applyRelease(ctx, sc, passed); err != nil {
		return err // the entry stays: the next poll, on any node, tries again
	}
	if sc, err = s.loadRoom(ctx, r); err != nil {
		return err
	}
	if sc.rec.ReleasedAt.IsZero() && s.mode(r) == ModeDoubleBlind {
		if !d.Due.Before(deadline) {
			return nil // not released at its deadline: the entry stays for the next poll
		}
		// An early entry (a submit that might have completed the pair did not, or its node
		// died before storing): the real deadline's entry goes in before this one goes.
		if err := s.store.ArmDeadline(ctx, r.ID, deadline); err != nil {
			return err
		}
	}
	return s.store.SettleDeadline(ctx, d)
}

// ReleasedTo returns the forms about reader in a room that are released to them, with every
// submitted version; the review side builds records and progress from it.
func (s *Service) ReleasedTo(ctx context.Context, id mockroom.RoomID, reader mockroom.UserID) ([]Form, error) {
	r, err := s.rooms.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := s.loadRoom(ctx, r)
	if err != nil {
		return nil, err
	}
	var out []Form
	for _, sl := range sc.slots {
		if sl.about == reader && sc.releasedToSubject(sl) {
			out = append(out, sc.form(sl, false))
		}
	}
	return out, nil
}

// EraseUser removes user's drafts and the feedback written about them in every room, and their
// standing. What they wrote about others stays: it is the other person's record.
func (s *Service) EraseUser(ctx context.Context, user mockroom.UserID) error {
	rooms, err := s.store.UserRooms(ctx, user)
	if err != nil {
		return err
	}
	for _, id := range rooms {
		if err := s.store.EraseUser(ctx, id, user); err != nil {
			return err
		}
	}
	return s.store.EraseStanding(ctx, user)
}
