// Package room holds the rules for interview rooms: creating a mentor-led room from a plan,
// inviting a candidate and observers by signed links, joining, the lifecycle (waiting → live →
// wrap_up → closed), peer rooms with two halves and pseudonyms, and the candidate-safe view of a
// room. It declares the store and question-bank interfaces it needs; adapters implement them.
package room

import (
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// FeedbackRelease says when a candidate sees the feedback written about them.
type FeedbackRelease string

const (
	// ReleaseOnSubmit shows feedback as soon as the interviewer submits it (mentor default).
	ReleaseOnSubmit FeedbackRelease = "on_submit"
	// ReleaseHeld keeps feedback until both sides have submitted or a deadline passes (peer rooms).
	ReleaseHeld FeedbackRelease = "held"
)

// Allowance bounds: a candidate may get up to twice the planned time, never less than planned.
const (
	MinAllowance = 1.0
	MaxAllowance = 2.0
)

// Settings are chosen when the room is created.
type Settings struct {
	AutoAdvance     bool            `json:"auto_advance"`
	FeedbackRelease FeedbackRelease `json:"feedback_release"`
	// Allowance multiplies every time budget for the candidate (1.0 = as planned).
	Allowance float64 `json:"candidate_allowance"`
}

func (s *Settings) normalize() error {
	if s.FeedbackRelease == "" {
		s.FeedbackRelease = ReleaseOnSubmit
	}
	if s.FeedbackRelease != ReleaseOnSubmit && s.FeedbackRelease != ReleaseHeld {
		return fieldInvalid("settings.feedback_release", "invalid_feedback_release", "feedback_release must be %q or %q", ReleaseOnSubmit, ReleaseHeld)
	}
	if s.Allowance == 0 {
		s.Allowance = 1.0
	}
	if s.Allowance < MinAllowance || s.Allowance > MaxAllowance {
		return fieldInvalid("settings.candidate_allowance", "invalid_allowance", "candidate_allowance must be between %.1f and %.1f", MinAllowance, MaxAllowance)
	}
	return nil
}

// PlannedQuestion is one slot of the room's plan made concrete. It carries nothing an
// interviewer alone may see: the guidance stays in the bank and reaches the interviewer through
// the live room.
type PlannedQuestion struct {
	// QuestionID is empty for the candidate's-own-questions slot.
	QuestionID mockroom.QuestionID `json:"question_id,omitempty"`
	Title      string              `json:"title,omitempty"`
	Category   mockroom.Category   `json:"category"`
	Difficulty mockroom.Difficulty `json:"difficulty,omitempty"`
	// The budget: Minutes, or Seconds when the plan's slot gave seconds (then Minutes is 0).
	Minutes int `json:"minutes,omitempty"`
	Seconds int `json:"seconds,omitempty"`
}

// Half is one half of a peer room: one person interviews the other, then they swap.
type Half struct {
	Interviewer   mockroom.UserID `json:"interviewer"`
	Candidate     mockroom.UserID `json:"candidate"`
	FirstQuestion int             `json:"first_question"` // index into Room.Questions
	QuestionCount int             `json:"question_count"`
}

// Participant is one person in a room.
type Participant struct {
	UserID mockroom.UserID `json:"user_id"`
	// Role is the role at the start; in a peer room the two swap at half time (see Room.Halves).
	Role mockroom.Role `json:"role"`
	// DisplayName is what others see: in a peer room the pseudonym until both have revealed.
	DisplayName string    `json:"display_name"`
	Guest       bool      `json:"guest"`
	JoinedAt    time.Time `json:"joined_at"`
	// Pseudonym is set in peer rooms only.
	Pseudonym string `json:"pseudonym,omitempty"`
	// Revealed is true once this person agreed to show their name.
	Revealed bool `json:"revealed,omitempty"`
}

// Room is one session.
type Room struct {
	ID        mockroom.RoomID    `json:"id"`
	Kind      mockroom.RoomKind  `json:"kind"`
	Track     mockroom.TrackID   `json:"track"`
	State     mockroom.RoomState `json:"state"`
	Title     string             `json:"title"`
	PlanID    string             `json:"plan_id,omitempty"`
	CreatedBy mockroom.UserID    `json:"created_by,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	StartedAt time.Time          `json:"started_at,omitzero"`
	EndedAt   time.Time          `json:"ended_at,omitzero"`
	// ScheduledAt is when the interviewer means to start, if they said; the invite page shows it.
	ScheduledAt time.Time         `json:"scheduled_at,omitzero"`
	Settings    Settings          `json:"settings"`
	Questions   []PlannedQuestion `json:"questions"`
	Halves      []Half            `json:"halves,omitempty"`
	// Participants is ordered by join time.
	Participants []Participant `json:"participants"`
	// Revealed is true in a peer room once both people chose to show their names.
	Revealed bool `json:"revealed,omitempty"`
	// NotesSharedBy are the interviewers who shared their notes with the candidate after the
	// session; the session's record shows those notes to the other participants.
	NotesSharedBy []mockroom.UserID `json:"-"`
	// Revision numbers the stored record's versions: every write that changes what Get returns
	// raises it, so a reader holding a copy learns with one small read whether it is current.
	// 0 when the store does not number them (then any copy may be stale).
	Revision uint64 `json:"-"`
}

// Participant returns the participant with the given id.
func (r Room) Participant(id mockroom.UserID) (Participant, bool) {
	for _, p := range r.Participants {
		if p.UserID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// maskNames shows pseudonyms in a peer room until both people have revealed. The store keeps the
// real names; every read goes through here, so no path returns them early.
func (r Room) maskNames() Room {
	if r.Kind != mockroom.RoomPeer {
		return r
	}
	revealed := 0
	for _, p := range r.Participants {
		if p.Revealed {
			revealed++
		}
	}
	r.Revealed = revealed >= 2
	if r.Revealed {
		return r
	}
	ps := make([]Participant, len(r.Participants))
	for i, p := range r.Participants {
		p.DisplayName = p.Pseudonym
		ps[i] = p
	}
	r.Participants = ps
	return r
}

// ViewFor returns the room as viewer may see it. The interviewer sees the questions they will
// ask; a candidate or observer sees only the shape of the plan (category and minutes of each
// slot), so nobody learns a question before it is put to them. In a peer room each person sees
// the questions of the half in which they interview.
func ViewFor(r Room, viewer mockroom.UserID) Room {
	qs := make([]PlannedQuestion, len(r.Questions))
	copy(qs, r.Questions)
	for i := range qs {
		if !asks(r, viewer, i) {
			qs[i].QuestionID, qs[i].Title = "", ""
		}
	}
	r.Questions = qs
	return r
}

// asks reports whether viewer is the one putting question i.
func asks(r Room, viewer mockroom.UserID, i int) bool {
	if len(r.Halves) > 0 {
		for _, h := range r.Halves {
			if i >= h.FirstQuestion && i < h.FirstQuestion+h.QuestionCount {
				return h.Interviewer == viewer
			}
		}
		return false
	}
	p, ok := r.Participant(viewer)
	return ok && p.Role == mockroom.RoleInterviewer
}

// Mine is the caller's rooms, newest first in each group.
type Mine struct {
	Upcoming []Room `json:"upcoming"` // waiting
	Live     []Room `json:"live"`
	Past     []Room `json:"past"` // wrap_up and closed
}
