// Package match pairs peers who want to practise: a FIFO queue per track and level, a
// confirmation window in which both must accept, a room with two halves once both have, and the
// bookkeeping for those who do not show up (the one who confirmed goes back to the head of the
// queue; the other's no-show is counted).
//
// A person may name preferred categories when joining. They never decide who is paired with
// whom: a queue per category (or skipping people whose preferences differ) would split a few
// waiting people into many queues of one and leave them all waiting. They travel with the match
// instead and shape the questions of the half in which that person is the candidate (see
// room.Service.CreatePeer).
//
// Every decision that involves two people happens in one atomic store step (see Store), so any
// number of server nodes can share the queues. People waiting for news are woken by a Notifier
// that reaches across nodes; a sweeper goroutine (Service.Run) on every node ends confirmation
// windows and stale queue entries, each exactly once.
package match

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Queue names one queue: a track at a level.
type Queue struct {
	Track mockroom.TrackID    `json:"track"`
	Level mockroom.Difficulty `json:"level"`
}

// Key is the queue's name in a user's queue marker.
func (q Queue) Key() string { return string(q.Track) + "|" + string(q.Level) }

// marker is the value of a person's queue marker: the queue, and a token and time unique to the
// Join that claimed it. The token makes every claim a distinct value, so a compare-and-set
// against it cannot be fooled by another claim of the same queue; the time tells a claim whose
// Join is still on its way (which blocks others) from one whose Join died half-way.
type marker struct {
	Queue Queue
	Token string
	At    time.Time
}

func (m marker) String() string {
	return m.Queue.Key() + "|" + m.Token + "|" + strconv.FormatInt(m.At.UnixMilli(), 10)
}

func parseMarker(v string) (marker, bool) {
	parts := strings.Split(v, "|")
	if len(parts) != 4 || parts[0] == "" || !mockroom.Difficulty(parts[1]).Valid() {
		return marker{}, false
	}
	at, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return marker{}, false
	}
	return marker{Queue: Queue{Track: mockroom.TrackID(parts[0]), Level: mockroom.Difficulty(parts[1])}, Token: parts[2], At: time.UnixMilli(at)}, true
}

// Status is where a person stands.
type Status string

const (
	StatusNone      Status = "none"      // not in any queue
	StatusWaiting   Status = "waiting"   // in the queue
	StatusMatched   Status = "matched"   // paired, confirmation pending
	StatusConfirmed Status = "confirmed" // both confirmed; the room exists
	StatusCancelled Status = "cancelled" // left, declined, or did not confirm in time
	StatusExpired   Status = "expired"   // nobody to pair with before the queue entry ran out
	StatusTimeout   Status = "timeout"   // a wait ended with nothing new (only returned by Wait)
)

// Active reports whether the ticket is still in play.
func (s Status) Active() bool { return s == StatusWaiting || s == StatusMatched }

// Reasons explain a status.
const (
	ReasonLeft         = "left"          // the person left the queue
	ReasonDeclined     = "declined"      // the person left while matched
	ReasonNoShow       = "no_show"       // the person did not confirm in time
	ReasonPeerNoShow   = "peer_no_show"  // back in the queue: the peer did not confirm
	ReasonPeerDeclined = "peer_declined" // back in the queue: the peer declined
	ReasonNoPeer       = "no_peer"       // the entry ran out with nobody to pair with
)

// Ticket is one person's place in a queue.
type Ticket struct {
	ID         string              `json:"ticket"`
	User       mockroom.UserID     `json:"-"`
	Name       string              `json:"-"`
	Guest      bool                `json:"-"`
	Queue      Queue               `json:"queue"`
	Categories []mockroom.Category `json:"categories,omitempty"`
	EnqueuedAt time.Time           `json:"enqueued_at"`
	ExpiresAt  time.Time           `json:"expires_at"`
}

// Entry is a ticket with its current state.
type Entry struct {
	Ticket
	Status  Status
	MatchID string
	Reason  string
}

// Side is one of the two people of a match.
type Side struct {
	User      mockroom.UserID
	Name      string
	Guest     bool
	Confirmed bool
	// Categories are the person's preferred categories, copied from their ticket at pairing.
	Categories []mockroom.Category
}

// Match is two people paired from one queue.
type Match struct {
	ID        string
	Queue     Queue
	RoomID    mockroom.RoomID // chosen at pairing; the room exists once both confirmed
	A, B      Side            // A was waiting longer and interviews first
	Status    Status          // matched (pending), confirmed or cancelled
	ConfirmBy time.Time
}

