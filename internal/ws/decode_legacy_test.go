package ws

// The decoder as it was before the single-pass scanner, kept verbatim (renamed) as the reference
// for the differential tests: whatever the scanner accepts, this accepts as the same command,
// and whatever this refuses, the scanner refuses with the same code.

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

// legacyField describes one legacyField a frame type may carry: whether it must be present and how its raw
// JSON value is checked.
type legacyField struct {
	required bool
	check    func(raw json.RawMessage) error
}

// legacyFrameSpecs lists, per client frame type, every legacyField besides "type". "seq" is listed per type
// because presence may omit it.
var legacyFrameSpecs = map[string]map[string]legacyField{
	TypeJoin:           {"seq": {true, legacyCheckSeq}, "client_id": {true, legacyCheckClientID}, "resume": {true, legacyCheckResume}},
	TypePing:           {"seq": {true, legacyCheckSeq}},
	TypeAuthRefresh:    {"seq": {true, legacyCheckSeq}, "access_token": {true, legacyCheckString(1, maxTokenBytes, false)}},
	TypePresence:       {"seq": {false, legacyCheckSeq}, "selection": {true, legacyCheckSelection}},
	TypeEditorPush:     {"seq": {true, legacyCheckSeq}, "version": {true, legacyCheckUint(0, maxSeq)}, "updates": {true, legacyCheckUpdates}},
	TypeEditorLanguage: {"seq": {true, legacyCheckSeq}, "language": {true, legacyCheckPattern(legacyLanguageRE)}},
	TypeEditorLock:     {"seq": {true, legacyCheckSeq}, "locked": {true, legacyCheckBool}},
	TypeChatSend:       {"seq": {true, legacyCheckSeq}, "text": {true, legacyCheckString(0, maxTextRunes, true)}},
	TypeNoteAdd:        {"seq": {true, legacyCheckSeq}, "text": {true, legacyCheckString(0, maxTextRunes, true)}},
	TypeRoomStart:      {"seq": {true, legacyCheckSeq}},
	TypeQuestionNext:   {"seq": {true, legacyCheckSeq}},
	TypeQuestionSkip:   {"seq": {true, legacyCheckSeq}},
	TypeTimerPause:     {"seq": {true, legacyCheckSeq}},
	TypeTimerResume:    {"seq": {true, legacyCheckSeq}},
	TypeTimerExtend:    {"seq": {true, legacyCheckSeq}, "seconds": {true, legacyCheckUint(1, maxExtendSecond)}},
	TypeAllowanceSet:   {"seq": {true, legacyCheckSeq}, "user_id": {true, legacyCheckString(1, 128, false)}, "factor": {true, legacyCheckFactor}},
	TypeRoomEnd:        {"seq": {true, legacyCheckSeq}},
}

var (
	legacyClientIDRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	legacyLanguageRE = regexp.MustCompile(`^[a-z0-9+#-]{1,32}$`)
)

// legacyDecodeCommand reads one text frame strictly. The caller has already checked UTF-8 and size.
// Every refusal is a *frameError with a protocol error code.
func legacyDecodeCommand(data []byte) (Command, error) {
	if !utf8.Valid(data) {
		return Command{}, refuse("bad_json", "frame is not valid UTF-8")
	}
	if err := legacyCheckDuplicateKeys(data); err != nil {
		return Command{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return Command{}, refuse("bad_json", "frame must be one JSON object")
	}
	var seq uint64
	if raw, ok := fields["seq"]; ok {
		// Read seq first so every later refusal can name the command it refuses.
		if legacyCheckSeq(raw) == nil {
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
	spec, ok := legacyFrameSpecs[typ]
	if !ok {
		return Command{}, withSeq(refuse("unknown_type", "%q is not a client frame type", typ))
	}
	for name := range fields {
		if _, known := spec[name]; !known && name != "type" {
			return Command{}, withSeq(refuse("unknown_field", "%s frames have no legacyField %q", typ, name))
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
		// Tokens are credentials: they never travel further as payload (nor into logs).
		if name != "seq" && name != "access_token" {
			payload[name] = legacyCompact(raw)
		}
	}
	cmd := Command{Type: typ, Seq: seq}
	switch typ {
	case TypeJoin:
		_ = json.Unmarshal(fields["client_id"], &cmd.ClientID)
		_ = json.Unmarshal(fields["access_token"], &cmd.AccessToken)
		if string(bytes.TrimSpace(fields["resume"])) != "null" {
			var p mockroom.Position
			_ = json.Unmarshal(fields["resume"], &p)
			cmd.Resume = &p
		}
	case TypeAuthRefresh:
		_ = json.Unmarshal(fields["access_token"], &cmd.AccessToken)
	}
	cmd.Payload, _ = json.Marshal(payload)
	return cmd, nil
}

func legacyCompact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// legacyCheckDuplicateKeys walks the JSON tokens and refuses an object that names a key twice at any
// depth: encoding/json silently keeps the last one, and two readers of the same frame must never
// disagree on what it says.
func legacyCheckDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := legacyWalkValue(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return refuse("bad_json", "frame has data after the JSON object")
	}
	return nil
}

const legacyMaxDepth = 32

func legacyWalkValue(dec *json.Decoder, depth int) error {
	if depth > legacyMaxDepth {
		return refuse("bad_json", "frame nests deeper than %d levels", legacyMaxDepth)
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
			if err := legacyWalkValue(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := legacyWalkValue(dec, depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return refuse("bad_json", "frame is not valid JSON")
	}
	return nil
}

func legacyCheckSeq(raw json.RawMessage) error { return legacyCheckUint(1, maxSeq)(raw) }

func legacyCheckUint(lo, hi uint64) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		n, err := legacyParseUint(raw)
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d", lo, hi)
		}
		return nil
	}
}

func legacyParseUint(raw json.RawMessage) (uint64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || len(s) > 20 {
		return 0, errors.New("must be a non-negative integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("must be a non-negative integer")
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("must be a non-negative integer")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errors.New("must be a non-negative integer")
	}
	return n, nil
}

func legacyCheckBool(raw json.RawMessage) error {
	var b bool
	if s := string(bytes.TrimSpace(raw)); s != "true" && s != "false" {
		return errors.New("must be true or false")
	}
	return json.Unmarshal(raw, &b)
}

func legacyDecodeString(raw json.RawMessage) (string, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' {
		return "", errors.New("must be a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, nil
}

// legacyCheckString bounds a string's length, in runes when runes is set (what a person typed) and in
// bytes otherwise (identifiers and tokens).
func legacyCheckString(lo, hi int, runes bool) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		s, err := legacyDecodeString(raw)
		if err != nil {
			return err
		}
		n := len(s)
		if runes {
			n = utf8.RuneCountInString(s)
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be %d to %d characters long", lo, hi)
		}
		if !utf8.ValidString(s) {
			return errors.New("must be valid UTF-8 (no lone surrogates)")
		}
		return nil
	}
}

func legacyCheckPattern(re *regexp.Regexp) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		s, err := legacyDecodeString(raw)
		if err != nil {
			return err
		}
		if !re.MatchString(s) {
			return fmt.Errorf("must match %s", re)
		}
		return nil
	}
}

