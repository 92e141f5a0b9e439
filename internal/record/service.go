package record

import (
	"context"
	"slices"
	"time"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Rooms reads rooms as their participants may see them; *room.Service implements it.
type Rooms interface {
	// View returns the room as viewer may see it; KindForbidden if they are not in it.
	View(ctx context.Context, id mockroom.RoomID, viewer mockroom.UserID) (room.Room, error)
	// Mine lists user's rooms by state.
	Mine(ctx context.Context, user mockroom.UserID) (room.Mine, error)
	// ShareNotes lets user show the notes they wrote to the others in the finished session.
	ShareNotes(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error
}

// Log reads a room's whole log, oldest first; feedback.LiveLog implements it.
type Log interface {
	Events(ctx context.Context, id mockroom.RoomID) ([]live.Event, error)
}

// Feedback gives the forms of a room that reader may read: those they wrote and those about
// them that are released. None for an observer.
type Feedback interface {
	Readable(ctx context.Context, id mockroom.RoomID, reader mockroom.UserID) ([]feedback.Form, error)
}

// Service builds records and the list of a person's sessions.
type Service struct {
	rooms    Rooms
	log      Log
	feedback Feedback
}

// NewService returns a Service reading through the given interfaces.
func NewService(rooms Rooms, log Log, fb Feedback) *Service {
	return &Service{rooms: rooms, log: log, feedback: fb}
}

// finished reports whether a room has a record: it went live and ended.
func finished(r room.Room) bool {
	return (r.State == mockroom.StateWrapUp || r.State == mockroom.StateClosed) && !r.StartedAt.IsZero()
}

// Get returns the record of session id as reader may see it: KindForbidden for someone who was
// not in it, KindConflict "session_not_finished" before it ended.
func (s *Service) Get(ctx context.Context, id mockroom.RoomID, reader mockroom.UserID) (Record, error) {
	r, err := s.rooms.View(ctx, id, reader)
	if err != nil {
		return Record{}, err
	}
	if !finished(r) {
		return Record{}, mockroom.Errorf(mockroom.KindConflict, "session_not_finished", "session %s has not ended yet: its record exists once it has", id)
	}
	evs, err := s.log.Events(ctx, id)
	if err != nil {
		return Record{}, err
	}
	forms, err := s.feedback.Readable(ctx, id, reader)
	if err != nil {
		return Record{}, err
	}
	return Build(Input{Room: r, Events: evs, Feedback: forms, Reader: reader})
}

// Summary is one line of a person's list of sessions.
type Summary struct {
	RoomID     mockroom.RoomID    `json:"room_id"`
	Kind       mockroom.RoomKind  `json:"kind"`
	Track      mockroom.TrackID   `json:"track"`
	Title      string             `json:"title"`
	PlanID     string             `json:"plan_id,omitempty"`
	State      mockroom.RoomState `json:"state"`
	Roles      []mockroom.Role    `json:"roles"`
	StartedAt  time.Time          `json:"started_at"`
	EndedAt    time.Time          `json:"ended_at,omitzero"`
	DurationMS int64              `json:"duration_ms"`
	Questions  int                `json:"questions"`
	// Headline is the scores released to the reader in this session; nil when none are.
	Headline *Headline `json:"headline,omitempty"`
}

// Headline sums up the released feedback about the reader in one session.
type Headline struct {
	// Average is the mean of every score given (rubric qualities, or interviewer-quality
	// items), 1 to 4, over the latest version of each released form about the reader.
	Average float64 `json:"average"`
	Scores  int     `json:"scores"`
	// Recommendation is the latest rubric form's overall recommendation, if any.
	Recommendation string `json:"recommendation,omitempty"`
}

// Filter narrows a list of sessions; zero fields match everything.
type Filter struct {
	// Role matches sessions in which the reader held it (a peer session matches both).
	Role mockroom.Role
	Kind mockroom.RoomKind
}

// Validate refuses a role or kind that does not exist.
func (f Filter) Validate() error {
	if f.Role != "" && !f.Role.Valid() {
		return mockroom.Errorf(mockroom.KindInvalid, "role_invalid", "role must be interviewer, candidate or observer")
	}
	if f.Kind != "" && f.Kind != mockroom.RoomMentor && f.Kind != mockroom.RoomPeer {
		return mockroom.Errorf(mockroom.KindInvalid, "kind_invalid", "kind must be mentor or peer")
	}
	return nil
}

// List returns reader's finished sessions matching f, newest first.
func (s *Service) List(ctx context.Context, reader mockroom.UserID, f Filter) ([]Summary, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	mine, err := s.rooms.Mine(ctx, reader)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, r := range mine.Past {
		if !finished(r) || (f.Kind != "" && r.Kind != f.Kind) {
			continue
		}
		roles := rolesOf(r, reader)
		if f.Role != "" && !slices.Contains(roles, f.Role) {
			continue
		}
		sum := Summary{
			RoomID: r.ID, Kind: r.Kind, Track: r.Track, Title: r.Title, PlanID: r.PlanID, State: r.State,
			Roles: roles, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Questions: len(r.Questions),
		}
		if !r.EndedAt.IsZero() {
			sum.DurationMS = r.EndedAt.Sub(r.StartedAt).Milliseconds()
		}
		forms, err := s.feedback.Readable(ctx, r.ID, reader)
		if err != nil {
			return nil, err
		}
		sum.Headline = headline(forms, reader)
		out = append(out, sum)
	}
	slices.SortStableFunc(out, func(a, b Summary) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, nil
}

// headline averages the scores of the released forms about reader.
func headline(forms []feedback.Form, reader mockroom.UserID) *Headline {
	var h Headline
	sum := 0
	for _, f := range forms {
		if f.About != reader || !f.Released {
			continue
		}
		v, ok := f.Latest()
		if !ok {
			continue
		}
		for _, q := range v.Content.Qualities {
			if !q.NotObserved && q.Score > 0 {
				sum, h.Scores = sum+q.Score, h.Scores+1
			}
		}
		for _, it := range v.Content.Items {
			if it.Score > 0 {
				sum, h.Scores = sum+it.Score, h.Scores+1
			}
		}
		if v.Content.Recommendation != "" {
			h.Recommendation = v.Content.Recommendation
		}
	}
	if h.Scores == 0 && h.Recommendation == "" {
		return nil
	}
	if h.Scores > 0 {
		h.Average = float64(sum) / float64(h.Scores)
	}
	return &h
}

// ShareNotes shares the interviewer notes user wrote in finished session id with its other
// participants (observers excepted): their records show those notes from then on.
func (s *Service) ShareNotes(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error {
	return s.rooms.ShareNotes(ctx, id, user)
}
