package live

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Store is the room log and live state, implemented by the Redis adapter. Every method that
// writes is one atomic step in the room's slot.
//
// Retention is the store's own business, decided by the phase the state holds: a room still
// waiting (never started) may be dropped some time after its last write, so an abandoned room
// leaves nothing behind; the append that starts the room makes everything it holds permanent,
// in the same step, because from then on it is the session's record.
type Store interface {
	// Append checks req's conditions against the room's live state, records (ClientID, Seq),
	// sets fields, appends the events with fresh offsets and publishes them, all at once.
	// A condition that fails returns a *ConflictError and changes nothing.
	Append(ctx context.Context, room mockroom.RoomID, req AppendRequest) (AppendResult, error)
	// Seen looks up (client, seq) in the idempotency record without changing anything: ok is
	// set, with the result Append gave, when the command was applied already (Head is zero
	// when seq is older than the client's last command).
	Seen(ctx context.Context, room mockroom.RoomID, client string, seq uint64) (res AppendResult, ok bool, err error)
	// State returns the room's live state fields (empty for a room with no log yet).
	State(ctx context.Context, room mockroom.RoomID) (State, error)
	// Read returns the head of the log and up to max events from offset from (inclusive).
	Read(ctx context.Context, room mockroom.RoomID, from mockroom.EventOffset, max int) (head mockroom.Position, events []Event, err error)
	// View reads, atomically, what a snapshot needs: state, the materialised document, the log
	// tail after it, chat, notes (if withNotes) and presence.
	View(ctx context.Context, room mockroom.RoomID, withNotes bool) (View, error)
	// SaveDoc materialises the document unless a newer version is already stored.
	SaveDoc(ctx context.Context, room mockroom.RoomID, doc DocSnapshot) error
	// Publish sends an ephemeral event to the room's channel without storing it.
	Publish(ctx context.Context, room mockroom.RoomID, ev Event) error
	// SetPresence renews (online) or releases node's lease on user's presence in room; a lease
	// holds until until. changed reports that user came online (no lease of any node held at
	// now before a renewal) or went offline (none holds after a release). announce, if set (an
	// ephemeral event), is published to the room's channel in the same step as the change: on a
	// renewal always, on a release only when user went offline; so two nodes' announcements
	// of one person reach the room in the order of the changes they tell.
	SetPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, node string, online bool, until, now time.Time, announce *Event) (changed bool, err error)
	// AnnouncePresence publishes announce, which says user came back online (online) or went
	// offline, as a renewal found (RenewPresence's Back and Gone), unless the room's leases
	// say otherwise at now: another node may have taken the person on, or released them, and
	// announced it, since the renewal. said reports whether it was published.
	AnnouncePresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, online bool, now time.Time, announce Event) (said bool, err error)
	// RenewPresence runs one renewal per room of rooms: it renews node's lease on each of the
	// room's Users until until (as SetPresence would), and removes the room's leases that ran
	// out by now. changes[i] answers rooms[i]: Back lists the renewed people who came online (no
	// lease of any node held them at now before), Gone the people no lease holds any more, each
	// handed to exactly one caller. A room with no Users is only looked at for leases that ran
	// out. The rooms go to the store together, in a few round trips; a room whose renewal failed
	// reads no change, and the first failure is returned.
	RenewPresence(ctx context.Context, node string, rooms []RoomLeases, until, now time.Time) (changes []PresenceChange, err error)
	// Enter is a socket's join in one atomic step: unless the room's state is in another half
	// than req.Half (then it writes nothing and reports Stale), it appends req.First if the
	// state field req.FirstUnless (when given) is empty (as Append would; a ConflictError is not returned:
	// the first join was recorded meanwhile), takes req.Lease (as SetPresence would renew it)
	// and reads what req.Read asks for (as View or Read would).
	Enter(ctx context.Context, room mockroom.RoomID, req EnterRequest) (EnterResult, error)

	// ArmTimer makes sure timer generation gen of room is looked at no later than due.
	ArmTimer(ctx context.Context, ref TimerRef) error
	// DueTimers lists up to max timer references of one shard due at or before now.
	DueTimers(ctx context.Context, shard int, now time.Time, max int) ([]TimerRef, error)
	// Fire fires every scheduled item of generation ref.Gen due at now, exactly once.
	Fire(ctx context.Context, ref TimerRef, now time.Time) (FireResult, error)
	// Settle replaces ref in its shard by next (if next.Room is set) and removes ref.
	Settle(ctx context.Context, ref TimerRef, next TimerRef) error
	// TimerShards is the number of due-set shards.
	TimerShards() int
}

