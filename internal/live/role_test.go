package live_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestForRole(t *testing.T) {
	q := live.Event{Offset: 3, Type: live.TypeQuestionStarted, Data: json.RawMessage(`{"t":1}`), Private: json.RawMessage(`{"g":2}`)}
	note := live.Event{Offset: 4, Type: live.TypeNoteAdded, Private: json.RawMessage(`{"text":"x"}`), InterviewerOnly: true}
	stripped := q
	stripped.Private = nil
	tests := []struct {
		ev     live.Event
		role   mockroom.Role
		want   live.Event
		wantOK bool
	}{
		{q, mockroom.RoleInterviewer, q, true},
		{q, mockroom.RoleCandidate, stripped, true},
		{q, mockroom.RoleObserver, stripped, true},
		{note, mockroom.RoleInterviewer, note, true},
		{note, mockroom.RoleCandidate, live.Event{}, false},
		{note, mockroom.RoleObserver, live.Event{}, false},
		{q, mockroom.Role("nobody"), stripped, true},
	}
	for _, tt := range tests {
		got, ok := live.ForRole(tt.ev, tt.role)
		if ok != tt.wantOK {
			t.Errorf("ForRole(%s, %s) ok=%v", tt.ev.Type, tt.role, ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ForRole(%s, %s) (-want +got):\n%s", tt.ev.Type, tt.role, diff)
		}
	}
}

// A whole session, as delivered live and as resumed and snapshotted: no interviewer-only
// string reaches the candidate or an observer.
func TestCandidateNeverReceivesInterviewerMaterial(t *testing.T) {
	e := newEnv(t)
	eng, _ := e.engine()
	w := listen(t, eng, e.room)
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	e.mustExec(eng, interviewer, 2, live.CmdNoteAdd, map[string]string{"text": secret + " note"})
	e.mustExec(eng, candidate, 1, live.CmdChatSend, map[string]string{"text": "hello"})
	e.mustExec(eng, candidate, 2, live.CmdEditorPush, pushOnStarter(1, "print(1)", 0))
	e.clock.Advance(31 * time.Second)
	w.waitFor(t, live.TypeTimerWarning, 1)
	e.mustExec(eng, interviewer, 3, live.CmdNext, nil)
	e.mustExec(eng, interviewer, 4, live.CmdEnd, nil)
	w.waitFor(t, live.TypeRoomState, 2)

	w.mu.Lock()
	delivered := append([]live.Event(nil), w.evs...)
	w.mu.Unlock()
	sawSecret := false
	for _, role := range []mockroom.Role{mockroom.RoleInterviewer, mockroom.RoleCandidate, mockroom.RoleObserver} {
		for _, evs := range [][]live.Event{delivered, e.all(eng)} {
			for _, ev := range evs {
				visible, ok := live.ForRole(ev, role)
				if !ok {
					continue
				}
				raw, _ := json.Marshal(visible)
				has := strings.Contains(string(raw), secret)
				if has && role != mockroom.RoleInterviewer {
					t.Errorf("%s receives interviewer material in %s: %s", role, ev.Type, raw)
				}
				sawSecret = sawSecret || has
			}
		}
	}
	if !sawSecret {
		t.Fatal("the interviewer never saw the material: the test proves nothing")
	}
	for _, p := range []mockroom.Principal{candidate, observer, interviewer} {
		snap, err := eng.Snapshot(t.Context(), e.room, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(snap)
		if has := strings.Contains(string(raw), secret); has != (p == interviewer) {
			t.Errorf("snapshot for %s contains interviewer material: %v", p.UserID, has)
		}
	}
}

func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	if _, err := eng.Join(t.Context(), e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Join(t.Context(), e.room, stranger); mockroom.ErrorKind(err) != mockroom.KindForbidden {
		t.Errorf("stranger joined: %v", err)
	}
	e.mustExec(eng, interviewer, 1, live.CmdStart, nil)
	e.mustExec(eng, candidate, 1, live.CmdChatSend, map[string]string{"text": "hi"})
	for i := range 60 { // past a materialised snapshot; the question's reset is version 1
		e.mustExec(eng, candidate, uint64(i+2), live.CmdEditorPush, pushOnStarter(i+1, "x", i))
	}
	e.mustExec(eng, interviewer, 2, live.CmdNoteAdd, map[string]string{"text": "private"})
	e.clock.Advance(10 * time.Second)
	snap, err := e.quiet().Snapshot(t.Context(), e.room, candidate.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Doc.Version != 61 || snap.Doc.Text != strings.Repeat("x", 60)+starter {
		t.Errorf("doc %+v", snap.Doc)
	}
	if snap.State != mockroom.StateLive || snap.Question == nil || snap.Question.Index != 0 || snap.Timer == nil {
		t.Fatalf("snapshot %+v", snap)
	}
	if snap.Timer.Remaining != 50*time.Second {
		t.Errorf("remaining %v, want 50s", snap.Timer.Remaining)
	}
	if len(snap.Chat) != 1 || len(snap.Notes) != 0 {
		t.Errorf("chat %d notes %d for the candidate", len(snap.Chat), len(snap.Notes))
	}
	online := map[mockroom.UserID]bool{}
	for _, p := range snap.Participants {
		online[p.UserID] = p.Online
	}
	if diff := cmp.Diff(map[mockroom.UserID]bool{interviewer.UserID: false, candidate.UserID: true, observer.UserID: false}, online); diff != "" {
		t.Errorf("presence (-want +got):\n%s", diff)
	}
	isnap, err := eng.Snapshot(t.Context(), e.room, interviewer.UserID)
	if err != nil || len(isnap.Notes) != 1 {
		t.Errorf("interviewer notes: %v %v", isnap.Notes, err)
	}
	head := e.all(eng)
	if snap.Position != head[len(head)-2].Position() && snap.Position != head[len(head)-1].Position() {
		t.Errorf("snapshot position %v", snap.Position)
	}
}
