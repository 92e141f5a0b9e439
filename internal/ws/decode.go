package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"

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
)

// Limits of individual fields; the frame itself is capped by Config.MaxFrameBytes.
const (
	maxSeq          = 1<<53 - 1 // the largest integer a JavaScript number holds exactly
	maxChatRunes    = 2000
	maxNoteRunes    = 4000
	maxTokenBytes   = 8192
	maxUpdates      = 512
	maxRanges       = 100
	maxExtendSecond = 3600
)

// field describes one field a frame type may carry: whether it must be present and how its raw
// JSON value is checked.
type field struct {
	required bool
	check    func(raw json.RawMessage) error
}

// frameSpecs lists, per client frame type, every field besides "type". "seq" is listed per type
// because presence may omit it.
var frameSpecs = map[string]map[string]field{
	TypeJoin:           {"seq": {true, checkSeq}, "client_id": {true, checkClientID}, "resume": {true, checkResume}},
	TypePing:           {"seq": {true, checkSeq}},
	TypeAuthRefresh:    {"seq": {true, checkSeq}, "access_token": {true, checkString(1, maxTokenBytes, false)}},
	TypePresence:       {"seq": {false, checkSeq}, "selection": {true, checkSelection}},
	TypeEditorPush:     {"seq": {true, checkSeq}, "version": {true, checkUint(0, maxSeq)}, "updates": {true, checkUpdates}},
	TypeEditorLanguage: {"seq": {true, checkSeq}, "language": {true, checkPattern(languageRE)}},
	TypeEditorLock:     {"seq": {true, checkSeq}, "locked": {true, checkBool}},
	TypeChatSend:       {"seq": {true, checkSeq}, "text": {true, checkString(1, maxChatRunes, true)}},
	TypeNoteAdd:        {"seq": {true, checkSeq}, "text": {true, checkString(1, maxNoteRunes, true)}},
	TypeRoomStart:      {"seq": {true, checkSeq}},
	TypeQuestionNext:   {"seq": {true, checkSeq}},
	TypeQuestionSkip:   {"seq": {true, checkSeq}},
	TypeTimerPause:     {"seq": {true, checkSeq}},
	TypeTimerResume:    {"seq": {true, checkSeq}},
	TypeTimerExtend:    {"seq": {true, checkSeq}, "seconds": {true, checkUint(1, maxExtendSecond)}},
	TypeAllowanceSet:   {"seq": {true, checkSeq}, "user_id": {true, checkString(1, 128, false)}, "factor": {true, checkFactor}},
	TypeRoomEnd:        {"seq": {true, checkSeq}},
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

var (
	clientIDRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	languageRE = regexp.MustCompile(`^[a-z0-9+#-]{1,32}$`)
)

// Command is one decoded, validated client frame.
type Command struct {
	Type string
	Seq  uint64 // 0 only for presence frames sent without one
	// Join
	ClientID string
	Resume   *mockroom.Position
	// auth.refresh
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
// Every refusal is a *frameError with a protocol error code.
func DecodeCommand(data []byte) (Command, error) {
	if !utf8.Valid(data) {
		return Command{}, refuse("bad_json", "frame is not valid UTF-8")
	}
	if err := checkDuplicateKeys(data); err != nil {
		return Command{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return Command{}, refuse("bad_json", "frame must be one JSON object")
	}
	var seq uint64
	if raw, ok := fields["seq"]; ok {
		// Read seq first so every later refusal can name the command it refuses.
		if checkSeq(raw) == nil {
			seq, _ = strconv.ParseUint(string(raw), 10, 64)
		}
	}
	withSeq := func(err error) error {
		var fe *frameError
		if errors.As(err, &fe) {
			fe.seq = seq
		}
		return err
	}
	rawType, ok := fields["type"]
	if !ok {
		return Command{}, withSeq(refuse("missing_field", "frame has no \"type\""))
	}
	var typ string
	if err := json.Unmarshal(rawType, &typ); err != nil {
		return Command{}, withSeq(refuse("bad_field", "\"type\" must be a string"))
	}
	spec, ok := frameSpecs[typ]
	if !ok {
		return Command{}, withSeq(refuse("unknown_type", "%q is not a client frame type", typ))
	}
	for name := range fields {
		if _, known := spec[name]; !known && name != "type" {
			return Command{}, withSeq(refuse("unknown_field", "%s frames have no field %q", typ, name))
		}
	}
	names := make([]string, 0, len(spec))
	for name := range spec {
		names = append(names, name)
	}
	sort.Strings(names)
	payload := map[string]json.RawMessage{}
	for _, name := range names {
		raw, present := fields[name]
		if !present {
			if spec[name].required {
				return Command{}, withSeq(refuse("missing_field", "%s frames need %q", typ, name))
			}
			continue
		}
		if err := spec[name].check(raw); err != nil {
			return Command{}, withSeq(refuse("bad_field", "%q: %v", name, err))
		}
		if name != "seq" {
			payload[name] = compact(raw)
		}
	}
	cmd := Command{Type: typ, Seq: seq}
	switch typ {
	case TypeJoin:
		_ = json.Unmarshal(fields["client_id"], &cmd.ClientID)
		if string(bytes.TrimSpace(fields["resume"])) != "null" {
			var p mockroom.Position
			_ = json.Unmarshal(fields["resume"], &p)
			cmd.Resume = &p
		}
	case TypeAuthRefresh:
		_ = json.Unmarshal(fields["access_token"], &cmd.AccessToken)
	}
	// Tokens are credentials: they never travel further as payload (nor into logs).
	if typ != TypeAuthRefresh {
		cmd.Payload, _ = json.Marshal(payload)
	} else {
		cmd.Payload = json.RawMessage(`{}`)
	}
	return cmd, nil
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
	if c.Type == TypeAuthRefresh {
		fields["access_token"], _ = json.Marshal(c.AccessToken)
	}
	out, _ := json.Marshal(fields)
	return out
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// checkDuplicateKeys walks the JSON tokens and refuses an object that names a key twice at any
// depth: encoding/json silently keeps the last one, and two readers of the same frame must never
// disagree on what it says.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkValue(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return refuse("bad_json", "frame has data after the JSON object")
	}
	return nil
}

const maxDepth = 32

func walkValue(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return refuse("bad_json", "frame nests deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return refuse("bad_json", "frame is not valid JSON")
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '{':
		seen := map[string]struct{}{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return refuse("bad_json", "frame is not valid JSON")
			}
			key, _ := keyTok.(string)
			if _, dup := seen[key]; dup {
				return refuse("duplicate_key", "key %q appears twice in one object", key)
			}
			seen[key] = struct{}{}
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return refuse("bad_json", "frame is not valid JSON")
	}
	return nil
}