// Side returns user's side and the other one.
func (m Match) Side(user mockroom.UserID) (me, other Side, ok bool) {
	switch user {
	case m.A.User:
		return m.A, m.B, true
	case m.B.User:
		return m.B, m.A, true
	}
	return Side{}, Side{}, false
}

// SweepResult is what one sweep of a queue did.
type SweepResult struct {
	NoShows  []mockroom.UserID // dropped: did not confirm in time
	Requeued []mockroom.UserID // confirmed, but the peer did not: back at the head of the queue
	Expired  []mockroom.UserID // waited too long with nobody to pair with
}

// Store keeps the queues. Each queue's tickets, matches and deadlines live together, so every
// method on one queue is one atomic step; a person's queue marker lives with the person.
type Store interface {
	// Mark sets user's queue marker to value if it is currently expect ("" = no marker), with a
	// time to live, and reports whether it did. The marker's value is opaque to the store.
	Mark(ctx context.Context, user mockroom.UserID, expect, value string, ttl time.Duration) (bool, error)
	// Marker returns user's marker, "" if none.
	Marker(ctx context.Context, user mockroom.UserID) (string, error)
	// Unmark removes user's marker if it is still expect.
	Unmark(ctx context.Context, user mockroom.UserID, expect string) error
	// TouchMarker sets the marker's time to live, if there is one.
	TouchMarker(ctx context.Context, user mockroom.UserID, ttl time.Duration) error

	// Enqueue adds the ticket at the tail; KindConflict "already_queued" if the user has an
	// active ticket in that queue.
	Enqueue(ctx context.Context, t Ticket) error
	// Pair takes the person at the head of q and the next in line, if there are two, and
	// matches them; each side carries its ticket's categories. When prefer is third in line
	// and joined within TieWindow of the second, prefer is matched instead and the second keeps
	// the head of the line.
	Pair(ctx context.Context, q Queue, id string, roomID mockroom.RoomID, now, confirmBy time.Time, prefer mockroom.UserID) (Match, bool, error)
	// Waiting lists up to n people at the head of q, in order.
	Waiting(ctx context.Context, q Queue, n int) ([]mockroom.UserID, error)
	// Confirm records user's confirmation; when both have confirmed the match is confirmed.
	// KindNotFound "match_not_found", KindConflict "match_cancelled" or "match_expired".
	Confirm(ctx context.Context, q Queue, id string, user mockroom.UserID, now time.Time, keep time.Duration) (Match, error)
	// Leave takes user out of q: a waiting ticket is cancelled; a matched one cancels the match
	// and puts the peer back at the head of the queue (returned as requeued).
	Leave(ctx context.Context, q Queue, user mockroom.UserID, now time.Time, keep time.Duration, requeueUntil time.Time) (requeued mockroom.UserID, err error)
	// Sweep ends what is due in q: confirmation windows that passed, tickets that waited too
	// long, and the records of finished tickets and matches.
	Sweep(ctx context.Context, q Queue, now time.Time, keep time.Duration, requeueUntil time.Time) (SweepResult, error)
	Entry(ctx context.Context, q Queue, user mockroom.UserID) (Entry, bool, error)
	Match(ctx context.Context, q Queue, id string) (Match, bool, error)

	// CountNoShow adds one to the user's no-show count; NoShows reads it.
	CountNoShow(ctx context.Context, user mockroom.UserID) error
	NoShows(ctx context.Context, user mockroom.UserID) (int64, error)
}

// Standings tell how useful peers found the feedback a person wrote; the feedback service
// implements it.
type Standings interface {
	// Helpfulness is the average rating (1–4) of user's feedback and how many ratings it has.
	Helpfulness(ctx context.Context, user mockroom.UserID) (average float64, ratings int, err error)
}

// The helpful-peer tie-break (api/openapi.yaml, joining the queue): the person who waited longest
// is always paired first; their peer is the next in line unless the one after joined within
// TieWindow of them and has a higher standing, counted from MinRatings ratings.
const (
	TieWindow  = 30 * time.Second
	MinRatings = 3
)

// Notifier wakes people waiting for news, on whichever node they wait. A notification is only a
// hint to look again: Wait always re-reads the state, so a lost one delays, never misleads.
type Notifier interface {
	Notify(ctx context.Context, users ...mockroom.UserID) error
	// Watch returns a channel that receives (without blocking the notifier) after each
	// notification for user, and a function to stop watching.
	Watch(user mockroom.UserID) (<-chan struct{}, func())
}

// Rooms creates the room of a confirmed match; *room.Service implements it.
type Rooms interface {
	CreatePeer(ctx context.Context, spec room.PeerSpec) (room.Room, error)
}
