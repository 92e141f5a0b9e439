package live

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Event types. Everything that happens in a room is one of these, appended to the room's log;
// TypePresence alone is ephemeral (published, never stored, Offset 0).
const (
	TypeRoomState       = "room.state"
	TypeJoined          = "participant.joined"
	TypeQuestionStarted = "question.started"
	TypeTimerWarning    = "timer.warning"
	TypeTimerExpired    = "timer.expired"
	TypeTimerPaused     = "timer.paused"
	TypeTimerResumed    = "timer.resumed"
	TypeTimerExtended   = "timer.extended"
	TypeEditorUpdate    = "editor.update"
	TypeEditorReset     = "editor.reset"
	TypeEditorLanguage  = "editor.language"
	TypeEditorLock      = "editor.lock"
	TypeChatMessage     = "chat.message"
	TypeNoteAdded       = "note.added"
	TypeRolesSwapped    = "roles.swapped"
	TypeAllowance       = "allowance.set"
	TypeNamesRevealed   = "names.revealed"
	TypePresence        = "presence"
)

// Event is one entry of a room's log. Data is what everyone in the room may see; Private is the
// interviewer-only part; an InterviewerOnly event goes to the interviewer alone.
type Event struct {
	Offset          mockroom.EventOffset `json:"offset"`
	ID              string               `json:"id"`
	Epoch           string               `json:"epoch"`
	Type            string               `json:"type"`
	At              time.Time            `json:"at"`
	Actor           mockroom.UserID      `json:"actor,omitempty"`
	Data            json.RawMessage      `json:"data,omitempty"`
	Private         json.RawMessage      `json:"private,omitempty"`
	InterviewerOnly bool                 `json:"interviewer_only,omitempty"`
	// For, when set, is the one person the Private part and an InterviewerOnly event are meant
	// for: the author of a note, the interviewer in charge when a peer room's question started.
	// Roles swap at half time in a peer room, so the role a socket has now does not say whether
	// it may see what was written earlier.
	For mockroom.UserID `json:"for,omitempty"`
}

// Position names ev in the log, for resume.
func (ev Event) Position() mockroom.Position {
	return mockroom.Position{Epoch: ev.Epoch, Offset: ev.Offset, EventID: ev.ID}
}

// ForRole returns what a participant in role may receive of ev. Only the interviewer sees
// Private material and InterviewerOnly events; for everyone else Private is removed and an
// InterviewerOnly event is dropped (ok=false). Offsets of dropped events stay unused for that
// role: gaps are expected and never mistaken for loss, because resume checks positions against
// the log itself.
func ForRole(ev Event, role mockroom.Role) (Event, bool) {
	if role.SeesInterviewerMaterial() && ev.For == "" {
		return ev, true
	}
	if ev.InterviewerOnly {
		return Event{}, false
	}
	ev.Private = nil
	return ev, true
}

// Visible returns what user, in role now, may receive of ev: material meant for one person reaches
// that person only, whatever role anyone holds when the event is replayed; everything else
// follows ForRole.
func Visible(ev Event, user mockroom.UserID, role mockroom.Role) (Event, bool) {
	if ev.For != "" && ev.For == user {
		return ev, true
	}
	return ForRole(ev, role)
}

// AudienceKey names the group of receivers that get the same bytes of ev from Visible: everyone
// in a role, except that the one person an event's private part is for is a group alone, and all
// others are one group. Sockets in one group can share an encoded frame.
func AudienceKey(ev Event, user mockroom.UserID, role mockroom.Role) string {
	switch {
	case ev.For == "":
		return string(role)
	case ev.For == user:
		return "for"
	}
	return "not-for"
}

// wireEvent is how an event is stored in the log and published: the time is integer
// milliseconds because the appending script stamps it and Lua cannot format a time.
type wireEvent struct {
	Offset          mockroom.EventOffset `json:"offset"`
	ID              string               `json:"id"`
	Epoch           string               `json:"epoch"`
	At              int64                `json:"at"`
	Type            string               `json:"type"`
	Actor           mockroom.UserID      `json:"actor,omitempty"`
	Data            json.RawMessage      `json:"data,omitempty"`
	Private         json.RawMessage      `json:"private,omitempty"`
	InterviewerOnly bool                 `json:"io,omitempty"`
	For             mockroom.UserID      `json:"for,omitempty"`
}

