package editor

import (
	"slices"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Document is an immutable text with its UTF-16 length. The zero value is the empty document.
// Keeping the length beside the text makes validating a change set O(1) in the document size,
// and when it equals the byte length the text is pure ASCII, so UTF-16 positions are byte
// offsets and applying a change needs no scan at all.
type Document struct {
	text  string
	len16 int
}

// NewDocument checks that text is something CodeMirror can hold unchanged: valid UTF-8 with
// "\n" line breaks only (CodeMirror turns "\r\n" and "\r" into "\n", so keeping them would make
// the server's lengths disagree with every client's). Callers with text from elsewhere should
// replace "\r\n" and "\r" with "\n" first.
func NewDocument(text string) (Document, error) {
	if !validText(text) {
		return Document{}, mockroom.Errorf(mockroom.KindInvalid, CodeDocumentInvalidText,
			"document text must be valid UTF-8 with \\n line breaks only")
	}
	return Document{text: text, len16: Len16(text)}, nil
}

// String returns the text.
func (d Document) String() string { return d.text }

// Len16 is the length in UTF-16 code units, the unit of every protocol position.
func (d Document) Len16() int { return d.len16 }

// Apply returns doc with cs applied. It fails, leaving nothing changed, if cs was parsed for a
// different length or if a change would start or end between the two halves of a surrogate
// pair (an emoji, say). CodeMirror's own editing never does that; refusing it keeps the result
// a valid string on both sides instead of one holding a lone surrogate that Go cannot store.
// The new text is built in one allocation of exactly its size.
func Apply(doc Document, cs ChangeSet) (Document, error) {
	if cs.Empty() && cs.len == doc.len16 {
		return doc, nil
	}
	var stack [8]int
	offs, size, err := sectionBounds(doc.text, doc.len16, cs, stack[:0])
	if err != nil {
		return Document{}, err
	}
	var b strings.Builder
	b.Grow(size)
	start := 0
	for i, s := range cs.sections {
		if s.ins < 0 {
			b.WriteString(doc.text[offs[i]:offs[i+1]])
		} else {
			b.WriteString(cs.inserted[start:s.end])
			start = s.end
		}
	}
	return Document{text: b.String(), len16: cs.newLen}, nil
}

// applyInto writes src (len16 UTF-16 units) with cs applied into dst, which must not share
// memory with src, growing it as needed, and returns it; the checks are Apply's. A Doc keeps
// its text in two buffers it reuses this way, so an edit costs no allocation once they have
// grown to the document's size.
func applyInto(dst, src []byte, len16 int, cs ChangeSet) ([]byte, error) {
	var stack [8]int
	offs, size, err := sectionBounds(src, len16, cs, stack[:0])
	if err != nil {
		return nil, err
	}
	dst = slices.Grow(dst[:0], size)
	start := 0
	for i, s := range cs.sections {
		if s.ins < 0 {
			dst = append(dst, src[offs[i]:offs[i+1]]...)
		} else {
			dst = append(dst, cs.inserted[start:s.end]...)
			start = s.end
		}
	}
	return dst, nil
}

// sectionBounds checks cs against src (len16 UTF-16 units long) and returns
// the byte offsets of its sections' boundaries in src (appended to offs: a keystroke has three
// sections, so a small array of the caller's keeps them off the heap) and the byte size of
// the result.
func sectionBounds[T text](src T, len16 int, cs ChangeSet, offs []int) ([]int, int, error) {
	if cs.len != len16 {
		return nil, 0, errLengthMismatch("change set covers %d units, document has %d", cs.len, len16)
	}
	// Every byte one unit: positions are byte offsets, and no seek needs to scan.
	ascii := len16 == len(src)
	offs = append(offs, 0)
	size := len(cs.inserted)
	at := 0
	last := len(cs.sections) - 1
	for i, s := range cs.sections {
		// The lengths match, so the last section ends at the end of the text: no need to walk
		// there, which halves the scan for a typical edit in the middle of a large document.
		next, ok := len(src), true
		if i < last {
			if ascii {
				next, ok = at+s.len, at+s.len <= len(src)
			} else {
				next, ok = seek16(src, at, s.len)
			}
		}
		if !ok {
			return nil, 0, mockroom.Errorf(mockroom.KindInvalid, CodeChangesSplitSurrogate,
				"a change starts or ends inside a surrogate pair")
		}
		if s.ins < 0 {
			size += next - at
		}
		offs = append(offs, next)
		at = next
	}
	return offs, size, nil
}
