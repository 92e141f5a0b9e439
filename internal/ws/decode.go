package ws

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Client frame types. Every one is documented in api/protocol.md and has a schema in
// api/schemas/client/.
const (
	TypeJoin           = "join"
	TypePing           = "ping"
	TypeAuthRefresh    = "auth.refresh"
	TypePresence       = "presence"
	TypeEditorPush     = "editor.push"
	TypeEditorLanguage = "editor.language"
	TypeEditorLock     = "editor.lock"
	TypeChatSend       = "chat.send"
	TypeNoteAdd        = "note.add"
	TypeRoomStart      = "room.start"
	TypeQuestionNext   = "question.next"
	TypeQuestionSkip   = "question.skip"
	TypeTimerPause     = "timer.pause"
	TypeTimerResume    = "timer.resume"
	TypeTimerExtend    = "timer.extend"
	TypeAllowanceSet   = "allowance.set"
	TypeRoomEnd        = "room.end"
	TypeRunStart       = "run.start"
	TypeRunFinish      = "run.finish"
	TypeRunShare       = "run.share"
)

// Limits of individual fields; the frame itself is capped by Config.MaxFrameBytes.
const (
	maxSeq = 1<<53 - 1 // the largest integer a JavaScript number holds exactly
	// Chat and note texts are judged by the engine (mockroom.CheckText), which counts UTF-16
	// units; the decoder only bounds them by the frame.
	maxTextRunes     = 64 << 10
	maxTokenBytes    = 8192
	maxUpdates       = 512
	maxClientIDChars = 64
	maxRanges        = 100
	maxExtendSecond  = 3600
	maxQuestions     = 1000
)

// field describes one field a frame type may carry: whether it must be present and how its raw
// JSON value is checked.
type field struct {
	name     string
	required bool
	check    func(raw []byte) error
}

// frameSpecs lists, per client frame type, every field besides "type", sorted by name: the
// order in which they are checked and written into the payload. "seq" is listed per type because
// presence may omit it.
var frameSpecs = map[string][]field{
	TypeJoin: {{"access_token", false, checkString(1, maxTokenBytes, false)}, {"client_id", true, checkClientID},
		{"resume", true, checkResume}, {"seq", true, checkSeq}},
	TypePing:           {{"seq", true, checkSeq}},
	TypeAuthRefresh:    {{"access_token", true, checkString(1, maxTokenBytes, false)}, {"seq", true, checkSeq}},
	TypePresence:       {{"selection", true, checkSelection}, {"seq", false, checkSeq}},
	TypeEditorPush:     {{"seq", true, checkSeq}, {"updates", true, checkUpdates}, {"version", true, checkUint(0, maxSeq)}},
	TypeEditorLanguage: {{"language", true, checkLanguage}, {"seq", true, checkSeq}},
	TypeEditorLock:     {{"locked", true, checkBool}, {"seq", true, checkSeq}},
	TypeChatSend:       {{"seq", true, checkSeq}, {"text", true, checkString(0, maxTextRunes, true)}},
	TypeNoteAdd:        {{"seq", true, checkSeq}, {"text", true, checkString(0, maxTextRunes, true)}},
	TypeRoomStart:      {{"seq", true, checkSeq}},
	TypeQuestionNext:   {{"seq", true, checkSeq}},
	TypeQuestionSkip:   {{"seq", true, checkSeq}},
	TypeTimerPause:     {{"seq", true, checkSeq}},
	TypeTimerResume:    {{"seq", true, checkSeq}},
	TypeTimerExtend:    {{"seconds", true, checkUint(1, maxExtendSecond)}, {"seq", true, checkSeq}},
	TypeAllowanceSet:   {{"factor", true, checkFactor}, {"seq", true, checkSeq}, {"user_id", true, checkString(1, 128, false)}},
	TypeRoomEnd:        {{"seq", true, checkSeq}},
	// The engine checks run reports against the room (live.MaxRunOutputBytes and the rest); here
	// only their shape, and sizes the frame limit would cut anyway.
	TypeRunStart: {{"kind", false, checkRunKind}, {"private", false, checkBool}, {"question_index", true, checkUint(0, maxQuestions)},
		{"run_id", true, checkRunID}, {"seq", true, checkSeq}, {"version", true, checkUint(0, maxSeq)}},
	TypeRunFinish: {{"duration_ms", true, checkUint(0, live.MaxRunDurationMS)}, {"output", true, checkString(0, 64<<10, false)},
		{"run_id", true, checkRunID}, {"seq", true, checkSeq}, {"status", true, checkRunStatus}, {"tests", false, checkRunTests}, {"truncated", false, checkBool}},
	TypeRunShare: {{"run_id", true, checkRunID}, {"seq", true, checkSeq}},
}

