package live

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Rooms is what the engine needs of the room service. RoomInfo is the engine's own view of a
// room, so this package does not depend on how rooms are stored; cmd adapts the room service.
type Rooms interface {
	// Room returns the room; a *mockroom.Error of KindNotFound if it does not exist.
	Room(ctx context.Context, id mockroom.RoomID) (RoomInfo, error)
	// Transition moves the room's lifecycle state from → to atomically, and returns the room
	// as it is after the move; KindConflict if the room is not in from.
	Transition(ctx context.Context, id mockroom.RoomID, from, to mockroom.RoomState) (RoomInfo, error)
}

// Seats is what a Rooms may offer besides: one person's seat in a room, without reading and
// decoding the rest of it (its plan, questions and settings). Participant, which every socket
// ticket pays for, uses it when present.
type Seats interface {
	// Seat returns user's role as the room records it, ok=false if they have no seat in it, and
	// a *mockroom.Error of KindNotFound if the room does not exist.
	Seat(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (role mockroom.Role, ok bool, err error)
}

// Revisions is what a Rooms may offer besides: the revision of a room's record alone, a number
// that moves whenever anything Room returns changes (RoomInfo.Revision). Join, which must see
// the room as it is, then reads the whole room only when the revision moved since the node's
// copy, rather than at every socket's join.
type Revisions interface {
	// Revision returns the room's revision; 0 when it is not known (the room does not exist,
	// say), and a copy is then never taken as current.
	Revision(ctx context.Context, id mockroom.RoomID) (uint64, error)
}

// Questions resolves a planned question to its full content. Custom questions are private to
// their author, so a room's questions are looked up as the room's owner would see them.
type Questions interface {
	Question(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error)
}

// RoomInfo is what the engine knows of a room from the room service.
type RoomInfo struct {
	ID    mockroom.RoomID
	Kind  mockroom.RoomKind
	Track mockroom.TrackID
	State mockroom.RoomState
	// Owner created the room (empty for peer rooms); custom questions in its plan are the owner's.
	Owner mockroom.UserID
	// AutoAdvance starts the next question when one expires.
	AutoAdvance bool
	// Allowance multiplies the candidate's budgets (1 = none); per-person values set during the
	// session with set_allowance take precedence.
	Allowance    float64
	Questions    []PlannedQuestion
	Halves       []Half // peer rooms: two halves, roles swap at the second
	Participants []Participant
	// Revision is the record's revision when it was read (see Revisions); 0 when the room
	// service does not number its versions.
	Revision uint64
}

// PlannedQuestion is one step of the room's instantiated plan. An empty QuestionID is the
// candidate's own-questions slot (or another slot without bank content): Title names it.
type PlannedQuestion struct {
	QuestionID mockroom.QuestionID
	Title      string
	Category   mockroom.Category
	// The budget before any allowance: Seconds when set, else Minutes.
	Minutes int
	Seconds int
}

// Base is the question's budget before any allowance.
func (q PlannedQuestion) Base() time.Duration { return mockroom.SlotBudget(q.Minutes, q.Seconds) }

// Half is one half of a peer session.
type Half struct {
	Interviewer, Candidate mockroom.UserID
	FirstQuestion          int
	QuestionCount          int
}

// Participant is a member of the room as the room service records it.
type Participant struct {
	UserID      mockroom.UserID
	Role        mockroom.Role
	DisplayName string
}

// Member is a participant as the engine sees them now: in peer rooms the role follows the half.
type Member struct {
	UserID      mockroom.UserID `json:"user_id"`
	Role        mockroom.Role   `json:"role"`
	DisplayName string          `json:"display_name"`
}

// roleOf returns user's current role in info during the given half, ok=false for a stranger.
func roleOf(info RoomInfo, user mockroom.UserID, half int) (Member, bool) {
	for _, p := range info.Participants {
		if p.UserID != user {
			continue
		}
		m := Member(p)
		if half >= 0 && half < len(info.Halves) && p.Role != mockroom.RoleObserver {
			switch user {
			case info.Halves[half].Interviewer:
				m.Role = mockroom.RoleInterviewer
			case info.Halves[half].Candidate:
				m.Role = mockroom.RoleCandidate
			}
		}
		return m, true
	}
	return Member{}, false
}

// candidateOf is the user whose budgets the allowance applies to during half.
func candidateOf(info RoomInfo, half int) mockroom.UserID {
	if half >= 0 && half < len(info.Halves) {
		return info.Halves[half].Candidate
	}
	for _, p := range info.Participants {
		if p.Role == mockroom.RoleCandidate {
			return p.UserID
		}
	}
	return ""
}

// halfOf is the half question index i belongs to (0 for mentor rooms).
func halfOf(info RoomInfo, i int) int {
	if len(info.Halves) == 2 && i >= info.Halves[1].FirstQuestion {
		return 1
	}
	return 0
}
