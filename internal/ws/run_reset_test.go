package ws_test

import (
	"testing"

	"github.com/mockroom/mockroom/internal/live"
)

// A run names the editor version whose text it runs. Once the next question has replaced the
// document, a version from before its editor.reset names the previous question's code: run.start
// at such a version is refused with doc_replaced over the socket and appends nothing, while the
// reset's own version and later ones run.
func TestRunAtAVersionBeforeTheResetIsRefused(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-run-reset")
	iv := h.join(interviewer, "r-run-reset")
	cand := h.join(candidate, "r-run-reset")
	iv.command("room.start", nil)
	first := cand.waitEvent("editor.reset").obj("data")
	firstBase := int(first.num("version"))

	// The candidate types on the first question's document.
	changes := []any{[]any{0, "print('first')", ""}}
	if n := len16(first.str("text")); n > 0 {
		changes = append(changes, n)
	}
	typed := cand.command("editor.push", map[string]any{"version": firstBase, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": changes},
	}})
	lastOfFirst := int(typed.obj("result").num("version"))
	if lastOfFirst != firstBase+1 {
		t.Fatalf("push on the first document answered version %d, want %d", lastOfFirst, firstBase+1)
	}

	iv.command("question.next", nil)
	second := cand.waitFor("the second question's reset", func(f frame) bool {
		return f.str("event") == "editor.reset" && f.obj("data").num("question_index") == 1
	}).obj("data")
	secondBase := int(second.num("version"))
	if secondBase != lastOfFirst+1 {
		t.Fatalf("second reset at version %d, want %d", secondBase, lastOfFirst+1)
	}

	before := h.head("r-run-reset")
	for i, v := range []int{lastOfFirst, firstBase, 0} {
		r := cand.refused("run.start", map[string]any{"run_id": "old" + string(rune('a'+i)), "version": v, "question_index": 1})
		if r.str("code") != "doc_replaced" {
			t.Errorf("run.start at version %d, from the first question's document: %q (%s), want doc_replaced", v, r.str("code"), r.str("message"))
		}
	}
	if after := h.head("r-run-reset"); after != before {
		t.Fatalf("refused runs changed the log: %s → %s", before, after)
	}

	cand.command("run.start", map[string]any{"run_id": "new", "version": secondBase, "question_index": 1})
	started := iv.waitEvent(live.TypeRunStarted).obj("data")
	if started.str("run_id") != "new" || int(started.num("version")) != secondBase {
		t.Errorf("run.started %v, want run new at version %d", started, secondBase)
	}
	for _, cl := range []*client{iv, cand} {
		checkServerFrames(t, cl)
	}
}
