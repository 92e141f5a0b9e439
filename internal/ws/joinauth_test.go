package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

// dialJoinAuth opens a socket that authenticates in its join (?auth=join), without joining.
func (h *harness) dialJoinAuth(room mockroom.RoomID, user mockroom.UserID) *client {
	h.t.Helper()
	cl, status, code := h.dialURL(room, "auth=join")
	if cl == nil {
		h.t.Fatalf("dial with auth=join: %d %s", status, code)
	}
	cl.user = user
	return cl
}

// joinWithToken opens a socket with auth=join for p and joins with tok from resume (nil: fresh),
// returning the client after its join reply.
func (h *harness) joinWithToken(p mockroom.Principal, room mockroom.RoomID, tok string, prev *client) *client {
	h.t.Helper()
	cl := h.dialJoinAuth(room, p.UserID)
	var resume *mockroom.Position
	if prev != nil {
		cl.clientID, cl.seq, resume = prev.clientID, prev.seq, prev.last
	} else {
		h.sockets++
		cl.clientID = fmt.Sprintf("c-%s-%d", p.UserID, h.sockets)
	}
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": cl.clientID, "resume": resume, "access_token": tok})
	cl.waitFor("snapshot or resumed", func(f frame) bool { return f.str("type") == "snapshot" || f.str("type") == "resumed" })
	return cl
}

// TestJoinAuth: a socket opened with auth=join and a join carrying the access token is the
// token's holder's, like a socket opened with a ticket: it gets a snapshot with a credential,
// relays to a peer who came with a ticket, resumes the same way, and spends nothing in the store.
func TestJoinAuth(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-ja")
	before := h.spentTickets()

	iv := h.joinWithToken(interviewer, "r-ja", h.token(interviewer), nil)
	snap := iv.lastOf("snapshot")
	if snap.obj("you").str("role") != string(mockroom.RoleInterviewer) || credentialOf(snap) == "" {
		t.Fatalf("snapshot of a token join: %v, want the interviewer's, with a credential", snap)
	}
	if n := h.spentTickets(); n != before {
		t.Errorf("a token join wrote %d spent-ticket keys, want none", n-before)
	}
	cand := h.join(candidate, "r-ja")
	iv.command("chat.send", map[string]any{"text": "hello"})
	if ev := cand.waitEvent("chat.message"); ev.obj("data").str("text") != "hello" {
		t.Errorf("the ticket peer read %v, want the token socket's chat", ev)
	}

	// Cut, and back with a token from the last position: the missed event follows.
	_ = iv.c.Close()
	cand.command("chat.send", map[string]any{"text": "while you were away"})
	back := h.joinWithToken(interviewer, "r-ja", h.token(interviewer), iv)
	if back.lastOf("resumed").str("type") != "resumed" {
		t.Fatalf("resume with a token: %s", back.allRaw())
	}
	back.waitFor("the missed chat", func(f frame) bool {
		return f.str("event") == "chat.message" && f.obj("data").str("text") == "while you were away"
	})

	// A join carrying a token on a ticket socket works as before; the token is not looked at.
	cl := h.connect(observer, "r-ja")
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": "c-obs", "resume": nil, "access_token": "not a token"})
	if f := cl.waitType("snapshot"); f.obj("you").str("role") != string(mockroom.RoleObserver) {
		t.Errorf("ticket socket joining with a token field: %v", f)
	}
}

