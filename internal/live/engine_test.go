package live_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestCommandRoles(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	var seq uint64
	next := func() uint64 { seq++; return seq }
	tests := []struct {
		who  mockroom.Principal
		typ  string
		data any
		kind mockroom.Kind // "" = accepted
	}{
		{candidate, live.CmdStart, nil, mockroom.KindForbidden},
		{observer, live.CmdStart, nil, mockroom.KindForbidden},
		{stranger, live.CmdStart, nil, mockroom.KindForbidden},
		{interviewer, live.CmdStart, nil, ""},
		{interviewer, live.CmdStart, nil, mockroom.KindConflict},
		{candidate, live.CmdNext, nil, mockroom.KindForbidden},
		{candidate, live.CmdPause, nil, mockroom.KindForbidden},
		{candidate, live.CmdExtend, map[string]int{"seconds": 30}, mockroom.KindForbidden},
		{candidate, live.CmdLockEditor, nil, mockroom.KindForbidden},
		{candidate, live.CmdNoteAdd, map[string]string{"text": "x"}, mockroom.KindForbidden},
		{candidate, live.CmdSetAllowance, map[string]any{"user": candidate.UserID, "factor": 1.5}, mockroom.KindForbidden},
		{observer, live.CmdChatSend, map[string]string{"text": "hi"}, mockroom.KindForbidden},
		{observer, live.CmdEditorLanguage, map[string]string{"language": "go"}, mockroom.KindForbidden},
		{candidate, live.CmdChatSend, map[string]string{"text": "hi"}, ""},
		{candidate, live.CmdChatSend, map[string]string{"text": ""}, mockroom.KindInvalid},
		{candidate, live.CmdChatSend, map[string]string{"text": strings.Repeat("a", 2001)}, mockroom.KindTooLarge},
		{candidate, live.CmdEditorLanguage, map[string]string{"language": "cobol"}, mockroom.KindInvalid},
		{candidate, live.CmdEditorLanguage, map[string]string{"language": "go"}, ""},
		{interviewer, live.CmdExtend, map[string]int{"seconds": 0}, mockroom.KindInvalid},
		{interviewer, live.CmdExtend, map[string]int{"seconds": 30}, ""},
		{interviewer, live.CmdPause, nil, ""},
		{interviewer, live.CmdPause, nil, mockroom.KindConflict},
		{interviewer, live.CmdResume, nil, ""},
		{interviewer, live.CmdSetAllowance, map[string]any{"user": candidate.UserID, "factor": 5}, mockroom.KindInvalid},
		{interviewer, live.CmdSetAllowance, map[string]any{"user": candidate.UserID, "factor": 1.5}, ""},
		{interviewer, live.CmdNoteAdd, map[string]string{"text": "good start"}, ""},
		{interviewer, live.CmdLockEditor, nil, ""},
		{candidate, live.CmdEditorLanguage, map[string]string{"language": "python"}, mockroom.KindConflict},
		{interviewer, live.CmdUnlockEditor, nil, ""},
		{interviewer, "format_disk", nil, mockroom.KindInvalid},
		{interviewer, live.CmdNext, nil, ""},
		{interviewer, live.CmdEnd, nil, ""},
		{candidate, live.CmdChatSend, map[string]string{"text": "late"}, mockroom.KindConflict},
	}
	for i, tt := range tests {
		before := len(e.all(eng))
		_, err := e.exec(eng, tt.who, next(), tt.typ, tt.data)
		if got := kindOf(err); got != tt.kind {
			t.Errorf("%d: %s by %s: kind %q, want %q (err %v)", i, tt.typ, tt.who.UserID, got, tt.kind, err)
		}
		if after := len(e.all(eng)); tt.kind != "" && after != before {
			t.Errorf("%d: refused %s appended %d events", i, tt.typ, after-before)
		}
	}
	info, _ := e.rooms.Room(t.Context(), e.room)
	if info.State != mockroom.StateWrapUp {
		t.Errorf("room state %s after end, want wrap_up", info.State)
	}
}

func kindOf(err error) mockroom.Kind {
	if err == nil {
		return ""
	}
	return mockroom.ErrorKind(err)
}

func TestRepeatedCommandTakesEffectOnce(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	first := e.mustExec(eng, candidate, 7, live.CmdChatSend, map[string]string{"text": "hello"})
	again := e.mustExec(eng, candidate, 7, live.CmdChatSend, map[string]string{"text": "hello"})
	if !again.Duplicate || again.Position != first.Position {
		t.Errorf("repeat = %+v, want duplicate of %+v", again, first)
	}
	older := e.mustExec(eng, candidate, 6, live.CmdChatSend, map[string]string{"text": "older"})
	if !older.Duplicate {
		t.Errorf("an older seq was applied: %+v", older)
	}
	if n := countType(e.all(eng), live.TypeChatMessage); n != 1 {
		t.Errorf("%d chat messages, want 1", n)
	}
}

func push(version int, text string, at int) map[string]any {
	// A change set inserting text at position at of a document of length at.
	changes := []any{}
	if at > 0 {
		changes = append(changes, at)
	}
	changes = append(changes, []any{0, text})
	return map[string]any{"version": version, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}}
}

// starter is the starter code of fakeQuestions' default coding question: the document a
// question opens on (editor.reset) at version 1 of a room with no edits before the start.
const starter = "def f(x):\n    pass\n"

// pushOnStarter inserts text at position at of the question's document: the starter code after
// at units typed at its front.
func pushOnStarter(version int, text string, at int) map[string]any {
	changes := []any{}
	if at > 0 {
		changes = append(changes, at)
	}
	changes = append(changes, []any{0, text}, len(starter))
	return map[string]any{"version": version, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}}
}

