package live_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// In a peer room the two swap roles at half time. Whatever one wrote or was shown as the first
// half's interviewer — the guidance of the questions they asked, their private notes about the
// other — must not reach the other person when that person, now the interviewer, replays the log
// or loads a snapshot.
func TestPeerRoomPrivateMaterialStaysWithItsInterviewer(t *testing.T) {
	e := newEnv(t)
	ann, ben := putPeerRoom(e)
	eng, _ := e.engine()
	ctx := t.Context()
	for _, p := range []mockroom.Principal{ann, ben} {
		if _, err := eng.Join(ctx, e.room, p); err != nil {
			t.Fatal(err)
		}
	}
	const annNote = "ANN: Ben hesitated on q1 7f2"
	const benNote = "BEN: Ann was crisp on q2 9c4"
	e.mustExec(eng, ann, 1, live.CmdStart, nil)
	e.mustExec(eng, ann, 2, live.CmdNoteAdd, map[string]any{"text": annNote})
	e.mustExec(eng, ann, 3, live.CmdNext, nil) // second half: Ben interviews Ann
	e.mustExec(eng, ben, 1, live.CmdNoteAdd, map[string]any{"text": benNote})

	visibleText := func(user mockroom.UserID, role mockroom.Role) string {
		var b strings.Builder
		for _, ev := range e.all(eng) {
			if v, ok := live.Visible(ev, user, role); ok {
				raw, _ := json.Marshal(v)
				b.Write(raw)
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	// guideOf reports whether the log carries the guidance (fakeQuestions marks it with secret)
	// of the question with id qid.
	guideOf := func(log string, qid string) bool {
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, `"question.started"`) && strings.Contains(line, `"id":"`+qid+`"`) && strings.Contains(line, secret) {
				return true
			}
		}
		return false
	}

	// Ben replays everything as the second half's interviewer.
	ben2 := visibleText(ben.UserID, mockroom.RoleInterviewer)
	if strings.Contains(ben2, annNote) {
		t.Error("Ben, now interviewing, received Ann's private note about him")
	}
	if guideOf(ben2, "q1") {
		t.Error("Ben received the guidance of q1, the question he was asked in the first half")
	}
	if !strings.Contains(ben2, benNote) || !guideOf(ben2, "q2") {
		t.Error("Ben lost his own note or the guidance of the question he asks: the check proves nothing")
	}
	// Ann replays as the second half's candidate.
	ann2 := visibleText(ann.UserID, mockroom.RoleCandidate)
	if strings.Contains(ann2, benNote) || guideOf(ann2, "q2") {
		t.Error("Ann, now the candidate, received Ben's note or the guidance of her question")
	}
	if !strings.Contains(ann2, annNote) || !guideOf(ann2, "q1") {
		t.Error("Ann lost her own first-half note or the guidance she was shown")
	}

	// Snapshots: each interviewer's notes are their own.
	snap, err := eng.Snapshot(ctx, e.room, ben.UserID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(snap)
	if strings.Contains(string(raw), annNote) {
		t.Error("Ben's snapshot carries Ann's note")
	}
	if !strings.Contains(string(raw), benNote) || !strings.Contains(string(raw), secret) {
		t.Error("Ben's snapshot lacks his own note or the current question's guidance")
	}
	snap, err = eng.Snapshot(ctx, e.room, ann.UserID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(snap)
	if strings.Contains(string(raw), benNote) || strings.Contains(string(raw), secret) {
		t.Error("Ann's snapshot, as the candidate, carries Ben's note or guidance")
	}
}

// A node that has not seen the roles swap still lets a peer in with the role of the half the room
// is in: the store's one join step is refused for the stale half and taken again for the right
// one, so the second half's interviewer, entering through a node new to the room, gets their role
// and their notes.
func TestEnterThroughANodeThatMissedTheSwap(t *testing.T) {
	e := newEnv(t)
	ann, ben := putPeerRoom(e)
	a, _ := e.engine()
	ctx := t.Context()
	for _, p := range []mockroom.Principal{ann, ben} {
		if _, err := a.Join(ctx, e.room, p); err != nil {
			t.Fatal(err)
		}
	}
	const benNote = "BEN: Ann was crisp on q2 5d1"
	e.mustExec(a, ann, 1, live.CmdStart, nil)
	e.mustExec(a, ann, 2, live.CmdNext, nil) // second half: Ben interviews Ann
	e.mustExec(a, ben, 1, live.CmdNoteAdd, map[string]any{"text": benNote})

	b, _ := e.engine()
	if m, err := b.Admit(ctx, e.room, ben); err != nil || m.Role != mockroom.RoleCandidate {
		t.Fatalf("admitted on the new node as %+v, %v; want the first half's candidate (the node has not seen the swap)", m, err)
	}
	entry, err := b.Enter(ctx, e.room, ben, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if entry.Member.Role != mockroom.RoleInterviewer || entry.Snapshot.You.Role != mockroom.RoleInterviewer || entry.Snapshot.Half != 1 {
		t.Errorf("entered as %s (snapshot: %s, half %d), want the second half's interviewer", entry.Member.Role, entry.Snapshot.You.Role, entry.Snapshot.Half)
	}
	if len(entry.Snapshot.Notes) != 1 || !strings.Contains(string(entry.Snapshot.Notes[0].Private), benNote) {
		t.Errorf("Ben's snapshot notes: %+v, want his own note", entry.Snapshot.Notes)
	}
	if err := b.Leave(ctx, e.room, ben); err != nil {
		t.Fatal(err)
	}
}

// putPeerRoom makes the env's room a peer room of two halves, one question each: Ann interviews
// Ben, then Ben interviews Ann.
func putPeerRoom(e *env) (ann, ben mockroom.Principal) {
	ann = mockroom.Principal{UserID: "u-ann", Name: "Ann"}
	ben = mockroom.Principal{UserID: "u-ben", Name: "Ben"}
	e.rooms.Put(live.RoomInfo{
		ID: e.room, Kind: mockroom.RoomPeer, Track: "python-developer", State: mockroom.StateWaiting,
		Questions: []live.PlannedQuestion{{QuestionID: "q1", Minutes: 1}, {QuestionID: "q2", Minutes: 1}},
		Halves: []live.Half{
			{Interviewer: ann.UserID, Candidate: ben.UserID, FirstQuestion: 0, QuestionCount: 1},
			{Interviewer: ben.UserID, Candidate: ann.UserID, FirstQuestion: 1, QuestionCount: 1},
		},
		Participants: []live.Participant{
			{UserID: ann.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Peer Otter"},
			{UserID: ben.UserID, Role: mockroom.RoleCandidate, DisplayName: "Peer Heron"},
		},
	})
	return ann, ben
}

// Receivers with the same audience key must get the same event from Visible, or sockets sharing
// an encoded frame would leak or lose material.
func TestAudienceKeyGroupsIdenticalViews(t *testing.T) {
	ann, ben, cy := mockroom.UserID("u-ann"), mockroom.UserID("u-ben"), mockroom.UserID("u-cy")
	events := []live.Event{
		{Type: live.TypeChatMessage, Data: []byte(`{"text":"hi"}`)},
		{Type: live.TypeQuestionStarted, Data: []byte(`{"index":0}`), Private: []byte(`{"guide":{}}`)},
		{Type: live.TypeQuestionStarted, Data: []byte(`{"index":1}`), Private: []byte(`{"guide":{}}`), For: ann},
		{Type: live.TypeNoteAdded, Data: []byte(`{}`), Private: []byte(`{"text":"n"}`), InterviewerOnly: true, For: ben},
	}
	receivers := []struct {
		user mockroom.UserID
		role mockroom.Role
	}{
		{ann, mockroom.RoleInterviewer}, {ann, mockroom.RoleCandidate}, {ben, mockroom.RoleInterviewer},
		{ben, mockroom.RoleCandidate}, {cy, mockroom.RoleObserver}, {cy, mockroom.RoleInterviewer},
	}
	for _, ev := range events {
		seen := map[string]string{}
		for _, r := range receivers {
			v, ok := live.Visible(ev, r.user, r.role)
			raw, _ := json.Marshal(struct {
				V  live.Event
				Ok bool
			}{v, ok})
			key := live.AudienceKey(ev, r.user, r.role)
			if prev, found := seen[key]; found && prev != string(raw) {
				t.Errorf("%s: key %q groups different views:\n%s\n%s", ev.Type, key, prev, raw)
			}
			seen[key] = string(raw)
		}
	}
}