// RoomLeases names the people of one room whose presence a node holds.
type RoomLeases struct {
	Room  mockroom.RoomID
	Users []mockroom.UserID
}

// EnterRequest is a socket's join as Store.Enter takes it.
type EnterRequest struct {
	// Half is the half First's role was worked out for.
	Half int
	// First records the person's first join; FirstUnless is the state field that says it is
	// recorded (First sets it). With FirstUnless empty, First is not looked at: the caller
	// knows the first join is recorded.
	First       AppendRequest
	FirstUnless string
	// Lease, if set, is the lease on User's presence this node takes.
	Lease *EnterLease
	Read  EnterRead
}

// EnterLease is a lease Store.Enter takes, as SetPresence(room, User, Node, true, Until, Now,
// Announce) would.
type EnterLease struct {
	User       mockroom.UserID
	Node       string
	Until, Now time.Time
	Announce   *Event
}

// EnterRead is what Store.Enter reads once the person is in: nothing, the View (with the
// notes if WithNotes), or the Log from From, at most Max events, as Read would.
type EnterRead struct {
	View, WithNotes bool
	Log             bool
	From            mockroom.EventOffset
	Max             int
}

// EnterResult is what Store.Enter did and read.
type EnterResult struct {
	// Stale is set, with the room's Half, when the state was in another half: nothing was done.
	Stale bool
	Half  int
	// CameOnline is SetPresence's changed, for the lease.
	CameOnline bool
	// View is set for EnterRead.View; Head and Events for EnterRead.Log.
	View   View
	Head   mockroom.Position
	Events []Event
}

// PresenceChange is what one room's renewal changed: who came back online, who is gone.
type PresenceChange struct {
	Back, Gone []mockroom.UserID
}

// AppendRequest is one command's atomic effect.
type AppendRequest struct {
	ClientID string
	Seq      uint64
	Now      time.Time
	// Checks must all hold or nothing happens.
	Checks []Check
	// WhileOpen refuses the command once the session is over, as if it checked that the phase
	// is neither wrap_up nor closed (a ConflictError on FieldPhase with the phase) and that the
	// room was not closed (a ConflictError on the closed field, "1"), after its equality checks
	// and before its difference checks. Most commands need it; as one flag it costs the store
	// less than those three checks.
	WhileOpen bool
	// Set are state fields written when the checks hold.
	Set []FieldValue
	// Events are appended in order.
	Events []NewEvent
}

// Check is one condition on a state field. Missing fields read as "".
type Check struct {
	Field string
	Value string
	// Not inverts the check: the field must differ from Value.
	Not bool
}

// FieldValue is a state field to write.
type FieldValue struct{ Field, Value string }

// AppendResult is the outcome of Append.
type AppendResult struct {
	// Events as appended, with offsets, ids and time.
	Events []Event
	// Head is the position of the last appended event.
	Head mockroom.Position
	// Duplicate is set when (ClientID, Seq) was seen before; Head is then the original head
	// if Seq was the client's last command, zero if it was older.
	Duplicate bool
}

// ConflictError reports the first failed check of an Append.
type ConflictError struct {
	Field  string
	Actual string
}

func (e *ConflictError) Error() string {
	return "live state conflict on " + e.Field + " (is " + e.Actual + ")"
}

// TimerRef is one entry of the sharded timer index: room's timer generation Gen, to be looked at
// no later than Due.
type TimerRef struct {
	Room mockroom.RoomID
	Gen  int64
	Due  time.Time
}

// FireResult says what Fire did and what is pending now.
type FireResult struct {
	// Fired are the events appended.
	Fired []Event
	// Next is the room's pending timer after the call; zero Room when nothing is pending.
	Next TimerRef
	// Advance is set when the expired question must be followed by the next one (auto-advance):
	// the caller performs it with a generation check, so it also happens exactly once.
	Advance bool
}

// View is what a snapshot is built from.
type View struct {
	State    State
	Doc      DocSnapshot
	Tail     []Event // editor events after Doc.Offset
	Chat     []Event
	Notes    []Event
	Presence map[mockroom.UserID]time.Time // online until
}

// DocSnapshot is the materialised document at a log offset.
type DocSnapshot struct {
	Text    string
	Version int
	// Base is the version at which this document was started by an editor.reset (0 before the
	// first); pushes against older versions are refused with doc_replaced.
	Base     int
	Language string
	Offset   mockroom.EventOffset
}
