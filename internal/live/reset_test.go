package live_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// resetOf decodes an editor.reset event.
func resetOf(t *testing.T, ev live.Event) (version int, text, language string, question int) {
	t.Helper()
	var d struct {
		Version       int    `json:"version"`
		Text          string `json:"text"`
		Language      string `json:"language"`
		QuestionIndex int    `json:"question_index"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatalf("editor.reset data %s: %v", ev.Data, err)
	}
	return d.Version, d.Text, d.Language, d.QuestionIndex
}

// Each question starts a document of its own, one version after the previous document; a push
// against the old document is refused with doc_replaced on every node and changes nothing.
func TestEveryQuestionStartsItsOwnDocument(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "code-one", Minutes: 1}, live.PlannedQuestion{QuestionID: "q-talk", Minutes: 1})
	a, b := e.quiet(), e.quiet() // two nodes
	e.mustExec(a, candidate, 1, live.CmdEditorPush, push(0, "set up before the start", 0))
	e.mustExec(b, candidate, 2, live.CmdEditorLanguage, map[string]string{"language": "go"})
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)

	evs := e.all(a)
	last := evs[len(evs)-1]
	if last.Type != live.TypeEditorReset || evs[len(evs)-2].Type != live.TypeQuestionStarted {
		t.Fatalf("the start ends with %s after %s, want question.started then editor.reset", last.Type, evs[len(evs)-2].Type)
	}
	ver, text, lang, q := resetOf(t, last)
	if want := starterOf("code-one"); ver != 2 || text != want || lang != "python" || q != 0 {
		t.Fatalf("reset = version %d, text %q, language %s, question %d; want 2, %q, python, 0", ver, text, lang, q, want)
	}
	for _, eng := range []*live.Engine{a, b} {
		snap, err := eng.Snapshot(t.Context(), e.room, candidate.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(live.DocView{Text: starterOf("code-one"), Version: 2, Language: "python"}, snap.Doc); diff != "" {
			t.Fatalf("snapshot doc after the start (-want +got):\n%s", diff)
		}
	}

	// A push made against the pre-session document, on the node that cached it and on one
	// that loads it: refused, nothing appended.
	before := len(e.all(a))
	for i, eng := range []*live.Engine{a, e.quiet()} {
		if _, err := e.exec(eng, candidate, uint64(10+i), live.CmdEditorPush, push(1, "late", 23)); mockroom.ErrorCode(err) != "doc_replaced" {
			t.Fatalf("node %d: push against the replaced document: %v, want doc_replaced", i, err)
		}
	}
	if n := len(e.all(a)); n != before {
		t.Fatalf("refused pushes appended %d events", n-before)
	}

	prepend := map[string]any{"version": 2, "updates": []map[string]any{{"clientID": "cm1", "changes": []any{[]any{0, "# mine "}, len(starterOf("code-one"))}}}}
	r := e.mustExec(b, candidate, 20, live.CmdEditorPush, prepend)
	if r.Version != 3 {
		t.Fatalf("version %d after a push on the new document, want 3", r.Version)
	}
	e.mustExec(a, interviewer, 2, live.CmdNext, nil)
	evs = e.all(a)
	ver, text, lang, q = resetOf(t, evs[len(evs)-1])
	if ver != 4 || text != "" || lang != "python" || q != 1 {
		t.Fatalf("second reset = version %d, text %q, language %s, question %d; want 4, empty, python, 1", ver, text, lang, q)
	}
	if _, err := e.exec(b, candidate, 21, live.CmdEditorPush, push(3, "x", 7+len(starterOf("code-one")))); mockroom.ErrorCode(err) != "doc_replaced" {
		t.Fatalf("push against the first question's document: %v, want doc_replaced", err)
	}
	if r := e.mustExec(a, candidate, 22, live.CmdEditorPush, push(4, "y", 0)); r.Version != 5 {
		t.Fatalf("version %d, want 5", r.Version)
	}
	snap, err := e.quiet().Snapshot(t.Context(), e.room, interviewer.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live.DocView{Text: "y", Version: 5, Language: "python"}, snap.Doc); diff != "" {
		t.Fatalf("snapshot doc on the second question (-want +got):\n%s", diff)
	}
}

// A question started by the timer (auto-advance) gets its document too.
func TestAutoAdvanceResetsTheDocument(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q-talk", Minutes: 1}, live.PlannedQuestion{QuestionID: "code-two", Minutes: 1})
	e.rooms.Update(e.room, func(r *live.RoomInfo) { r.AutoAdvance = true })
	a := e.quiet()
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)
	e.mustExec(a, candidate, 1, live.CmdEditorPush, push(1, "answer one", 0))
	e.clock.Advance(61 * time.Second)
	mustPoll(t, a)
	mustPoll(t, a)
	evs := e.all(a)
	if n := countType(evs, live.TypeEditorReset); n != 2 {
		t.Fatalf("%d editor.reset events, want 2 (start and auto-advance)", n)
	}
	ver, text, _, q := resetOf(t, evs[len(evs)-1])
	if ver != 3 || text != starterOf("code-two") || q != 1 {
		t.Fatalf("auto-advance reset = version %d, text %q, question %d", ver, text, q)
	}
}
