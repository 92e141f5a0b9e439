package live

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Every question gets a document of its own: the append that starts a question also appends an
// editor.reset holding the question's starter code (or nothing), as one more step of the
// editor version. Counting on from the old document, never back to 0, keeps every collab
// client's idea of the version meaningful: a push made against the old document arrives with a
// version below the reset's and is refused with doc_replaced, instead of landing in the new
// document. The old documents stay in the log, so the record shows each question's code.

// resetData is the Data of an editor.reset event.
type resetData struct {
	// Version is the new document's version: the one after the reset, where a client's collab
	// extension starts again.
	Version int `json:"version"`
	// Text is the whole new document.
	Text string `json:"text"`
	// Language is the editor language from the reset on.
	Language string `json:"language"`
	// QuestionIndex is the question the document belongs to.
	QuestionIndex int `json:"question_index"`
}

// withReset adds to req, which starts question idx, the editor.reset that gives the question its
// document. The version check makes the reset land exactly one step after the document the state
// holds; a push that gets in first makes the append fail on FieldVersion, and the caller plans
// again.
func withReset(req AppendRequest, st State, idx int, coding *bank.Coding, actor mockroom.UserID) AppendRequest {
	text, lang := "", st.Language
	if coding != nil {
		text = documentText(coding.Starter)
		if l := editor.Language(coding.Language); l.Valid() {
			lang = coding.Language
		}
	}
	if lang == "" {
		lang = string(editor.DefaultLanguage)
	}
	next := st.DocVersion + 1
	req.Checks = append(req.Checks, Check{Field: FieldVersion, Value: versionValue(st.DocVersion)})
	req.Set = append(req.Set, FieldValue{FieldVersion, strconv.Itoa(next)}, FieldValue{FieldDocBase, strconv.Itoa(next)}, FieldValue{FieldLanguage, lang})
	req.Events = append(req.Events, NewEvent{Type: TypeEditorReset, Actor: actor, Data: resetData{
		Version: next, Text: text, Language: lang, QuestionIndex: idx,
	}})
	return req
}

// documentText turns text from the question bank into text CodeMirror holds unchanged: "\n" line
// breaks only and valid UTF-8 (see editor.NewDocument).
func documentText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ToValidUTF8(s, "\uFFFD")
}

// applyReset brings doc to the document an editor.reset event starts.
func applyReset(doc *editor.Doc, ev Event) error {
	var d resetData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor reset could not be read")
	}
	switch {
	case d.Version <= doc.Version():
		return nil // already in the document
	case d.Version != doc.Version()+1:
		return errDocBehind
	}
	if err := doc.Reset(d.Text); err != nil {
		return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor reset does not apply")
	}
	if l := editor.Language(d.Language); l.Valid() {
		_ = doc.SetLanguage(l)
	}
	return nil
}

// saveResetDoc materialises the document an appended editor.reset starts, so that loading the
// document later replays only what was typed since. A failure costs only that replay.
func (e *Engine) saveResetDoc(ctx context.Context, id mockroom.RoomID, evs []Event) {
	for _, ev := range evs {
		if ev.Type != TypeEditorReset {
			continue
		}
		var d resetData
		if json.Unmarshal(ev.Data, &d) != nil {
			return
		}
		snap := DocSnapshot{Text: d.Text, Version: d.Version, Base: d.Version, Language: d.Language, Offset: ev.Offset}
		if err := e.store.SaveDoc(ctx, id, snap); err != nil {
			e.log.Warn("materialise document", "room_id", id, "err", err)
		}
	}
}
