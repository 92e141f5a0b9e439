package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/httpapi"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
	"github.com/mockroom/mockroom/internal/ws"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { redistest.StopShared() }))
}

// The socket layer's interfaces are met by the real parts cmd wires in.
var (
	_ ws.Engine      = (*live.Engine)(nil)
	_ ws.Fanout      = (*live.Fanout)(nil)
	_ ws.Verifier    = (*account.Service)(nil)
	_ ws.TicketStore = redisstore.Tickets{}
)

const origin = "https://mock.example.org"

var (
	interviewer = mockroom.Principal{UserID: "u-int", Name: "Ida"}
	candidate   = mockroom.Principal{UserID: "u-cand", Name: "Carl"}
	observer    = mockroom.Principal{UserID: "u-obs", Name: "Olga"}
	stranger    = mockroom.Principal{UserID: "u-str", Name: "Sam"}
)

// bankQuestions serves the real question bank, so role filtering is tested on real guidance.
type bankQuestions struct{ track *bank.Track }

func (b bankQuestions) Question(_ context.Context, _ mockroom.UserID, _ mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	return b.track.Question(id)
}

// fakeAuth accepts tokens it issued; a session can be revoked.
type fakeAuth struct {
	mu      sync.Mutex
	tokens  map[string]account.AccessClaims
	revoked map[string]bool
}

func (f *fakeAuth) issue(p mockroom.Principal, sid string, exp time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := fmt.Sprintf("tok-%s-%s-%d", p.UserID, sid, len(f.tokens))
	f.tokens[tok] = account.AccessClaims{Principal: p, SessionID: sid, ExpiresAt: exp}
	return tok
}

func (f *fakeAuth) Verify(_ context.Context, tok string) (account.AccessClaims, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.tokens[tok]
	if !ok {
		return account.AccessClaims{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_invalid", "bad token")
	}
	if !time.Now().Before(c.ExpiresAt) {
		return account.AccessClaims{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_expired", "expired")
	}
	if f.revoked[c.SessionID] {
		return account.AccessClaims{}, mockroom.Errorf(mockroom.KindUnauthorized, "session_revoked", "revoked")
	}
	return c, nil
}

func (f *fakeAuth) SessionActive(_ context.Context, _ mockroom.UserID, sid string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.revoked[sid], nil
}

func (f *fakeAuth) revoke(sid string) {
	f.mu.Lock()
	f.revoked[sid] = true
	f.mu.Unlock()
}

type harness struct {
	t      *testing.T
	rooms  *livetest.Rooms
	auth   *fakeAuth
	track  *bank.Track
	engine *live.Engine
	// log is the rooms' log, for events that other services append (feedback).
	log  *redisstore.LiveStore
	srv  *ws.Server
	http *httptest.Server
	reg  *prometheus.Registry
	// keys and redis reach the store underneath, for tests that change it behind the server.
	keys  redisstore.Keys
	redis *redis.Client
	// sockets numbers the joins, so each socket has its own client id.
	sockets int
}

type option func(*ws.Config, *harnessOpts)

type harnessOpts struct {
	smallSendBuffer bool
	// wrapListener, when set, wraps the test server's listener (to watch its connections).
	wrapListener func(net.Listener) net.Listener
}

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	rs := redistest.Shared(t)
	client := rs.Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	track, err := b.Track("python-developer")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t:     t,
		rooms: livetest.NewRooms(),
		auth:  &fakeAuth{tokens: map[string]account.AccessClaims{}, revoked: map[string]bool{}},
		track: track,
		reg:   prometheus.NewRegistry(),
		keys:  keys,
		redis: client,
	}
	bus := redisstore.NewLiveBus(client, keys, rs.Real)
	h.log = redisstore.NewLiveStore(client, keys, rs.Real)
	h.engine = live.NewEngine(live.Config{
		Store: h.log, Rooms: h.rooms, Questions: bankQuestions{track}, Bus: bus,
		PollEvery: 50 * time.Millisecond,
	})
	cfg := ws.Config{
		Engine: h.engine, Fanout: h.engine.Fanout(), Auth: h.auth,
		Tickets: redisstore.Tickets{Client: client, Keys: keys}, TicketKey: testTicketKey, Registry: h.reg,
		AllowedOrigins: []string{origin},
	}
	var ho harnessOpts
	for _, o := range opts {
		o(&cfg, &ho)
	}
	h.srv, err = ws.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Options{Registry: h.reg})
	api.MountLive(h.srv)
	h.http = httptest.NewUnstartedServer(api)
	if ho.smallSendBuffer {
		h.http.Listener = smallBufferListener{h.http.Listener}
	}
	if ho.wrapListener != nil {
		h.http.Listener = ho.wrapListener(h.http.Listener)
	}
	h.http.Start()

	ctx, cancel := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { defer close(engineDone); _ = h.engine.Run(ctx) }()
	sweepDone := make(chan struct{})
	go func() { defer close(sweepDone); _ = h.srv.Run(ctx) }()
	t.Cleanup(func() {
		closeCtx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = h.srv.Close(closeCtx)
		h.http.Close()
		cancel()
		<-engineDone
		<-sweepDone
		_ = bus.Close()
	})
	return h
}

