package editor

import (
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

func (d Document) ascii() bool { return d.len16 == len(d.text) }

// Apply returns doc with cs applied. It fails, leaving nothing changed, if cs was parsed for a
// different length or if a change would start or end between the two halves of a surrogate
// pair (an emoji, say). CodeMirror's own editing never does that; refusing it keeps the result
// a valid string on both sides instead of one holding a lone surrogate that Go cannot store.
// The new text is built in one allocation of exactly its size.
func Apply(doc Document, cs ChangeSet) (Document, error) {
	if cs.len != doc.len16 {
		return Document{}, errLengthMismatch("change set covers %d units, document has %d", cs.len, doc.len16)
	}
	if cs.Empty() {
		return doc, nil
	}
	// First pass: byte offsets of the section boundaries, so the result can be sized exactly.
	// A keystroke has three sections; the array keeps that case off the heap.
	var stack [8]int
	offs := stack[:0]
	offs = append(offs, 0)
	size := len(cs.inserted)
	at := 0
	last := len(cs.sections) - 1
	for i, s := range cs.sections {
		// The lengths match, so the last section ends at the end of the text: no need to walk
		// there, which halves the scan for a typical edit in the middle of a large document.
		next, ok := len(doc.text), true
		if i < last {
			next, ok = doc.seek(at, s.len)
		}
		if !ok {
			return Document{}, mockroom.Errorf(mockroom.KindInvalid, CodeChangesSplitSurrogate,
				"a change starts or ends inside a surrogate pair")
		}
		if s.ins < 0 {
			size += next - at
		}
		offs = append(offs, next)
		at = next
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

// seek returns the byte offset n UTF-16 units after byte offset at.
func (d Document) seek(at, n int) (int, bool) {
	if d.ascii() {
		return at + n, at+n <= len(d.text)
	}
	return seek16(d.text, at, n)
}
