package ws

import (
	"bytes"
	"encoding/json"
	"sync"
)

// The frame scanner reads a client frame once, byte by byte: it checks the JSON grammar, refuses
// a key named twice in one object at any depth and values nested deeper than maxDepth, and
// records the members of the top-level object as raw spans of the frame. The field checks then
// read those spans, knowing they are well-formed JSON. This replaces a token-by-token pass of
// encoding/json's Decoder followed by a second, reflective decode of the same bytes, which cost
// about a hundred times the validation of the change set it carried.
//
// What it accepts and refuses is encoding/json's grammar (RFC 8259); keys are compared after
// their escapes are decoded, as encoding/json compares them. The caller has checked UTF-8.

const maxDepth = 32

// member is one member of the frame's top-level object; raw is its value, without whitespace
// around it.
type member struct {
	key []byte // the key's text: a span of the frame, or decoded when it had escapes
	raw []byte
}

type scanner struct {
	data []byte
	i    int
	// keys holds, as a stack, the keys of the objects being read, so a duplicate is found without
	// a map for the small objects of the protocol.
	keys [][]byte
	top  []member
	err  *frameError
}

// scanners reuses scanners and their buffers: a frame's scan allocates nothing but refusals.
var scanners = sync.Pool{New: func() any {
	return &scanner{top: make([]member, 0, 8), keys: make([][]byte, 0, 16)}
}}

// scanFrame checks data and returns the members of its top-level object, or ok=false when data is
// valid JSON but not an object (err is nil then). data must be valid UTF-8. The members alias
// data and s; they are valid until s.release.
func (s *scanner) scanFrame(data []byte) (members []member, ok bool, err *frameError) {
	s.data, s.i, s.top, s.keys, s.err = data, 0, s.top[:0], s.keys[:0], nil
	s.ws()
	isObject := s.i < len(s.data) && s.data[s.i] == '{'
	if !s.value(0) {
		return nil, false, s.err
	}
	s.ws()
	if s.i != len(s.data) {
		return nil, false, refuse("bad_json", "frame has data after the JSON object")
	}
	return s.top, isObject, nil
}

// release returns s to the pool without holding on to the frame.
func (s *scanner) release() {
	clear(s.top)
	clear(s.keys[:cap(s.keys)])
	s.data, s.top, s.keys = nil, s.top[:0], s.keys[:0]
	scanners.Put(s)
}

func (s *scanner) invalid() bool {
	if s.err == nil {
		s.err = refuse("bad_json", "frame is not valid JSON")
	}
	return false
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads one value at depth (the frame itself is at depth 0) and the whitespace before it.
func (s *scanner) value(depth int) bool {
	if depth > maxDepth {
		s.err = refuse("bad_json", "frame nests deeper than %d levels", maxDepth)
		return false
	}
	s.ws()
	if s.i >= len(s.data) {
		return s.invalid()
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			return true
		}
		for {
			if !s.value(depth + 1) {
				return false
			}
			s.ws()
			if s.i >= len(s.data) {
				return s.invalid()
			}
			switch s.data[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return s.invalid()
			}
		}
	case c == '"':
		_, ok := s.str()
		return ok || s.invalid()
	case c == '-' || c >= '0' && c <= '9':
		return s.number() || s.invalid()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.invalid()
}

func (s *scanner) literal(lit string) bool {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return s.invalid()
	}
	s.i += len(lit)
	return true
}

func (s *scanner) object(depth int) bool {
	s.i++ // '{'
	base := len(s.keys)
	defer func() { s.keys = s.keys[:base] }()
	var many map[string]struct{} // past 16 keys, a map keeps a big object linear
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return s.invalid()
		}
		start := s.i
		escaped, ok := s.str()
		if !ok {
			return s.invalid()
		}
		key := s.data[start+1 : s.i-1]
		if escaped {
			key = []byte(unquote(s.data[start:s.i]))
		}
		if s.seen(key, base, &many) {
			s.err = refuse("duplicate_key", "key %q appears twice in one object", key)
			return false
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return s.invalid()
		}
		s.i++
		s.ws()
		vstart := s.i
		if !s.value(depth + 1) {
			return false
		}
		if depth == 0 {
			s.top = append(s.top, member{key: key, raw: s.data[vstart:s.i]})
		}
		s.ws()
		if s.i >= len(s.data) {
			return s.invalid()
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return s.invalid()
		}
	}
}

