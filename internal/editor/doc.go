package editor

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Update is one client transaction as the collab protocol carries it. Changes is kept exactly
// as received and re-sent byte for byte: clients parse it with ChangeSet.fromJSON, and
// re-encoding would only cost time and risk drifting from what the author's editor applied.
// ClientID must come back unchanged too, because a client recognises its own confirmed updates
// by it. Author and At are set by the server from the connection and its clock, for replay.
type Update struct {
	ClientID string          `json:"clientID"`
	Changes  json.RawMessage `json:"changes"`
	Author   mockroom.UserID `json:"author,omitempty"`
	At       time.Time       `json:"at,omitzero"`
}

// MaxClientIDBytes bounds a clientID; CodeMirror generates about six characters.
const MaxClientIDBytes = 128

// MaxUpdatesPerPush bounds one push. An editor that was offline sends one update per
// transaction it made meanwhile, so this allows minutes of typing; the byte limit on the
// message is the real bound on work.
const MaxUpdatesPerPush = 512

// Snapshot is a materialised document: its text after Version updates. It is what a client
// that is too far behind, or just joining, starts from.
type Snapshot struct {
	Text     string   `json:"text"`
	Version  int      `json:"version"`
	Language Language `json:"language"`
	// Base is the version at which this document was last replaced by Reset (0 for the room's
	// first document); a push against an older version belongs to a document that is gone.
	Base int `json:"base,omitempty"`
}

// VersionError is the cause inside a version_stale or version_ahead error; it tells the caller
// which version is current so the reply can say where to pull from.
type VersionError struct {
	Got     int
	Current int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("pushed against version %d, current version is %d", e.Got, e.Current)
}

// Doc is the authority for one room's document: the current text, how many updates it has
// accepted (its version), and the language it is highlighted as. It is not safe for concurrent
// use; the room's owner calls it from one goroutine.
//
// The text lives in a buffer that Push never writes: the first update of a push is written
// into a second, spare buffer, and the two trade places when the push is accepted. An edit
// then costs no allocation once both have grown to the document's size (a copy of the whole
// document per keystroke was most of what the server allocated), and a copy of the Doc taken
// before a Push (a trial its caller may drop, see live's editor.push) still holds its text
// unchanged. Such copies share the spare buffer, so only one of them may be pushed to.
type Doc struct {
	text     []byte // valid UTF-8 with \n line breaks (see NewDocument); never written in place
	len16    int    // text's length in UTF-16 units
	spare    []byte // where the next push writes; its contents mean nothing
	version  int
	base     int // version of the last Reset
	language Language
	limits   Limits
}

// NewDoc restores an authority from a snapshot (Snapshot{} is a new, empty Python document).
// Updates accepted after the snapshot are then replayed with Push at the snapshot's version.
func NewDoc(s Snapshot, limits Limits) (*Doc, error) {
	doc, err := NewDocument(s.Text)
	if err != nil {
		return nil, err
	}
	if s.Version < 0 || s.Base < 0 || s.Base > s.Version {
		return nil, mockroom.Errorf(mockroom.KindInvalid, CodeVersionInvalid, "version %d with base %d is not a version", s.Version, s.Base)
	}
	lang, err := ParseLanguage(string(s.Language))
	if err != nil {
		return nil, err
	}
	return &Doc{text: []byte(doc.text), len16: doc.len16, version: s.Version, base: s.Base, language: lang, limits: limits.withDefaults()}, nil
}

// Reset replaces the whole document by text, as one step of the version: the version after it
// is Version()+1, so collab clients, which only ever count up, start the new document at a
// version no update of the old one could have reached. Pushes against any earlier version are
// refused with doc_replaced from then on. The text must fit the document limits.
func (d *Doc) Reset(text string) error {
	doc, err := NewDocument(text)
	if err != nil {
		return err
	}
	if doc.len16 > d.limits.MaxDocUnits {
		return mockroom.Errorf(mockroom.KindTooLarge, CodeDocumentTooLarge, "the new document is %d UTF-16 units, limit %d", doc.len16, d.limits.MaxDocUnits)
	}
	// A new buffer: a trial copy of the Doc keeps its own text.
	d.text, d.len16 = []byte(doc.text), doc.len16
	d.version++
	d.base = d.version
	return nil
}