// TestJoinAuthRefused: whatever a waiting socket sends other than a join with a valid token of
// a participant gets an error frame naming why (when there is a frame to answer) and a close
// code saying what to do, and admits nothing.
func TestJoinAuthRefused(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) { c.JoinTimeout = 200 * time.Millisecond })
	h.mentorRoom("r-jr")
	expired := h.auth.issue(candidate, "sid-old", time.Now().Add(-time.Second))
	revoked := h.auth.issue(candidate, "sid-gone", time.Now().Add(time.Hour))
	h.auth.revoke("sid-gone")
	join := func(tok any) map[string]any {
		m := map[string]any{"type": "join", "seq": 1, "client_id": "c-x", "resume": nil}
		if tok != nil {
			m["access_token"] = tok
		}
		return m
	}
	cases := []struct {
		name      string
		room      mockroom.RoomID
		send      any    // a frame to marshal, []byte to send as text, nil for nothing
		binary    bool   // send it as a binary frame
		wantError string // the error frame's code, "" for none
		wantClose int
	}{
		{name: "no token", room: "r-jr", send: join(nil), wantError: "token_missing", wantClose: ws.CloseProtocol},
		{name: "empty token", room: "r-jr", send: join(""), wantError: "bad_field", wantClose: ws.CloseProtocol},
		{name: "unknown token", room: "r-jr", send: join("tok-forged"), wantError: "token_invalid", wantClose: ws.CloseAuthLapsed},
		{name: "expired token", room: "r-jr", send: join(expired), wantError: "token_expired", wantClose: ws.CloseAuthLapsed},
		{name: "revoked session", room: "r-jr", send: join(revoked), wantError: "session_revoked", wantClose: ws.CloseAuthLapsed},
		{name: "not a join", room: "r-jr", send: map[string]any{"type": "ping", "seq": 1}, wantError: "not_joined", wantClose: ws.CloseProtocol},
		{name: "not JSON", room: "r-jr", send: []byte(`{"type":`), wantError: "bad_json", wantClose: ws.CloseProtocol},
		{name: "binary", room: "r-jr", send: []byte(`{}`), binary: true, wantClose: ws.CloseBinary},
		{name: "invalid UTF-8", room: "r-jr", send: []byte("{\"type\":\"join\xff\"}"), wantClose: ws.CloseInvalidUTF8},
		{name: "nothing in time", room: "r-jr", wantClose: ws.CloseProtocol},
		{name: "not a participant", room: "r-jr", send: join(h.token(stranger)), wantError: "not_a_participant", wantClose: ws.CloseForbidden},
		{name: "no such room", room: "r-none", send: join(h.token(candidate)), wantError: "room_not_found", wantClose: ws.CloseRoomGone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := h.dialJoinAuth(tc.room, candidate.UserID)
			cl.t = t
			switch v := tc.send.(type) {
			case nil:
			case []byte:
				mt := websocket.TextMessage
				if tc.binary {
					mt = websocket.BinaryMessage
				}
				if err := cl.c.WriteMessage(mt, v); err != nil {
					t.Fatal(err)
				}
			default:
				cl.send(v)
			}
			if code := cl.waitClose(); code != tc.wantClose {
				t.Errorf("close %d, want %d; read %s", code, tc.wantClose, cl.allRaw())
			}
			var codes []string
			for _, raw := range cl.raw {
				f := mustFrame(raw)
				if typ := f.str("type"); typ != "error" {
					t.Errorf("read a %s frame before the close, want none but an error: %s", typ, raw)
				}
				codes = append(codes, f.str("code"))
			}
			if tc.wantError == "" && len(codes) > 0 || tc.wantError != "" && (len(codes) != 1 || codes[0] != tc.wantError) {
				t.Errorf("error frames %v, want [%s]", codes, tc.wantError)
			}
		})
	}

	// The socket URL names one way in.
	for query, want := range map[string]string{
		"auth=ticket":            "bad_auth",
		"auth=join&ticket=tk3_x": "ticket_and_resume",
		"auth=join&resume=rs1_x": "ticket_and_resume",
	} {
		if cl, status, code := h.dialURL("r-jr", query); cl != nil || status != http.StatusBadRequest || code != want {
			t.Errorf("?%s: %d %q, want 400 %s", query, status, code, want)
		}
	}
	// Nothing above admitted anyone: the room's first real join finds no one present.
	iv := h.join(interviewer, "r-jr")
	for _, p := range iv.lastOf("snapshot").obj("room")["participants"].([]any) {
		if pp := p.(map[string]any); pp["user_id"] == string(candidate.UserID) && pp["online"] == true {
			t.Errorf("the candidate shows online after refused sockets only: %v", pp)
		}
	}
}

// TestJoinAuthWaitingBound: sockets waiting for their join are bounded per node; one that
// joins frees its place, and a node that stops closes those still waiting with 4000.
func TestJoinAuthWaitingBound(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) { c.MaxWaitingSockets = 2 })
	h.mentorRoom("r-jw")
	first := h.dialJoinAuth("r-jw", interviewer.UserID)
	second := h.dialJoinAuth("r-jw", candidate.UserID)
	if cl, status, code := h.dialURL("r-jw", "auth=join"); cl != nil || status != http.StatusServiceUnavailable || code != "too_many_waiting" {
		t.Fatalf("a third waiting socket: %d %q, want 503 too_many_waiting", status, code)
	}
	// Tickets are not bounded by it.
	h.join(observer, "r-jw")

	first.send(map[string]any{"type": "join", "seq": 1, "client_id": "c-first", "resume": nil, "access_token": h.token(interviewer)})
	first.waitType("snapshot")
	third := h.dialJoinAuth("r-jw", observer.UserID)

	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{second, third, first} {
		if code := cl.waitClose(); code != ws.CloseShutdown {
			t.Errorf("%s: close %d when the node stopped, want %d", cl.user, code, ws.CloseShutdown)
		}
	}
}