func TestEditorPush(t *testing.T) {
	e := newEnv(t)
	a, b := e.quiet(), e.quiet() // two nodes
	r := e.mustExec(a, candidate, 1, live.CmdEditorPush, push(0, "abc", 0))
	if r.Version != 1 {
		t.Fatalf("version %d after first push, want 1", r.Version)
	}
	// Node b has never seen the room: it catches up from the store, then accepts.
	if r := e.mustExec(b, interviewer, 1, live.CmdEditorPush, push(1, "d", 3)); r.Version != 2 {
		t.Fatalf("version %d, want 2", r.Version)
	}
	// Node a is now behind the store; a push against the old version is stale.
	_, err := e.exec(a, candidate, 2, live.CmdEditorPush, push(1, "x", 3))
	if mockroom.ErrorCode(err) != "version_stale" {
		t.Fatalf("stale push: %v, want version_stale", err)
	}
	// A malformed change set changes nothing.
	_, err = e.exec(a, candidate, 3, live.CmdEditorPush, map[string]any{"version": 2, "updates": []map[string]any{{"clientID": "cm1", "changes": []any{99, []any{0, "x"}}}}})
	if mockroom.ErrorKind(err) != mockroom.KindInvalid {
		t.Fatalf("bad change set: %v", err)
	}
	e.mustExec(a, candidate, 4, live.CmdEditorPush, push(2, "e", 4))
	snap, err := b.Snapshot(t.Context(), e.room, candidate.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live.DocView{Text: "abcde", Version: 3, Language: "python"}, snap.Doc); diff != "" {
		t.Errorf("doc (-want +got):\n%s", diff)
	}
	// Locked: the candidate may not edit, the interviewer may.
	e.mustExec(a, interviewer, 10, live.CmdLockEditor, nil)
	if _, err := e.exec(b, candidate, 5, live.CmdEditorPush, push(3, "f", 5)); mockroom.ErrorCode(err) != "editor_locked" {
		t.Errorf("candidate push while locked: %v", err)
	}
	e.mustExec(b, interviewer, 11, live.CmdEditorPush, push(3, "f", 5))
}

func TestEditorPushIsOneRoundTrip(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, push(0, "a", 0)) // loads the cache, loads scripts
	for i := 1; i < 20; i++ {
		before := e.rounds.Load()
		e.mustExec(eng, candidate, uint64(i+1), live.CmdEditorPush, push(i, "a", i))
		if n := e.rounds.Load() - before; n != 1 {
			t.Fatalf("push %d took %d round trips, want 1", i, n)
		}
	}
}

func TestResumeReturnsExactlyTheMissedEvents(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	var pos mockroom.Position
	for i := range 10 {
		r := e.mustExec(eng, candidate, uint64(i+1), live.CmdChatSend, map[string]string{"text": "m"})
		if i == 3 {
			pos = r.Position
		}
	}
	evs, ok, err := eng.EventsAfter(t.Context(), e.room, pos, 100)
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	var offs []mockroom.EventOffset
	for _, ev := range evs {
		offs = append(offs, ev.Offset)
	}
	if diff := cmp.Diff([]mockroom.EventOffset{5, 6, 7, 8, 9, 10}, offs); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
	// Paging: max 2 at a time.
	evs, ok, _ = eng.EventsAfter(t.Context(), e.room, pos, 2)
	if !ok || len(evs) != 2 || evs[0].Offset != 5 {
		t.Errorf("page: ok=%v %d events", ok, len(evs))
	}
	for _, bad := range []mockroom.Position{
		{Epoch: "other", Offset: pos.Offset, EventID: pos.EventID},
		{Epoch: pos.Epoch, Offset: pos.Offset, EventID: "not-it"},
		{Epoch: pos.Epoch, Offset: 11, EventID: "ahead"},
	} {
		if _, ok, err := eng.EventsAfter(t.Context(), e.room, bad, 100); ok || err != nil {
			t.Errorf("EventsAfter(%v): ok=%v err=%v, want ok=false", bad, ok, err)
		}
	}
}

// A store that lost its last events and reissued their offsets to new events is detected.
func TestResumeDetectsReissuedOffsets(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	var last mockroom.Position
	for i := range 5 {
		last = e.mustExec(eng, candidate, uint64(i+1), live.CmdChatSend, map[string]string{"text": "m"}).Position
	}
	// Lose events 4 and 5: rebuild the stream with 1–3 and set the head back to 3.
	ctx := t.Context()
	logKey, stateKey := e.keys.LiveLog(e.room), e.keys.LiveState(e.room)
	kept, err := e.client.XRangeN(ctx, logKey, "-", "+", 3).Result()
	if err != nil {
		t.Fatal(err)
	}
	e.client.Del(ctx, logKey)
	for _, m := range kept {
		e.client.XAdd(ctx, &redis.XAddArgs{Stream: logKey, ID: m.ID, Values: m.Values})
	}
	third, _ := live.DecodeEvent([]byte(kept[2].Values["e"].(string)))
	e.client.HSet(ctx, stateKey, "off", 3, "last_id", third.ID)
	for i := range 2 {
		e.mustExec(eng, candidate, uint64(10+i), live.CmdChatSend, map[string]string{"text": "new"})
	}
	if _, ok, err := eng.EventsAfter(ctx, e.room, last, 100); ok || err != nil {
		t.Errorf("resume from a reissued offset: ok=%v err=%v, want ok=false", ok, err)
	}
	// From a position the store still holds, resume works and returns the new events.
	evs, ok, err := eng.EventsAfter(ctx, e.room, third.Position(), 100)
	if !ok || err != nil || len(evs) != 2 {
		t.Errorf("resume from kept event: ok=%v err=%v n=%d", ok, err, len(evs))
	}
}
