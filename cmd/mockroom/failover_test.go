package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// TestFailoverOfARoomsMaster runs two nodes on a real Redis Cluster of three masters and three
// replicas and kills the master that serves a live mentor room's slot, right after a 3-second
// question started (so its timer events fall due while the slot has no master). The
// interviewer's socket is on one node, the candidate's on the other; the candidate's socket is
// dropped during the outage. Then:
//   - /readyz answers 503 with the reason on both nodes during the outage, 200 after;
//   - the timer events, written after the promotion into a room where nobody writes anything
//     else, reach the interviewer with no later event in the log to expose them;
//   - the candidate resumes once (a "resumed", not a snapshot) and gets every event it missed;
//   - every event reaches each participant exactly once and in order, every acknowledged
//     command is in the log once, the timer expired once;
//   - every log line is JSON (the Redis client's own lines included), and each node logged the
//     store lost and back.
func TestFailoverOfARoomsMaster(t *testing.T) {
	c := redistest.StartClusterWithReplicas(t)
	if c == nil {
		return
	}
	env := map[string]string{
		"MOCKROOM_REDIS_URL":       c.URL,
		"MOCKROOM_TOKEN_SECRET":    "a-failover-secret-of-at-least-thirty-two-bytes",
		"MOCKROOM_ALLOWED_ORIGINS": clusterOrigin,
		"MOCKROOM_LOG_FORMAT":      "json",
	}
	a, b := start(t, env), start(t, env)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node A log:\n%s\nnode B log:\n%s", a.logs, b.logs)
		}
	})

	iv := a.signUp(t, "failover-ivy")
	status, body := a.call(t, "POST", "/api/v1/rooms", iv.token, map[string]any{
		"track": "python-developer", "title": "failover",
		"plan": map[string]any{"slots": []map[string]any{{"category": "technical_proficiency", "difficulty": "junior", "seconds": 3}}},
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
	status, body = b.call(t, "POST", "/api/v1/invites/accept", "", map[string]string{
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

	ivSock := a.dial(t, room, iv, "iv")
	candSock := b.dial(t, room, cand, "cand")
	var sent []string
	for i := range 3 {
		for name, s := range map[string]*wsClient{"iv": ivSock, "cand": candSock} {
			text := fmt.Sprintf("before %d from %s", i, name)
			s.command("chat.send", map[string]any{"text": text})
			sent = append(sent, text)
		}
	}
	ivSock.command("room.start", nil)
	candSock.waitEvent("question.started")

	killed := c.KillMasterOf(t, redisstore.DefaultKeys.LiveState(mockroom.RoomID(room)))
	killedAt := time.Now()
	t.Logf("killed %s, the master of the room's slot", killed)

	// Readiness tells the truth on both nodes: 503 with the reason, then 200.
	reasons := waitBoth(t, []*started{a, b}, http.StatusServiceUnavailable)
	for i, r := range reasons {
		if !strings.Contains(r, "Redis Cluster") {
			t.Errorf("node %d /readyz 503 without the reason: %s", i, r)
		}
	}
	// The candidate's socket drops during the outage; it resumes from its last event later.
	candPos := candSock.lastPosition()
	_ = candSock.c.Close()
	waitBoth(t, []*started{a, b}, http.StatusOK)
	t.Logf("/readyz back to 200 on both nodes %s after the kill", time.Since(killedAt).Round(time.Millisecond))

	// The interviewer gets the timer's events although nothing is written to the room after them.
	expired := ivSock.waitEvent("timer.expired")
	t.Logf("timer.expired reached the interviewer %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	c.WaitSlotMoved(t, redisstore.DefaultKeys.LiveState(mockroom.RoomID(room)), killed)
	logged := roomLog(t, c, room)
	if last := logged[len(logged)-1]; last.Type != live.TypeTimerExpired || last.Offset != uint64Of(expired.num("offset")) {
		t.Fatalf("the log's last event is %s at %d: something after timer.expired could have exposed it", last.Type, last.Offset)
	}

	// The candidate resumes exactly once, on the other node's socket layer as any client would.
	cand2 := b.dialResume(t, room, cand, "cand", candPos)
	cand2.waitEvent("timer.expired")

	// Commands after the failover, acknowledged (retried with the same seq while refused for
	// want of the store) and heard by the other side.
	for i := range 3 {
		for name, s := range map[string]*wsClient{"iv": ivSock, "cand": cand2} {
			text := fmt.Sprintf("after %d from %s", i, name)
			s.commandRetrying("chat.send", map[string]any{"text": text})
			sent = append(sent, text)
		}
	}
	logged = roomLog(t, c, room)
	head := logged[len(logged)-1].Offset
	for _, s := range []*wsClient{ivSock, cand2} {
		s.waitFor("the log's last event", func(f frame) bool {
			return f.str("type") == "event" && mockroom.EventOffset(f.num("offset")) == head
		})
	}
	// Exactly once and in order: the interviewer's socket holds every event after its snapshot;
	// the candidate's two sockets, together, hold every event after theirs, with no overlap.
	ivGot := ivSock.eventOffsets()
	if want := offsetRange(ivSock.snapshotOffset()+1, head); !slices.Equal(ivGot, want) {
		t.Errorf("interviewer received offsets %v, want %v", ivGot, want)
	}
	candGot := append(candSock.eventOffsets(), cand2.eventOffsets()...)
	if want := offsetRange(candSock.snapshotOffset()+1, head); !slices.Equal(candGot, want) {
		t.Errorf("candidate received offsets %v (first socket, then resumed), want %v", candGot, want)
	}
	for _, s := range sent {
		n := 0
		for _, ev := range logged {
			if ev.Type == live.TypeChatMessage && strings.Contains(string(ev.Data), s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("acknowledged chat %q is in the log %d times, want once", s, n)
		}
	}
	if n := countEvents(logged, live.TypeTimerExpired); n != 1 {
		t.Errorf("timer.expired %d times in the log, want once", n)
	}
	if n := countEvents(logged, live.TypeTimerWarning); n != 1 {
		t.Errorf("timer.warning %d times in the log, want once (a 3 s question is warned once)", n)
	}

	// Each node says the store is back once commands have succeeded for a second. A node may
	// lose it more than once while the cluster decides (commands to the other masters succeed
	// for a second, then the cluster refuses everything until the failover is done): wait until
	// each has come back from its last loss.
	waitRecovered(t, []*started{a, b})
	for name, s := range map[string]*started{"A": a, "B": b} {
		lost, back := 0, 0
		for line := range strings.Lines(s.logs.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Errorf("node %s wrote a line that is not JSON: %q", name, line)
				continue
			}
			msg, _ := m["msg"].(string)
			switch {
			case strings.HasPrefix(msg, "store lost"):
				lost++
			case strings.HasPrefix(msg, "store back"):
				back++
			}
		}
		if lost == 0 || back != lost {
			t.Errorf("node %s logged the store lost %d times and back %d times, want at least once each, as many backs as losses", name, lost, back)
		}
	}
}

// waitBoth polls /readyz on every node until each has answered want at least once, and returns
// the body each answered with. Redis decides when the cluster fails and recovers; there is no
// event to wait on but the answers themselves.
func waitBoth(t *testing.T, nodes []*started, want int) []string {
	t.Helper()
	bodies := make([]string, len(nodes))
	seen := make([]bool, len(nodes))
	hang := testwait.Deadline(t) // a guard against hanging, not a measure of speed
	for {
		all := true
		for i, s := range nodes {
			if seen[i] {
				continue
			}
			status, body := s.call(t, "GET", "/readyz", "", nil)
			if status == want {
				seen[i], bodies[i] = true, string(body)
			} else {
				all = false
			}
		}
		if all {
			return bodies
		}
		if time.Now().After(hang) {
			t.Fatalf("/readyz never answered %d on every node (seen %v)", want, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRecovered polls /metrics on every node until each has lost the store at least once and
// come back as many times as it lost it.
func waitRecovered(t *testing.T, nodes []*started) {
	t.Helper()
	hang := time.Now().Add(time.Minute) // a guard against hanging, not a measure of speed
	for _, s := range nodes {
		for {
			_, body := s.call(t, "GET", "/metrics", "", nil)
			var lost, recovered float64
			for line := range strings.Lines(string(body)) {
				if rest, ok := strings.CutPrefix(line, "mockroom_store_lost_total "); ok {
					_, _ = fmt.Sscan(rest, &lost)
				}
				if rest, ok := strings.CutPrefix(line, "mockroom_store_recovered_total "); ok {
					_, _ = fmt.Sscan(rest, &recovered)
				}
			}
			if lost > 0 && recovered == lost {
				break
			}
			if time.Now().After(hang) {
				t.Fatalf("%s lost the store %g times and came back %g times, for a minute", s.base, lost, recovered)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func uint64Of(f float64) mockroom.EventOffset { return mockroom.EventOffset(f) }

func offsetRange(from, to mockroom.EventOffset) []mockroom.EventOffset {
	var out []mockroom.EventOffset
	for o := from; o <= to; o++ {
		out = append(out, o)
	}
	return out
}

func countEvents(evs []live.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// roomLog reads the room's whole log from the cluster.
func roomLog(t *testing.T, c *redistest.Cluster, room string) []live.Event {
	t.Helper()
	store := redisstore.NewLiveStore(c.Client(t), redisstore.DefaultKeys, true)
	_, evs, err := store.Read(t.Context(), mockroom.RoomID(room), 1, 10000)
	if err != nil {
		t.Fatalf("read the room's log: %v", err)
	}
	if len(evs) == 0 {
		t.Fatal("the room's log is empty")
	}
	return evs
}

// eventOffsets lists the offsets of the event frames the socket received, in order.
func (w *wsClient) eventOffsets() []mockroom.EventOffset {
	var out []mockroom.EventOffset
	for _, f := range w.frames {
		if f.str("type") == "event" {
			out = append(out, mockroom.EventOffset(f.num("offset")))
		}
	}
	return out
}

// snapshotOffset is the offset of the position the socket's snapshot reflects (0 for none), or of
// the position it resumed after.
func (w *wsClient) snapshotOffset() mockroom.EventOffset {
	for _, f := range w.frames {
		if t := f.str("type"); t == "snapshot" || t == "resumed" {
			return mockroom.EventOffset(f.obj("position").num("offset"))
		}
	}
	return 0
}

// lastPosition is the position of the last event the socket received (or of its snapshot).
func (w *wsClient) lastPosition() map[string]any {
	for i := len(w.frames) - 1; i >= 0; i-- {
		f := w.frames[i]
		switch f.str("type") {
		case "event":
			return map[string]any{"epoch": f.str("epoch"), "offset": f.num("offset"), "event_id": f.str("id")}
		case "snapshot", "resumed":
			return f.obj("position")
		}
	}
	return nil
}

// dialResume opens a new socket to the room and joins with resume = pos; the server must answer
// "resumed" (the client is brought up to date event by event), not a snapshot.
func (s *started) dialResume(t *testing.T, room string, p person, clientID string, pos map[string]any) *wsClient {
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
	w := &wsClient{t: t, c: conn, taken: map[int]bool{}, seq: 100}
	w.seq++
	w.send(map[string]any{"type": "join", "seq": w.seq, "client_id": clientID, "resume": pos})
	f := w.waitFor("resumed or snapshot", func(f frame) bool { return f.str("type") == "resumed" || f.str("type") == "snapshot" })
	if f.str("type") != "resumed" {
		t.Fatalf("resume from %v answered with %v, want resumed", pos, f)
	}
	return w
}

// commandRetrying sends a command and, while the store is unavailable, re-sends the same frame
// with the same seq after a pause, as the protocol tells clients to; it returns the ack.
func (w *wsClient) commandRetrying(typ string, fields map[string]any) frame {
	w.t.Helper()
	w.seq++
	seq := w.seq
	m := map[string]any{"type": typ, "seq": seq}
	for k, v := range fields {
		m[k] = v
	}
	w.retrying = true
	defer func() { w.retrying = false }()
	pause := 250 * time.Millisecond
	for {
		w.send(m)
		r := w.waitFor(fmt.Sprintf("reply to %s %d", typ, seq), func(f frame) bool {
			return (f.str("type") == "ack" || f.str("type") == "error") && uint64(f.num("seq")) == seq
		})
		if r.str("type") == "ack" {
			return r
		}
		if code := r.str("code"); code != "store_unavailable" && code != "unavailable" {
			w.t.Fatalf("%s refused: %v", typ, r)
		}
		time.Sleep(pause) // the documented client back-off, not synchronisation
		pause = min(2*pause, 5*time.Second)
	}
}
