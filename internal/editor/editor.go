// Package editor is the server side of a room's shared code editor. It speaks the authority
// protocol of CodeMirror's collab extension: clients push change sets against a version, the
// authority accepts them only when that version is current, and everyone else pulls them in
// order. The package validates change sets strictly (syntax, lengths, text, sizes), applies
// them to the server's copy of the document, and checks cursor presence.
//
// All positions and lengths are UTF-16 code units, as JavaScript counts them; the server's copy
// is an ordinary UTF-8 Go string with its UTF-16 length kept beside it.
//
// The package is pure: no I/O, no clock, no goroutines. A Doc is not safe for concurrent use;
// the room's owner serialises access.
package editor

import "github.com/mockroom/mockroom/internal/mockroom"

// Error codes returned by this package, all inside a *mockroom.Error.
const (
	CodeChangesMalformed      = "changes_malformed"       // not ChangeSet JSON (syntax or types)
	CodeChangesLengthMismatch = "changes_length_mismatch" // covers a different length than the document
	CodeChangesInvalidText    = "changes_invalid_text"    // inserted text not valid (bad UTF-8, lone surrogate, line break in a line)
	CodeChangesSplitSurrogate = "changes_split_surrogate" // a change starts or ends inside a surrogate pair
	CodeChangesTooLarge       = "changes_too_large"       // raw size, entry count or inserted text over the limit
	CodeDocumentTooLarge      = "document_too_large"      // the result would exceed the document size limit
	CodeDocumentInvalidText   = "document_invalid_text"   // a starting text that CodeMirror could not hold as is
	CodeVersionStale          = "version_stale"           // pushed against an old version: pull and rebase
	CodeVersionAhead          = "version_ahead"           // pushed against a version the server never issued
	CodeDocReplaced           = "doc_replaced"            // pushed against a document a reset has since replaced
	CodeVersionInvalid        = "version_invalid"         // negative version
	CodeUpdatesTooMany        = "updates_too_many"        // too many updates in one push
	CodeClientIDInvalid       = "client_id_invalid"       // missing or oversized clientID
	CodeLanguageUnknown       = "language_unknown"        // not one of Languages
	CodeSelectionMalformed    = "selection_malformed"     // not EditorSelection JSON, or out of bounds
	CodeSelectionTooLarge     = "selection_too_large"     // too many ranges or too many bytes
)

func errMalformed(format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindInvalid, CodeChangesMalformed, format, args...)
}

func errInvalidText(format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindInvalid, CodeChangesInvalidText, format, args...)
}

func errLengthMismatch(format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindInvalid, CodeChangesLengthMismatch, format, args...)
}

func errTooLarge(format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindTooLarge, CodeChangesTooLarge, format, args...)
}
