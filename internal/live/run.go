package live

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Running code happens in the browser of the person who presses Run; the server never executes
// anything. It records what that browser reports, checked and capped, so the other person sees
// the output live and the record keeps every run: run.start when the code starts, run.finish with
// its output. A run's output is what one browser computed, and the events say whose.
//
// Each run has a state field "run:<id>" that makes the protocol a small state machine the
// appending script enforces atomically: absent → open (run.start) → done (run.finish) → shared
// (run.share, for an interviewer's private run). The field also remembers who ran it, for which
// question and editor version, and where in the log to look for its events.

// Run command types.
const (
	CmdRunStart  = "run.start"
	CmdRunFinish = "run.finish"
	CmdRunShare  = "run.share"
)

// Run event types.
const (
	TypeRunStarted  = "run.started"
	TypeRunFinished = "run.finished"
	TypeRunShared   = "run.shared"
)

// Limits on what a run report may carry.
const (
	// MaxRunOutputBytes caps a run's output (stdout and stderr together, UTF-8). The client
	// truncates and says so; the cap leaves room in a 64 KiB frame for JSON escaping.
	MaxRunOutputBytes = 32 << 10
	// MaxRunDurationMS is the longest run a client may report (ten minutes).
	MaxRunDurationMS = 600_000
	// MaxRunIDBytes bounds a client-chosen run id.
	MaxRunIDBytes = 64
	// MaxRunTests bounds the test results one run reports; their text counts towards
	// MaxRunOutputBytes with the output.
	MaxRunTests = 100
	// MaxRunTestNameBytes bounds a test's name.
	MaxRunTestNameBytes = 200
)

// Run kinds.
const (
	RunKindCode     = "code"     // the document as a program
	RunKindExamples = "examples" // the document, then each of the question's examples checked
	// RunKindHidden runs the document, then the question's hidden tests (the interviewer's
	// guide.tests). Only the interviewer may run them; the run is always private, and sharing it
	// shows the others how many tests passed and failed, never the tests or the output.
	RunKindHidden = "hidden"
)

