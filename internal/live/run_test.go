package live_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func runStart(id string, version, question int) map[string]any {
	return map[string]any{"run_id": id, "version": version, "question_index": question}
}

func runFinish(id, status, output string) map[string]any {
	return map[string]any{"run_id": id, "status": status, "output": output, "duration_ms": 120}
}

// runData decodes a run event's data.
func runData(t *testing.T, ev live.Event) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatalf("%s data: %v", ev.Type, err)
	}
	return d
}

// A candidate's run is seen by everyone with its output; an interviewer's private run only by
// that interviewer until shared; a snapshot lists the current question's runs as its reader may
// see them.
func TestRunsAreSharedWithTheRoom(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, pushOnStarter(1, "print('hi')", 0))
	e.mustExec(eng, candidate, 2, live.CmdRunStart, runStart("r-1", 1, 0))
	e.mustExec(eng, candidate, 3, live.CmdRunFinish, runFinish("r-1", live.RunOK, "hi\n"))
	// Commands re-sent after a lost acknowledgement get their original result, not a refusal.
	for _, seq := range []uint64{2, 3} {
		typ, data := live.CmdRunStart, any(runStart("r-1", 1, 0))
		if seq == 3 {
			typ, data = live.CmdRunFinish, runFinish("r-1", live.RunOK, "hi\n")
		}
		if res := e.mustExec(eng, candidate, seq, typ, data); !res.Duplicate {
			t.Errorf("%s re-sent: %+v, want a duplicate", typ, res)
		}
	}
	e.mustExec(eng, candidate, 4, live.CmdRunStart, map[string]any{"run_id": "r-ex", "version": 1, "question_index": 0, "kind": "examples"})
	e.mustExec(eng, candidate, 5, live.CmdRunFinish, map[string]any{"run_id": "r-ex", "status": "ok", "output": "", "duration_ms": 9, "tests": []map[string]any{
		{"name": "example 1", "passed": true, "expected": "5", "actual": "5"},
		{"name": "example 2", "passed": false, "expected": "[1]", "actual": "", "error": "KeyError: 'x'"},
	}})
	e.mustExec(eng, interviewer, 2, live.CmdRunStart, map[string]any{"run_id": "r-2", "version": 1, "question_index": 0, "private": true})
	e.mustExec(eng, interviewer, 3, live.CmdRunFinish, runFinish("r-2", live.RunError, "hidden check failed"))

	snapFor := func(p mockroom.Principal) []live.Event {
		t.Helper()
		s, err := eng.Snapshot(t.Context(), e.room, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return s.Runs
	}
	types := func(evs []live.Event) []string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.Type+" "+runData(t, ev)["run_id"].(string))
		}
		return out
	}
	want := []string{"run.started r-1", "run.finished r-1", "run.started r-ex", "run.finished r-ex"}
	for _, p := range []mockroom.Principal{candidate, observer} {
		if diff := cmp.Diff(want, types(snapFor(p))); diff != "" {
			t.Errorf("%s's snapshot runs (-want +got):\n%s", p.UserID, diff)
		}
	}
	ivWant := append(want, "run.started r-2", "run.finished r-2")
	if diff := cmp.Diff(ivWant, types(snapFor(interviewer))); diff != "" {
		t.Errorf("interviewer's snapshot runs (-want +got):\n%s", diff)
	}
	fin := runData(t, snapFor(candidate)[1])
	if fin["output"] != "hi\n" || fin["status"] != "ok" || fin["version"] != 1.0 || fin["question_index"] != 0.0 {
		t.Errorf("run.finished data = %v", fin)
	}

	// The private run's events reach nobody else, live or replayed.
	for _, ev := range e.all(eng) {
		for _, role := range []mockroom.Role{mockroom.RoleCandidate, mockroom.RoleObserver} {
			if v, ok := live.Visible(ev, candidate.UserID, role); ok && strings.Contains(string(v.Data), "hidden check") {
				t.Errorf("%s receives the private run's output in %s", role, ev.Type)
			}
		}
	}

	e.mustExec(eng, interviewer, 4, live.CmdRunShare, map[string]any{"run_id": "r-2"})
	runs := snapFor(candidate)
	if diff := cmp.Diff(append(want, "run.shared r-2"), types(runs)); diff != "" {
		t.Fatalf("candidate's runs after the share (-want +got):\n%s", diff)
	}
	shared := runData(t, runs[4])
	ex := runData(t, runs[3])
	if tests, _ := ex["tests"].([]any); len(tests) != 2 || tests[1].(map[string]any)["error"] != "KeyError: 'x'" || tests[0].(map[string]any)["passed"] != true {
		t.Errorf("the examples run's results = %v", ex["tests"])
	}
	if started := runData(t, runs[2]); started["kind"] != "examples" {
		t.Errorf("run.started of the examples run = %v", started)
	}
	if shared["output"] != "hidden check failed" || shared["ran_by"] != string(interviewer.UserID) || shared["status"] != "error" {
		t.Errorf("run.shared data = %v", shared)
	}

	// The next question starts with no runs; the record keeps them all.
	e.mustExec(eng, interviewer, 5, live.CmdNext, nil)
	if runs := snapFor(interviewer); len(runs) != 0 {
		t.Errorf("the next question's snapshot has runs: %v", types(runs))
	}
	all := e.all(eng)
	if n := countType(all, live.TypeRunStarted) + countType(all, live.TypeRunFinished) + countType(all, live.TypeRunShared); n != 7 {
		t.Errorf("the log holds %d run events, want 7", n)
	}
}

