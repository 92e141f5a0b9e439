package ws_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The event frame's schema (server/event.json) only says that data and private are objects;
// api/schemas/events/<type>.json says what they hold. Each of those schemas describes the
// event's parts as one object {"data": …, "private": …}, so the same schema checks an event
// frame, an event embedded in a snapshot (chat, notes) and the snapshot's current question.

func loadEventSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	return schemasIn(t, "events")
}

// liveEventTypes reads the Type* constants of internal/live from its source, so an event type
// added there cannot be missed by a list kept here.
func liveEventTypes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../live/*.go")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{} // value → constant name
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Type") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					types[v] = name.Name
				}
			}
		}
	}
	// A sanity check that the parse found the constants at all.
	if types[live.TypeQuestionStarted] == "" || types[live.TypeNoteAdded] == "" {
		t.Fatalf("found no event type constants in internal/live: %v", types)
	}
	return types
}

// eventTableRows lists the event types in api/protocol.md's table of events.
func eventTableRows(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(apiDir, "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "Event types (`event` field)")
	if !ok {
		t.Fatal("api/protocol.md has no table of event types")
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	var rows []string
	inTable := false
	for line := range strings.Lines(after) {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		if m := row.FindStringSubmatch(line); m != nil {
			rows = append(rows, m[1])
		}
	}
	return rows
}

// TestEveryEventTypeHasASchema checks both ways that the engine's event types, their schemas
// and the protocol's table of events name the same set.
func TestEveryEventTypeHasASchema(t *testing.T) {
	types := liveEventTypes(t)
	schemas := loadEventSchemas(t)
	rows := eventTableRows(t)
	for typ, name := range types {
		if typ == live.TypePresence {
			// Never an event frame: the socket turns it into a presence frame
			// (api/schemas/server/presence.json).
			if _, ok := schemas[typ]; ok {
				t.Errorf("api/schemas/events/%s.json: presence is a frame of its own, not an event", typ)
			}
			continue
		}
		if _, ok := schemas[typ]; !ok {
			t.Errorf("live.%s (%q) has no schema api/schemas/events/%s.json", name, typ, typ)
		}
		if !slices.Contains(rows, typ) {
			t.Errorf("live.%s (%q) has no row in api/protocol.md's table of events", name, typ)
		}
	}
	for typ := range schemas {
		if _, ok := types[typ]; !ok {
			t.Errorf("api/schemas/events/%s.json names no event type of internal/live", typ)
		}
	}
	for _, typ := range rows {
		if _, ok := types[typ]; !ok || typ == live.TypePresence {
			t.Errorf("api/protocol.md's table of events has a row for %q, which the engine does not send as an event", typ)
		}
	}
}

// eventCoverage counts what checkEventFrames validated, so a scripted session can prove it
// exercised every schema rather than passing because nothing was checked.
type eventCoverage map[string]int

// checkEventFrames validates the data and private part of every event a client read: each
// event frame, and the events and current question a snapshot carries.
func checkEventFrames(t *testing.T, cl *client, seen eventCoverage) {
	t.Helper()
	all := loadEventSchemas(t)
	check := func(typ string, holder map[string]any, where string, raw []byte) {
		t.Helper()
		s, ok := all[typ]
		if !ok {
			t.Errorf("%s: %s: event type %q has no schema in api/schemas/events/\n%s", cl.user, where, typ, raw)
			return
		}
		parts := map[string]any{"data": holder["data"]}
		if p, ok := holder["private"]; ok {
			parts["private"] = p
			seen["private "+typ]++
		}
		if err := s.Validate(parts); err != nil {
			t.Errorf("%s: %s does not match api/schemas/events/%s.json: %v\n%s", cl.user, where, typ, err, raw)
		}
		seen[typ]++
	}
	for _, raw := range cl.raw {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("frame is not JSON: %s", raw)
		}
		f, _ := v.(map[string]any)
		switch f["type"] {
		case "event":
			typ, _ := f["event"].(string)
			check(typ, f, "event frame", raw)
		case "snapshot":
			room, _ := f["room"].(map[string]any)
			if q, ok := room["question"].(map[string]any); ok {
				check(live.TypeQuestionStarted, q, "snapshot room.question", raw)
				seen["snapshot question"]++
			}
			for _, list := range []string{"chat", "notes", "runs"} {
				events, _ := room[list].([]any)
				for _, e := range events {
					ev, _ := e.(map[string]any)
					typ, _ := ev["type"].(string)
					check(typ, ev, "snapshot room."+list, raw)
					seen["snapshot "+list]++
				}
			}
		}
	}
}

// TestEventFramesMatchEventSchemas runs a session that makes every kind of event, in its
// variants (a note before the start, an extension while paused, a question started by
// auto-advance, one without bank content), plus a peer room's swap and reveal, and validates what every
// participant received against api/schemas/events/.
func TestEventFramesMatchEventSchemas(t *testing.T) {
	h := newHarness(t)
	var withGuide []mockroom.QuestionID
	var coding mockroom.QuestionID
	for _, q := range h.track.Questions() {
		switch {
		case q.Guide == nil:
		case q.Coding != nil && coding == "":
			coding = q.ID
		case len(withGuide) < 2:
			withGuide = append(withGuide, q.ID)
		}
	}
	if coding == "" || len(withGuide) < 2 {
		t.Fatalf("the bank lacks the questions this test needs: coding %q, with guidance %v", coding, withGuide)
	}
	planned := func(id mockroom.QuestionID, minutes, seconds int) live.PlannedQuestion {
		q, err := h.track.Question(id)
		if err != nil {
			t.Fatal(err)
		}
		return live.PlannedQuestion{QuestionID: id, Title: q.Title, Category: q.Category, Minutes: minutes, Seconds: seconds}
	}
	h.rooms.Put(live.RoomInfo{ID: "r-ev", Kind: mockroom.RoomMentor, Track: "python-developer",
		State: mockroom.StateWaiting, Allowance: 1, AutoAdvance: true,
		Questions: []live.PlannedQuestion{
			planned(coding, 5, 0),
			planned(withGuide[0], 5, 0),
			// Two seconds, three with the allowance set below: it warns, expires and advances.
			planned(withGuide[1], 0, 2),
			{Title: "Your questions", Category: mockroom.CategoryOwnQuestions, Minutes: 5},
		},
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: interviewer.Name},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: candidate.Name},
			{UserID: observer.UserID, Role: mockroom.RoleObserver, DisplayName: observer.Name},
		}})

	iv := h.join(interviewer, "r-ev")
	cand := h.join(candidate, "r-ev")
	iv.command("note.add", map[string]any{"text": "before the start"})
	iv.command("room.start", nil)
	cand.waitEvent("question.started")
	// The coding question's document is its starter code; the candidate replaces all of it.
	starter := cand.waitEvent("editor.reset").obj("data").str("text")
	cand.command("editor.push", map[string]any{"version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{len(utf16.Encode([]rune(starter))), "def f():", "    return 1"}}},
	}})
	iv.command("editor.push", map[string]any{"version": 2, "updates": []any{
		map[string]any{"clientID": iv.clientID, "changes": []any{21, []any{0, "", "# why 1?"}}},
		map[string]any{"clientID": iv.clientID, "changes": []any{30, []any{0, "!"}}},
	}})
	cand.waitFor("the interviewer's edit", func(f frame) bool {
		return f.str("event") == "editor.update" && f.obj("data").num("version") == 2
	})
	cand.send(map[string]any{"type": "presence", "selection": map[string]any{"main": 0, "ranges": []any{map[string]any{"anchor": 0, "head": 3}}}})
	iv.waitFor("the candidate's cursor", func(f frame) bool { return f.str("type") == "presence" && f.obj("selection") != nil })
	cand.command("editor.language", map[string]any{"language": "go"})
	iv.command("editor.lock", map[string]any{"locked": true})
	iv.command("editor.lock", map[string]any{"locked": false})
	cand.command("chat.send", map[string]any{"text": "ready when you are"})
	iv.command("chat.send", map[string]any{"text": "go ahead"})
	iv.command("note.add", map[string]any{"text": "reads the prompt twice"})
	iv.command("hint.give", map[string]any{"number": 1})
	iv.command("clarification.give", map[string]any{"number": 1})
	cand.waitEvent("clarification.given")
	// Runs: the candidate's, then the interviewer's private one, shared afterwards; a page
	// loaded now gets them in its snapshot.
	cand.command("run.start", map[string]any{"run_id": "c-run-1", "version": 1, "question_index": 0})
	cand.command("run.finish", map[string]any{"run_id": "c-run-1", "status": "ok", "output": "1\n", "duration_ms": 35})
	cand.command("run.start", map[string]any{"run_id": "c-run-2", "version": 1, "question_index": 0, "kind": "examples"})
	cand.command("run.finish", map[string]any{"run_id": "c-run-2", "status": "ok", "output": "", "duration_ms": 35, "tests": []any{
		map[string]any{"name": "example 1", "passed": false, "expected": "2", "actual": "1"},
		map[string]any{"name": "example 2", "passed": false, "expected": "3", "actual": "", "error": "NameError: name 'g' is not defined"},
	}})
	iv.command("run.start", map[string]any{"run_id": "i-run-1", "version": 1, "question_index": 0, "private": true})
	iv.command("run.finish", map[string]any{"run_id": "i-run-1", "status": "error", "output": "Traceback", "truncated": true, "duration_ms": 40})
	iv.command("run.share", map[string]any{"run_id": "i-run-1"})
	cand.waitEvent("run.shared")
	midCand := h.join(candidate, "r-ev")
	midIv := h.join(interviewer, "r-ev")
	iv.command("timer.pause", nil)
	iv.command("timer.extend", map[string]any{"seconds": 30}) // while paused: no deadline
	iv.command("timer.resume", nil)
	iv.command("timer.extend", map[string]any{"seconds": 60})
	iv.command("allowance.set", map[string]any{"user_id": string(candidate.UserID), "factor": 1.5})
	iv.command("question.skip", nil)
	iv.command("question.next", nil)
	// The short question runs out by itself and the next one starts without a command.
	cand.waitEvent("timer.warning")
	cand.waitEvent("timer.expired")
	cand.waitFor("auto-advance", func(f frame) bool {
		return f.str("event") == "question.started" && f.obj("data").str("reason") == "auto"
	})
	// Joining now gives snapshots with a question, a timer, chat and (for the interviewer) notes.
	obs := h.join(observer, "r-ev")
	iv2 := h.join(interviewer, "r-ev")
	iv.command("room.end", nil)
	iv.command("note.add", map[string]any{"text": "overall: solid"})
	for _, cl := range []*client{iv, iv2} {
		cl.waitFor("the last note", func(f frame) bool { return f.str("event") == "note.added" && f.obj("data").num("question_index") == 3 })
	}
	for _, cl := range []*client{cand, obs} {
		cl.waitFor("wrap-up", func(f frame) bool {
			return f.str("event") == "room.state" && f.obj("data").str("state") == string(mockroom.StateWrapUp)
		})
	}
	// After the session the feedback service tells the room that a form was submitted and
	// released (as it builds those events; the content never travels in them).
	form := feedback.FormRef{ID: "candidate-0", Author: interviewer.UserID, About: candidate.UserID}
	fbLog := feedback.LiveLog{Store: h.log, Now: time.Now}
	if err := fbLog.AppendOnce(t.Context(), "r-ev", "sub", feedback.SubmittedEvent(form, 1)); err != nil {
		t.Fatal(err)
	}
	if err := fbLog.AppendOnce(t.Context(), "r-ev", "rel", feedback.ReleasedEvent(form, feedback.ReasonMentor)); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{iv, cand, obs} {
		cl.waitEvent(live.TypeFeedbackReleased)
	}
	lateIv := h.join(interviewer, "r-ev")
	lateCand := h.join(candidate, "r-ev")

	// A peer room, for roles.swapped.
	h.rooms.Put(live.RoomInfo{ID: "r-ev-peer", Kind: mockroom.RoomPeer, Track: "python-developer",
		State: mockroom.StateWaiting, Allowance: 1,
		Questions: []live.PlannedQuestion{planned(withGuide[0], 5, 0), planned(withGuide[1], 5, 0)},
		Halves: []live.Half{
			{Interviewer: interviewer.UserID, Candidate: candidate.UserID, FirstQuestion: 0, QuestionCount: 1},
			{Interviewer: candidate.UserID, Candidate: interviewer.UserID, FirstQuestion: 1, QuestionCount: 1},
		},
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Peer A"},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Peer B"},
		}})
	a := h.join(interviewer, "r-ev-peer")
	b := h.join(candidate, "r-ev-peer")
	a.command("room.start", nil)
	a.command("question.next", nil)
	for _, cl := range []*client{a, b} {
		cl.waitEvent("roles.swapped")
		cl.waitFor("second half", func(f frame) bool {
			return f.str("event") == "question.started" && f.obj("data").num("index") == 1
		})
	}
	b.command("note.add", map[string]any{"text": "second half note"})
	b.waitEvent("note.added")
	// Both reveal their names: the room service announces it through the engine.
	if err := h.engine.NamesRevealed(t.Context(), "r-ev-peer", []live.RevealedName{
		{UserID: interviewer.UserID, DisplayName: interviewer.Name}, {UserID: candidate.UserID, DisplayName: candidate.Name},
	}); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{a, b} {
		cl.waitEvent("names.revealed")
	}

	seen := eventCoverage{}
	for _, cl := range []*client{iv, cand, obs, iv2, lateIv, lateCand, a, b, midCand, midIv} {
		checkServerFrames(t, cl)
		checkEventFrames(t, cl, seen)
	}
	// The session must have exercised every schema, the private parts, and every list a
	// snapshot carries.
	var want []string
	for typ := range liveEventTypes(t) {
		if typ != live.TypePresence {
			want = append(want, typ)
		}
	}
	want = append(want, "private "+live.TypeQuestionStarted, "private "+live.TypeNoteAdded,
		"snapshot question", "snapshot chat", "snapshot notes", "snapshot runs")
	for _, k := range want {
		if seen[k] == 0 {
			t.Errorf("the session validated no %s (validated: %v)", k, seen)
		}
	}
}
