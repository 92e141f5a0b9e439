package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// feedbackSecrets are the words of the mentor's feedback: no byte the candidate receives before
// release may carry one of them.
var feedbackSecrets = []string{
	"evidence-7f3a: named the cost before typing",
	"strength-7f3a: thought aloud",
	"improve-7f3a: trace an edge case",
	"note-7f3a: solid on the first question",
}

// rawSocket is a room socket that keeps every message exactly as it arrived.
type rawSocket struct {
	t   *testing.T
	c   *websocket.Conn
	seq uint64
	raw [][]byte
}

func (s *started) rawDial(t *testing.T, room string, p person, clientID string) *rawSocket {
	t.Helper()
	status, body := s.call(t, "POST", "/api/v1/rooms/"+room+"/ticket", p.token, nil)
	if status != http.StatusOK {
		t.Fatalf("ticket: %d %s", status, body)
	}
	var tk struct {
		Ticket string `json:"ticket"`
	}
	mustJSON(t, body, &tk)
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.base, "http")+"/api/v1/rooms/"+room+"/ws?ticket="+tk.Ticket,
		http.Header{"Origin": {clusterOrigin}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = res.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	w := &rawSocket{t: t, c: conn}
	w.send(map[string]any{"type": "join", "client_id": clientID, "resume": nil})
	w.waitFor("snapshot", func(f frame) bool { return f.str("type") == "snapshot" })
	return w
}

func (w *rawSocket) send(m map[string]any) {
	w.t.Helper()
	w.seq++
	m["seq"] = w.seq
	if err := w.c.WriteJSON(m); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// waitFor reads messages, keeping each raw, until one matches.
func (w *rawSocket) waitFor(desc string, match func(frame) bool) frame {
	w.t.Helper()
	for {
		_ = w.c.SetReadDeadline(testwait.Deadline(w.t)) // a guard against hanging, not a wait
		_, msg, err := w.c.ReadMessage()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", desc, err)
		}
		w.raw = append(w.raw, msg)
		var f frame
		if err := json.Unmarshal(msg, &f); err != nil {
			w.t.Fatalf("frame %s: %v", msg, err)
		}
		if f.str("type") == "error" {
			w.t.Fatalf("server error frame: %s", msg)
		}
		if match(f) {
			return f
		}
	}
}

func (w *rawSocket) command(typ string, fields map[string]any) {
	w.t.Helper()
	m := map[string]any{"type": typ}
	for k, v := range fields {
		m[k] = v
	}
	w.send(m)
	seq := w.seq
	w.waitFor("ack of "+typ, func(f frame) bool { return f.str("type") == "ack" && uint64(f.num("seq")) == seq })
}

func (w *rawSocket) waitEvent(ev string) frame {
	w.t.Helper()
	return w.waitFor(ev, func(f frame) bool { return f.str("type") == "event" && f.str("event") == ev })
}

func leaks(what string, body []byte) []string {
	var out []string
	for _, s := range feedbackSecrets {
		if bytes.Contains(body, []byte(s)) {
			out = append(out, what+" carries "+s)
		}
	}
	return out
}

