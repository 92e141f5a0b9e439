package live

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
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

// DecodeEvent parses an event as the store keeps and publishes it: through decodeStored when it
// has exactly the form the store writes, and encoding/json otherwise.
func DecodeEvent(raw []byte) (Event, error) {
	if ev, ok := decodeStored(raw); ok {
		return ev, nil
	}
	return decodeEventJSON(raw)
}

// decodeEventJSON is DecodeEvent through encoding/json, for any form.
func decodeEventJSON(raw []byte) (Event, error) {
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
	header        string
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
	// Body and header share one allocation: they are made and dropped together.
	b := make([]byte, 0, 112+2*(len(e.ne.Type)+len(e.ne.Actor)+len(e.ne.For))+len(e.data)+len(e.private))
	b = e.appendBody(b)
	n := len(b)
	all := string(e.appendHeader(b))
	e.body, e.header = all[:n], all[n:]
	return e, nil
}

func rawJSON(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	case updateData:
		return encodeUpdateData(v)
	}
	return json.Marshal(v)
}

// Keep is the side copy the event asks for.
func (e EncodedEvent) Keep() Keep { return e.ne.Keep }

// Body renders the event without its position and time, as the tail of a JSON object: the
// appending script writes `{"offset":…,"id":…,"epoch":…,"at":…,` before it. Building the
// final object by concatenation keeps the script free of JSON decoding on the hot path.
func (e EncodedEvent) Body() string { return e.body }

// Header is the event's published header line, newline included (see publishedMark): type,
// flags, actor, the person it is for, and where data and private are in the body, counted from
// its end. Empty when the event cannot take the fast path (an actor or person whose id would
// need escaping in JSON or contains a space); it is then published as its JSON alone.
func (e EncodedEvent) Header() string { return e.header }

// Event is the appended event, once the store has given it a position and time.
func (e EncodedEvent) Event(off mockroom.EventOffset, id, epoch string, at time.Time) Event {
	return Event{
		Offset: off, ID: id, Epoch: epoch, Type: e.ne.Type, At: at, Actor: e.ne.Actor,
		Data: e.data, Private: e.private, InterviewerOnly: e.ne.InterviewerOnly, For: e.ne.For,
	}
}

func (e EncodedEvent) appendBody(buf []byte) []byte {
	buf = append(buf, `"type":`...)
	buf = strconv.AppendQuote(buf, e.ne.Type) // types are fixed ASCII names
	if e.ne.Actor != "" {
		buf = append(buf, `,"actor":`...)
		buf = AppendJSONString(buf, string(e.ne.Actor))
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
		buf = append(buf, `,"for":`...)
		buf = AppendJSONString(buf, string(e.ne.For))
	}
	return append(buf, '}')
}

// The published form of an appended event is a one-line header and the event's JSON as the log
// keeps it:
//
//	#<type> <flags> <actor|-> <for|-> <data end> <data len> <private end> <private len>\n{"offset":…,"id":"…","epoch":"…","at":…,…}
//
// where flags is 1 for an InterviewerOnly event (0 otherwise) and each part's end is its distance
// from the end of the JSON. The header is rendered by the node that appends (EncodedEvent.Header)
// and the script only puts it before the JSON; the offset, id, epoch and time the script assigns
// are read from the JSON's fixed beginning. A node's fan-out takes all it needs from there and
// slices the data and private parts out of the JSON without decoding it.
const publishedMark = '#'

// publishedFallbacks counts headers that did not fit their JSON (a bug if ever non-zero).
var publishedFallbacks atomic.Uint64

// PublishedFallbacks is how many published events this process decoded from their JSON because
// their header did not fit it; always 0 unless the header's writer and reader disagree.
func PublishedFallbacks() uint64 { return publishedFallbacks.Load() }

// appendHeader appends Header, or nothing when the event cannot take the fast path.
func (e EncodedEvent) appendHeader(b []byte) []byte {
	if !plainID(string(e.ne.Actor)) || !plainID(string(e.ne.For)) || !plainID(e.ne.Type) || e.ne.Type == "" {
		return b
	}
	// The body ends with: ,"data":<data>[,"private":<private>][,"io":true][,"for":"<for>"]}
	tail := 1 // the closing brace
	if e.ne.For != "" {
		tail += len(`,"for":""`) + len(e.ne.For)
	}
	if e.ne.InterviewerOnly {
		tail += len(`,"io":true`)
	}
	privEnd, privLen := 0, len(e.private)
	if privLen > 0 {
		privEnd = tail
		tail += privLen + len(`,"private":`)
	}
	dataEnd, dataLen := 0, len(e.data)
	if dataLen > 0 {
		dataEnd = tail
	}
	b = append(b, publishedMark)
	b = append(b, e.ne.Type...)
	if e.ne.InterviewerOnly {
		b = append(b, " 1 "...)
	} else {
		b = append(b, " 0 "...)
	}
	b = appendDash(b, string(e.ne.Actor))
	b = append(b, ' ')
	b = appendDash(b, string(e.ne.For))
	for _, n := range [...]int{dataEnd, dataLen, privEnd, privLen} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, '\n')
}

func appendDash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

