package ws_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/room"
)

func len16(s string) int { return len(utf16.Encode([]rune(s))) }

// TestEachQuestionOpensOnItsOwnDocument: starting a coding question sends every socket an
// editor.reset with the question's starter code right after question.started; a push made
// against the document from before is refused with doc_replaced and changes nothing; the next
// question replaces the document again (empty), and the session's record keeps each
// question's document.
func TestEachQuestionOpensOnItsOwnDocument(t *testing.T) {
	h := newHarness(t)
	var coding, other mockroom.QuestionID
	var starter string
	for _, q := range h.track.Questions() {
		switch {
		case q.Coding != nil && coding == "":
			coding, starter = q.ID, q.Coding.Starter
		case q.Coding == nil && other == "":
			other = q.ID
		}
	}
	if coding == "" || other == "" || strings.TrimSpace(starter) == "" {
		t.Fatalf("the bank lacks a coding question with starter code and another question")
	}
	h.mentorRoom("r-reset", coding, other)
	iv := h.join(interviewer, "r-reset")
	cand := h.join(candidate, "r-reset")
	// Code set up before the start: version 1 of the room's first document.
	cand.command("editor.push", map[string]any{"version": 0, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "draft"}}},
	}})

	iv.command("room.start", nil)
	for _, cl := range []*client{iv, cand} {
		started := cl.waitEvent("question.started")
		reset := cl.waitEvent("editor.reset")
		if reset.num("offset") != started.num("offset")+1 {
			t.Errorf("%s: editor.reset at offset %v, want right after question.started at %v", cl.user, reset.num("offset"), started.num("offset"))
		}
		d := reset.obj("data")
		if d.str("text") != starter || d.num("version") != 2 || d.str("language") != "python" || d.num("question_index") != 0 {
			t.Fatalf("%s: editor.reset %v, want the starter code at version 2", cl.user, d)
		}
		if got := started.obj("data").obj("question").obj("coding").str("starter"); got != starter {
			t.Errorf("%s: question.started carries starter %q", cl.user, got)
		}
	}

	// The candidate typed on the old document while the question started: refused.
	before := h.head("r-reset")
	if r := cand.refused("editor.push", map[string]any{"version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{5, []any{0, " more"}}},
	}}); r.str("code") != "doc_replaced" {
		t.Fatalf("push against the replaced document: %q (%s), want doc_replaced", r.str("code"), r.str("message"))
	}
	if after := h.head("r-reset"); after != before {
		t.Fatalf("a refused push changed the log: %s → %s", before, after)
	}

	// Typing on the question's document works from the reset's version.
	answer := "# my answer\n"
	if a := cand.command("editor.push", map[string]any{"version": 2, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "# my answer", ""}, len16(starter)}},
	}}); a.obj("result").num("version") != 3 {
		t.Fatalf("push on the new document: %v, want version 3", a.obj("result"))
	}
	// A late joiner's snapshot holds the question's document.
	obs := h.join(observer, "r-reset")
	if doc := obs.lastOf("snapshot").obj("room").obj("doc"); doc.str("text") != answer+starter || doc.num("version") != 3 {
		t.Fatalf("snapshot doc %v, want the answer over the starter code at version 3", doc)
	}

	iv.command("question.next", nil)
	for _, cl := range []*client{iv, cand, obs} {
		d := cl.waitFor("the second question's reset", func(f frame) bool {
			return f.str("event") == "editor.reset" && f.obj("data").num("question_index") == 1
		}).obj("data")
		if d.str("text") != "" || d.num("version") != 4 {
			t.Fatalf("%s: second reset %v, want an empty document at version 4", cl.user, d)
		}
	}
	if r := cand.refused("editor.push", map[string]any{"version": 3, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{len16(answer + starter), []any{0, "x"}}},
	}}); r.str("code") != "doc_replaced" {
		t.Fatalf("push against the first question's document: %q, want doc_replaced", r.str("code"))
	}
	cand.command("editor.push", map[string]any{"version": 4, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "second"}}},
	}})
	iv.command("room.end", nil)
	cand.waitFor("wrap-up", func(f frame) bool {
		return f.str("event") == "room.state" && f.obj("data").str("state") == "wrap_up"
	})

	// The record keeps each question's document, and replaying its edits gives each of them.
	evs, err := feedback.LiveLog{Store: h.log, Now: time.Now}.Events(t.Context(), "r-reset")
	if err != nil {
		t.Fatal(err)
	}
	r := room.Room{ID: "r-reset", Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWrapUp,
		Participants: []room.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: interviewer.Name},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: candidate.Name},
		}}
	rec, err := record.Build(record.Input{Room: r, Events: evs, Reader: candidate.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Questions) != 2 {
		t.Fatalf("%d questions in the record, want 2", len(rec.Questions))
	}
	for i, want := range []string{answer + starter, "second"} {
		q := rec.Questions[i]
		if q.Code.Text != want {
			t.Errorf("question %d's code in the record %q, want %q", i, q.Code.Text, want)
		}
		got, err := record.Replay(rec.Edits, q.EditTo)
		if err != nil || got != want || !rec.Edits[q.EditFrom].Reset {
			t.Errorf("question %d: replay to edit %d %q (%v), first edit %+v", i, q.EditTo, got, err, rec.Edits[q.EditFrom])
		}
	}
	if rec.Final.Text != "second" || rec.Final.Version != 5 || len(rec.Edits) != 5 {
		t.Errorf("final %+v after %d edits, want \"second\" at version 5", rec.Final, len(rec.Edits))
	}
}
