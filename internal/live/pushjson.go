package live

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/editor"
)

// An editor push is read and its editor.update event written on every keystroke, so both are
// done by hand rather than by encoding/json's reflection. Each hand-written path covers the
// forms that actually occur (the push data the socket layer writes: compact, keys in a fixed
// set, strings without escapes) and hands everything else to encoding/json, so the result,
// or the error, is always exactly encoding/json's. TestPushJSONMatchesEncodingJSON and
// FuzzDecodePush check that.

// decodePush reads an editor.push's data as json.Unmarshal into pushData would. The Changes
// of the updates share data's memory; clientID, the pushing socket's id, saves a copy of the
// string when the updates name it.
func decodePush(data []byte, clientID string) (pushData, error) {
	if d, ok := scanPush(data, clientID); ok {
		return d, nil
	}
	var d pushData
	err := json.Unmarshal(data, &d)
	return d, err
}

// maxScanDepth bounds the nesting scanValue follows; deeper change sets go to encoding/json.
const maxScanDepth = 32

// scanPush is decodePush's fast path: ok is false for anything it does not read exactly as
// encoding/json would.
func scanPush(b []byte, clientID string) (d pushData, ok bool) {
	i, ok := lit(b, 0, "{")
	if !ok {
		return pushData{}, false
	}
	var seenUpdates, seenVersion bool
	for {
		switch {
		case hasLit(b, i, `"updates":`) && !seenUpdates:
			seenUpdates = true
			if d.Updates, i, ok = scanUpdates(b, i+len(`"updates":`), clientID); !ok {
				return pushData{}, false
			}
		case hasLit(b, i, `"version":`) && !seenVersion:
			seenVersion = true
			if d.Version, i, ok = scanInt(b, i+len(`"version":`)); !ok {
				return pushData{}, false
			}
		default:
			return pushData{}, false
		}
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i == len(b)-1 && b[i] == '}' && seenUpdates && seenVersion {
			return d, true
		}
		return pushData{}, false
	}
}

func scanUpdates(b []byte, i int, clientID string) ([]editor.Update, int, bool) {
	i, ok := lit(b, i, "[")
	if !ok {
		return nil, i, false
	}
	if i < len(b) && b[i] == ']' {
		return []editor.Update{}, i + 1, true
	}
	var us []editor.Update
	for {
		var u editor.Update
		if u, i, ok = scanUpdate(b, i, clientID); !ok {
			return nil, i, false
		}
		us = append(us, u)
		if i >= len(b) {
			return nil, i, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return us, i + 1, true
		default:
			return nil, i, false
		}
	}
}

// scanUpdate reads {"clientID":…,"changes":…} with its two members in either order.
func scanUpdate(b []byte, i int, clientID string) (u editor.Update, next int, ok bool) {
	if i, ok = lit(b, i, "{"); !ok {
		return u, i, false
	}
	var seenID, seenChanges bool
	for {
		switch {
		case hasLit(b, i, `"clientID":`) && !seenID:
			seenID = true
			var s []byte
			if s, i, ok = scanPlainString(b, i+len(`"clientID":`)); !ok {
				return u, i, false
			}
			if string(s) == clientID {
				u.ClientID = clientID
			} else {
				u.ClientID = string(s)
			}
		case hasLit(b, i, `"changes":`) && !seenChanges:
			seenChanges = true
			from := i + len(`"changes":`)
			if i, ok = scanValue(b, from, 0); !ok {
				return u, i, false
			}
			u.Changes = json.RawMessage(b[from:i:i])
		default:
			return u, i, false
		}
		if i >= len(b) {
			return u, i, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return u, i + 1, seenID && seenChanges
		default:
			return u, i, false
		}
	}
}

func hasLit(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

func lit(b []byte, i int, s string) (int, bool) {
	if !hasLit(b, i, s) {
		return i, false
	}
	return i + len(s), true
}

// scanPlainString reads a string of printable ASCII without escapes, which encoding/json
// would decode as itself.
func scanPlainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c < 0x20 || c >= utf8.RuneSelf || c == '\\':
			return nil, j, false
		}
	}
	return nil, len(b), false
}

