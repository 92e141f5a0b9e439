package ws_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

// credentialOf is the resume credential a frame carries, "" when none.
func credentialOf(f frame) string { return f.obj("credential").str("value") }

// dialURL opens a socket with the given query; on a refused handshake it returns the HTTP status
// and the error code of the body.
func (h *harness) dialURL(room mockroom.RoomID, query string) (*client, int, string) {
	h.t.Helper()
	u := "ws" + strings.TrimPrefix(h.http.URL, "http") + "/api/v1/rooms/" + string(room) + "/ws?" + query
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	c, res, err := d.Dial(u, http.Header{"Origin": {origin}})
	if err != nil {
		if res == nil {
			h.t.Fatalf("dial: %v", err)
		}
		var body struct {
			Code string `json:"code"`
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		return nil, res.StatusCode, body.Code
	}
	h.t.Cleanup(func() { _ = c.Close() })
	return &client{t: h.t, c: c, taken: map[int]bool{}}, http.StatusSwitchingProtocols, ""
}

// spentTickets counts the spent-ticket and spent-credential records in the store.
func (h *harness) spentTickets() int {
	h.t.Helper()
	keys, err := h.redis.Keys(h.t.Context(), h.keys.Ticket("*")).Result()
	if err != nil {
		h.t.Fatal(err)
	}
	return len(keys)
}

// dialResume opens a socket with a resume credential.
func (h *harness) dialResume(room mockroom.RoomID, cred string) (*client, int, string) {
	h.t.Helper()
	return h.dialURL(room, "resume="+url.QueryEscape(cred))
}

// resumeWith opens a socket for prev's person with a credential and joins from prev's position,
// returning the client after its join reply.
func (h *harness) resumeWith(room mockroom.RoomID, prev *client, cred string) *client {
	h.t.Helper()
	cl, status, code := h.dialResume(room, cred)
	if cl == nil {
		h.t.Fatalf("resume with a credential: %d %s", status, code)
	}
	cl.user, cl.clientID, cl.seq = prev.user, prev.clientID, prev.seq
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": cl.clientID, "resume": prev.last})
	cl.waitFor("snapshot or resumed", func(f frame) bool { return f.str("type") == "snapshot" || f.str("type") == "resumed" })
	return cl
}

// flippedCredential is cred with one bit of its sealed bytes at i (counted from the end when
// negative) changed.
func flippedCredential(t *testing.T, cred string, i int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(cred, "rs1_"))
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= 0x01
	return "rs1_" + base64.RawURLEncoding.EncodeToString(raw)
}

// TestResumeWithCredential: the join reply carries a credential that opens the next socket
// without a ticket, to the same person, and the join resumes from the position exactly once. The
// credential is spent by that use, and shows nothing of who or where.
func TestResumeWithCredential(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-cred")
	iv := h.join(interviewer, "r-cred")
	cand := h.join(candidate, "r-cred")
	cred := credentialOf(cand.lastOf("snapshot"))
	if !strings.HasPrefix(cred, "rs1_") {
		t.Fatalf("the join reply has no credential: %s", cand.allRaw())
	}
	for _, secret := range []string{string(candidate.UserID), "r-cred", "sid-u-cand", candidate.Name} {
		if strings.Contains(cred, secret) {
			t.Errorf("the credential shows %q", secret)
		}
	}
	exp, err := time.Parse(time.RFC3339Nano, cand.lastOf("snapshot").obj("credential").str("expires_at"))
	if err != nil || exp.Before(time.Now().Add(4*time.Minute)) || exp.After(time.Now().Add(5*time.Minute+time.Second)) {
		t.Errorf("credential expires at %v (%v), want about 5 minutes from now", exp, err)
	}
	iv.command("chat.send", map[string]any{"text": "before"})
	cand.waitFor("before", func(f frame) bool { return f.obj("data").str("text") == "before" })
	_ = cand.c.NetConn().Close()
	iv.command("chat.send", map[string]any{"text": "while away"})

	back := h.resumeWith("r-cred", cand, cred)
	if back.lastOf("resumed")["recovered"] != true {
		t.Fatalf("not resumed: %s", back.allRaw())
	}
	back.waitFor("while away", func(f frame) bool { return f.obj("data").str("text") == "while away" })
	next := credentialOf(back.lastOf("resumed"))
	if !strings.HasPrefix(next, "rs1_") || next == cred {
		t.Fatalf("the resumed frame carries credential %q, want a new one", next)
	}
	// The socket is the candidate's: the room sees the candidate's chat.
	back.command("chat.send", map[string]any{"text": "back"})
	got := iv.waitFor("back", func(f frame) bool { return f.obj("data").str("text") == "back" })
	if got.str("actor") != string(candidate.UserID) {
		t.Errorf("the resumed socket speaks as %q, want %q", got.str("actor"), candidate.UserID)
	}
	back.waitFor("back", func(f frame) bool { return f.obj("data").str("text") == "back" })
	if got := chats(back); strings.Join(got, "|") != "while away|back" {
		t.Errorf("the resumed socket got chats %q", got)
	}
	// Spent: it opens nothing again, and the one it was replaced with still works.
	if cl, status, code := h.dialResume("r-cred", cred); cl != nil || status != http.StatusUnauthorized || code != "resume_invalid" {
		t.Errorf("credential used twice: %d %s, want 401 resume_invalid", status, code)
	}
	_ = back.c.NetConn().Close()
	again := h.resumeWith("r-cred", back, next)
	if again.lastOf("resumed")["recovered"] != true {
		t.Fatalf("not resumed with the second credential: %s", again.allRaw())
	}
	checkServerFrames(t, back)
	checkServerFrames(t, again)
}

