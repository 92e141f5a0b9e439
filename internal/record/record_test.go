package record_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/record/recordtest"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}

// played is one scripted session on a real Redis.
type played struct {
	s      *recordtest.Session
	room   room.Room
	events []live.Event
}

func play(t *testing.T, client redis.UniversalClient) played {
	t.Helper()
	store := redisstore.NewLiveStore(client, redisstore.Keys{Prefix: redistest.Prefix(t)}, false)
	info, r := recordtest.MentorRoom("r-review")
	s := recordtest.New(t, store, info)
	r = recordtest.Script(s, r)
	return played{s: s, room: r, events: logOf(t, store, r.ID)}
}

func logOf(t *testing.T, store live.Store, id mockroom.RoomID) []live.Event {
	t.Helper()
	evs, err := feedback.LiveLog{Store: store, Now: time.Now}.Events(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func build(t *testing.T, p played, reader mockroom.UserID, forms ...feedback.Form) record.Record {
	t.Helper()
	rec, err := record.Build(record.Input{Room: p.room, Events: p.events, Feedback: forms, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestReplayGivesTheFinalDocumentExactly replays every stored update of a session in which both
// people typed, one push lost a race and was rebased, astral characters were typed and deleted,
// and a reconnecting client re-sent a push: the replay equals, to the byte, the document the
// engine holds at the end, and each question's code is the replay up to its end. Each question
// has a document of its own: its edits begin with the reset that started it.
func TestReplayGivesTheFinalDocumentExactly(t *testing.T) {
	p := play(t, redistest.Shared(t).Client(t))
	rec := build(t, p, recordtest.Candidate)

	snap, err := p.s.Engine.Snapshot(t.Context(), p.room.ID, recordtest.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Doc.Text != p.s.Text {
		t.Fatalf("the engine's document differs from what the editors typed:\n%q\n%q", snap.Doc.Text, p.s.Text)
	}
	got, err := record.Replay(rec.Edits, len(rec.Edits))
	if err != nil {
		t.Fatal(err)
	}
	if got != snap.Doc.Text || rec.Final.Text != snap.Doc.Text {
		t.Fatalf("replay %q, record final %q, engine %q", got, rec.Final.Text, snap.Doc.Text)
	}
	if rec.Final.Version != len(rec.Edits) || rec.Final.Version != snap.Doc.Version {
		t.Errorf("final version %d, %d edits, engine version %d", rec.Final.Version, len(rec.Edits), snap.Doc.Version)
	}
	authors := map[mockroom.UserID]int{}
	for _, e := range rec.Edits {
		if !e.Reset {
			authors[e.Author]++
		}
	}
	if authors[recordtest.Mentor] == 0 || authors[recordtest.Candidate] == 0 || len(authors) != 2 {
		t.Errorf("edit authors %v, want both people", authors)
	}
	if len(rec.Questions) != 2 {
		t.Fatalf("%d questions, want 2", len(rec.Questions))
	}
	first := rec.Questions[0].Code.Text
	if !strings.Contains(first, "🐍") || strings.Contains(first, "𝔣") {
		t.Errorf("first question's code %q: want the kept astral character and not the deleted one", first)
	}
	if want := "def walk(node):\n    yield node\n"; rec.Final.Text != want {
		t.Errorf("final text %q, want only the second question's code %q", rec.Final.Text, want)
	}
	for _, q := range rec.Questions {
		if q.EditFrom >= q.EditTo || q.EditTo > len(rec.Edits) {
			t.Fatalf("question %d: edits [%d, %d) of %d", q.Index, q.EditFrom, q.EditTo, len(rec.Edits))
		}
		if r := rec.Edits[q.EditFrom]; !r.Reset || r.Text != "" || r.Offset <= q.StartOffset {
			t.Errorf("question %d: first edit %+v, want the reset to an empty document after its start", q.Index, r)
		}
		for _, e := range rec.Edits[q.EditFrom+1 : q.EditTo] {
			if e.Reset {
				t.Errorf("question %d: a second reset at offset %d", q.Index, e.Offset)
			}
		}
		at, err := record.Replay(rec.Edits, q.EditTo)
		if err != nil {
			t.Fatal(err)
		}
		through, err := record.Replay(rec.Edits, record.EditsThrough(rec.Edits, q.EndOffset))
		if err != nil {
			t.Fatal(err)
		}
		if at != q.Code.Text || through != q.Code.Text || q.Code.Version != q.EditTo {
			t.Errorf("question %d: code %q at version %d, replay to edit_to %q, replay to its end %q", q.Index, q.Code.Text, q.Code.Version, at, through)
		}
	}
	if got := rec.Questions[1].EditFrom; got != rec.Questions[0].EditTo {
		t.Errorf("the second question's edits start at %d, the first's end at %d", got, rec.Questions[0].EditTo)
	}
	// Nothing was typed before the start: the first question's reset is the first edit.
	if rec.Questions[0].EditFrom != 0 {
		t.Errorf("first question's edits start at %d; nothing was typed before the start", rec.Questions[0].EditFrom)
	}
}

// TestQuestionTimesCountPausesAndExtensions checks the time used by the scripted questions.
func TestQuestionTimesCountPausesAndExtensions(t *testing.T) {
	p := play(t, redistest.Shared(t).Client(t))
	rec := build(t, p, recordtest.Candidate)
	q0, q1 := rec.Questions[0], rec.Questions[1]
	want0 := record.Part{Index: 0, Title: "Sum of a list", Category: mockroom.CategoryTechnical, PausedMS: 60_000, ExtendedMS: 120_000,
		BudgetMS: 12 * 60_000, UsedMS: (30 + 20 + 10 + 30 + 9*60) * 1000, Warnings: 1, Interviewer: recordtest.Mentor, Candidate: recordtest.Candidate}
	got0 := record.Part{Index: q0.Index, Title: q0.Title, Category: q0.Category, PausedMS: q0.PausedMS, ExtendedMS: q0.ExtendedMS,
		BudgetMS: q0.BudgetMS, UsedMS: q0.UsedMS, Warnings: q0.Warnings, Interviewer: q0.Interviewer, Candidate: q0.Candidate}
	if diff := cmp.Diff(want0, got0); diff != "" {
		t.Errorf("question 1 (-want +got):\n%s", diff)
	}
	if q1.UsedMS != 6*60_000 || q1.BudgetMS != 20*60_000 || q1.Expired {
		t.Errorf("question 2: used %d of %d, expired %v", q1.UsedMS, q1.BudgetMS, q1.Expired)
	}
	if rec.DurationMS != rec.EndedAt.Sub(rec.StartedAt).Milliseconds() || rec.DurationMS != (30+20+10+60+30+9*60+60+5*60)*1000 {
		t.Errorf("duration %d ms", rec.DurationMS)
	}
}

// mentorForm is a released rubric form about the candidate citing the chat line.
func mentorForm(rec record.Record, released bool) feedback.Form {
	var chat mockroom.EventOffset
	for _, e := range rec.Timeline {
		if e.Kind == "chat" && chat == 0 {
			chat = e.Offset
		}
	}
	return feedback.Form{
		ID: "candidate-0", Kind: feedback.KindCandidate, Author: recordtest.Mentor, About: recordtest.Candidate, Released: released,
		Versions: []feedback.Version{{Version: 1, RubricVersion: 1, SubmittedAt: recordtest.Start.Add(time.Hour), Content: feedback.Content{
			Recommendation: "yes", Strengths: "Reaches for the standard library.", Improvements: "Say the cost of a loop aloud.",
			Qualities: []feedback.QualityAnswer{
				{Quality: "technical_expertise", Score: 3, Evidence: "Used sum.", Moments: []feedback.Moment{{From: chat, To: chat}}},
				{Quality: "databases", NotObserved: true},
			},
			Questions: []feedback.QuestionAnswer{{Index: 0, Score: 4, Note: "Quick."}},
		}}},
	}
}

// TestMarkdownExportGolden renders the candidate's record of the scripted session, with the
// feedback released to them, and compares it with testdata/session.md.
func TestMarkdownExportGolden(t *testing.T) {
	p := play(t, redistest.Shared(t).Client(t))
	rec := build(t, p, recordtest.Candidate)
	rec = build(t, p, recordtest.Candidate, mentorForm(rec, true))
	got := record.Markdown(rec)
	path := filepath.Join("testdata", "session.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Markdown export (-golden +got):\n%s", diff)
	}
	for _, s := range []string{"### Final code of question 1", "### Final code of question 2", "### Runs of question 1", "run of version", "I would use the built-in sum.", "> "} {
		if !strings.Contains(got, s) {
			t.Errorf("export lacks %q", s)
		}
	}
	// Each question shows its own document: the first question's code is not repeated under
	// the second.
	second := got[strings.Index(got, "### Final code of question 2"):]
	second = second[:strings.Index(second, "### Runs of question 2")]
	if strings.Contains(second, "def total") || !strings.Contains(second, "def walk") {
		t.Errorf("the second question's code block holds another document:\n%s", second)
	}
}

// TestEachReaderSeesTheirOwnRecord: the candidate never sees the interviewer's note or an
// unreleased form; the interviewer sees their note; the observer sees no feedback even if
// handed some.
func TestEachReaderSeesTheirOwnRecord(t *testing.T) {
	p := play(t, redistest.Shared(t).Client(t))
	base := build(t, p, recordtest.Candidate)
	unreleased := mentorForm(base, false)
	released := mentorForm(base, true)
	notes := func(rec record.Record) []string {
		var out []string
		for _, e := range rec.Timeline {
			if e.Kind == "note" {
				out = append(out, e.Text)
			}
		}
		return out
	}
	cand := build(t, p, recordtest.Candidate, unreleased)
	if n := notes(cand); len(n) != 0 || len(cand.Feedback) != 0 {
		t.Errorf("candidate sees notes %q and %d forms, want none", n, len(cand.Feedback))
	}
	if strings.Contains(record.Markdown(cand), "Knows the standard library") {
		t.Errorf("the candidate's export holds the interviewer's private note")
	}
	mentor := build(t, p, recordtest.Mentor, unreleased)
	if n := notes(mentor); len(n) != 1 || n[0] != "Knows the standard library." || len(mentor.Feedback) != 1 {
		t.Errorf("mentor sees notes %q and %d forms, want their note and their form", n, len(mentor.Feedback))
	}
	obs := build(t, p, recordtest.Observer, released)
	if n := notes(obs); len(n) != 0 || len(obs.Feedback) != 0 {
		t.Errorf("observer sees notes %q and %d forms, want none", n, len(obs.Feedback))
	}
	if got := obs.Reader.Roles; len(got) != 1 || got[0] != mockroom.RoleObserver {
		t.Errorf("observer's roles %v", got)
	}
}

// TestRecordSurvivesARestartWithAOF builds a record, kills the redis-server that logs every
// write to its append-only file, starts it again and builds the record once more: equal.
func TestRecordSurvivesARestartWithAOF(t *testing.T) {
	srv := redistest.StartWithArgs(t, "--appendonly", "yes", "--appendfsync", "always")
	srv.RequireReal(t)
	client := srv.Client(t)
	p := play(t, client)
	before := build(t, p, recordtest.Mentor)

	srv.Kill()
	srv.Restart(t)

	p.events = logOf(t, p.s.Store, p.room.ID)
	after := build(t, p, recordtest.Mentor)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("record after the restart (-before +after):\n%s", diff)
	}
	if len(after.Edits) == 0 || len(after.Timeline) == 0 {
		t.Fatalf("empty record after the restart: %+v", after)
	}
}

// TestRunsOnTheTimeline: each reader's timeline lists the runs they may see, with who ran it, the
// version and the first lines of output. An interviewer's private run is the interviewer's alone
// until they share it; from then on everyone sees the shared result, never the private events.
func TestRunsOnTheTimeline(t *testing.T) {
	client := redistest.Shared(t).Client(t)
	store := redisstore.NewLiveStore(client, redisstore.Keys{Prefix: redistest.Prefix(t)}, false)
	info, r := recordtest.MentorRoom("r-runs")
	s := recordtest.New(t, store, info)
	c, m := recordtest.Candidate, recordtest.Mentor
	s.Join(m)
	s.Join(c)
	s.Do(m, "m1", live.CmdStart, nil)
	s.Insert(c, "c1", 0, "print(1)\n")
	v := s.Version()
	s.Do(c, "c1", live.CmdRunStart, map[string]any{"run_id": "cand-1", "version": v, "question_index": 0})
	s.Do(c, "c1", live.CmdRunFinish, map[string]any{"run_id": "cand-1", "status": "ok", "output": "1\n2\n3\n4\n5\n", "duration_ms": 12})
	s.Do(m, "m1", live.CmdRunStart, map[string]any{"run_id": "mine-1", "version": v, "question_index": 0, "private": true})
	s.Do(m, "m1", live.CmdRunFinish, map[string]any{"run_id": "mine-1", "status": "error", "output": "Traceback\nboom", "duration_ms": 7})

	runs := func(reader mockroom.UserID) []string {
		t.Helper()
		rec, err := record.Build(record.Input{Room: r, Events: logOf(t, store, r.ID), Reader: reader})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range rec.Timeline {
			if e.Kind != "run" {
				continue
			}
			if e.Run == nil {
				t.Fatalf("run entry %q without its run", e.Text)
			}
			out = append(out, fmt.Sprintf("%s %s %s v%d %s %q private=%v", e.Type, e.Run.RunID, e.Run.RanBy, e.Run.Version, e.Run.Status, e.Run.Output, e.Run.Private))
		}
		return out
	}
	ver := fmt.Sprintf("v%d", v)
	candRuns := []string{
		"run.started cand-1 " + string(c) + " " + ver + "  \"\" private=false",
		"run.finished cand-1 " + string(c) + " " + ver + " ok \"1\\n2\\n3\" private=false",
	}
	if got := runs(c); !slices.Equal(got, candRuns) {
		t.Errorf("candidate's runs before the share:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(candRuns, "\n"))
	}
	mentorRuns := append(slices.Clone(candRuns),
		"run.started mine-1 "+string(m)+" "+ver+"  \"\" private=true",
		"run.finished mine-1 "+string(m)+" "+ver+" error \"Traceback\\nboom\" private=true",
	)
	if got := runs(m); !slices.Equal(got, mentorRuns) {
		t.Errorf("mentor's runs before the share:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(mentorRuns, "\n"))
	}
	s.Do(m, "m1", live.CmdRunShare, map[string]any{"run_id": "mine-1"})
	shared := "run.shared mine-1 " + string(m) + " " + ver + " error \"Traceback\\nboom\" private=false"
	if got, want := runs(c), append(slices.Clone(candRuns), shared); !slices.Equal(got, want) {
		t.Errorf("candidate's runs after the share:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := runs(m), append(slices.Clone(mentorRuns), shared); !slices.Equal(got, want) {
		t.Errorf("mentor's runs after the share:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
