package feedback

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Store keeps the feedback of rooms. Every method that writes is one atomic step in the room's
// slot; a write answers only once it is in the store.
type Store interface {
	// Record returns everything kept of a room's feedback (empty for none).
	Record(ctx context.Context, id mockroom.RoomID) (RoomRecord, error)
	// SaveDraft replaces the author's draft of form.
	SaveDraft(ctx context.Context, id mockroom.RoomID, form FormRef, d Draft) error
	// Submit stores v as the form's next version: version 1 when !amend (Outcome "already" if
	// the form has one), the next one when amend (Outcome "not_submitted" if it has none). A
	// request id seen before for the form answers its version with Outcome "duplicate" and
	// changes nothing. The draft is cleared. If the room's feedback is already released, the
	// form is released in the same step (Released).
	Submit(ctx context.Context, id mockroom.RoomID, form FormRef, requestID string, amend bool, v Version) (SubmitResult, error)
	// Release marks the room's feedback released (the first reason and time stay) and each of
	// forms that has a version and is not yet released; it answers the record afterwards.
	Release(ctx context.Context, id mockroom.RoomID, reason Reason, at time.Time, forms []FormID) (RoomRecord, error)
	// Rate stores the rating of form by the person it is about, and counts it toward the form
	// author's standing.
	Rate(ctx context.Context, id mockroom.RoomID, form FormRef, r Rating) error
	// Standing is the ratings of the feedback user wrote.
	Standing(ctx context.Context, user mockroom.UserID) (Standing, error)

	// ArmDeadline adds an entry for the room due at due (the same room and time again is one
	// entry).
	ArmDeadline(ctx context.Context, id mockroom.RoomID, due time.Time) error
	// DueDeadlines lists up to max rooms whose entry is due at now.
	DueDeadlines(ctx context.Context, now time.Time, max int) ([]Deadline, error)
	// SettleDeadline removes d's entry (and only it: other entries of the room stay).
	SettleDeadline(ctx context.Context, d Deadline) error

	// UserRooms lists the rooms in which user wrote or was written about.
	UserRooms(ctx context.Context, user mockroom.UserID) ([]mockroom.RoomID, error)
	// EraseUser removes, in one room, user's drafts and the forms about user (with their
	// ratings, also from their authors' standing); forms user wrote about others stay.
	EraseUser(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error
	// EraseStanding removes user's own standing.
	EraseStanding(ctx context.Context, user mockroom.UserID) error
}

// FormRef names a form with who wrote it about whom, which the store keeps beside it so it can
// erase a person's data without the room.
type FormRef struct {
	ID     FormID
	Author mockroom.UserID
	About  mockroom.UserID
}

// SubmitResult is the outcome of Store.Submit.
type SubmitResult struct {
	Outcome  SubmitOutcome
	Version  int
	Released bool
}

// SubmitOutcome says what a submit did.
type SubmitOutcome string

const (
	SubmitStored       SubmitOutcome = "stored"
	SubmitDuplicate    SubmitOutcome = "duplicate"
	SubmitAlready      SubmitOutcome = "already"
	SubmitNotSubmitted SubmitOutcome = "not_submitted"
)

// Deadline is one entry of the release-deadline index: room, to be looked at no later than Due.
type Deadline struct {
	Room mockroom.RoomID
	Due  time.Time
}

// Standing is what peers said of the feedback a person wrote.
type Standing struct {
	User  mockroom.UserID `json:"user_id"`
	Sum   int             `json:"-"`
	Count int             `json:"count"`
}

// Average is the mean rating, ok=false with none.
func (s Standing) Average() (float64, bool) {
	if s.Count == 0 {
		return 0, false
	}
	return float64(s.Sum) / float64(s.Count), true
}

// Rooms reads rooms; *room.Service implements it.
type Rooms interface {
	Get(ctx context.Context, id mockroom.RoomID) (room.Room, error)
}

// Tracks finds a track's rubrics; *bank.Bank implements it.
type Tracks interface {
	Track(id mockroom.TrackID) (*bank.Track, error)
}

// Log is the room's log as feedback uses it: read to validate and offer moments, written to
// tell the room that a form was submitted or released.
type Log interface {
	// Events returns the room's whole log, oldest first.
	Events(ctx context.Context, id mockroom.RoomID) ([]live.Event, error)
	// SecondHalf reports whether a peer room's roles have swapped.
	SecondHalf(ctx context.Context, id mockroom.RoomID) (bool, error)
	// AppendOnce appends ev unless an append with the same once key happened in this room.
	AppendOnce(ctx context.Context, id mockroom.RoomID, once string, ev live.NewEvent) error
}
