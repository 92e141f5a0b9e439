package progress

import (
	"context"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/room"
)

// Sessions lists a person's finished sessions and reads their records; *record.Service
// implements it.
type Sessions interface {
	List(ctx context.Context, reader mockroom.UserID, f record.Filter) ([]record.Summary, error)
	Get(ctx context.Context, id mockroom.RoomID, reader mockroom.UserID) (record.Record, error)
}

// Rooms reads a room with its plan; *room.Service implements it.
type Rooms interface {
	Get(ctx context.Context, id mockroom.RoomID) (room.Room, error)
}

// Tracks finds a track's preparation checklist; *bank.Bank implements it.
type Tracks interface {
	Track(id mockroom.TrackID) (*bank.Track, error)
}

// Service reads a person's sessions and computes their progress.
type Service struct {
	sessions Sessions
	rooms    Rooms
	feedback record.Feedback
	tracks   Tracks
}

// NewService returns a Service reading through the given interfaces.
func NewService(sessions Sessions, rooms Rooms, fb record.Feedback, tracks Tracks) *Service {
	return &Service{sessions: sessions, rooms: rooms, feedback: fb, tracks: tracks}
}

// Get is reader's progress in track: their finished sessions of that track, with the track's
// preparation map. KindNotFound for an unknown track.
func (s *Service) Get(ctx context.Context, reader mockroom.UserID, track mockroom.TrackID) (Progress, error) {
	t, err := s.tracks.Track(track)
	if err != nil {
		return Progress{}, err
	}
	list, err := s.sessions.List(ctx, reader, record.Filter{})
	if err != nil {
		return Progress{}, err
	}
	var in []Input
	for _, sum := range list {
		if sum.Track != track {
			continue
		}
		r, err := s.rooms.Get(ctx, sum.RoomID)
		if err != nil {
			return Progress{}, err
		}
		forms, err := s.feedback.Readable(ctx, sum.RoomID, reader)
		if err != nil {
			return Progress{}, err
		}
		rec, err := s.sessions.Get(ctx, sum.RoomID, reader)
		if err != nil {
			return Progress{}, err
		}
		var asked []int
		for _, q := range rec.Questions {
			if q.Candidate == reader {
				asked = append(asked, q.Index)
			}
		}
		in = append(in, Input{Summary: sum, Room: r, Forms: forms, Asked: asked})
	}
	return Compute(in, reader, track, t.Preparation), nil
}