// seen records key among the keys of the object whose keys start at base, and reports whether
// it was there already.
func (s *scanner) seen(key []byte, base int, many *map[string]struct{}) bool {
	if *many != nil {
		if _, dup := (*many)[string(key)]; dup {
			return true
		}
		(*many)[string(key)] = struct{}{}
		return false
	}
	for _, k := range s.keys[base:] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	s.keys = append(s.keys, key)
	if len(s.keys)-base > 16 {
		*many = make(map[string]struct{}, 2*(len(s.keys)-base))
		for _, k := range s.keys[base:] {
			(*many)[string(k)] = struct{}{}
		}
	}
	return false
}

// str reads a string starting at its opening quote and reports whether it had escapes.
func (s *scanner) str() (escaped, ok bool) {
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.data) {
				return false, false
			}
			switch s.data[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.data) {
					return false, false
				}
				for _, h := range s.data[s.i+2 : s.i+6] {
					if !isHex(h) {
						return false, false
					}
				}
				s.i += 6
			default:
				return false, false
			}
		default:
			s.i++
		}
	}
	return false, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	d := s.data
	if d[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(d) && d[s.i] >= '0' && d[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i >= len(d) {
		return false
	}
	if d[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return false
	}
	if s.i < len(d) && d[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(d) && (d[s.i] == 'e' || d[s.i] == 'E') {
		s.i++
		if s.i < len(d) && (d[s.i] == '+' || d[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// unquote decodes a scanned JSON string with escapes exactly as encoding/json does (a lone
// surrogate becomes U+FFFD). Strings without escapes never come here.
func unquote(quoted []byte) string {
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// stringValue returns the text of a scanned JSON string value, or ok=false when raw is not a
// string. Without escapes the text is the bytes between the quotes (already valid UTF-8).
func stringValue(raw []byte) (string, bool) {
	b, ok := stringBytes(raw)
	return string(b), ok
}

// stringBytes is stringValue without a copy when the string has no escapes.
func stringBytes(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	return []byte(unquote(raw)), true
}

// eachMember calls fn for every member of a scanned JSON object, in order, with the key's text
// (escapes decoded). It refuses a value that is not an object.
func eachMember(raw []byte, fn func(key, val []byte) error) error {
	if len(raw) == 0 || raw[0] != '{' {
		return errNotObject
	}
	i := skipWS(raw, 1)
	if raw[i] == '}' {
		return nil
	}
	for {
		i = skipWS(raw, i)
		end := skipString(raw, i)
		key := raw[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = []byte(unquote(raw[i:end]))
		}
		i = skipWS(raw, end) + 1 // ':'
		i = skipWS(raw, i)
		vend := skipValue(raw, i)
		if err := fn(key, raw[i:vend]); err != nil {
			return err
		}
		i = skipWS(raw, vend)
		if raw[i] == '}' {
			return nil
		}
		i++ // ','
	}
}

// eachElement calls fn for every element of a scanned JSON array. It refuses a value that is
// not an array.
func eachElement(raw []byte, fn func(val []byte) error) error {
	if len(raw) == 0 || raw[0] != '[' {
		return errNotArray
	}
	i := skipWS(raw, 1)
	if raw[i] == ']' {
		return nil
	}
	for {
		i = skipWS(raw, i)
		end := skipValue(raw, i)
		if err := fn(raw[i:end]); err != nil {
			return err
		}
		i = skipWS(raw, end)
		if raw[i] == ']' {
			return nil
		}
		i++ // ','
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] (its opening quote).
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the value starting at b[i], which the scanner has checked.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
