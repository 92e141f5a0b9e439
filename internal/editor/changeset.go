package editor

import (
	"fmt"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Limits bound what one change set may do. A zero field takes its default, so Limits{} is the
// production setting. Sizes of the document are counted in UTF-16 units rather than bytes
// because the new length of a change set is known from its JSON alone, before it is applied, so
// an oversized result is refused without building it; a document of MaxDocUnits units is at
// most three times as many UTF-8 bytes.
type Limits struct {
	MaxRawBytes    int // bytes of one change set's JSON
	MaxEntries     int // top-level entries (kept spans and replacements) in one change set
	MaxInsertUnits int // UTF-16 units inserted by one change set
	MaxDocUnits    int // UTF-16 length of the document after the change
}

// Default limits: a document of 256 Ki units is several thousand lines of code, far beyond an
// interview answer, and a single paste of 64 Ki units is about 1,500 lines.
const (
	DefaultMaxRawBytes    = 256 << 10
	DefaultMaxEntries     = 4096
	DefaultMaxInsertUnits = 64 << 10
	DefaultMaxDocUnits    = 256 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxRawBytes <= 0 {
		l.MaxRawBytes = DefaultMaxRawBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxInsertUnits <= 0 {
		l.MaxInsertUnits = DefaultMaxInsertUnits
	}
	if l.MaxDocUnits <= 0 {
		l.MaxDocUnits = DefaultMaxDocUnits
	}
	return l
}

// ChangeSet is a validated change to a document of a known UTF-16 length. It is normalised:
// empty spans are dropped and neighbours of the same kind merged, so kept spans and
// replacements alternate. Merging two adjacent replacements is exact, since CodeMirror applies
// them as one replacement of the joined text, and it means every boundary the change set
// touches lies between kept and changed text, which is where surrogate pairs must stay whole.
type ChangeSet struct {
	sections []section
	inserted string // the text of every replacement, in order, lines already joined with "\n"
	len      int
	newLen   int
}

// section mirrors CodeMirror's own encoding: len units of the old document, then ins = -1 for
// a kept span or the UTF-16 length of the replacement text, which is inserted[previous end:end].
type section struct {
	len int
	ins int
	end int
}

// Len is the UTF-16 length of the document the change set applies to.
func (cs ChangeSet) Len() int { return cs.len }

// NewLen is the UTF-16 length of the document after the change.
func (cs ChangeSet) NewLen() int { return cs.newLen }

// Empty reports whether the change set leaves the document as it is.
func (cs ChangeSet) Empty() bool {
	return len(cs.sections) == 0 || (len(cs.sections) == 1 && cs.sections[0].ins < 0)
}

// String renders the change set compactly for logs and test failures: "3 [1:2 "ab"] 4".
func (cs ChangeSet) String() string {
	var b strings.Builder
	start := 0
	for i, s := range cs.sections {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s.ins < 0 {
			fmt.Fprintf(&b, "%d", s.len)
			continue
		}
		fmt.Fprintf(&b, "[%d:%d %q]", s.len, s.ins, cs.inserted[start:s.end])
		start = s.end
	}
	return b.String()
}

// maxNumber caps parsed lengths at JavaScript's largest safe integer: no client can mean
// anything larger, and capping keeps the arithmetic from overflowing however many digits arrive.
const maxNumber = 1<<53 - 1

// ParseChangeSet decodes and validates CodeMirror ChangeSet JSON (ChangeSet.toJSON) for a
// document of docLen16 UTF-16 units. Each entry is either a number, a span kept as it is, or an
// array [deleted, line...], which replaces deleted units with the lines joined by "\n" ([n]
// alone deletes). Everything ChangeSet.fromJSON accepts is accepted, with these stricter rules
// because the server must hold the result as a valid Go string and clients must agree on it:
// numbers are non-negative integers without fraction or exponent; lines contain no "\n" or "\r"
// (CodeMirror never puts them inside a line); strings are valid UTF-8 without lone surrogates.
// Whitespace between tokens is allowed, as in any JSON. The work is linear in len(raw) and
// allocates in proportion to the entries and the inserted text, never to the numbers' values.
func ParseChangeSet(raw []byte, docLen16 int, limits Limits) (ChangeSet, error) {
	limits = limits.withDefaults()
	if len(raw) > limits.MaxRawBytes {
		return ChangeSet{}, errTooLarge("change set is %d bytes, limit %d", len(raw), limits.MaxRawBytes)
	}
	p := parser{raw: raw}
	cs := ChangeSet{sections: make([]section, 0, 4)}
	var ins strings.Builder
	insUnits := 0
	entries := 0

	p.skipSpace()
	if !p.eat('[') {
		return ChangeSet{}, p.malformed("a change set must be a JSON array")
	}
	p.skipSpace()
	if !p.eat(']') {
		for {
			entries++
			if entries > limits.MaxEntries {
				return ChangeSet{}, errTooLarge("change set has more than %d entries", limits.MaxEntries)
			}
			p.skipSpace()
			var del, add int
			switch {
			case p.peekDigit():
				n, err := p.number()
				if err != nil {
					return ChangeSet{}, err
				}
				del, add = n, -1
			case p.eat('['):
				p.skipSpace()
				if !p.peekDigit() {
					return ChangeSet{}, p.malformed("a replacement must start with the deleted length")
				}
				n, err := p.number()
				if err != nil {
					return ChangeSet{}, err
				}
				del = n
				if add, err = p.lines(&ins); err != nil {
					return ChangeSet{}, err
				}
				insUnits += add
				if insUnits > limits.MaxInsertUnits {
					return ChangeSet{}, errTooLarge("change set inserts more than %d UTF-16 units", limits.MaxInsertUnits)
				}
			default:
				return ChangeSet{}, p.malformed("an entry must be a number or an array")
			}
			cs.len += del
			if cs.len > docLen16 {
				return ChangeSet{}, errLengthMismatch("change set covers more than the document's %d units", docLen16)
			}
			cs.add(del, add, ins.Len())
			p.skipSpace()
			if p.eat(']') {
				break
			}
			if !p.eat(',') {
				return ChangeSet{}, p.malformed("expected ',' or ']'")
			}
		}
	}
	p.skipSpace()
	if p.pos != len(p.raw) {
		return ChangeSet{}, p.malformed("unexpected data after the change set")
	}
	if cs.len != docLen16 {
		return ChangeSet{}, errLengthMismatch("change set covers %d units, document has %d", cs.len, docLen16)
	}
	// A document already over the limit (the limit was lowered) may still shrink.
	if cs.newLen > limits.MaxDocUnits && cs.newLen > docLen16 {
		return ChangeSet{}, mockroom.Errorf(mockroom.KindTooLarge, CodeDocumentTooLarge,
			"document would be %d UTF-16 units, limit %d", cs.newLen, limits.MaxDocUnits)
	}
	cs.inserted = ins.String()
	return cs, nil
}

// add appends one parsed entry, keeping the normal form described on ChangeSet.
func (cs *ChangeSet) add(del, add, end int) {
	if add < 0 {
		cs.newLen += del
	} else {
		cs.newLen += add
	}
	if del == 0 && add <= 0 {
		return // an empty kept span or an empty replacement changes nothing
	}
	if n := len(cs.sections); n > 0 {
		last := &cs.sections[n-1]
		if (last.ins < 0) == (add < 0) {
			last.len += del
			if add >= 0 {
				last.ins += add
				last.end = end
			}
			return
		}
	}
	cs.sections = append(cs.sections, section{len: del, ins: add, end: end})
}