// smallBufferListener shrinks the kernel send buffer of accepted connections, so a client that
// stops reading fills the server's queue quickly.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// mentorRoom creates a mentor room with the interviewer, candidate and observer, planned with
// real bank questions.
func (h *harness) mentorRoom(id mockroom.RoomID, questions ...mockroom.QuestionID) {
	h.t.Helper()
	if len(questions) == 0 {
		for _, q := range h.track.Questions()[:3] {
			questions = append(questions, q.ID)
		}
	}
	info := live.RoomInfo{ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting, Allowance: 1,
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: interviewer.Name},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: candidate.Name},
			{UserID: observer.UserID, Role: mockroom.RoleObserver, DisplayName: observer.Name},
		}}
	for _, qid := range questions {
		q, err := h.track.Question(qid)
		if err != nil {
			h.t.Fatal(err)
		}
		info.Questions = append(info.Questions, live.PlannedQuestion{QuestionID: qid, Title: q.Title, Category: q.Category, Minutes: 5})
	}
	h.rooms.Put(info)
}

// token issues an access token for p valid for an hour.
func (h *harness) token(p mockroom.Principal) string {
	return h.auth.issue(p, "sid-"+string(p.UserID), time.Now().Add(time.Hour))
}

// ticket asks the HTTP endpoint for a ticket.
func (h *harness) ticket(tok string, room mockroom.RoomID) (string, int) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/rooms/"+string(room)+"/ticket", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Ticket    string    `json:"ticket"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return body.Ticket, res.StatusCode
}

func (h *harness) wsURL(room mockroom.RoomID, ticket string) string {
	return "ws" + strings.TrimPrefix(h.http.URL, "http") + "/api/v1/rooms/" + string(room) + "/ws?ticket=" + ticket
}

// dialTicket opens a socket with a ticket; it returns the HTTP status when the handshake fails.
func (h *harness) dialTicket(room mockroom.RoomID, ticket string, hdr http.Header, smallReadBuffer bool) (*client, int) {
	h.t.Helper()
	if hdr == nil {
		hdr = http.Header{"Origin": {origin}}
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	if smallReadBuffer {
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			return c, err
		}
	}
	c, res, err := d.Dial(h.wsURL(room, ticket), hdr)
	if err != nil {
		if res == nil {
			h.t.Fatalf("dial: %v", err)
		}
		return nil, res.StatusCode
	}
	cl := &client{t: h.t, c: c, taken: map[int]bool{}}
	h.t.Cleanup(func() { _ = c.Close() })
	return cl, http.StatusSwitchingProtocols
}

// connect gets a ticket for p and opens a socket, without joining.
func (h *harness) connect(p mockroom.Principal, room mockroom.RoomID) *client {
	h.t.Helper()
	tk, status := h.ticket(h.token(p), room)
	if status != http.StatusOK {
		h.t.Fatalf("ticket for %s: status %d", p.UserID, status)
	}
	cl, status := h.dialTicket(room, tk, nil, false)
	if cl == nil {
		h.t.Fatalf("dial for %s: status %d", p.UserID, status)
	}
	cl.user = p.UserID
	return cl
}

// join connects p and joins fresh, returning the client after its snapshot.
func (h *harness) join(p mockroom.Principal, room mockroom.RoomID) *client {
	h.t.Helper()
	cl := h.connect(p, room)
	h.sockets++
	cl.clientID = fmt.Sprintf("c-%s-%d", p.UserID, h.sockets)
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": cl.clientID, "resume": nil})
	cl.waitType("snapshot")
	return cl
}

// client is a test's socket. It keeps every raw frame it read.
type client struct {
	t        *testing.T
	c        *websocket.Conn
	user     mockroom.UserID
	clientID string
	seq      uint64
	raw      [][]byte
	taken    map[int]bool       // frames a wait returned already
	last     *mockroom.Position // position of the last event read
}

type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) float64 {
	n, _ := f[k].(float64)
	return n
}
func (f frame) obj(k string) frame { o, _ := f[k].(map[string]any); return o }

func (cl *client) nextSeq() uint64 { cl.seq++; return cl.seq }

func (cl *client) send(v any) {
	cl.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.sendRaw(b)
}

