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
type Doc struct {
	doc      Document
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
	return &Doc{doc: doc, version: s.Version, base: s.Base, language: lang, limits: limits.withDefaults()}, nil
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
	d.doc = doc
	d.version++
	d.base = d.version
	return nil
}

// Base is the version at which the current document began (see Reset).
func (d *Doc) Base() int { return d.base }

// Version is the number of updates accepted so far.
func (d *Doc) Version() int { return d.version }

// Document is the current text.
func (d *Doc) Document() Document { return d.doc }

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
	return Snapshot{Text: d.doc.text, Version: d.version, Language: d.language, Base: d.base}
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
	doc := d.doc
	for i, u := range updates {
		if u.ClientID == "" || len(u.ClientID) > MaxClientIDBytes || !utf8.ValidString(u.ClientID) {
			return nil, mockroom.Errorf(mockroom.KindInvalid, CodeClientIDInvalid,
				"update %d: clientID must be 1 to %d bytes of UTF-8", i, MaxClientIDBytes)
		}
		cs, err := ParseChangeSet(u.Changes, doc.len16, d.limits)
		if err == nil {
			doc, err = Apply(doc, cs)
		}
		if err != nil {
			return nil, withUpdateIndex(err, i)
		}
	}
	d.doc = doc
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
