package live

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// decodeStored is DecodeEvent's fast path: it reads an event written exactly as the append
// script and EncodeEvent write it,
//
//	{"offset":<n>,"id":"…","epoch":"…","at":<ms>,"type":"…"[,"actor":"…"][,"data":<json>][,"private":<json>][,"io":true][,"for":"…"]}
//
// with every string printable ASCII without quote or backslash, so that its bytes are its value.
// The data and private parts are checked with json.Valid and copied, not decoded. It only ever
// accepts: anything else (another order, spaces, escapes, other fields, a number json.Unmarshal
// would refuse) gives ok false, and DecodeEvent leaves the verdict to encoding/json. A resume
// reads every event it missed through here; decoding them with reflection was a twentieth of a
// resume's CPU.
func decodeStored(raw []byte) (ev Event, ok bool) {
	r := storedReader{b: raw, ok: true}
	r.literal(`{"offset":`)
	off := r.digits()
	r.literal(`,"id":`)
	id := r.plain()
	r.literal(`,"epoch":`)
	epoch := r.plain()
	r.literal(`,"at":`)
	at := r.digits()
	r.literal(`,"type":`)
	typ := r.plain()
	var actor, forWhom, data, private [2]int // [from, to) in raw
	if r.maybe(`,"actor":`) {
		actor = r.plain()
	}
	if r.maybe(`,"data":`) {
		data = r.value()
	}
	if r.maybe(`,"private":`) {
		private = r.value()
	}
	io := r.maybe(`,"io":true`)
	if r.maybe(`,"for":`) {
		forWhom = r.plain()
	}
	r.literal(`}`)
	if !r.ok || r.i != len(raw) {
		return Event{}, false
	}

	// Two allocations: the strings, each a substring of one, and the data and private parts.
	strs := string(raw[id[0]:id[1]]) + string(raw[epoch[0]:epoch[1]]) + string(raw[typ[0]:typ[1]]) +
		string(raw[actor[0]:actor[1]]) + string(raw[forWhom[0]:forWhom[1]])
	cut := func(span [2]int) string {
		s := strs[:span[1]-span[0]]
		strs = strs[len(s):]
		return s
	}
	ev = Event{Offset: mockroom.EventOffset(off), ID: cut(id), Epoch: cut(epoch), Type: cut(typ), At: time.UnixMilli(int64(at)).UTC(), InterviewerOnly: io}
	ev.Actor, ev.For = mockroom.UserID(cut(actor)), mockroom.UserID(cut(forWhom))
	if n := (data[1] - data[0]) + (private[1] - private[0]); n > 0 {
		parts := make([]byte, 0, n)
		parts = append(parts, raw[data[0]:data[1]]...)
		parts = append(parts, raw[private[0]:private[1]]...)
		dataLen := data[1] - data[0]
		if dataLen > 0 {
			ev.Data = json.RawMessage(parts[:dataLen:dataLen])
		}
		if private[1] > private[0] {
			ev.Private = json.RawMessage(parts[dataLen:])
		}
	}
	return ev, true
}

// storedReader reads decodeStored's form from b, at i. A read that does not fit clears ok, and
// every read after it does nothing, so decodeStored checks ok once at the end.
type storedReader struct {
	b  []byte
	i  int
	ok bool
}

// maybe consumes lit if b continues with it.
func (r *storedReader) maybe(lit string) bool {
	if !r.ok || len(r.b)-r.i < len(lit) || string(r.b[r.i:r.i+len(lit)]) != lit {
		return false
	}
	r.i += len(lit)
	return true
}

// literal consumes lit, which b must continue with.
func (r *storedReader) literal(lit string) {
	if !r.maybe(lit) {
		r.ok = false
	}
}

// fail clears ok and returns the zero span.
func (r *storedReader) fail() [2]int {
	r.ok = false
	return [2]int{}
}

// digits consumes an unsigned decimal integer as JSON writes it (no sign, no leading zero, no
// fraction or exponent) that fits in 63 bits.
func (r *storedReader) digits() uint64 {
	if !r.ok {
		return 0
	}
	from := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	n := r.i - from
	if n == 0 || n > 18 || (n > 1 && r.b[from] == '0') {
		r.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(r.b[from:r.i]), 10, 64)
	r.ok = err == nil
	return v
}

// plain consumes a quoted string of printable ASCII without quote or backslash and returns where
// its bytes are.
func (r *storedReader) plain() [2]int {
	if !r.ok || r.i >= len(r.b) || r.b[r.i] != '"' {
		return r.fail()
	}
	from := r.i + 1
	for i := from; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return [2]int{from, i}
		case c < 0x20 || c > 0x7e || c == '\\':
			return r.fail()
		}
	}
	return r.fail()
}

// value consumes one JSON value that json.Valid accepts, with no space before or after it (as
// json.Unmarshal would cut it out), and returns where it is. Its end is found by matching
// brackets outside strings; json.Valid then checks the whole of it.
func (r *storedReader) value() [2]int {
	from, depth := r.i, 0
	if !r.ok || from >= len(r.b) || isJSONSpace(r.b[from]) {
		return r.fail()
	}
	for i := from; i < len(r.b); i++ {
		switch r.b[i] {
		case '"':
			// Skip the string, escapes included.
			for i++; i < len(r.b) && r.b[i] != '"'; i++ {
				if r.b[i] == '\\' {
					i++
				}
			}
			if i >= len(r.b) {
				return r.fail()
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of the event: a scalar value ended before it
				return r.scalarEnd(from, i)
			}
			depth--
		case ',':
			if depth == 0 {
				return r.scalarEnd(from, i)
			}
		}
		if depth == 0 && (r.b[i] == '}' || r.b[i] == ']' || r.b[i] == '"') {
			if !json.Valid(r.b[from : i+1]) {
				return r.fail()
			}
			r.i = i + 1
			return [2]int{from, i + 1}
		}
	}
	return r.fail()
}

// scalarEnd ends a value that is not an object, array or string (a number, true, false, null)
// just before to.
func (r *storedReader) scalarEnd(from, to int) [2]int {
	if to == from || isJSONSpace(r.b[to-1]) || !json.Valid(r.b[from:to]) {
		return r.fail()
	}
	r.i = to
	return [2]int{from, to}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