// DecodeEvent parses an event as the store keeps and publishes it.
func DecodeEvent(raw []byte) (Event, error) {
	var w wireEvent
	if err := json.Unmarshal(raw, &w); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	return Event{
		Offset: w.Offset, ID: w.ID, Epoch: w.Epoch, Type: w.Type, At: time.UnixMilli(w.At).UTC(),
		Actor: w.Actor, Data: w.Data, Private: w.Private, InterviewerOnly: w.InterviewerOnly, For: w.For,
	}, nil
}

// EncodeEvent is DecodeEvent's inverse; the store uses it for ephemeral events it publishes
// without a script.
func EncodeEvent(ev Event) ([]byte, error) {
	return json.Marshal(wireEvent{
		Offset: ev.Offset, ID: ev.ID, Epoch: ev.Epoch, At: ev.At.UnixMilli(), Type: ev.Type,
		Actor: ev.Actor, Data: ev.Data, Private: ev.Private, InterviewerOnly: ev.InterviewerOnly, For: ev.For,
	})
}

// NewEvent is an event about to be appended: the store assigns its position and time.
type NewEvent struct {
	Type            string
	Actor           mockroom.UserID
	Data            any // marshalled to JSON; nil for none
	Private         any
	InterviewerOnly bool
	For             mockroom.UserID // see Event.For
	// Keep names a side list the event is also copied to, so a snapshot need not scan the log.
	Keep Keep
}

// Keep selects the side copy of an appended event.
type Keep string

const (
	KeepNone     Keep = ""
	KeepChat     Keep = "c" // chat history
	KeepNote     Keep = "n" // the interviewer's notes
	KeepQuestion Keep = "q" // the current question (replaces the previous one)
)

// EncodedEvent is a NewEvent with its JSON parts rendered once, for the store to append.
type EncodedEvent struct {
	ne            NewEvent
	body          string
	data, private json.RawMessage
}

// Encode renders ne's JSON parts.
func (ne NewEvent) Encode() (EncodedEvent, error) {
	e := EncodedEvent{ne: ne}
	var err error
	if e.data, err = rawJSON(ne.Data); err != nil {
		return EncodedEvent{}, fmt.Errorf("encode %s event data: %w", ne.Type, err)
	}
	if e.private, err = rawJSON(ne.Private); err != nil {
		return EncodedEvent{}, fmt.Errorf("encode %s event private part: %w", ne.Type, err)
	}
	e.body = e.renderBody()
	return e, nil
}

func rawJSON(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	}
	return json.Marshal(v)
}

// Keep is the side copy the event asks for.
func (e EncodedEvent) Keep() Keep { return e.ne.Keep }

// Body renders the event without its position and time, as the tail of a JSON object: the
// appending script writes `{"offset":…,"id":…,"epoch":…,"at":…,` before it. Building the
// final object by concatenation keeps the script free of JSON decoding on the hot path.
func (e EncodedEvent) Body() string { return e.body }

// Event is the appended event, once the store has given it a position and time.
func (e EncodedEvent) Event(off mockroom.EventOffset, id, epoch string, at time.Time) Event {
	return Event{
		Offset: off, ID: id, Epoch: epoch, Type: e.ne.Type, At: at, Actor: e.ne.Actor,
		Data: e.data, Private: e.private, InterviewerOnly: e.ne.InterviewerOnly, For: e.ne.For,
	}
}

func (e EncodedEvent) renderBody() string {
	buf := make([]byte, 0, 32+len(e.data)+len(e.private))
	buf = append(buf, `"type":`...)
	buf = strconv.AppendQuote(buf, e.ne.Type) // types are fixed ASCII names
	if e.ne.Actor != "" {
		b, _ := json.Marshal(e.ne.Actor)
		buf = append(buf, `,"actor":`...)
		buf = append(buf, b...)
	}
	if e.data != nil {
		buf = append(buf, `,"data":`...)
		buf = append(buf, e.data...)
	}
	if e.private != nil {
		buf = append(buf, `,"private":`...)
		buf = append(buf, e.private...)
	}
	if e.ne.InterviewerOnly {
		buf = append(buf, `,"io":true`...)
	}
	if e.ne.For != "" {
		b, _ := json.Marshal(e.ne.For)
		buf = append(buf, `,"for":`...)
		buf = append(buf, b...)
	}
	buf = append(buf, '}')
	return string(buf)
}
