package ws_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// decodedText is every string value in every frame the client read, JSON escapes undone, so a
// search cannot miss a text because the encoder escaped one of its characters.
func decodedText(t *testing.T, cl *client) string {
	t.Helper()
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				b.WriteString(k)
				b.WriteByte('\n')
				walk(e)
			}
		}
	}
	for _, raw := range cl.raw {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("frame is not JSON: %s", raw)
		}
		walk(v)
	}
	return b.String()
}

// TestScriptedSessionNeverLeaksInterviewerMaterial runs a whole session and checks the raw
// frames of the candidate and the observer for every interviewer-only text of the planned
// questions and for the private note; the interviewer must have received them (so the check
// can fail).
func TestScriptedSessionNeverLeaksInterviewerMaterial(t *testing.T) {
	h := newHarness(t)
	var qids []mockroom.QuestionID
	for _, q := range h.track.Questions() {
		if q.Guide != nil && len(q.Guide.StrongAnswer) > 0 && len(qids) < 3 {
			qids = append(qids, q.ID)
		}
	}
	h.mentorRoom("r-script", qids...)
	iv := h.join(interviewer, "r-script")
	cand := h.join(candidate, "r-script")

	iv.command("room.start", nil)
	cand.waitEvent("question.started")
	const note = "PRIVATE NOTE: hesitant on generators 5e1c"
	iv.command("note.add", map[string]any{"text": note})
	cand.command("chat.send", map[string]any{"text": "hello, ready"})
	cand.command("editor.push", map[string]any{"version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "def f():", "    return 1"}}},
	}})
	iv.command("editor.lock", map[string]any{"locked": true})
	if r := cand.refused("editor.push", map[string]any{"version": 2, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "x"}, 21}},
	}}); r.str("code") != "editor_locked" {
		t.Errorf("push while locked: code %q, want editor_locked", r.str("code"))
	}
	iv.command("editor.lock", map[string]any{"locked": false})
	iv.command("timer.pause", nil)
	iv.command("timer.resume", nil)
	iv.command("timer.extend", map[string]any{"seconds": 60})
	iv.command("allowance.set", map[string]any{"user_id": string(candidate.UserID), "factor": 1.25})

	// The observer arrives mid-question: its snapshot must be filtered too.
	obs := h.join(observer, "r-script")
	iv.command("question.next", nil)
	iv.command("note.add", map[string]any{"text": note + " (second)"})
	iv.command("question.skip", nil)
	iv.command("room.end", nil)
	for _, cl := range []*client{iv, cand, obs} {
		cl.waitFor("wrap-up", func(f frame) bool {
			return f.str("event") == "room.state" && f.obj("data").str("state") == string(mockroom.StateWrapUp)
		})
	}
	// A candidate joining afterwards gets a snapshot of the whole session.
	late := h.join(candidate, "r-script")

	var secrets []string
	for _, id := range qids {
		q, _ := h.track.Question(id)
		for _, list := range [][]string{q.Guide.LooksFor, q.Guide.RedFlags, q.Guide.StrongAnswer, q.Guide.FollowUps} {
			secrets = append(secrets, list...)
		}
	}
	secrets = append(secrets, note)
	if len(secrets) < 4 {
		t.Fatalf("the bank questions carry too little guidance to test with: %d texts", len(secrets))
	}
	ivText := decodedText(t, iv)
	seen := 0
	for _, s := range secrets {
		if strings.Contains(ivText, s) {
			seen++
		}
	}
	if seen == 0 {
		t.Fatalf("the interviewer received none of the guidance: the filter check would prove nothing")
	}
	for _, cl := range []*client{cand, obs, late} {
		text := decodedText(t, cl)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s received interviewer-only text %q", cl.user, s)
			}
		}
		if strings.Contains(cl.allRaw(), `"private"`) || strings.Contains(cl.allRaw(), "note.added") {
			t.Errorf("%s received a private part or a note event", cl.user)
		}
	}
	for _, cl := range []*client{iv, cand, obs, late} {
		checkServerFrames(t, cl)
	}
}