// A hostile client's run reports are refused with a clear code and leave the log and every
// snapshot as they were.
func TestHostileRunReportsAreRefusedWithoutEffect(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, pushOnStarter(1, "while True: pass", 0))
	e.mustExec(eng, candidate, 2, live.CmdRunStart, runStart("mine", 1, 0))
	e.mustExec(eng, interviewer, 2, live.CmdRunStart, map[string]any{"run_id": "priv", "version": 1, "question_index": 0, "private": true})

	huge := strings.Repeat("x", live.MaxRunOutputBytes+1)
	tests := []struct {
		name string
		who  mockroom.Principal
		typ  string
		data any
		code string
	}{
		{"oversized output", candidate, live.CmdRunFinish, runFinish("mine", live.RunOK, huge), "too_large"},
		{"unknown status", candidate, live.CmdRunFinish, runFinish("mine", "passed", "ok"), "run_status"},
		{"negative duration", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "output": "", "duration_ms": -1}, "run_duration"},
		{"endless duration", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "output": "", "duration_ms": live.MaxRunDurationMS + 1}, "run_duration"},
		{"test results over the cap", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "output": strings.Repeat("o", live.MaxRunOutputBytes-10), "duration_ms": 1,
			"tests": []map[string]any{{"name": "t", "passed": false, "expected": "1", "actual": strings.Repeat("2", 20)}}}, "too_large"},
		{"too many test results", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "output": "", "duration_ms": 1,
			"tests": make([]map[string]any, live.MaxRunTests+1)}, "too_large"},
		{"a test without a name", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "output": "", "duration_ms": 1,
			"tests": []map[string]any{{"passed": true, "expected": "1", "actual": "1"}}}, "run_test_name"},
		{"unknown kind", candidate, live.CmdRunStart, map[string]any{"run_id": "k", "version": 1, "question_index": 0, "kind": "secret"}, "run_kind"},
		{"hidden tests from a candidate", candidate, live.CmdRunStart, map[string]any{"run_id": "h", "version": 1, "question_index": 0, "kind": "hidden"}, "run_hidden_private"},
		{"hidden tests from an observer", observer, live.CmdRunStart, map[string]any{"run_id": "h", "version": 1, "question_index": 0, "kind": "hidden"}, "role_forbidden"},
		{"missing output", candidate, live.CmdRunFinish, map[string]any{"run_id": "mine", "status": "ok", "duration_ms": 1}, "data_malformed"},
		{"finish of a run never started", candidate, live.CmdRunFinish, runFinish("ghost", live.RunOK, "made up"), "run_unknown"},
		{"finish of someone else's run", candidate, live.CmdRunFinish, runFinish("priv", live.RunOK, "made up"), "run_not_yours"},
		{"finish from an observer", observer, live.CmdRunFinish, runFinish("mine", live.RunOK, "made up"), "role_forbidden"},
		{"start from an observer", observer, live.CmdRunStart, runStart("obs", 1, 0), "role_forbidden"},
		{"version that does not exist", candidate, live.CmdRunStart, runStart("v9", 9, 0), "run_version"},
		{"negative version", candidate, live.CmdRunStart, runStart("vneg", -1, 0), "run_version"},
		{"version of the document the question's reset replaced", candidate, live.CmdRunStart, runStart("v0", 0, 0), "doc_replaced"},
		{"another question", candidate, live.CmdRunStart, runStart("q1", 1, 1), "run_question"},
		{"run id taken", candidate, live.CmdRunStart, runStart("mine", 1, 0), "run_exists"},
		{"run id with a separator", candidate, live.CmdRunStart, runStart("a|b", 1, 0), "run_id_invalid"},
		{"private run from a candidate", candidate, live.CmdRunStart, map[string]any{"run_id": "p", "version": 1, "question_index": 0, "private": true}, "role_forbidden"},
		{"share from a candidate", candidate, live.CmdRunShare, map[string]any{"run_id": "mine"}, "role_forbidden"},
		{"share of the candidate's run", interviewer, live.CmdRunShare, map[string]any{"run_id": "mine"}, "run_not_yours"},
		{"share before the end", interviewer, live.CmdRunShare, map[string]any{"run_id": "priv"}, "run_open"},
		{"from a stranger", stranger, live.CmdRunFinish, runFinish("mine", live.RunOK, "x"), "not_a_participant"},
	}
	before := e.all(eng)
	snaps := map[mockroom.UserID]live.Snapshot{}
	for _, p := range []mockroom.Principal{interviewer, candidate, observer} {
		s, err := eng.Snapshot(t.Context(), e.room, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		s.ServerTime, s.Timer = s.ServerTime.UTC(), nil // the clock is fixed; the timer view is derived
		snaps[p.UserID] = s
	}
	for i, tt := range tests {
		_, err := e.exec(eng, tt.who, uint64(100+i), tt.typ, tt.data)
		if code := mockroom.ErrorCode(err); code != tt.code {
			t.Errorf("%s: error %v (code %q), want code %q", tt.name, err, code, tt.code)
		}
	}
	if diff := cmp.Diff(before, e.all(eng)); diff != "" {
		t.Errorf("refused reports changed the log (-before +after):\n%s", diff)
	}
	for user, want := range snaps {
		got, err := eng.Snapshot(t.Context(), e.room, user)
		if err != nil {
			t.Fatal(err)
		}
		got.ServerTime, got.Timer = got.ServerTime.UTC(), nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("refused reports changed %s's snapshot (-before +after):\n%s", user, diff)
		}
	}
	// The honest report still goes through, once.
	e.mustExec(eng, candidate, 200, live.CmdRunFinish, runFinish("mine", live.RunTimeout, "stopped after 10 s"))
	if _, err := e.exec(eng, candidate, 201, live.CmdRunFinish, runFinish("mine", live.RunOK, "again")); mockroom.ErrorCode(err) != "run_finished" {
		t.Errorf("a second finish: %v, want run_finished", err)
	}
}

