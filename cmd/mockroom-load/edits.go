package main

import (
	"strconv"
)

// editLen is the UTF-16 length of one generated edit: a line of ASCII text and its newline.
const editLen = 100

// nonce is the marker an edit carries so the receiving side can check that the text it got is
// the text of the version it was told about: "@<version>@" cannot occur by accident because
// the filler never contains '@'.
func appendNonce(b []byte, version int) []byte {
	b = append(b, '@')
	b = strconv.AppendInt(b, int64(version), 10)
	return append(b, '@')
}

// editLine is the inserted line (without its newline) of the edit that moves the document from
// version to version+1: the nonce, then filler up to editLen-1 bytes.
func editLine(version int) []byte {
	b := make([]byte, 0, editLen)
	b = append(b, "x = "...)
	b = appendNonce(b, version)
	b = append(b, ' ', '#', ' ')
	const filler = "the quick brown fox jumps over the lazy dog while the interviewer watches "
	for len(b) < editLen-1 {
		n := min(editLen-1-len(b), len(filler))
		b = append(b, filler[:n]...)
	}
	return b
}

// appendChanges appends the CodeMirror ChangeSet JSON of one edit to a document of docLen
// UTF-16 units: the edit appends a line at the end and, once the document would pass maxDoc,
// also deletes the first line, so a long run keeps the document at a realistic size. It
// returns the new document length. CodeMirror encodes a change set as a list of kept lengths
// (numbers) and replacements ([deleted length, inserted lines...]); a trailing newline is an
// empty last line.
func appendChanges(b []byte, docLen, maxDoc, version int) ([]byte, int) {
	b = append(b, '[')
	kept := docLen
	newLen := docLen + editLen
	if newLen > maxDoc && docLen >= editLen {
		// Delete the first line (every line is editLen units, newline included).
		b = append(b, '[')
		b = strconv.AppendInt(b, editLen, 10)
		b = append(b, ']', ',')
		kept -= editLen
		newLen -= editLen
	}
	if kept > 0 {
		b = strconv.AppendInt(b, int64(kept), 10)
		b = append(b, ',')
	}
	b = append(b, `[0,"`...)
	b = append(b, editLine(version)...)
	b = append(b, `",""]]`...)
	return b, newLen
}
