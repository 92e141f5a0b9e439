// Package mockroom holds the types every other package shares: identifiers, roles, room states,
// plans and the error kinds. It depends on nothing but the standard library, so the rules
// (rooms, editor, bank, feedback) and the adapters (Redis, WebSocket, HTTP, tokens) can all
// speak the same language without knowing about one another.
package mockroom

import (
	"fmt"
	"time"
)

// UserID identifies an account or a guest identity.
type UserID string

// RoomID identifies one interview session.
type RoomID string

// TrackID names a question bank with its rubric, e.g. "python-developer".
type TrackID string

// QuestionID is a question's stable id within the bank.
type QuestionID string

// Role is what a participant may do in a room.
type Role string

const (
	RoleInterviewer Role = "interviewer"
	RoleCandidate   Role = "candidate"
	RoleObserver    Role = "observer"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleInterviewer, RoleCandidate, RoleObserver:
		return true
	}
	return false
}

// SeesInterviewerMaterial reports whether a participant in role r may receive guidance,
// strong-answer outlines, follow-ups, private notes and draft feedback. Only the interviewer may:
// observers shadow what the candidate sees.
func (r Role) SeesInterviewerMaterial() bool { return r == RoleInterviewer }

// RoomKind separates mentor-led sessions from peer sessions with two halves.
type RoomKind string

const (
	RoomMentor RoomKind = "mentor"
	RoomPeer   RoomKind = "peer"
)

// RoomState is a room's place in its lifecycle: waiting → live → wrap_up → closed.
type RoomState string

const (
	StateWaiting RoomState = "waiting"
	StateLive    RoomState = "live"
	StateWrapUp  RoomState = "wrap_up"
	StateClosed  RoomState = "closed"
)

// CanMoveTo reports whether the lifecycle allows going from s to next. Abandoned rooms are not a
// state: a room that never went live simply expires from the store.
func (s RoomState) CanMoveTo(next RoomState) bool {
	switch s {
	case StateWaiting:
		return next == StateLive || next == StateClosed
	case StateLive:
		return next == StateWrapUp
	case StateWrapUp:
		return next == StateClosed
	}
	return false
}

// Difficulty grades a question or a peer's level.
type Difficulty string

const (
	Junior Difficulty = "junior"
	Mid    Difficulty = "mid"
	Senior Difficulty = "senior"
)

// Valid reports whether d is a known difficulty.
func (d Difficulty) Valid() bool { return d == Junior || d == Mid || d == Senior }

// Category is one of the six kinds of interview question.
type Category string

const (
	CategoryTechnical    Category = "technical_proficiency"
	CategoryConceptual   Category = "conceptual_understanding"
	CategoryPractical    Category = "practical_application"
	CategorySystemDesign Category = "system_design"
	CategoryBehavioral   Category = "behavioral_communication"
	CategoryProblemSolve Category = "problem_solving"
	CategoryOwnQuestions Category = "candidate_questions" // the closing slot, not a bank category
)

// Categories lists the six bank categories in the order they are presented.
var Categories = []Category{
	CategoryTechnical, CategoryConceptual, CategoryPractical,
	CategorySystemDesign, CategoryBehavioral, CategoryProblemSolve,
}

// Valid reports whether c is one of the six bank categories.
func (c Category) Valid() bool {
	for _, known := range Categories {
		if c == known {
			return true
		}
	}
	return false
}

// Slot is one step of a plan: either a fixed question, or any question of a category at a
// difficulty, drawn when the plan is instantiated for a room. A slot with Category
// CategoryOwnQuestions is the candidate's time to ask their own questions.
//
// A slot's budget is given in Minutes or, for short drills, in Seconds; never both (the bank
// and the room service refuse a slot that sets both or neither).
type Slot struct {
	QuestionID QuestionID `json:"question_id,omitempty"`
	Category   Category   `json:"category,omitempty"`
	Difficulty Difficulty `json:"difficulty,omitempty"`
	Minutes    int        `json:"minutes,omitempty"`
	Seconds    int        `json:"seconds,omitempty"`
}

// Budget is the slot's time budget before any allowance: Seconds when set, else Minutes.
func (s Slot) Budget() time.Duration { return SlotBudget(s.Minutes, s.Seconds) }

// SlotBudget is the budget of a slot or planned question that gives minutes or seconds:
// seconds win when set, so a budget is never the sum of both.
func SlotBudget(minutes, seconds int) time.Duration {
	if seconds > 0 {
		return time.Duration(seconds) * time.Second
	}
	return time.Duration(minutes) * time.Minute
}

// Plan is an ordered list of slots with time budgets.
type Plan struct {
	ID      string  `json:"id"`
	Track   TrackID `json:"track"`
	Title   string  `json:"title"`
	Summary string  `json:"summary,omitempty"`
	Slots   []Slot  `json:"slots"`
	// Owner is empty for built-in plans.
	Owner UserID `json:"owner,omitempty"`
}

// Total adds up the slot budgets.
func (p Plan) Total() time.Duration {
	var total time.Duration
	for _, s := range p.Slots {
		total += s.Budget()
	}
	return total
}

// TotalMinutes is Total in whole minutes, rounded down.
func (p Plan) TotalMinutes() int { return int(p.Total() / time.Minute) }

// EventOffset is a per-room, strictly increasing event number.
type EventOffset uint64

// Position names one event of a room's log: the epoch of the log, the offset, and the id of the
// event at that offset. A store that lost its tail and reissued offsets keeps the offset but not
// the id, so a resume from such a position is detected rather than trusted.
type Position struct {
	Epoch   string      `json:"epoch"`
	Offset  EventOffset `json:"offset"`
	EventID string      `json:"event_id"`
}

func (p Position) String() string { return fmt.Sprintf("%s/%d/%s", p.Epoch, p.Offset, p.EventID) }

// Principal is the authenticated caller of a request or socket.
type Principal struct {
	UserID UserID `json:"user_id"`
	Name   string `json:"name"`
	// Guest is true for an identity created by joining through an invite link without an account.
	Guest bool `json:"guest"`
}
