package ws_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

// head is the room's log position as a fresh join sees it.
func (h *harness) head(room mockroom.RoomID) string {
	h.t.Helper()
	cl := h.join(observer, room)
	defer cl.c.Close()
	p := cl.lastOf("snapshot").obj("position")
	if p == nil {
		return "empty"
	}
	return p.str("epoch") + "/" + p.str("event_id")
}

func TestMalformedFramesAreRefusedWithoutEffect(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-bad")
	iv := h.join(interviewer, "r-bad")
	iv.command("room.start", nil)
	// Everyone joins first: a person's first join is itself an event of the log.
	cand := h.join(candidate, "r-bad")
	obs := h.join(observer, "r-bad")
	before := h.head("r-bad")

	cases := []struct {
		name, frame, code string
		seq               float64
	}{
		{"not json", `{"type":"chat.send",`, "bad_json", 0},
		{"not an object", `["chat.send"]`, "bad_json", 0},
		{"trailing data", `{"type":"ping","seq":50} {}`, "bad_json", 0},
		{"duplicate key", `{"type":"chat.send","seq":51,"text":"a","text":"b"}`, "duplicate_key", 0},
		{"nested duplicate key", `{"type":"editor.push","seq":52,"version":0,"updates":[{"clientID":"a","clientID":"b","changes":[[0,"x"]]}]}`, "duplicate_key", 0},
		{"unknown field", `{"type":"chat.send","seq":53,"text":"hi","colour":"red"}`, "unknown_field", 53},
		{"wrong type", `{"type":"chat.send","seq":54,"text":42}`, "bad_field", 54},
		{"float seq", `{"type":"chat.send","seq":1.5,"text":"hi"}`, "bad_field", 0},
		{"missing field", `{"type":"chat.send","seq":55}`, "missing_field", 55},
		{"unknown type", `{"type":"chat.shout","seq":56,"text":"hi"}`, "unknown_type", 56},
		{"no type", `{"seq":57,"text":"hi"}`, "missing_field", 57},
		{"extend out of range", `{"type":"timer.extend","seq":58,"seconds":99999}`, "bad_field", 58},
		{"second join", ``, "", 0},
	}
	for _, tc := range cases {
		if tc.frame == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			iv.sendRaw([]byte(tc.frame))
			f := iv.waitType("error")
			if f.str("code") != tc.code {
				t.Errorf("code = %q (%s), want %q", f.str("code"), f.str("message"), tc.code)
			}
			if f.num("seq") != tc.seq {
				t.Errorf("seq = %v, want %v", f.num("seq"), tc.seq)
			}
			if f.str("message") == "" {
				t.Error("error without a message")
			}
		})
	}
	// Role checks happen at command time, with a clear code and no effect.
	if r := cand.refused("question.next", nil); r.str("code") != "role_forbidden" {
		t.Errorf("candidate question.next: %q, want role_forbidden", r.str("code"))
	}
	if r := cand.refused("note.add", map[string]any{"text": "mine"}); r.str("code") != "role_forbidden" {
		t.Errorf("candidate note.add: %q, want role_forbidden", r.str("code"))
	}
	if r := obs.refused("chat.send", map[string]any{"text": "hi"}); r.str("code") != "role_forbidden" {
		t.Errorf("observer chat.send: %q, want role_forbidden", r.str("code"))
	}
	// Stale editor version.
	if r := cand.refused("editor.push", map[string]any{"version": 7, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "x"}}}}}); r.str("code") != "version_stale" && r.str("code") != "version_ahead" {
		t.Errorf("stale push: %q", r.str("code"))
	}
	// A change set that does not fit the document.
	if r := cand.refused("editor.push", map[string]any{"version": 1, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{5, []any{0, "x"}}}}}); r.str("code") != "changes_length_mismatch" {
		t.Errorf("oversized change set: %q, want changes_length_mismatch", r.str("code"))
	}
	// A push against the document from before the first question started.
	if r := cand.refused("editor.push", map[string]any{"version": 0, "updates": []any{
		map[string]any{"clientID": cand.clientID, "changes": []any{[]any{0, "x"}}}}}); r.str("code") != "doc_replaced" {
		t.Errorf("push against the replaced document: %q, want doc_replaced", r.str("code"))
	}
	// The socket still works and nothing was appended.
	iv.command("ping", nil)
	if after := h.head("r-bad"); after != before {
		t.Errorf("refused frames changed the log: %s → %s", before, after)
	}
	checkServerFrames(t, iv)
	checkServerFrames(t, cand)
}