// Base is the version at which the current document began (see Reset).
func (d *Doc) Base() int { return d.base }

// Version is the number of updates accepted so far.
func (d *Doc) Version() int { return d.version }

// Document is the current text (a copy).
func (d *Doc) Document() Document { return Document{text: string(d.text), len16: d.len16} }

// Len16 is the current text's length in UTF-16 units.
func (d *Doc) Len16() int { return d.len16 }

// Language is the current highlighting language.
func (d *Doc) Language() Language { return d.language }

// SetLanguage changes the highlighting language. It does not move the version: the language is
// not part of the text the collab protocol versions.
func (d *Doc) SetLanguage(l Language) error {
	if !l.Valid() {
		return mockroom.Errorf(mockroom.KindInvalid, CodeLanguageUnknown, "unknown editor language %q", l)
	}
	d.language = l
	return nil
}

// Snapshot returns the current state for storing or sending to a joining client.
func (d *Doc) Snapshot() Snapshot {
	return Snapshot{Text: string(d.text), Version: d.version, Language: d.language, Base: d.base}
}

// Push accepts updates made against version, as @codemirror/collab's authority does: only if
// version is current, otherwise the client must pull what it missed, rebase and push again.
// Each update is validated against the document as left by the ones before it, and either all
// are accepted, advancing the version by len(updates), or none and the Doc is unchanged. The
// accepted updates are returned (the same slice) for the caller to append to the room's log and
// broadcast; Push keeps no reference to them.
func (d *Doc) Push(version int, updates []Update) ([]Update, error) {
	switch {
	case version < 0:
		return nil, mockroom.Errorf(mockroom.KindInvalid, CodeVersionInvalid, "version %d is negative", version)
	case version < d.base:
		// The client edited a document that a new question replaced: its edits have no place
		// in the new one, and rebasing them would write old code into it.
		return nil, mockroom.Wrap(&VersionError{Got: version, Current: d.version}, mockroom.KindConflict,
			CodeDocReplaced, fmt.Sprintf("the document was replaced at version %d: take the editor.reset and start from it", d.base))
	case version < d.version:
		return nil, mockroom.Wrap(&VersionError{Got: version, Current: d.version}, mockroom.KindConflict,
			CodeVersionStale, fmt.Sprintf("document is at version %d: pull and rebase", d.version))
	case version > d.version:
		// Only a server that lost accepted updates, or a broken client, gets here; the client
		// has to start again from a snapshot.
		return nil, mockroom.Wrap(&VersionError{Got: version, Current: d.version}, mockroom.KindConflict,
			CodeVersionAhead, fmt.Sprintf("document is at version %d, behind the client: reload", d.version))
	}
	if len(updates) > MaxUpdatesPerPush {
		return nil, mockroom.Errorf(mockroom.KindTooLarge, CodeUpdatesTooMany,
			"%d updates in one push, limit %d", len(updates), MaxUpdatesPerPush)
	}
	if len(updates) == 0 {
		return updates, nil
	}
	text, len16 := d.text, d.len16
	for i, u := range updates {
		if u.ClientID == "" || len(u.ClientID) > MaxClientIDBytes || !utf8.ValidString(u.ClientID) {
			return nil, mockroom.Errorf(mockroom.KindInvalid, CodeClientIDInvalid,
				"update %d: clientID must be 1 to %d bytes of UTF-8", i, MaxClientIDBytes)
		}
		cs, err := ParseChangeSet(u.Changes, len16, d.limits)
		if err == nil {
			// The first update goes into the spare buffer; the few pushes with more (an editor
			// that was offline) write the rest into new ones, never into d.text.
			var into []byte
			if i == 0 {
				into = d.spare
			}
			text, err = applyInto(into, text, len16, cs)
			len16 = cs.newLen
		}
		if err != nil {
			return nil, withUpdateIndex(err, i)
		}
	}
	d.spare, d.text, d.len16 = d.text, text, len16
	d.version += len(updates)
	return updates, nil
}

// withUpdateIndex says which update of a push failed, keeping kind and code.
func withUpdateIndex(err error, i int) error {
	if e, ok := err.(*mockroom.Error); ok {
		return &mockroom.Error{Kind: e.Kind, Code: e.Code, Message: fmt.Sprintf("update %d: %s", i, e.Message), Err: e.Err}
	}
	return err
}