// ClientTypes returns every client frame type, sorted.
func ClientTypes() []string {
	out := make([]string, 0, len(frameSpecs))
	for t := range frameSpecs {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Command is one decoded, validated client frame.
type Command struct {
	Type string
	Seq  uint64 // 0 only for presence frames sent without one
	// Join
	ClientID string
	Resume   *mockroom.Position
	// auth.refresh, and a join on a socket opened to authenticate in its join (Server.AcceptJoinAuth)
	AccessToken string
	// Payload holds every field besides type and seq as a JSON object with sorted keys: what the
	// engine receives as the command's data.
	Payload json.RawMessage
}

// frameError is a refusal of one frame; it becomes an error frame and changes nothing.
type frameError struct {
	code    string
	message string
	seq     uint64 // 0 when the frame could not be read far enough to know it
}

func (e *frameError) Error() string { return e.code + ": " + e.message }

func refuse(code, format string, args ...any) *frameError {
	return &frameError{code: code, message: fmt.Sprintf(format, args...)}
}

// DecodeCommand reads one text frame strictly. The caller has already checked UTF-8 and size.
// Every refusal is a *frameError with a protocol error code. The frame is read once by the
// scanner; the fields are then checked in their spans, in name order, so the refusal a frame
// gets does not depend on the order of its fields.
func DecodeCommand(data []byte) (Command, error) {
	if !utf8.Valid(data) {
		return Command{}, refuse("bad_json", "frame is not valid UTF-8")
	}
	sc := scanners.Get().(*scanner)
	defer sc.release()
	fields, isObject, ferr := sc.scanFrame(data)
	if ferr != nil {
		return Command{}, ferr
	}
	if !isObject {
		return Command{}, refuse("bad_json", "frame must be one JSON object")
	}
	get := func(name string) ([]byte, bool) {
		for _, m := range fields {
			if string(m.key) == name {
				return m.raw, true
			}
		}
		return nil, false
	}
	var seq uint64
	if raw, ok := get("seq"); ok {
		// Read seq first so every later refusal can name the command it refuses.
		if checkSeq(raw) == nil {
			seq, _ = parseUint(raw)
		}
	}
	withSeq := func(fe *frameError) error {
		fe.seq = seq
		return fe
	}
	rawType, ok := get("type")
	if !ok {
		return Command{}, withSeq(refuse("missing_field", "frame has no \"type\""))
	}
	var typ string
	if string(rawType) != "null" { // null reads as "", which no frame type is
		if typ, ok = stringValue(rawType); !ok {
			return Command{}, withSeq(refuse("bad_field", "\"type\" must be a string"))
		}
	}
	spec, ok := frameSpecs[typ]
	if !ok {
		return Command{}, withSeq(refuse("unknown_type", "%q is not a client frame type", typ))
	}
	for _, m := range fields {
		if string(m.key) != "type" && !specHas(spec, m.key) {
			return Command{}, withSeq(refuse("unknown_field", "%s frames have no field %q", typ, m.key))
		}
	}
	// The payload is every field besides type and seq, as a JSON object with sorted keys and
	// compact values, written as encoding/json would write it.
	payload := make([]byte, 0, len(data)+2)
	payload = append(payload, '{')
	for _, f := range spec {
		raw, present := get(f.name)
		if !present {
			if f.required {
				return Command{}, withSeq(refuse("missing_field", "%s frames need %q", typ, f.name))
			}
			continue
		}
		if err := f.check(raw); err != nil {
			return Command{}, withSeq(refuse("bad_field", "%q: %v", f.name, err))
		}
		// Tokens are credentials: they never travel further as payload (nor into logs).
		if f.name != "seq" && f.name != "access_token" {
			if len(payload) > 1 {
				payload = append(payload, ',')
			}
			payload = append(payload, '"')
			payload = append(payload, f.name...)
			payload = append(payload, '"', ':')
			payload = appendCompact(payload, raw)
		}
	}
	payload = append(payload, '}')
	cmd := Command{Type: typ, Seq: seq, Payload: payload}
	switch typ {
	case TypeJoin:
		raw, _ := get("client_id")
		cmd.ClientID, _ = stringValue(raw)
		raw, _ = get("access_token")
		cmd.AccessToken, _ = stringValue(raw)
		if raw, _ := get("resume"); string(raw) != "null" {
			var v [3][]byte
			_ = strictMembers(raw, positionFields, v[:])
			p := &mockroom.Position{}
			p.Epoch, _ = stringValue(v[0])
			off, _ := parseUint(v[1])
			p.Offset = mockroom.EventOffset(off)
			p.EventID, _ = stringValue(v[2])
			cmd.Resume = p
		}
	case TypeAuthRefresh:
		raw, _ := get("access_token")
		cmd.AccessToken, _ = stringValue(raw)
	}
	return cmd, nil
}

func specHas(spec []field, name []byte) bool {
	for _, f := range spec {
		if f.name == string(name) {
			return true
		}
	}
	return false
}

// Encode writes the command back as a client frame; DecodeCommand(c.Encode()) gives c again.
func (c Command) Encode() []byte {
	fields := map[string]json.RawMessage{}
	if len(c.Payload) > 0 {
		_ = json.Unmarshal(c.Payload, &fields)
	}
	fields["type"], _ = json.Marshal(c.Type)
	if c.Seq != 0 {
		fields["seq"] = json.RawMessage(strconv.FormatUint(c.Seq, 10))
	}
	if c.AccessToken != "" {
		fields["access_token"], _ = json.Marshal(c.AccessToken)
	}
	out, _ := json.Marshal(fields)
	return out
}

// appendCompact appends the scanned JSON value raw without insignificant whitespace and with
// <, >, &, U+2028 and U+2029 escaped inside strings: byte for byte what encoding/json writes for
// a json.RawMessage, so payloads read the same as they always have.
func appendCompact(dst, raw []byte) []byte {
	const hex = "0123456789abcdef"
	inString := false
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch {
			case c == '\\':
				i++
			case c == '"':
				inString = false
			case c == '<' || c == '>' || c == '&':
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[raw[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, raw[start:i]...)
			start = i + 1
		}
	}
	return append(dst, raw[start:]...)
}