// RunTest is the result of one test of a run, as the browser that ran it reported it.
type RunTest struct {
	Name     string `json:"name"`
	Passed   bool   `json:"passed"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Error    string `json:"error,omitempty"`
}

// Run statuses a client may report.
const (
	RunOK        = "ok"        // the code ran to its end
	RunError     = "error"     // it raised an exception (the traceback is in the output)
	RunTimeout   = "timeout"   // it was stopped at the time limit
	RunCancelled = "cancelled" // the person who ran it stopped it
)

var runCommands = map[string]bool{CmdRunStart: true, CmdRunFinish: true, CmdRunShare: true}

// Fields of the live state that belong to runs.
const (
	fieldRun     = "run:"     // + run id: the run's record (runRecord)
	fieldRunQ    = "run_q"    // the question whose runs start at or after run_from
	fieldRunFrom = "run_from" // an offset at or before the first run event of question run_q
)

// Run record states.
const (
	runOpen   = "open"
	runDone   = "done"
	runShared = "shared"
)

// runRecord is a run's state field: "<state>|<question>|<version>|<p|s|h>|<from>|<user>", where
// the visibility is p for private, s for shared with the room and h for a hidden-tests run
// (private too).
type runRecord struct {
	State    string
	Question int
	Version  int
	Private  bool
	Hidden   bool
	From     mockroom.EventOffset // the log head when the run started; its events come after
	User     mockroom.UserID
}

func (r runRecord) String() string {
	vis := "s"
	switch {
	case r.Hidden:
		vis = "h"
	case r.Private:
		vis = "p"
	}
	return strings.Join([]string{r.State, strconv.Itoa(r.Question), strconv.Itoa(r.Version), vis,
		strconv.FormatUint(uint64(r.From), 10), string(r.User)}, "|")
}

func parseRunRecord(s string) (runRecord, bool) {
	p := strings.SplitN(s, "|", 6)
	if len(p) != 6 {
		return runRecord{}, false
	}
	q, err1 := strconv.Atoi(p[1])
	v, err2 := strconv.Atoi(p[2])
	from, err3 := strconv.ParseUint(p[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return runRecord{}, false
	}
	return runRecord{State: p[0], Question: q, Version: v, Private: p[3] == "p" || p[3] == "h", Hidden: p[3] == "h", From: mockroom.EventOffset(from), User: mockroom.UserID(p[5])}, true
}

// runStartData is what run.start carries.
type runStartData struct {
	RunID         string `json:"run_id"`
	Version       *int   `json:"version"`
	QuestionIndex *int   `json:"question_index"`
	Private       bool   `json:"private"`
	Kind          string `json:"kind"`
}

// runFinishData is what run.finish carries.
type runFinishData struct {
	RunID      string    `json:"run_id"`
	Status     string    `json:"status"`
	Output     *string   `json:"output"`
	Truncated  bool      `json:"truncated"`
	DurationMS *int64    `json:"duration_ms"`
	Tests      []RunTest `json:"tests"`
}

// runEventData is the data of run.started (without the result fields), run.finished and
// run.shared.
type runEventData struct {
	RunID         string          `json:"run_id"`
	QuestionIndex int             `json:"question_index"`
	Version       int             `json:"version"`
	Language      string          `json:"language,omitempty"`
	Kind          string          `json:"kind,omitempty"`
	Private       bool            `json:"private,omitempty"`
	Status        string          `json:"status,omitempty"`
	Output        *string         `json:"output,omitempty"`
	Truncated     bool            `json:"truncated,omitempty"`
	DurationMS    *int64          `json:"duration_ms,omitempty"`
	Tests         []RunTest       `json:"tests,omitempty"`
	RanBy         mockroom.UserID `json:"ran_by,omitempty"`
	// TestsPassed and TestsFailed are all a shared hidden-tests run tells the room.
	TestsPassed *int `json:"tests_passed,omitempty"`
	TestsFailed *int `json:"tests_failed,omitempty"`
}

func checkRunID(id string) error {
	ok := id != "" && len(id) <= MaxRunIDBytes
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return invalid("run_id_invalid", "run_id must be 1 to %d characters of A-Z, a-z, 0-9, _ and -", MaxRunIDBytes)
	}
	return nil
}

// run executes a run command. Caller has checked the client id and seq.
func (e *Engine) run(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, cmd Command) (Result, error) {
	c := e.room(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, m, err := e.member(ctx, id, c, p.UserID)
	if err != nil {
		return Result{}, err
	}
	if !Allowed(m.Role, cmd.Type) {
		return Result{}, mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "a %s may not %s", m.Role, cmd.Type)
	}
	st, err := e.store.State(ctx, id)
	if err != nil {
		return Result{}, err
	}
	var req AppendRequest
	switch cmd.Type {
	case CmdRunStart:
		req, err = e.runStart(st, m, cmd)
	case CmdRunFinish:
		req, err = e.runFinish(st, m, cmd)
	default:
		req, err = e.runShare(ctx, id, st, m, cmd)
	}
	if err != nil {
		// A command re-sent after a lost acknowledgement finds the state it caused itself (the
		// run exists, has finished, was shared): it gets its original result, not a refusal.
		if dup, ok := e.runDuplicate(ctx, id, cmd); ok {
			return dup, nil
		}
		return Result{}, err
	}
	return e.appendCmd(ctx, id, c, req)
}

// checkTestsRun refuses a run of tests (examples or hidden) when the current question has no
// code to test, or says its code cannot run in a browser: the result would mean nothing.
func checkTestsRun(st State) error {
	var qd questionData
	if st.Question != nil {
		if err := json.Unmarshal(st.Question.Data, &qd); err != nil {
			return mockroom.Errorf(mockroom.KindInternal, "store_corrupt", "the current question cannot be read")
		}
	}
	if qd.Question == nil || qd.Question.Coding == nil {
		return mockroom.Errorf(mockroom.KindConflict, "run_no_tests", "the current question has no tests to run")
	}
	if c := qd.Question.Coding; !c.InBrowser() {
		return mockroom.Errorf(mockroom.KindConflict, "run_not_in_browser", "the tests of this question cannot run in a browser: %s", c.BrowserNote)
	}
	return nil
}

// fieldNever is a state field nothing writes: a check on it always fails.
const fieldNever = "run_never"

// runDuplicate asks the store whether (client, seq) was applied already, with an append whose
// check always fails: the store answers duplicates before it checks anything, and otherwise
// changes nothing.
func (e *Engine) runDuplicate(ctx context.Context, id mockroom.RoomID, cmd Command) (Result, bool) {
	res, err := e.store.Append(ctx, id, AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(),
		Checks: []Check{{Field: fieldNever, Value: "set"}}})
	if err != nil || !res.Duplicate {
		return Result{}, false
	}
	return Result{Position: res.Head, Duplicate: true}, true
}

func decodeRun(cmd Command, v any) error {
	if err := json.Unmarshal(cmd.Data, v); err != nil {
		return invalid("data_malformed", "%s: malformed data", cmd.Type)
	}
	return nil
}

func (e *Engine) runStart(st State, m Member, cmd Command) (AppendRequest, error) {
	var d runStartData
	if err := decodeRun(cmd, &d); err != nil {
		return AppendRequest{}, err
	}
	if err := checkRunID(d.RunID); err != nil {
		return AppendRequest{}, err
	}
	if d.Version == nil || d.QuestionIndex == nil {
		return AppendRequest{}, invalid("data_malformed", "run.start needs {run_id, version, question_index}")
	}
	switch d.Kind {
	case "", RunKindCode:
		d.Kind = ""
	case RunKindExamples:
	case RunKindHidden:
		if m.Role != mockroom.RoleInterviewer {
			return AppendRequest{}, mockroom.Errorf(mockroom.KindForbidden, "run_hidden_private", "the hidden tests and their results are the interviewer's alone")
		}
		d.Private = true
	default:
		return AppendRequest{}, invalid("run_kind", "kind must be code, examples or hidden, not %q", d.Kind)
	}
	if d.Private && m.Role != mockroom.RoleInterviewer {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "only the interviewer may run code privately")
	}
	if st.Phase != mockroom.StateLive || st.QIndex < 0 {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "code runs only while a question is running")
	}
	if *d.QuestionIndex != st.QIndex {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "run_question", "question %d is not the current question (%d)", *d.QuestionIndex, st.QIndex)
	}
	if d.Kind != "" {
		if err := checkTestsRun(st); err != nil {
			return AppendRequest{}, err
		}
	}
	if *d.Version < 0 || *d.Version > st.DocVersion {
		return AppendRequest{}, invalid("run_version", "editor version %d does not exist (the document is at %d)", *d.Version, st.DocVersion)
	}
	if *d.Version < st.DocBase {
		// The version names a document a question replaced: the previous question's code, which
		// has no place among this question's runs. The append checks the question index, which
		// moves with every reset, so the base read here is the one the run lands under.
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, editor.CodeDocReplaced,
			"editor version %d belongs to a replaced document; this question's document began at version %d", *d.Version, st.DocBase)
	}
	if _, ok := st.Runs[d.RunID]; ok {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "run_exists", "run %q exists already", d.RunID)
	}
	rec := runRecord{State: runOpen, Question: st.QIndex, Version: *d.Version, Private: d.Private, Hidden: d.Kind == RunKindHidden, From: st.Head.Offset, User: m.UserID}
	req := AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(),
		Checks: []Check{
			{Field: FieldPhase, Value: string(mockroom.StateLive)},
			{Field: FieldQIndex, Value: strconv.Itoa(st.QIndex)},
			{Field: fieldRun + d.RunID, Value: ""},
		},
		Set: []FieldValue{{fieldRun + d.RunID, rec.String()}},
	}
	if st.RunQ != st.QIndex {
		// The first run of this question: remember where its runs begin, for snapshots. A
		// concurrent first run may write the same field; any head read before the first run's
		// append is at or before it, so either value is right.
		req.Set = append(req.Set, FieldValue{fieldRunQ, strconv.Itoa(st.QIndex)},
			FieldValue{fieldRunFrom, strconv.FormatUint(uint64(st.Head.Offset), 10)})
	}
	lang := st.Language
	if lang == "" {
		lang = "plaintext"
	}
	ne := NewEvent{Type: TypeRunStarted, Actor: m.UserID, Data: runEventData{
		RunID: d.RunID, QuestionIndex: st.QIndex, Version: *d.Version, Language: lang, Kind: d.Kind, Private: d.Private,
	}}
	if d.Private {
		ne.InterviewerOnly, ne.For = true, m.UserID
	}
	req.Events = []NewEvent{ne}
	return req, nil
}

func (e *Engine) runFinish(st State, m Member, cmd Command) (AppendRequest, error) {
	var d runFinishData
	if err := decodeRun(cmd, &d); err != nil {
		return AppendRequest{}, err
	}
	if err := checkRunID(d.RunID); err != nil {
		return AppendRequest{}, err
	}
	if d.Output == nil || d.DurationMS == nil {
		return AppendRequest{}, invalid("data_malformed", "run.finish needs {run_id, status, output, duration_ms}")
	}
	switch d.Status {
	case RunOK, RunError, RunTimeout, RunCancelled:
	default:
		return AppendRequest{}, invalid("run_status", "status must be ok, error, timeout or cancelled, not %q", d.Status)
	}
	if len(d.Tests) > MaxRunTests {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindTooLarge, "too_large", "%d test results, limit %d", len(d.Tests), MaxRunTests)
	}
	size := len(*d.Output)
	texts := []string{*d.Output}
	for i, tr := range d.Tests {
		if tr.Name == "" || len(tr.Name) > MaxRunTestNameBytes {
			return AppendRequest{}, invalid("run_test_name", "test %d: a name of 1 to %d bytes is needed", i, MaxRunTestNameBytes)
		}
		size += len(tr.Name) + len(tr.Expected) + len(tr.Actual) + len(tr.Error)
		texts = append(texts, tr.Name, tr.Expected, tr.Actual, tr.Error)
	}
	if size > MaxRunOutputBytes {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindTooLarge, "too_large", "the output and test results are %d bytes, limit %d: truncate them and set truncated", size, MaxRunOutputBytes)
	}
	for _, t := range texts {
		if !utf8.ValidString(t) {
			return AppendRequest{}, invalid("run_output", "the output and test results must be valid UTF-8")
		}
	}
	if *d.DurationMS < 0 || *d.DurationMS > MaxRunDurationMS {
		return AppendRequest{}, invalid("run_duration", "duration_ms must be between 0 and %d", MaxRunDurationMS)
	}
	raw, ok := st.Runs[d.RunID]
	rec, parsed := parseRunRecord(raw)
	if !ok || !parsed {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindNotFound, "run_unknown", "no run %q was started", d.RunID)
	}
	if rec.User != m.UserID {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindForbidden, "run_not_yours", "run %q was started by someone else", d.RunID)
	}
	if rec.State != runOpen {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "run_finished", "run %q has finished already", d.RunID)
	}
	done := rec
	done.State = runDone
	ne := NewEvent{Type: TypeRunFinished, Actor: m.UserID, Data: runEventData{
		RunID: d.RunID, QuestionIndex: rec.Question, Version: rec.Version, Private: rec.Private,
		Status: d.Status, Output: d.Output, Truncated: d.Truncated, DurationMS: d.DurationMS, Tests: d.Tests,
	}}
	if rec.Private {
		ne.InterviewerOnly, ne.For = true, m.UserID
	}
	return AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(),
		// A run may finish after its question or the session ended: the result belongs to the
		// question it started in.
		Checks: []Check{{Field: fieldRun + d.RunID, Value: raw}},
		Set:    []FieldValue{{fieldRun + d.RunID, done.String()}},
		Events: []NewEvent{ne},
	}, nil
}

func (e *Engine) runShare(ctx context.Context, id mockroom.RoomID, st State, m Member, cmd Command) (AppendRequest, error) {
	var d struct {
		RunID string `json:"run_id"`
	}
	if err := decodeRun(cmd, &d); err != nil {
		return AppendRequest{}, err
	}
	if err := checkRunID(d.RunID); err != nil {
		return AppendRequest{}, err
	}
	if m.Role != mockroom.RoleInterviewer {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "only the interviewer shares runs")
	}
	raw, ok := st.Runs[d.RunID]
	rec, parsed := parseRunRecord(raw)
	if !ok || !parsed {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindNotFound, "run_unknown", "no run %q was started", d.RunID)
	}
	if rec.User != m.UserID {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindForbidden, "run_not_yours", "run %q was started by someone else", d.RunID)
	}
	switch {
	case !rec.Private || rec.State == runShared:
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "run_shared", "run %q is shared already", d.RunID)
	case rec.State != runDone:
		return AppendRequest{}, mockroom.Errorf(mockroom.KindConflict, "run_open", "run %q has not finished", d.RunID)
	}
	evs, err := e.runEvents(ctx, id, rec.From+1, st.Head.Offset, func(ev Event, rd runEventData) bool {
		return ev.Type == TypeRunFinished && rd.RunID == d.RunID
	})
	if err != nil {
		return AppendRequest{}, err
	}
	var fin runEventData
	if len(evs) == 0 || json.Unmarshal(evs[0].Data, &fin) != nil {
		return AppendRequest{}, mockroom.Errorf(mockroom.KindInternal, "store_corrupt", "the result of run %q is missing from the log", d.RunID)
	}
	shared := rec
	shared.State = runShared
	data := fin
	data.Private, data.RanBy = false, rec.User
	if rec.Hidden {
		// The room learns how the hidden tests went, not what they are: no output (the code may
		// print what the tests passed it) and no test names, values or errors.
		passed, failed := 0, 0
		for _, tr := range fin.Tests {
			if tr.Passed {
				passed++
			} else {
				failed++
			}
		}
		data = runEventData{RunID: fin.RunID, QuestionIndex: fin.QuestionIndex, Version: fin.Version, Kind: RunKindHidden,
			Status: fin.Status, DurationMS: fin.DurationMS, RanBy: rec.User, TestsPassed: &passed, TestsFailed: &failed}
	}
	return AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(),
		Checks: []Check{{Field: fieldRun + d.RunID, Value: raw}},
		Set:    []FieldValue{{fieldRun + d.RunID, shared.String()}},
		Events: []NewEvent{{Type: TypeRunShared, Actor: m.UserID, Data: data}},
	}, nil
}

// runPage is how many events a scan for run events reads at a time.
const runPage = 1000

// runEvents returns the run events in the log between offsets from and to (inclusive) that keep
// accepts, unfiltered by role.
func (e *Engine) runEvents(ctx context.Context, id mockroom.RoomID, from, to mockroom.EventOffset, keep func(Event, runEventData) bool) ([]Event, error) {
	if from == 0 {
		from = 1
	}
	var out []Event
	for from <= to {
		n := min(int(to-from)+1, runPage)
		_, evs, err := e.store.Read(ctx, id, from, n)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Offset > to {
				return out, nil
			}
			switch ev.Type {
			case TypeRunStarted, TypeRunFinished, TypeRunShared:
				var d runEventData
				if json.Unmarshal(ev.Data, &d) == nil && keep(ev, d) {
					out = append(out, ev)
				}
			}
		}
		from = evs[len(evs)-1].Offset + 1
	}
	return out, nil
}

// currentRuns lists the run events of the current question that user, in role, may see: what a
// snapshot shows so a reloaded page still has the question's runs and their output.
func (e *Engine) currentRuns(ctx context.Context, id mockroom.RoomID, st State, m Member) ([]Event, error) {
	out := []Event{}
	if st.QIndex < 0 || st.RunQ != st.QIndex {
		return out, nil
	}
	evs, err := e.runEvents(ctx, id, st.RunFrom+1, st.Head.Offset, func(_ Event, d runEventData) bool {
		return d.QuestionIndex == st.QIndex
	})
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if v, ok := Visible(ev, m.UserID, m.Role); ok {
			out = append(out, v)
		}
	}
	return out, nil
}
