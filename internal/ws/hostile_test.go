package ws_test

import (
	"fmt"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// joinAs connects p and joins with a client id of the test's choosing.
func (h *harness) joinAs(p mockroom.Principal, room mockroom.RoomID, clientID string) *client {
	h.t.Helper()
	cl := h.connect(p, room)
	cl.clientID = clientID
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": clientID, "resume": nil})
	cl.waitType("snapshot")
	return cl
}

// TestBorrowedClientIDCannotSilenceItsOwner: a candidate who joins with the interviewer's client
// id (it is in every editor.update the interviewer sends) and sends a huge seq must not make
// the interviewer's later commands answer as duplicates.
func TestBorrowedClientIDCannotSilenceItsOwner(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-borrow")
	iv := h.join(interviewer, "r-borrow")
	thief := h.joinAs(candidate, "r-borrow", iv.clientID)

	thief.send(map[string]any{"type": "chat.send", "seq": 2000000000, "text": "mine now"})
	if r := thief.reply(2000000000); r.str("type") != "ack" {
		t.Fatalf("the candidate's own command was refused: %v", r)
	}
	r := iv.command("chat.send", map[string]any{"text": "still heard"})
	if r.obj("result")["duplicate"] == true {
		t.Fatalf("the interviewer's command was taken for a duplicate: %v", r)
	}
	ev := thief.waitFor("the interviewer's chat", func(f frame) bool {
		return f.str("event") == "chat.message" && f.obj("data").str("text") == "still heard"
	})
	if ev.str("actor") != string(interviewer.UserID) {
		t.Errorf("chat actor %q", ev.str("actor"))
	}
}

// TestEditorUpdatesMustCarryTheSocketsClientID: an update under another client's id would be
// taken by that client as the confirmation of its own edit.
func TestEditorUpdatesMustCarryTheSocketsClientID(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-forge")
	iv := h.join(interviewer, "r-forge")
	cand := h.join(candidate, "r-forge")
	iv.command("room.start", nil)
	before := h.head("r-forge")
	for _, id := range []string{iv.clientID, "has space", "bang/!"} {
		r := cand.refused("editor.push", map[string]any{"version": 1, "updates": []any{
			map[string]any{"clientID": id, "changes": []any{[]any{0, "forged"}}},
		}})
		if r.str("code") != "client_id_mismatch" {
			t.Errorf("push under clientID %q: code %q, want client_id_mismatch", id, r.str("code"))
		}
	}
	if got := h.head("r-forge"); got != before {
		t.Fatalf("a refused push changed the log: head %s → %s", before, got)
	}
	// The socket's own id is accepted (version 1: the first question's document).
	cand.command("editor.push", map[string]any{"version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "mine"}}},
	}})
}

// TestResentPushGetsItsOriginalResult: a push re-sent with its seq after the document moved on
// answers with the original result, not version_stale.
func TestResentPushGetsItsOriginalResult(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-resend")
	iv := h.join(interviewer, "r-resend")
	cand := h.join(candidate, "r-resend")
	iv.command("room.start", nil)
	push := map[string]any{"type": "editor.push", "seq": cand.nextSeq(), "version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "abc"}}},
	}}
	cand.send(push)
	first := cand.reply(uint64(push["seq"].(uint64)))
	if first.str("type") != "ack" {
		t.Fatalf("first push: %v", first)
	}
	// The interviewer edits after it, so version 1 is stale now.
	iv.command("editor.push", map[string]any{"version": 2, "updates": []any{
		map[string]any{"clientID": iv.clientID, "changes": []any{3, []any{0, "d"}}},
	}})
	cand.waitFor("the interviewer's edit", func(f frame) bool {
		return f.str("event") == "editor.update" && f.str("actor") == string(interviewer.UserID)
	})
	// The lock would refuse a new candidate push too; a repeat is still answered.
	iv.command("editor.lock", map[string]any{"locked": true})
	cand.send(push)
	again := cand.reply(uint64(push["seq"].(uint64)))
	if again.str("type") != "ack" {
		t.Fatalf("re-sent push: %s %s, want its original ack", again.str("code"), again.str("message"))
	}
	res, orig := again.obj("result"), first.obj("result")
	if res["duplicate"] != true || res.num("version") != 2 || fmt.Sprint(res["position"]) != fmt.Sprint(orig["position"]) {
		t.Errorf("re-sent push result %v, want duplicate with version 2 and position %v", res, orig["position"])
	}
}

// TestEditingIsOpenUntilTheEnd: the editor takes pushes before the start (the interviewer may
// set up code) and during the session, and refuses them after room.end, like the chat.
func TestEditingIsOpenUntilTheEnd(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-edit-end")
	iv := h.join(interviewer, "r-edit-end")
	cand := h.join(candidate, "r-edit-end")
	cand.command("editor.push", map[string]any{"version": 0, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "a"}}},
	}})
	iv.command("room.start", nil)
	// The first question replaced the document set up before the start (version 2).
	cand.command("editor.push", map[string]any{"version": 2, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "b"}}},
	}})
	iv.command("room.end", nil)
	cand.waitFor("wrap-up", func(f frame) bool {
		return f.str("event") == "room.state" && f.obj("data").str("state") == "wrap_up"
	})
	before := h.head("r-edit-end")
	if r := cand.refused("editor.push", map[string]any{"version": 3, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{1, []any{0, "c"}}},
	}}); r.str("code") != "room_state" {
		t.Errorf("push after the end: %q, want room_state", r.str("code"))
	}
	if r := cand.refused("chat.send", map[string]any{"text": "late"}); r.str("code") != "room_state" {
		t.Errorf("chat after the end: %q, want room_state", r.str("code"))
	}
	if got := h.head("r-edit-end"); got != before {
		t.Errorf("a refused push changed the log: %s → %s", before, got)
	}
}

// TestChatAndNotesFollowTheTextRule: invisible-only text, bidi overrides and lone surrogates are
// refused (never stored altered), and the length counts UTF-16 units.
func TestChatAndNotesFollowTheTextRule(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-text")
	iv := h.join(interviewer, "r-text")
	before := h.head("r-text")
	for _, tt := range []struct{ raw, code string }{
		{`"\u200b\u200b"`, "text_empty"},
		{`"abc\u202edef"`, "text_invalid"},
		{`"lone \ud800 surrogate"`, "text_invalid"},
	} {
		for _, typ := range []string{"chat.send", "note.add"} {
			seq := iv.nextSeq()
			iv.sendRaw([]byte(fmt.Sprintf(`{"type":%q,"seq":%d,"text":%s}`, typ, seq, tt.raw)))
			if r := iv.reply(seq); r.str("code") != tt.code {
				t.Errorf("%s %s: %v, want %s", typ, tt.raw, r, tt.code)
			}
		}
	}
	// 1000 emoji are 2000 UTF-16 units: the limit; one more unit is too long.
	long := ""
	for range 1000 {
		long += "😀"
	}
	iv.command("chat.send", map[string]any{"text": long})
	if r := iv.refused("chat.send", map[string]any{"text": long + "a"}); r.str("code") != "text_too_long" {
		t.Errorf("chat of 2001 units: %q, want text_too_long", r.str("code"))
	}
	if after := h.head("r-text"); after == before {
		t.Fatal("the accepted chat did not reach the log")
	}
}