// plainID reports whether s is written as itself inside a JSON string and in a header field:
// printable ASCII without space, quote, backslash, HTML-special characters or "-" alone.
func plainID(s string) bool {
	if s == "-" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// DecodePublished reads an event as a node receives it from the bus: the published header
// followed by the event's JSON (see publishedMark), whose data and private parts it slices out
// of raw without decoding them (the Event shares raw's memory: raw must not be modified
// afterwards); or, for anything else (an event published as JSON alone), DecodeEvent.
func DecodePublished(raw []byte) (Event, error) {
	if len(raw) == 0 || raw[0] != publishedMark {
		return DecodeEvent(raw)
	}
	if ev, ok := decodeHeader(raw); ok {
		return ev, nil
	}
	// A header that does not fit its JSON: trust the JSON.
	publishedFallbacks.Add(1)
	if nl := indexByte(raw, '\n'); nl >= 0 {
		return DecodeEvent(raw[nl+1:])
	}
	return Event{}, fmt.Errorf("decode event: a header without an event")
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// peekPosition reads the offset, id and epoch at the fixed beginning of a published event (see
// publishedMark), without decoding or copying anything; ok is false when raw does not start as
// the append script writes it.
func peekPosition(raw []byte) (off mockroom.EventOffset, id, epoch []byte, ok bool) {
	if len(raw) > 0 && raw[0] == publishedMark {
		nl := indexByte(raw, '\n')
		if nl < 0 {
			return 0, nil, nil, false
		}
		raw = raw[nl+1:]
	}
	rest, ok := cutPrefix(raw, `{"offset":`)
	if !ok {
		return 0, nil, nil, false
	}
	i := 0
	for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		if i == 19 { // more digits than an offset has
			return 0, nil, nil, false
		}
		off = off*10 + mockroom.EventOffset(rest[i]-'0')
	}
	if i == 0 {
		return 0, nil, nil, false
	}
	if rest, ok = cutPrefix(rest[i:], `,"id":"`); !ok {
		return 0, nil, nil, false
	}
	if id, rest, ok = cutQuoted(rest); !ok {
		return 0, nil, nil, false
	}
	if rest, ok = cutPrefix(rest, `,"epoch":"`); !ok {
		return 0, nil, nil, false
	}
	if epoch, _, ok = cutQuoted(rest); !ok {
		return 0, nil, nil, false
	}
	return off, id, epoch, true
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

// cutQuoted splits b at its first quote: the bytes before it, and those after the quote.
func cutQuoted(b []byte) (before, after []byte, ok bool) {
	q := indexByte(b, '"')
	if q < 0 {
		return nil, b, false
	}
	return b[:q], b[q+1:], true
}

// decodeHeader is DecodePublished's fast path; ok is false when the header is malformed or
// does not match the JSON after it.
func decodeHeader(raw []byte) (Event, bool) {
	nl := indexByte(raw, '\n')
	if nl < 0 {
		return Event{}, false
	}
	js := raw[nl+1:]
	// The JSON's fixed beginning, as the append script writes it.
	i := 0
	expect := func(lit string) bool {
		if len(js)-i < len(lit) || string(js[i:i+len(lit)]) != lit {
			return false
		}
		i += len(lit)
		return true
	}
	number := func() (int64, bool) {
		from := i
		for i < len(js) && js[i] >= '0' && js[i] <= '9' {
			i++
		}
		v, err := strconv.ParseInt(string(js[from:i]), 10, 64)
		return v, err == nil
	}
	quoted := func() (int, int, bool) { // the bytes up to the next quote
		from := i
		for i < len(js) && js[i] != '"' {
			i++
		}
		return from, i, i < len(js)
	}
	if !expect(`{"offset":`) {
		return Event{}, false
	}
	off, ok1 := number()
	if !ok1 || !expect(`,"id":"`) {
		return Event{}, false
	}
	idFrom, idTo, ok2 := quoted()
	if !ok2 || !expect(`","epoch":"`) {
		return Event{}, false
	}
	epFrom, epTo, ok3 := quoted()
	if !ok3 || !expect(`","at":`) {
		return Event{}, false
	}
	at, ok4 := number()
	if !ok4 || !expect(`,`) {
		return Event{}, false
	}
	// One allocation: the header line and the JSON's beginning, every string a substring of it.
	all := string(raw[1 : nl+1+i])
	h := all[:nl-1]
	base := nl // where js starts in all
	var f [8]string
	n := 0
	for n < len(f)-1 {
		sp := -1
		for k := 0; k < len(h); k++ {
			if h[k] == ' ' {
				sp = k
				break
			}
		}
		if sp < 0 {
			return Event{}, false
		}
		f[n], h = h[:sp], h[sp+1:]
		n++
	}
	f[n] = h
	var nums [4]int64
	for k, s := range f[4:] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return Event{}, false
		}
		nums[k] = v
	}
	if off < 0 || f[0] == "" {
		return Event{}, false
	}
	ev := Event{
		Offset: mockroom.EventOffset(off), ID: all[base+idFrom : base+idTo], Epoch: all[base+epFrom : base+epTo],
		At: time.UnixMilli(at).UTC(), Type: f[0], InterviewerOnly: f[1] == "1",
	}
	if f[2] != "-" {
		ev.Actor = mockroom.UserID(f[2])
	}
	if f[3] != "-" {
		ev.For = mockroom.UserID(f[3])
	}
	var ok bool
	if ev.Data, ok = part(js, nums[0], nums[1], `"data":`); !ok {
		return Event{}, false
	}
	if ev.Private, ok = part(js, nums[2], nums[3], `"private":`); !ok {
		return Event{}, false
	}
	return ev, true
}

// part slices the value of name out of js, ending end bytes before the end and n long; it checks
// that the name precedes it and the value's ends look like a JSON object's.
func part(js []byte, end, n int64, name string) (json.RawMessage, bool) {
	if n == 0 {
		return nil, end == 0
	}
	to := int64(len(js)) - end
	from := to - n
	if from < int64(len(name)) || to > int64(len(js)) || string(js[from-int64(len(name)):from]) != name ||
		js[from] != '{' || js[to-1] != '}' {
		return nil, false
	}
	return json.RawMessage(js[from:to:to]), true
}
