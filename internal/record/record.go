package record

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// SchemaVersion is the version of the record's JSON shape (SessionRecord in api/openapi.yaml).
// Version 2 added each question's own document: reset edits in Edits and each question's range
// of them (EditFrom, EditTo).
const SchemaVersion = 2

// DeletedName is how a person whose account was deleted appears in other people's records.
const DeletedName = "deleted user"

// Record is one finished session as one reader may see it.
type Record struct {
	Schema    int                `json:"schema"`
	RoomID    mockroom.RoomID    `json:"room_id"`
	Kind      mockroom.RoomKind  `json:"kind"`
	Track     mockroom.TrackID   `json:"track"`
	Title     string             `json:"title"`
	PlanID    string             `json:"plan_id,omitempty"`
	State     mockroom.RoomState `json:"state"`
	StartedAt time.Time          `json:"started_at,omitzero"`
	EndedAt   time.Time          `json:"ended_at,omitzero"`
	// DurationMS is from the session going live to its end (wrap-up), or to its last event.
	DurationMS int64 `json:"duration_ms"`
	// Reader is who this record was built for, with the roles they held.
	Reader       Reader   `json:"reader"`
	Participants []Person `json:"participants"`
	// Questions are the questions actually asked, in the order they were started.
	Questions []Part `json:"questions"`
	// Timeline is everything that happened, by log offset, except editor updates (see Edits).
	Timeline []Entry `json:"timeline"`
	// Edits are the editor's steps, one per accepted update and one per reset (a question's new
	// document replacing the old one); the document after edit i is at version i+1. Replaying
	// them from the empty document gives Final, and the ones up to a question's EditTo give
	// that question's Code.
	Edits []Edit `json:"edits"`
	// Final is the document when the session ended.
	Final Code `json:"final"`
	// Feedback is the forms the reader may read: those they wrote (their versions, no draft)
	// and those about them once released.
	Feedback []feedback.Form `json:"feedback"`
	// LastOffset is the offset of the last event of the log.
	LastOffset mockroom.EventOffset `json:"last_offset"`
}

// Reader is the person a record is built for.
type Reader struct {
	UserID mockroom.UserID `json:"user_id"`
	// Roles are every role the reader held (both in a peer room).
	Roles []mockroom.Role `json:"roles"`
}

// Person is one participant as the reader may name them.
type Person struct {
	UserID mockroom.UserID `json:"user_id"`
	Name   string          `json:"name"`
	Role   mockroom.Role   `json:"role"`
	// Deleted is set for a person whose account was deleted.
	Deleted bool `json:"deleted,omitempty"`
}

// Part is one question as it was asked.
type Part struct {
	Index       int               `json:"index"`
	Title       string            `json:"title"`
	Category    mockroom.Category `json:"category"`
	Interviewer mockroom.UserID   `json:"interviewer,omitempty"`
	Candidate   mockroom.UserID   `json:"candidate,omitempty"`
	StartedAt   time.Time         `json:"started_at"`
	EndedAt     time.Time         `json:"ended_at"`
	// StartOffset is the question.started event; EndOffset the last event of the question.
	StartOffset mockroom.EventOffset `json:"start_offset"`
	EndOffset   mockroom.EventOffset `json:"end_offset"`
	// BudgetMS is the time given (allowance included) plus every extension.
	BudgetMS   int64 `json:"budget_ms"`
	ExtendedMS int64 `json:"extended_ms"`
	PausedMS   int64 `json:"paused_ms"`
	// UsedMS is the time the question ran: its span less its pauses.
	UsedMS   int64 `json:"used_ms"`
	Warnings int   `json:"warnings"`
	Expired  bool  `json:"expired"`
	// Code is the question's document when the question ended.
	Code Code `json:"code"`
	// EditFrom and EditTo delimit the question's edits: Edits[EditFrom:EditTo], starting with
	// the reset that gave the question its document.
	EditFrom int `json:"edit_from"`
	EditTo   int `json:"edit_to"`
}

// Entry is one line of the timeline.
type Entry struct {
	Offset mockroom.EventOffset `json:"offset"`
	At     time.Time            `json:"at"`
	// Kind is state, joined, question, timer, chat, note, roles, language, lock, allowance,
	// names, feedback or run.
	Kind string `json:"kind"`
	// Type is the log event's type.
	Type  string          `json:"type"`
	Actor mockroom.UserID `json:"actor,omitempty"`
	// Question is the index of the question running, -1 before the first.
	Question int `json:"question"`
	// Text says what happened, in words (a chat line or note: its text).
	Text string `json:"text"`
	// Run describes the code run of a run entry.
	Run *RunEntry `json:"run,omitempty"`
}

// RunEntry is a code run on the timeline: its start, its end, or an interviewer's private run
// shown to the room.
type RunEntry struct {
	RunID string `json:"run_id"`
	// RanBy is who ran the code.
	RanBy mockroom.UserID `json:"ran_by"`
	// Version is the editor version whose text ran.
	Version int `json:"version"`
	// Status is ok, error, timeout or cancelled once the run finished; empty at its start.
	Status string `json:"status,omitempty"`
	// Output is the first lines of what the run printed (at most RunOutputLines lines).
	Output string `json:"output,omitempty"`
	// Private is true for an interviewer's run that only they see.
	Private bool `json:"private,omitempty"`
}

// RunOutputLines is how many lines of a run's output its timeline entry keeps.
const RunOutputLines = 3

// Edit is one accepted editor update, or a reset.
type Edit struct {
	Offset mockroom.EventOffset `json:"offset"`
	At     time.Time            `json:"at"`
	// Author typed the update; for a reset, who started the question (empty for the server).
	Author mockroom.UserID `json:"author,omitempty"`
	// Changes is the change set as the editor sent it (CodeMirror's ChangeSet JSON); absent for
	// a reset.
	Changes json.RawMessage `json:"changes,omitempty"`
	// Reset is set when this step replaced the whole document by Text: a question started.
	Reset bool   `json:"reset,omitempty"`
	Text  string `json:"text,omitempty"`
}

// Code is a document at some moment.
type Code struct {
	Text     string `json:"text"`
	Language string `json:"language"`
	Version  int    `json:"version"`
}

// Input is what a record is built from.
type Input struct {
	// Room is the room as the reader may see it (pseudonyms in a peer room until revealed).
	Room room.Room
	// Events is the room's whole log, oldest first, unfiltered.
	Events []live.Event
	// Feedback is the forms the reader may read.
	Feedback []feedback.Form
	Reader   mockroom.UserID
}

// visible reports whether reader may see ev at all, and strips what is not for them: material
// meant for one person reaches that person only, whatever role anyone held.
func visible(ev live.Event, reader mockroom.UserID, sharedNotes bool, shared []mockroom.UserID) (live.Event, bool) {
	if ev.For != "" && ev.For == reader {
		return ev, true
	}
	if sharedNotes && ev.Type == live.TypeNoteAdded && ev.For != "" && slices.Contains(shared, ev.For) {
		return ev, true
	}
	if ev.InterviewerOnly {
		return live.Event{}, false
	}
	ev.Private = nil
	return ev, true
}

// newDoc is the empty document every session starts from.
func newDoc() *editor.Doc {
	d, err := editor.NewDoc(editor.Snapshot{}, editor.Limits{})
	if err != nil {
		panic(err) // the empty snapshot is always valid
	}
	return d
}

func codeOf(d *editor.Doc) Code {
	s := d.Snapshot()
	return Code{Text: s.Text, Language: string(s.Language), Version: s.Version}
}