// A hidden-tests run is the interviewer's alone: its events, with the tests' text and results,
// reach nobody else; sharing it tells the room how many tests passed and failed and nothing more.
func TestHiddenRunsStayWithTheInterviewer(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, pushOnStarter(1, "f = lambda x: print('arg', x) or 0", 0))
	// Asked for without private, a hidden run is private all the same.
	e.mustExec(eng, interviewer, 2, live.CmdRunStart, map[string]any{"run_id": "h1", "version": 1, "question_index": 0, "kind": "hidden"})
	e.mustExec(eng, interviewer, 3, live.CmdRunFinish, map[string]any{"run_id": "h1", "status": "ok", "output": "arg " + secret + "\n", "duration_ms": 40,
		"tests": []map[string]any{
			{"name": "test 1", "passed": true, "expected": "0", "actual": "0"},
			{"name": "test 2", "passed": false, "expected": "'" + secret + "'", "actual": "0"},
			{"name": "test 3", "passed": false, "expected": "1", "actual": "", "error": "KeyError: '" + secret + "'"},
		}})
	snap := func(p mockroom.Principal) []live.Event {
		t.Helper()
		s, err := eng.Snapshot(t.Context(), e.room, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return s.Runs
	}
	if runs := snap(candidate); len(runs) != 0 {
		t.Fatalf("the candidate's snapshot has %d runs before the share", len(runs))
	}
	iv := snap(interviewer)
	if len(iv) != 2 || runData(t, iv[0])["kind"] != "hidden" || runData(t, iv[0])["private"] != true {
		t.Fatalf("the interviewer's runs: %d events, first %v", len(iv), runData(t, iv[0]))
	}
	if tests, _ := runData(t, iv[1])["tests"].([]any); len(tests) != 3 {
		t.Errorf("the interviewer's run.finished carries %d test results, want 3", len(tests))
	}

	// Refused: the candidate sharing it, or finishing it with results of their own.
	if _, err := e.exec(eng, candidate, 2, live.CmdRunShare, map[string]any{"run_id": "h1"}); mockroom.ErrorCode(err) != "role_forbidden" {
		t.Errorf("the candidate shares the hidden run: %v", err)
	}
	if _, err := e.exec(eng, candidate, 3, live.CmdRunFinish, runFinish("h1", live.RunOK, "forged")); mockroom.ErrorCode(err) != "run_not_yours" {
		t.Errorf("the candidate finishes the hidden run: %v", err)
	}

	e.mustExec(eng, interviewer, 4, live.CmdRunShare, map[string]any{"run_id": "h1"})
	runs := snap(candidate)
	if len(runs) != 1 || runs[0].Type != live.TypeRunShared {
		t.Fatalf("the candidate's runs after the share: %d", len(runs))
	}
	got := runData(t, runs[0])
	want := map[string]any{"run_id": "h1", "question_index": 0.0, "version": 1.0, "kind": "hidden", "status": "ok",
		"duration_ms": 40.0, "ran_by": string(interviewer.UserID), "tests_passed": 1.0, "tests_failed": 2.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the shared hidden run as the candidate sees it (-want +got):\n%s", diff)
	}
	for _, ev := range e.all(eng) {
		for _, p := range []mockroom.Principal{candidate, observer} {
			role := mockroom.RoleCandidate
			if p == observer {
				role = mockroom.RoleObserver
			}
			if v, ok := live.Visible(ev, p.UserID, role); ok && (strings.Contains(string(v.Data), secret) || strings.Contains(string(v.Private), secret)) {
				t.Errorf("%s receives the hidden tests' text in %s", role, ev.Type)
			}
		}
	}
}

