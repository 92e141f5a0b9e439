package ws_test

import (
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
	cand.command("run.start", map[string]any{"run_id": "c1", "version": 0, "question_index": 0})
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
