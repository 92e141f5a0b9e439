package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// clusterOrigin is the page origin the test's sockets present (the server allows it).
const clusterOrigin = "http://mockroom.test"

// TestRunOnRedisCluster runs the whole server on a real 3-master Redis Cluster: accounts, a
// mentor room with a guest candidate, both sockets live (a question, an edit and a chat reach
// the other side), and peer matching of four people into two rooms whose sockets talk too.
// Anything the cluster refuses (a script touching two slots, a subscription on the wrong
// master) fails here.
func TestRunOnRedisCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	s := start(t, map[string]string{
		"MOCKROOM_REDIS_URL":       c.URL,
		"MOCKROOM_TOKEN_SECRET":    "a-cluster-secret-of-at-least-thirty-two-bytes",
		"MOCKROOM_ALLOWED_ORIGINS": clusterOrigin,
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := s.call(t, "GET", path, "", nil); status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, body)
		}
	}

	// Accounts: signup, login, /me; the user hash is in the cluster under the production keys.
	id := s.signupLoginMe(t)
	cc := c.Client(t)
	if email, err := cc.HGet(t.Context(), redisstore.DefaultKeys.User(id), "email").Result(); err != nil || email != "whole@example.org" {
		t.Fatalf("user hash in the cluster: %q, %v", email, err)
	}

	t.Run("sessions", func(t *testing.T) { clusterSessions(t, s) })
	t.Run("mentor room", func(t *testing.T) { clusterMentorRoom(t, s) })
	t.Run("peer matching", func(t *testing.T) { clusterPeerMatching(t, s) })

	if err := s.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
	if logs := s.logs.String(); strings.Contains(logs, "CROSSSLOT") || strings.Contains(logs, "MOVED") {
		t.Errorf("the server logged cluster errors:\n%s", logs)
	}
}

// person is a signed-in user of the test.
type person struct {
	id, token string
}

func (s *started) signUp(t *testing.T, name string) person {
	t.Helper()
	status, body := s.call(t, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": name + "@example.org", "password": "password of " + name, "name": name,
	})
	if status != http.StatusCreated {
		t.Fatalf("signup %s: %d %s", name, status, body)
	}
	var out session
	mustJSON(t, body, &out)
	return person{id: string(out.User.ID), token: out.AccessToken}
}

func mustJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// clusterSessions rotates a refresh token (the token index and the session live in different
// slots), refuses the old one, and logs out.
func clusterSessions(t *testing.T, s *started) {
	status, body := s.call(t, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": "rotating@example.org", "password": "password of rotating", "name": "Rota",
	})
	if status != http.StatusCreated {
		t.Fatalf("signup: %d %s", status, body)
	}
	var first struct {
		RefreshToken string `json:"refresh_token"`
	}
	mustJSON(t, body, &first)
	status, body = s.call(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %s", status, body)
	}
	var second struct {
		RefreshToken string `json:"refresh_token"`
	}
	mustJSON(t, body, &second)
	if status, body := s.call(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}); status != http.StatusUnauthorized {
		t.Errorf("reusing a rotated refresh token: %d %s, want 401", status, body)
	}
	if status, body := s.call(t, "POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": second.RefreshToken}); status != http.StatusNoContent && status != http.StatusUnauthorized {
		t.Errorf("logout: %d %s", status, body)
	}
}