// TestFeedbackReachesNoCandidateBeforeRelease runs a mentor session to its end on the whole
// server and real Redis, with feedback held until the mentor releases it. The mentor drafts and
// submits feedback citing two moments; until release, nothing the candidate receives — every raw
// socket frame, a fresh snapshot, every feedback and room read — carries a word of it. After
// release the same REST read does, which shows the check can fail.
func TestFeedbackReachesNoCandidateBeforeRelease(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	s := start(t, map[string]string{
		"MOCKROOM_REDIS_URL":       rs.URL,
		"MOCKROOM_TOKEN_SECRET":    "a-feedback-secret-of-at-least-thirty-two-bytes",
		"MOCKROOM_ALLOWED_ORIGINS": clusterOrigin,
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	mentor := s.signUp(t, "mira")
	status, body := s.call(t, "POST", "/api/v1/rooms", mentor.token, map[string]any{
		"track": "python-developer", "title": "held feedback", "settings": map[string]any{"feedback_release": "held"},
		"plan": map[string]any{"slots": []map[string]any{{"category": "technical_proficiency", "difficulty": "junior", "minutes": 5}}},
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
	room := created.Room.ID
	status, body = s.call(t, "POST", "/api/v1/invites/accept", "", map[string]string{"invite": created.Invites.CandidateInvite, "display_name": "Cato"})
	if status != http.StatusOK {
		t.Fatalf("accept: %d %s", status, body)
	}
	var accepted struct {
		Session session `json:"session"`
	}
	mustJSON(t, body, &accepted)
	cand := person{id: string(accepted.Session.User.ID), token: accepted.Session.AccessToken}

	mSock, cSock := s.rawDial(t, room, mentor, "mira"), s.rawDial(t, room, cand, "cato")
	mSock.command("room.start", nil)
	cSock.waitEvent("question.started")
	cSock.command("chat.send", map[string]any{"text": "I would sort first"})
	mSock.command("room.end", nil)
	cSock.waitFor("wrap_up", func(f frame) bool { return f.str("event") == "room.state" && f.obj("data").str("state") == "wrap_up" })

	// The mentor cites the question's start and the candidate's chat line.
	base := "/api/v1/rooms/" + room + "/feedback"
	status, body = s.call(t, "GET", base+"/moments?form_id=candidate-0", mentor.token, nil)
	if status != http.StatusOK {
		t.Fatalf("moments: %d %s", status, body)
	}
	var moments struct {
		Moments []struct {
			From int    `json:"from"`
			To   int    `json:"to"`
			Kind string `json:"kind"`
		} `json:"moments"`
	}
	mustJSON(t, body, &moments)
	var cite []map[string]int
	for _, m := range moments.Moments {
		if m.Kind == "question" || m.Kind == "chat" {
			cite = append(cite, map[string]int{"from": m.From, "to": m.To})
		}
	}
	if len(cite) != 2 {
		t.Fatalf("moments to cite: %s", body)
	}
	status, body = s.call(t, "GET", "/api/v1/tracks/python-developer/rubric", mentor.token, nil)
	if status != http.StatusOK {
		t.Fatalf("rubric: %d %s", status, body)
	}
	var rubric struct {
		Qualities []struct {
			ID string `json:"id"`
		} `json:"qualities"`
	}
	mustJSON(t, body, &rubric)
	var qualities []map[string]any
	for i, q := range rubric.Qualities {
		a := map[string]any{"quality": q.ID, "score": 3, "evidence": feedbackSecrets[0]}
		if i == 0 {
			a["moments"] = cite
		}
		qualities = append(qualities, a)
	}
	content := map[string]any{
		"qualities": qualities, "recommendation": "yes", "strengths": feedbackSecrets[1], "improvements": feedbackSecrets[2],
		"questions": []map[string]any{{"index": 0, "score": 3, "note": feedbackSecrets[3]}},
	}
	if status, body := s.call(t, "PUT", base+"/forms/candidate-0/draft", mentor.token, map[string]any{"strengths": feedbackSecrets[1]}); status != http.StatusOK {
		t.Fatalf("draft: %d %s", status, body)
	}
	if status, body := s.call(t, "POST", base+"/forms/candidate-0/submit", mentor.token, map[string]any{"request_id": "one", "content": content}); status != http.StatusOK {
		t.Fatalf("submit: %d %s", status, body)
	}
	cSock.waitEvent("feedback.submitted")

	var found []string
	for _, msg := range cSock.raw {
		found = append(found, leaks("socket frame", msg)...)
	}
	fresh := s.rawDial(t, room, cand, "cato-2")
	for _, msg := range fresh.raw {
		found = append(found, leaks("snapshot", msg)...)
	}
	reads := []string{base, base + "/forms/candidate-0", base + "/moments?form_id=candidate-0", "/api/v1/rooms/" + room, "/api/v1/me/rooms", "/api/v1/users/" + mentor.id + "/standing"}
	for _, path := range reads {
		_, body := s.call(t, "GET", path, cand.token, nil)
		found = append(found, leaks("GET "+path, body)...)
	}
	if status, _ := s.call(t, "GET", base+"/forms/candidate-0", cand.token, nil); status != http.StatusNotFound {
		t.Errorf("the candidate reads held feedback: %d", status)
	}
	for _, f := range found {
		t.Error(f)
	}

	// Released: the same read now carries it, and the socket hears of it (still without content).
	if status, body := s.call(t, "POST", base+"/release", mentor.token, nil); status != http.StatusOK {
		t.Fatalf("release: %d %s", status, body)
	}
	cSock.waitEvent("feedback.released")
	for _, msg := range cSock.raw {
		if l := leaks("socket frame", msg); len(l) > 0 {
			t.Errorf("after release the socket carries content: %v", l)
		}
	}
	status, body = s.call(t, "GET", base+"/forms/candidate-0", cand.token, nil)
	if status != http.StatusOK || len(leaks("released form", body)) != len(feedbackSecrets) {
		t.Fatalf("released form as the candidate reads it: %d %s", status, body)
	}
}