// TestCredentialRefused: every credential that must not open a socket answers 401 with its code,
// opens nothing, and the refusals that need no store write nothing to it.
func TestCredentialRefused(t *testing.T) {
	var ahead atomic.Int64
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		c.AuthCheckInterval = 20 * time.Millisecond
	})
	h.mentorRoom("r-ref")
	h.mentorRoom("r-ref2")
	iv := h.join(interviewer, "r-ref")
	cand := h.join(candidate, "r-ref")
	cred := credentialOf(cand.lastOf("snapshot"))
	ivCred := credentialOf(iv.lastOf("snapshot"))
	refused := func(what, cred string, wantCode string) {
		t.Helper()
		cl, status, code := h.dialResume("r-ref", cred)
		if cl != nil || status != http.StatusUnauthorized || code != wantCode {
			t.Errorf("%s: %d %q, want 401 %s", what, status, code, wantCode)
		}
	}
	before := h.spentTickets()

	// Forged: the documented form sealed with the ticket key itself, or with another key.
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(cred, "rs1_"))
	refused("a credential sealed under the ticket key", "rs1_"+strings.TrimPrefix(sealed(testTicketKey, map[string]any{
		"i": "forged", "u": candidate.UserID, "n": candidate.Name, "r": "r-ref", "s": "sid-u-cand",
		"e": time.Now().Add(time.Hour).UnixMilli(), "x": time.Now().Add(time.Minute).UnixMilli(),
	}), "tk3_"), "resume_invalid")
	for _, at := range []int{0, 12, len(raw) / 2, -1} { // the nonce, the sealed payload, the tag
		refused("a byte changed", flippedCredential(t, cred, at), "resume_invalid")
	}
	for _, bad := range []string{"", "rs1_", "rs1_AAAA", "rs1_" + strings.Repeat("A", 3000), cred[:len(cred)-2], cred + "A", "x" + cred} {
		refused("malformed "+bad[:min(len(bad), 12)], bad, "resume_invalid")
	}
	// A ticket is not a credential, nor a credential a ticket.
	tk, _ := h.ticket(h.token(candidate), "r-ref")
	refused("a ticket as a credential", tk, "resume_invalid")
	refused("a ticket relabelled as a credential", "rs1_"+strings.TrimPrefix(tk, "tk3_"), "resume_invalid")
	if cl, status, code := h.dialURL("r-ref", "ticket="+url.QueryEscape(cred)); cl != nil || status != http.StatusUnauthorized || code != "ticket_invalid" {
		t.Errorf("a credential as a ticket: %d %q, want 401 ticket_invalid", status, code)
	}
	if cl, status, code := h.dialURL("r-ref", "ticket="+url.QueryEscape("tk3_"+strings.TrimPrefix(cred, "rs1_"))); cl != nil || status != http.StatusUnauthorized || code != "ticket_invalid" {
		t.Errorf("a credential relabelled as a ticket: %d %q, want 401 ticket_invalid", status, code)
	}
	if cl, status, code := h.dialURL("r-ref", "ticket="+url.QueryEscape(tk)+"&resume="+url.QueryEscape(cred)); cl != nil || status != http.StatusBadRequest || code != "ticket_and_resume" {
		t.Errorf("a ticket and a credential: %d %q, want 400 ticket_and_resume", status, code)
	}
	// Another room's socket: refused and not spent.
	if cl, status, code := h.dialResume("r-ref2", cred); cl != nil || status != http.StatusUnauthorized || code != "resume_invalid" {
		t.Errorf("credential for another room: %d %q, want 401 resume_invalid", status, code)
	}
	// Expired: past its 5 minutes.
	ahead.Store(int64(5*time.Minute + time.Second))
	refused("expired", cred, "resume_invalid")
	ahead.Store(0)
	if n := h.spentTickets(); n != before {
		t.Errorf("refused credentials wrote %d keys to the store", n-before)
	}

	// Two sockets racing with one credential: exactly one opens, as the person it was issued to.
	const racers = 8
	var wg sync.WaitGroup
	var opened atomic.Int32
	var winner atomic.Pointer[client]
	start := make(chan struct{})
	for range racers {
		wg.Go(func() {
			<-start
			if cl, _, _ := h.dialResume("r-ref", ivCred); cl != nil {
				opened.Add(1)
				winner.Store(cl)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := opened.Load(); got != 1 {
		t.Fatalf("%d sockets opened with one credential, want exactly 1", got)
	}
	w := winner.Load()
	w.send(map[string]any{"type": "join", "seq": 1, "client_id": "c-race", "resume": nil})
	if you := w.waitType("snapshot").obj("you"); you.str("user_id") != string(interviewer.UserID) || you.str("role") != "interviewer" {
		t.Errorf("the credential opened a socket for %v, want the interviewer's", you)
	}
	refused("used", ivCred, "resume_invalid")

	// A revoked session: its open socket is closed by the sweep, and its credential opens nothing
	// and is not spent.
	before = h.spentTickets()
	h.auth.revoke("sid-" + string(candidate.UserID))
	if code := cand.waitClose(); code != ws.CloseAuthLapsed {
		t.Errorf("the revoked session's socket closed with %d, want %d", code, ws.CloseAuthLapsed)
	}
	refused("revoked session", cred, "session_revoked")
	if n := h.spentTickets(); n != before {
		t.Errorf("a revoked session's credential wrote %d keys to the store", n-before)
	}
	// The interviewer's sockets are untouched by all of it.
	iv.command("chat.send", map[string]any{"text": "still here"})
}

// TestCredentialRefreshedOnOpenSocket: an open socket is handed fresh credentials with its pings,
// never past the access token; the newer works, and an older one works once, then never again.
func TestCredentialRefreshedOnOpenSocket(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.PingInterval = 20 * time.Millisecond
		c.ResumeRefresh = 40 * time.Millisecond // every second ping
	})
	h.mentorRoom("r-fresh")
	tok := h.auth.issue(candidate, "sid-u-cand", time.Now().Add(2*time.Minute))
	tk, _ := h.ticket(tok, "r-fresh")
	cand, status := h.dialTicket("r-fresh", tk, nil, false)
	if cand == nil {
		t.Fatalf("dial: %d", status)
	}
	cand.user, cand.clientID = candidate.UserID, "c-fresh"
	cand.send(map[string]any{"type": "join", "seq": cand.nextSeq(), "client_id": cand.clientID, "resume": nil})
	old := credentialOf(cand.waitType("snapshot"))
	f := cand.waitType("credential")
	fresh := credentialOf(f)
	if !strings.HasPrefix(fresh, "rs1_") || fresh == old {
		t.Fatalf("refresh frame %v, want a new credential", f)
	}
	// The access token ends in 2 minutes: so does every credential descending from it.
	exp, err := time.Parse(time.RFC3339Nano, f.obj("credential").str("expires_at"))
	if err != nil || exp.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("credential expires at %v (%v), after the access token", exp, err)
	}
	checkServerFrames(t, cand)

	// The older one opens a socket once; spent, it opens none; the newer one still opens.
	if cl, status, code := h.dialResume("r-fresh", old); cl == nil {
		t.Fatalf("the older credential, first use: %d %s", status, code)
	}
	if cl, status, code := h.dialResume("r-fresh", old); cl != nil || status != http.StatusUnauthorized || code != "resume_invalid" {
		t.Errorf("the older credential, second use: %d %q, want 401 resume_invalid", status, code)
	}
	_ = cand.c.NetConn().Close()
	back := h.resumeWith("r-fresh", cand, fresh)
	if r := back.lastOf("resumed"); r["recovered"] != true || credentialOf(r) == "" {
		t.Errorf("the newer credential's join: %s", back.allRaw())
	}
}