// scanInt reads a JSON integer short enough to fit an int whatever its digits.
func scanInt(b []byte, i int) (n, next int, ok bool) {
	maxDigits := 18
	if strconv.IntSize == 32 {
		maxDigits = 9
	}
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	from := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int(b[i]-'0')
		i++
	}
	switch digits := i - from; {
	case digits == 0 || digits > maxDigits:
		return 0, i, false
	case digits > 1 && b[from] == '0': // a leading zero is not JSON
		return 0, i, false
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, i, false // not an integer: encoding/json says what is wrong with it
	}
	if neg {
		n = -n
	}
	return n, i, true
}

// scanValue finds the end of the JSON value at b[i] when it is written without whitespace
// and is made of arrays, strings, numbers, true, false and null, nested at most
// maxScanDepth deep: the shape of a change set. It checks the value as strictly as
// encoding/json does; ok is false for anything invalid or outside that shape.
func scanValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '[':
		if depth == maxScanDepth {
			return i, false
		}
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = scanValue(b, i, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '"':
		return scanString(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return lit(b, i, "true")
	case c == 'f':
		return lit(b, i, "false")
	case c == 'n':
		return lit(b, i, "null")
	}
	return i, false
}

// scanString finds the end of the JSON string at b[i], escapes checked; like encoding/json it
// lets any byte from 0x20 up stand for itself.
func scanString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 {
					return i, false
				}
				for _, h := range b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// scanNumber finds the end of the JSON number at b[i].
func scanNumber(b []byte, i int) (int, bool) {
	digits := func() bool {
		from := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > from
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}

// encodeUpdateData renders an editor.update event's data, byte for byte as json.Marshal does.
func encodeUpdateData(d updateData) (json.RawMessage, error) {
	size := 32
	for _, u := range d.Updates {
		size += 96 + len(u.ClientID) + len(u.Changes) + len(u.Author)
	}
	b, ok := appendUpdateData(make([]byte, 0, size), d)
	if !ok {
		return json.Marshal(d)
	}
	return b, nil
}

// appendUpdateData is encodeUpdateData's fast path; ok is false when a change set is not
// compact valid JSON of the change set's shape, or a time is one json.Marshal refuses.
func appendUpdateData(b []byte, d updateData) ([]byte, bool) {
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, int64(d.Version), 10)
	b = append(b, `,"updates":`...)
	if d.Updates == nil {
		return append(b, "null}"...), true
	}
	b = append(b, '[')
	for k, u := range d.Updates {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"clientID":`...)
		b = AppendJSONString(b, u.ClientID)
		b = append(b, `,"changes":`...)
		if u.Changes == nil {
			b = append(b, "null"...)
		} else {
			if end, ok := scanValue(u.Changes, 0, 0); !ok || end != len(u.Changes) {
				return b, false
			}
			b = appendHTMLSafe(b, u.Changes)
		}
		if u.Author != "" {
			b = append(b, `,"author":`...)
			b = AppendJSONString(b, string(u.Author))
		}
		if !u.At.IsZero() {
			b = append(b, `,"at":`...)
			var ok bool
			if b, ok = appendJSONTime(b, u.At); !ok {
				return b, false
			}
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), true
}

// appendJSONTime writes t as time.Time's MarshalJSON does; ok is false where that fails (a year
// outside 0 to 9999, a zone offset of a day or more).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	if len(b)-n0 < len("2006-01-02T15:04:05Z") || b[n0+4] != '-' {
		return b, false
	}
	if b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if '0' <= c && c <= '9' || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return b, false
		}
	}
	return append(b, '"'), true
}

// appendHTMLSafe appends compact valid JSON with <, >, & and U+2028, U+2029 escaped, as
// json.Marshal writes a json.RawMessage: those characters can only be inside strings.
func appendHTMLSafe(b, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || c == '&':
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[raw[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	return append(b, raw[start:]...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString writes s as a JSON string exactly as json.Marshal does: quote, backslash
// and control characters escaped, <, > and & as \u003c, \u003e and \u0026, U+2028 and U+2029
// escaped, and each byte of invalid UTF-8 replaced by \ufffd.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
