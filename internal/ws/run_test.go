package ws_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
)

// Run reports over the socket: a hostile candidate's oversized output, a made-up status, a version
// the document never had and an observer's report are refused with the documented codes and
// append nothing; the honest report reaches the interviewer as run.finished with its output.
func TestHostileRunFramesAreRefusedWithoutEffect(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-run")
	iv := h.join(interviewer, "r-run")
	iv.command("room.start", nil)
	cand := h.join(candidate, "r-run")
	obs := h.join(observer, "r-run")
	cand.command("run.start", map[string]any{"run_id": "c1", "version": 1, "question_index": 0}) // the question's document, after its reset
	iv.waitEvent(live.TypeRunStarted)
	before := h.head("r-run")

	finish := func(output string) map[string]any {
		return map[string]any{"run_id": "c1", "status": "ok", "output": output, "duration_ms": 5}
	}
	cases := []struct {
		name   string
		cl     *client
		typ    string
		fields map[string]any
		code   string
	}{
		{"output over 32 KiB", cand, "run.finish", finish(strings.Repeat("y", live.MaxRunOutputBytes+1)), "too_large"},
		{"made-up status", cand, "run.finish", map[string]any{"run_id": "c1", "status": "passed", "output": "", "duration_ms": 5}, "bad_field"},
		{"version that never existed", cand, "run.start", map[string]any{"run_id": "c2", "version": 3, "question_index": 0}, "run_version"},
		{"observer's report", obs, "run.finish", finish("forged"), "role_forbidden"},
		{"observer's run", obs, "run.start", map[string]any{"run_id": "o1", "version": 0, "question_index": 0}, "role_forbidden"},
		{"someone else's run", iv, "run.finish", finish("forged"), "run_not_yours"},
		{"run id with spaces", cand, "run.start", map[string]any{"run_id": "a b", "version": 0, "question_index": 0}, "bad_field"},
	}
	for _, tc := range cases {
		if r := tc.cl.refused(tc.typ, tc.fields); r.str("code") != tc.code {
			t.Errorf("%s: code %q (%s), want %q", tc.name, r.str("code"), r.str("message"), tc.code)
		}
	}
	if after := h.head("r-run"); after != before {
		t.Errorf("refused run frames changed the log: %s → %s", before, after)
	}
	cand.command("run.finish", finish("6\n"))
	f := iv.waitEvent(live.TypeRunFinished)
	if f.obj("data").str("output") != "6\n" {
		t.Errorf("run.finished data = %v, want the honest output", f.obj("data"))
	}
	if n := strings.Count(iv.allRaw(), `"event":"run.finished"`); n != 1 {
		t.Errorf("the interviewer received %d run.finished events, want 1", n)
	}
	for _, cl := range []*client{iv, cand, obs} {
		checkServerFrames(t, cl)
	}
}

// Hidden tests over real sockets on real Redis: a candidate (and an observer) asking to run the
// hidden tests is refused and the log does not move; the interviewer's hidden run, reported with
// the tests' text in its results and output, reaches no other socket; shared, it shows the room
// how many tests passed and failed and nothing else. A question that cannot run in a browser
// refuses test runs.
func TestHiddenTestsStayWithTheInterviewerOverSockets(t *testing.T) {
	h := newHarness(t)
	q, err := h.track.Question("py-prob-pair-sum")
	if err != nil {
		t.Fatal(err)
	}
	h.mentorRoom("r-hidden", q.ID, "py-tech-parallel-map")
	iv := h.join(interviewer, "r-hidden")
	iv.command("room.start", nil)
	cand := h.join(candidate, "r-hidden")
	obs := h.join(observer, "r-hidden")
	before := h.head("r-hidden")

	hidden := func(id string) map[string]any {
		return map[string]any{"run_id": id, "version": 1, "question_index": 0, "kind": "hidden"}
	}
	if r := cand.refused("run.start", hidden("c-h")); r.str("code") != "run_hidden_private" {
		t.Errorf("the candidate's hidden run: code %q (%s), want run_hidden_private", r.str("code"), r.str("message"))
	}
	if r := obs.refused("run.start", hidden("o-h")); r.str("code") != "role_forbidden" {
		t.Errorf("the observer's hidden run: code %q, want role_forbidden", r.str("code"))
	}
	if after := h.head("r-hidden"); after != before {
		t.Errorf("refused hidden runs changed the log: %s → %s", before, after)
	}

	// The interviewer's browser reports each hidden test with its text, as a failing test shows it.
	var results []map[string]any
	passed := 0
	for i, ct := range q.Guide.Tests {
		ok := i%2 == 0
		if ok {
			passed++
		}
		results = append(results, map[string]any{"name": fmt.Sprintf("test %d", i+1), "passed": ok, "expected": ct.Expect + ct.Raises, "actual": ct.Call})
	}
	iv.command("run.start", hidden("i-h"))
	iv.command("run.finish", map[string]any{"run_id": "i-h", "status": "ok", "output": "called " + q.Guide.Tests[0].Call, "duration_ms": 30, "tests": results})
	if f := iv.waitEvent(live.TypeRunFinished); len(f.obj("data")["tests"].([]any)) != len(q.Guide.Tests) {
		t.Errorf("the interviewer's run.finished = %v", f.obj("data"))
	}
	iv.command("run.share", map[string]any{"run_id": "i-h"})
	for _, cl := range []*client{cand, obs} {
		d := cl.waitEvent(live.TypeRunShared).obj("data")
		if d.str("kind") != "hidden" || d.num("tests_passed") != float64(passed) || d.num("tests_failed") != float64(len(q.Guide.Tests)-passed) {
			t.Errorf("the shared hidden run as others see it: %v", d)
		}
		if _, ok := d["output"]; ok {
			t.Errorf("the shared hidden run carries its output: %v", d)
		}
		if _, ok := d["tests"]; ok {
			t.Errorf("the shared hidden run carries its tests: %v", d)
		}
	}

	// No frame the candidate or the observer received holds a hidden test's text, unless the
	// question shows that text to everyone (an example may repeat a test).
	public, err := json.Marshal(q.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range q.Guide.Tests {
		text, _ := json.Marshal(ct.Call)
		call := string(text[1 : len(text)-1])
		if strings.Contains(string(public), call) {
			continue
		}
		for name, cl := range map[string]*client{"candidate": cand, "observer": obs} {
			if strings.Contains(cl.allRaw(), call) {
				t.Errorf("the %s received the hidden test %s", name, ct.Call)
			}
		}
	}

	// The next question cannot run in a browser: its tests cannot be run, its code can.
	iv.command("question.next", nil)
	iv.waitFor("question 1", func(f frame) bool {
		return f.str("event") == live.TypeQuestionStarted && f.obj("data").num("index") == 1
	})
	version := iv.waitFor("question 1's document", func(f frame) bool {
		return f.str("event") == live.TypeEditorReset && f.obj("data").num("question_index") == 1
	}).obj("data").num("version")
	for _, kind := range []string{"examples", "hidden"} {
		r := iv.refused("run.start", map[string]any{"run_id": "t-" + kind, "version": version, "question_index": 1, "kind": kind})
		if r.str("code") != "run_not_in_browser" || !strings.Contains(r.str("message"), "threads") {
			t.Errorf("a %s run of a question flagged runs_in_browser=false: %q %q", kind, r.str("code"), r.str("message"))
		}
	}
	iv.command("run.start", map[string]any{"run_id": "plain", "version": version, "question_index": 1})
	for _, cl := range []*client{iv, cand, obs} {
		checkServerFrames(t, cl)
	}
}