// Test runs need a question with code that runs in a browser; a plain run does not.
func TestTestRunsNeedAQuestionTheBrowserCanTest(t *testing.T) {
	e := newEnv(t, live.PlannedQuestion{QuestionID: "q-talk", Minutes: 1}, live.PlannedQuestion{QuestionID: "q-threads", Minutes: 1})
	eng := e.quiet()
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	start := func(id, kind string, q int) map[string]any {
		// Each question's document begins at its reset: version 1 for the first, 2 for the second.
		return map[string]any{"run_id": id, "version": q + 1, "question_index": q, "kind": kind}
	}
	if _, err := e.exec(eng, candidate, 1, live.CmdRunStart, start("e1", "examples", 0)); mockroom.ErrorCode(err) != "run_no_tests" {
		t.Errorf("examples of a question without code: %v, want run_no_tests", err)
	}
	e.mustExec(eng, candidate, 2, live.CmdRunStart, start("c1", "code", 0))
	e.mustExec(eng, interviewer, 2, live.CmdNext, nil)
	for i, kind := range []string{"examples", "hidden"} {
		_, err := e.exec(eng, interviewer, uint64(3+i), live.CmdRunStart, start("t"+kind, kind, 1))
		if mockroom.ErrorCode(err) != "run_not_in_browser" || !strings.Contains(err.Error(), "It starts threads.") {
			t.Errorf("%s run of a question flagged runs_in_browser=false: %v, want run_not_in_browser with the note", kind, err)
		}
	}
	e.mustExec(eng, candidate, 3, live.CmdRunStart, start("c2", "code", 1))
}