func (cl *client) sendRaw(b []byte) {
	cl.t.Helper()
	if err := cl.c.WriteMessage(websocket.TextMessage, b); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame; the deadline is a safety net against a hung test, never a way
// to wait for something to happen.
func (cl *client) read() (frame, error) {
	_ = cl.c.SetReadDeadline(testwait.Deadline(cl.t))
	mt, b, err := cl.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	if mt != websocket.TextMessage {
		return nil, fmt.Errorf("got a non-text frame")
	}
	cl.raw = append(cl.raw, b)
	var f frame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	if f.str("type") == "event" {
		cl.last = &mockroom.Position{Epoch: f.str("epoch"), Offset: mockroom.EventOffset(f.num("offset")), EventID: f.str("id")}
	}
	if f.str("type") == "snapshot" {
		if p := f.obj("position"); p != nil {
			cl.last = &mockroom.Position{Epoch: p.str("epoch"), Offset: mockroom.EventOffset(p.num("offset")), EventID: p.str("event_id")}
		}
	}
	return f, nil
}

// waitFor reads until a frame matches; every frame read on the way is kept.
func (cl *client) waitFor(desc string, match func(frame) bool) frame {
	cl.t.Helper()
	// A frame read while waiting for something else is still there for a later wait.
	for i, raw := range cl.raw {
		if cl.taken[i] {
			continue
		}
		if f := mustFrame(raw); match(f) {
			cl.taken[i] = true
			return f
		}
	}
	for {
		f, err := cl.read()
		if err != nil {
			from := max(0, len(cl.raw)-8)
			var tail []string
			for _, r := range cl.raw[from:] {
				tail = append(tail, string(r[:min(len(r), 300)]))
			}
			cl.t.Fatalf("%s: waiting for %s: %v\nlast frames:\n%s", cl.user, desc, err, strings.Join(tail, "\n"))
		}
		if match(f) {
			cl.taken[len(cl.raw)-1] = true
			return f
		}
	}
}

func (cl *client) waitType(typ string) frame {
	cl.t.Helper()
	return cl.waitFor(typ, func(f frame) bool { return f.str("type") == typ })
}

func (cl *client) waitEvent(ev string) frame {
	cl.t.Helper()
	return cl.waitFor("event "+ev, func(f frame) bool { return f.str("type") == "event" && f.str("event") == ev })
}

// reply waits for the ack or error answering seq.
func (cl *client) reply(seq uint64) frame {
	cl.t.Helper()
	return cl.waitFor(fmt.Sprintf("reply to %d", seq), func(f frame) bool {
		return (f.str("type") == "ack" || f.str("type") == "error" || f.str("type") == "pong") && uint64(f.num("seq")) == seq
	})
}

// command sends a command frame and waits for its ack, failing on an error.
func (cl *client) command(typ string, fields map[string]any) frame {
	cl.t.Helper()
	seq := cl.nextSeq()
	m := map[string]any{"type": typ, "seq": seq}
	for k, v := range fields {
		m[k] = v
	}
	cl.send(m)
	r := cl.reply(seq)
	if r.str("type") == "error" {
		cl.t.Fatalf("%s: %s refused: %s %s", cl.user, typ, r.str("code"), r.str("message"))
	}
	return r
}

// refused sends a command and returns the error frame answering it.
func (cl *client) refused(typ string, fields map[string]any) frame {
	cl.t.Helper()
	seq := cl.nextSeq()
	m := map[string]any{"type": typ, "seq": seq}
	for k, v := range fields {
		m[k] = v
	}
	cl.send(m)
	r := cl.reply(seq)
	if r.str("type") != "error" {
		cl.t.Fatalf("%s: %s was accepted, want an error", cl.user, typ)
	}
	return r
}

// waitClose reads until the server closes the socket and returns the close code.
func (cl *client) waitClose() int {
	cl.t.Helper()
	for {
		_, err := cl.read()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		cl.t.Fatalf("%s: waiting for close: %v", cl.user, err)
	}
}

// allRaw is every frame the client read, as one string.
func (cl *client) allRaw() string {
	var b strings.Builder
	for _, r := range cl.raw {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.String()
}

// lastOf returns the last frame of a type the client read.
func (cl *client) lastOf(typ string) frame {
	cl.t.Helper()
	for i := len(cl.raw) - 1; i >= 0; i-- {
		var f frame
		_ = json.Unmarshal(cl.raw[i], &f)
		if f.str("type") == typ {
			return f
		}
	}
	cl.t.Fatalf("%s: no %s frame read", cl.user, typ)
	return nil
}

func mustFrame(raw []byte) frame {
	var f frame
	_ = json.Unmarshal(raw, &f)
	return f
}