func clusterMentorRoom(t *testing.T, s *started) {
	iv := s.signUp(t, "ivy")
	status, body := s.call(t, "POST", "/api/v1/rooms", iv.token, map[string]any{
		"track": "python-developer", "title": "on a cluster",
		"plan": map[string]any{"slots": []map[string]any{{"category": "technical_proficiency", "difficulty": "junior", "minutes": 1}}},
	})
	if status != http.StatusCreated {
		t.Fatalf("create room: %d %s", status, body)
	}
	var created struct {
		Room struct {
			ID string `json:"id"`
		} `json:"room"`
		Invites struct {
			CandidateInvite string `json:"candidate_invite"`
		} `json:"invites"`
	}
	mustJSON(t, body, &created)
	status, body = s.call(t, "POST", "/api/v1/invites/accept", "", map[string]string{
		"invite": created.Invites.CandidateInvite, "display_name": "Cleo",
	})
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("accept invite: %d %s", status, body)
	}
	var accepted struct {
		Session session `json:"session"`
	}
	mustJSON(t, body, &accepted)
	cand := person{id: string(accepted.Session.User.ID), token: accepted.Session.AccessToken}
	room := created.Room.ID

	ivSock := s.dial(t, room, iv, "iv")
	candSock := s.dial(t, room, cand, "cand")
	ivSock.command("room.start", nil)
	started := candSock.waitEvent("question.started")
	if started.obj("data").num("budget_ms") != 60000 {
		t.Errorf("question.started on the candidate's socket: %v", started)
	}
	// The question's own document (its starter code, or nothing) replaced the room's first one.
	reset := candSock.waitEvent("editor.reset").obj("data")
	changes := []any{[]any{0, "print('hi')"}}
	if n := len(utf16.Encode([]rune(reset.str("text")))); n > 0 {
		changes = append(changes, n)
	}
	candSock.command("editor.push", map[string]any{"version": reset.num("version"), "updates": []any{
		map[string]any{"clientID": "cand", "changes": changes},
	}})
	update := ivSock.waitEvent("editor.update")
	if raw, _ := json.Marshal(update.obj("data")); !strings.Contains(string(raw), "print('hi')") {
		t.Errorf("editor.update on the interviewer's socket: %s", raw)
	}
	ivSock.command("chat.send", map[string]any{"text": "hello across slots"})
	if chat := candSock.waitEvent("chat.message"); chat.obj("data").str("text") != "hello across slots" {
		t.Errorf("chat on the candidate's socket: %v", chat)
	}

	// The guest candidate keeps the session by claiming an account: the email index and the
	// user hash are in different slots.
	status, body = s.call(t, "POST", "/api/v1/auth/claim", cand.token, map[string]string{
		"email": "cleo@example.org", "password": "password of cleo",
	})
	if status != http.StatusOK {
		t.Errorf("claim: %d %s", status, body)
	}
	// The claim keeps the session the candidate's socket is bound to (a session sweep may run
	// at any moment from here on); the socket takes the new token as the web client hands it.
	var claimed session
	mustJSON(t, body, &claimed)
	candSock.command("auth.refresh", map[string]any{"access_token": claimed.AccessToken})
	status, body = s.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "cleo@example.org", "password": "password of cleo"})
	if status != http.StatusOK {
		t.Errorf("login after claim: %d %s", status, body)
	}
	// Ending the session moves the room on; the candidate hears it.
	ivSock.command("room.end", nil)
	candSock.waitFor("room.state wrap_up", func(f frame) bool {
		return f.str("event") == "room.state" && f.obj("data").str("state") == "wrap_up"
	})
	if status, body := s.call(t, "GET", "/api/v1/me/rooms", iv.token, nil); status != http.StatusOK || !strings.Contains(string(body), room) {
		t.Errorf("my rooms: %d %s", status, body)
	}
}

func clusterPeerMatching(t *testing.T, s *started) {
	join := map[string]any{"track": "python-developer", "level": "junior"}
	rooms := map[string]bool{}
	for pair := range 2 {
		a, b := s.signUp(t, fmt.Sprintf("peer%da", pair)), s.signUp(t, fmt.Sprintf("peer%db", pair))
		if status, body := s.call(t, "POST", "/api/v1/match/queue", a.token, join); status != http.StatusAccepted {
			t.Fatalf("queue %s: %d %s", a.id, status, body)
		}
		status, body := s.call(t, "POST", "/api/v1/match/queue", b.token, join)
		if status != http.StatusAccepted {
			t.Fatalf("queue %s: %d %s", b.id, status, body)
		}
		var matched match.View
		mustJSON(t, body, &matched)
		if matched.Match == nil {
			t.Fatalf("%s was not matched: %s", b.id, body)
		}
		// a learns of the match through the long poll (it answers at once: a match needs
		// attention).
		_, body = s.call(t, "GET", "/api/v1/match/wait?timeout=10s", a.token, nil)
		var waited match.View
		mustJSON(t, body, &waited)
		if waited.Match == nil || waited.Match.ID != matched.Match.ID {
			t.Fatalf("%s's wait ended with %s, want match %s", a.id, body, matched.Match.ID)
		}
		var done match.View
		for _, p := range []person{a, b} {
			status, body := s.call(t, "POST", "/api/v1/match/"+matched.Match.ID+"/confirm", p.token, nil)
			if status != http.StatusOK {
				t.Fatalf("confirm by %s: %d %s", p.id, status, body)
			}
			mustJSON(t, body, &done)
		}
		if done.Match == nil || done.Match.RoomID == "" {
			t.Fatalf("after both confirmed: %+v", done)
		}
		room := string(done.Match.RoomID)
		rooms[room] = true
		sa, sb := s.dial(t, room, a, "a"), s.dial(t, room, b, "b")
		sa.command("chat.send", map[string]any{"text": "hi from " + a.id})
		if chat := sb.waitEvent("chat.message"); chat.obj("data").str("text") != "hi from "+a.id {
			t.Errorf("peer chat: %v", chat)
		}
		sb.command("chat.send", map[string]any{"text": "hi from " + b.id})
		if chat := sa.waitFor("b's chat", func(f frame) bool {
			return f.str("event") == "chat.message" && f.obj("data").str("text") == "hi from "+b.id
		}); chat == nil {
			t.Errorf("no chat from b")
		}
	}
	if len(rooms) != 2 {
		t.Errorf("4 peers got %d rooms, want 2", len(rooms))
	}
}