func legacyCheckClientID(raw json.RawMessage) error { return legacyCheckPattern(legacyClientIDRE)(raw) }

// legacyStrictObject decodes raw into dst refusing unknown fields and non-objects.
func legacyStrictObject(raw json.RawMessage, dst any) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return errors.New("must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("malformed: %v", err)
	}
	return nil
}

func legacyCheckResume(raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var p struct {
		Epoch   *json.RawMessage `json:"epoch"`
		Offset  *json.RawMessage `json:"offset"`
		EventID *json.RawMessage `json:"event_id"`
	}
	if err := legacyStrictObject(raw, &p); err != nil {
		return err
	}
	if p.Epoch == nil || p.Offset == nil || p.EventID == nil {
		return errors.New("must be null or {epoch, offset, event_id}")
	}
	if err := legacyCheckString(1, 128, false)(*p.Epoch); err != nil {
		return fmt.Errorf("epoch %v", err)
	}
	if err := legacyCheckUint(1, maxSeq)(*p.Offset); err != nil {
		return fmt.Errorf("offset %v", err)
	}
	if err := legacyCheckString(1, 128, false)(*p.EventID); err != nil {
		return fmt.Errorf("event_id %v", err)
	}
	return nil
}

func legacyCheckSelection(raw json.RawMessage) error {
	var s struct {
		Main   *json.RawMessage  `json:"main"`
		Ranges []json.RawMessage `json:"ranges"`
	}
	if err := legacyStrictObject(raw, &s); err != nil {
		return err
	}
	if s.Main == nil || len(s.Ranges) == 0 || len(s.Ranges) > maxRanges {
		return fmt.Errorf("must be {main, ranges} with 1 to %d ranges", maxRanges)
	}
	main, err := legacyParseUint(*s.Main)
	if err != nil || main >= uint64(len(s.Ranges)) {
		return errors.New("main must index one of the ranges")
	}
	for _, r := range s.Ranges {
		var rg struct {
			Anchor *json.RawMessage `json:"anchor"`
			Head   *json.RawMessage `json:"head"`
		}
		if err := legacyStrictObject(r, &rg); err != nil {
			return fmt.Errorf("range %v", err)
		}
		if rg.Anchor == nil || rg.Head == nil {
			return errors.New("each range needs anchor and head")
		}
		if _, err := legacyParseUint(*rg.Anchor); err != nil {
			return fmt.Errorf("anchor %v", err)
		}
		if _, err := legacyParseUint(*rg.Head); err != nil {
			return fmt.Errorf("head %v", err)
		}
	}
	return nil
}

// legacyCheckUpdates checks the shape of a push's updates; whether the change sets fit the document is
// the editor's rule, checked by the engine against the current version.
func legacyCheckUpdates(raw json.RawMessage) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' {
		return errors.New("must be an array")
	}
	var ups []json.RawMessage
	if err := json.Unmarshal(raw, &ups); err != nil {
		return errors.New("must be an array")
	}
	if len(ups) == 0 || len(ups) > maxUpdates {
		return fmt.Errorf("must hold 1 to %d updates", maxUpdates)
	}
	for i, u := range ups {
		var up struct {
			ClientID *json.RawMessage `json:"clientID"`
			Changes  *json.RawMessage `json:"changes"`
		}
		if err := legacyStrictObject(u, &up); err != nil {
			return fmt.Errorf("update %d %v", i, err)
		}
		if up.ClientID == nil || up.Changes == nil {
			return fmt.Errorf("update %d needs clientID and changes", i)
		}
		if err := legacyCheckString(1, 128, false)(*up.ClientID); err != nil {
			return fmt.Errorf("update %d clientID %v", i, err)
		}
		if t := bytes.TrimSpace(*up.Changes); len(t) == 0 || t[0] != '[' {
			return fmt.Errorf("update %d changes must be a ChangeSet JSON array", i)
		}
	}
	return nil
}

func legacyCheckFactor(raw json.RawMessage) error {
	s := string(bytes.TrimSpace(raw))
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return errors.New("must be a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("must be a number")
	}
	if f < 1 || f > 2 {
		return errors.New("must be between 1 and 2")
	}
	return nil
}