func TestFramesThatCloseTheSocket(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-close")
	cases := []struct {
		name string
		send func(cl *client)
		code int
	}{
		{"invalid utf-8", func(cl *client) {
			_ = cl.c.WriteMessage(websocket.TextMessage, []byte("{\"type\":\"chat.send\",\"seq\":9,\"text\":\"\xff\xfe\"}"))
		}, websocket.CloseInvalidFramePayloadData},
		{"too big", func(cl *client) {
			_ = cl.c.WriteMessage(websocket.TextMessage, []byte(`{"type":"chat.send","seq":9,"text":"`+strings.Repeat("a", 70<<10)+`"}`))
		}, websocket.CloseMessageTooBig},
		{"binary", func(cl *client) { _ = cl.c.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"ping","seq":9}`)) }, websocket.ClosePolicyViolation},
		{"second join", func(cl *client) {
			cl.send(map[string]any{"type": "join", "seq": 9, "client_id": "again", "resume": nil})
		}, 4400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := h.join(candidate, "r-close")
			tc.send(cl)
			if got := cl.waitClose(); got != tc.code {
				t.Errorf("close code %d, want %d", got, tc.code)
			}
		})
	}
	t.Run("first frame not join", func(t *testing.T) {
		cl := h.connect(candidate, "r-close")
		cl.send(map[string]any{"type": "ping", "seq": 1})
		if got := cl.waitClose(); got != 4400 {
			t.Errorf("close code %d, want 4400", got)
		}
	})
	t.Run("no longer a participant", func(t *testing.T) {
		// The ticket was issued to a participant who was removed before joining.
		h.rooms.Update("r-close", func(r *live.RoomInfo) {
			r.Participants = append(r.Participants, live.Participant{UserID: stranger.UserID, Role: mockroom.RoleObserver, DisplayName: stranger.Name})
		})
		tk, status := h.ticket(h.token(stranger), "r-close")
		if status != http.StatusOK {
			t.Fatalf("ticket: %d", status)
		}
		h.rooms.Update("r-close", func(r *live.RoomInfo) { r.Participants = r.Participants[:len(r.Participants)-1] })
		cl, _ := h.dialTicket("r-close", tk, nil, false)
		cl.send(map[string]any{"type": "join", "seq": 1, "client_id": "s", "resume": nil})
		if got := cl.waitClose(); got != 4003 {
			t.Errorf("close code %d, want 4003", got)
		}
	})
}

func TestTicketsAndOrigins(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-tk")
	h.mentorRoom("r-other")
	tok := h.token(candidate)

	if _, status := h.ticket("forged", "r-tk"); status != http.StatusUnauthorized {
		t.Errorf("ticket with a forged token: %d, want 401", status)
	}
	if _, status := h.dialTicket("r-tk", "tk_forged", nil, false); status != http.StatusUnauthorized {
		t.Errorf("forged ticket: %d, want 401", status)
	}
	if _, status := h.dialTicket("r-tk", "", nil, false); status != http.StatusUnauthorized {
		t.Errorf("no ticket: %d, want 401", status)
	}
	tk, _ := h.ticket(tok, "r-tk")
	if _, status := h.dialTicket("r-other", tk, nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket for another room: %d, want 401", status)
	}
	// The failed attempt spent the ticket: single use, whatever the outcome.
	if _, status := h.dialTicket("r-tk", tk, nil, false); status != http.StatusUnauthorized {
		t.Errorf("spent ticket: %d, want 401", status)
	}
	tk, _ = h.ticket(tok, "r-tk")
	if _, status := h.dialTicket("r-tk", tk, http.Header{"Origin": {"https://evil.example"}}, false); status != http.StatusForbidden {
		t.Errorf("foreign origin: %d, want 403", status)
	}
	// Two Origin headers are refused even when the first is allowed.
	if _, status := h.dialTicket("r-tk", tk, http.Header{"Origin": {origin, "https://evil.example"}}, false); status != http.StatusForbidden {
		t.Errorf("two origins: %d, want 403", status)
	}
	// The origin was refused before the ticket was spent.
	cl, status := h.dialTicket("r-tk", tk, nil, false)
	if cl == nil {
		t.Fatalf("good ticket: %d", status)
	}
	if _, status := h.dialTicket("r-tk", tk, nil, false); status != http.StatusUnauthorized {
		t.Errorf("reused ticket: %d, want 401", status)
	}
	expired := h.auth.issue(candidate, "sid-old", h.nowMinusMinute())
	if _, status := h.ticket(expired, "r-tk"); status != http.StatusUnauthorized {
		t.Errorf("ticket with an expired token: %d, want 401", status)
	}
}

func TestSessionRevocationClosesTheSocket(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) { c.AuthCheckInterval = 20 * time.Millisecond })
	h.mentorRoom("r-rev")
	cand := h.join(candidate, "r-rev")
	// A refresh with another user's token is refused; with the user's own it is acknowledged.
	if r := cand.refused("auth.refresh", map[string]any{"access_token": h.token(interviewer)}); r.str("code") != "token_other_user" {
		t.Errorf("refresh with another user's token: %q", r.str("code"))
	}
	cand.command("auth.refresh", map[string]any{"access_token": h.token(candidate)})
	h.auth.revoke("sid-" + string(candidate.UserID))
	if got := cand.waitClose(); got != 4001 {
		t.Errorf("close code %d, want 4001", got)
	}
}

func (h *harness) nowMinusMinute() time.Time { return time.Now().Add(-time.Minute) }

// An access token that expires while its socket is open closes the socket with 4001 at the next
// sweep; a socket that sent auth.refresh with a fresh token stays open past that moment. The
// server's clock is moved past the expiry rather than waited for: with a real 1.5 s lifetime, a
// busy machine let the token lapse before the sockets were even joined and refreshed.
func TestExpiredTokenClosesTheSocket(t *testing.T) {
	var ahead atomic.Int64 // how far the server's clock runs ahead of the real one
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.AuthCheckInterval = 20 * time.Millisecond
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	h.mentorRoom("r-exp")
	expiry := time.Now().Add(time.Minute)
	short := func(p mockroom.Principal) *client {
		t.Helper()
		tok := h.auth.issue(p, "sid-"+string(p.UserID), expiry)
		tk, status := h.ticket(tok, "r-exp")
		if status != http.StatusOK {
			t.Fatalf("ticket: %d", status)
		}
		cl, status := h.dialTicket("r-exp", tk, nil, false)
		if cl == nil {
			t.Fatalf("dial: %d", status)
		}
		cl.user, cl.clientID = p.UserID, "c-exp-"+string(p.UserID)
		cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": cl.clientID, "resume": nil})
		cl.waitType("snapshot")
		return cl
	}
	lapsing := short(candidate)
	kept := short(interviewer)
	kept.command("auth.refresh", map[string]any{"access_token": h.token(interviewer)}) // valid for an hour

	ahead.Store(int64(2 * time.Minute)) // past the first tokens' expiry, before the refreshed one's
	if got := lapsing.waitClose(); got != 4001 {
		t.Fatalf("close code %d, want 4001", got)
	}
	// The sweep that closed the lapsed socket looked at the refreshed one too; it still answers.
	kept.command("ping", nil)
}

// Frames over a socket's rate are refused with rate_limited and take no effect; a socket that
// keeps sending past its refusals is closed with 4009 at the refusal that reaches the limit. The
// other participants' sockets go on.
//
// The client sends nothing after the frame that reaches the limit: the server closes the
// connection as soon as it has read that frame, and a frame written after it would meet a reset
// connection ("connection reset by peer") whenever the server got there first.
func TestRateLimitRefusesThenCloses(t *testing.T) {
	const limit = 4
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		// A window no run outlasts: the number of refusals decides, not how fast they came.
		c.SlowRate, c.SlowBurst, c.AbuseLimit, c.AbuseWindow = 0.01, 3, limit, time.Hour
	})
	h.mentorRoom("r-rl")
	iv := h.join(interviewer, "r-rl")
	cand := h.join(candidate, "r-rl")
	for i := range 3 { // the burst: accepted
		cand.command("chat.send", map[string]any{"text": fmt.Sprintf("hello %d", i)})
	}
	before := h.head("r-rl")
	for i := range limit - 1 { // refused, and the socket stays open
		if r := cand.refused("chat.send", map[string]any{"text": fmt.Sprintf("one too many %d", i)}); r.str("code") != "rate_limited" {
			t.Fatalf("over the rate: %q, want rate_limited", r.str("code"))
		}
	}
	if after := h.head("r-rl"); after != before {
		t.Errorf("rate-limited chats changed the log: %s → %s", before, after)
	}
	cand.send(map[string]any{"type": "chat.send", "seq": cand.nextSeq(), "text": "the last straw"})
	if got := cand.waitClose(); got != 4009 {
		t.Errorf("close code %d, want 4009", got)
	}
	iv.command("chat.send", map[string]any{"text": "still here"})
}