// frame is one message from the server.
type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) float64 {
	n, _ := f[k].(float64)
	return n
}
func (f frame) obj(k string) frame { o, _ := f[k].(map[string]any); return o }

// wsClient is one socket speaking the documented protocol, joined to a room.
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	seq    uint64
	frames []frame
	taken  map[int]bool
	// retrying: the client re-sends commands refused with store_unavailable, so such an error
	// frame is expected.
	retrying bool
}

// dial gets a ticket, opens the room's socket and joins; it returns after the snapshot.
func (s *started) dial(t *testing.T, room string, p person, clientID string) *wsClient {
	t.Helper()
	status, body := s.call(t, "POST", "/api/v1/rooms/"+room+"/ticket", p.token, nil)
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("ticket for %s: %d %s", p.id, status, body)
	}
	var tk struct {
		Ticket string `json:"ticket"`
	}
	mustJSON(t, body, &tk)
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/api/v1/rooms/" + room + "/ws?ticket=" + tk.Ticket
	conn, res, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {clusterOrigin}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = res.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	w := &wsClient{t: t, c: conn, taken: map[int]bool{}}
	w.seq++
	w.send(map[string]any{"type": "join", "seq": w.seq, "client_id": clientID, "resume": nil})
	w.waitFor("snapshot", func(f frame) bool { return f.str("type") == "snapshot" })
	return w
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.c.WriteJSON(v); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// waitFor returns the first frame not yet taken that matches, reading more as needed.
func (w *wsClient) waitFor(desc string, match func(frame) bool) frame {
	w.t.Helper()
	for i, f := range w.frames {
		if !w.taken[i] && match(f) {
			w.taken[i] = true
			return f
		}
	}
	for {
		_ = w.c.SetReadDeadline(testwait.Deadline(w.t)) // a guard against hanging, not a wait
		var f frame
		if err := w.c.ReadJSON(&f); err != nil {
			w.t.Fatalf("waiting for %s: %v", desc, err)
		}
		w.frames = append(w.frames, f)
		if f.str("type") == "error" && !(w.retrying && f.str("code") == "store_unavailable") {
			w.t.Errorf("server error frame: %v", f)
		}
		if match(f) {
			w.taken[len(w.frames)-1] = true
			return f
		}
	}
}

func (w *wsClient) waitEvent(ev string) frame {
	w.t.Helper()
	return w.waitFor("event "+ev, func(f frame) bool { return f.str("type") == "event" && f.str("event") == ev })
}

// command sends a command and waits for its acknowledgement.
func (w *wsClient) command(typ string, fields map[string]any) frame {
	w.t.Helper()
	w.seq++
	seq := w.seq
	m := map[string]any{"type": typ, "seq": seq}
	for k, v := range fields {
		m[k] = v
	}
	w.send(m)
	r := w.waitFor(fmt.Sprintf("reply to %s %d", typ, seq), func(f frame) bool {
		return (f.str("type") == "ack" || f.str("type") == "error") && uint64(f.num("seq")) == seq
	})
	if r.str("type") == "error" {
		w.t.Fatalf("%s refused: %v", typ, r)
	}
	return r
}
