package ws_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

// chats lists the chat texts a client received, in order.
func chats(cl *client) []string {
	var out []string
	for _, raw := range cl.raw {
		s := string(raw)
		if !strings.Contains(s, `"event":"chat.message"`) {
			continue
		}
		f := mustFrame(raw)
		out = append(out, f.obj("data").str("text"))
	}
	return out
}

// resume opens a new socket for p and joins with the client's last position.
func (h *harness) resume(p mockroom.Principal, room mockroom.RoomID, prev *client, smallReadBuffer bool) *client {
	h.t.Helper()
	tk, _ := h.ticket(h.token(p), room)
	cl, status := h.dialTicket(room, tk, nil, smallReadBuffer)
	if cl == nil {
		h.t.Fatalf("dial: %d", status)
	}
	cl.user, cl.clientID, cl.seq = p.UserID, prev.clientID, prev.seq
	cl.send(map[string]any{"type": "join", "seq": cl.nextSeq(), "client_id": cl.clientID, "resume": prev.last})
	return cl
}

func TestResumeAfterDroppedSocketIsExactlyOnce(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) { c.SlowRate, c.SlowBurst = 1000, 1000 })
	h.mentorRoom("r-res")
	iv := h.join(interviewer, "r-res")
	cand := h.join(candidate, "r-res")
	var sent []string
	say := func(text string) {
		iv.command("chat.send", map[string]any{"text": text})
		sent = append(sent, text)
	}
	for i := range 5 {
		say(fmt.Sprintf("before %d", i))
	}
	cand.waitFor("before 4", func(f frame) bool { return f.obj("data").str("text") == "before 4" })
	// The candidate's connection breaks without a close frame.
	_ = cand.c.NetConn().Close()
	for i := range 5 {
		say(fmt.Sprintf("while away %d", i))
	}
	// Reconnect while the interviewer keeps talking: catch-up and live stream overlap.
	done := make(chan struct{})
	ivSocket := h.join(interviewer, "r-res")
	go func() {
		defer close(done)
		for i := range 30 {
			ivSocket.send(map[string]any{"type": "chat.send", "seq": 100 + i, "text": fmt.Sprintf("during %d", i)})
		}
	}()
	back := h.resume(candidate, "r-res", cand, false)
	<-done
	ivSocket.reply(129)
	for _, raw := range ivSocket.raw {
		if f := mustFrame(raw); f.str("type") == "error" {
			t.Logf("refused: %s", raw)
		}
	}
	for i := range 30 {
		sent = append(sent, fmt.Sprintf("during %d", i))
	}
	say("the end")
	back.waitFor("the end", func(f frame) bool { return f.obj("data").str("text") == "the end" })
	if back.lastOf("resumed")["recovered"] != true {
		t.Fatalf("resume was not recovered")
	}
	got := append(chats(cand), chats(back)...)
	// "during" messages come from a second socket concurrently with nothing else of the
	// interviewer's, so their order is the send order.
	if strings.Join(got, "|") != strings.Join(sent, "|") {
		t.Errorf("received chats differ from sent\n got: %q\nwant: %q", got, sent)
	}
	checkServerFrames(t, back)
}

func TestResumeFromUnknownPositionGetsSnapshot(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-snap")
	iv := h.join(interviewer, "r-snap")
	iv.command("chat.send", map[string]any{"text": "one"})
	cand := h.join(candidate, "r-snap")
	cand.last.EventID = "not-the-id"
	back := h.resume(candidate, "r-snap", cand, false)
	f := back.waitType("snapshot")
	if f["recovered"] != false || f.str("reason") != "position_mismatch" {
		t.Errorf("snapshot recovered=%v reason=%q, want false/position_mismatch", f["recovered"], f.str("reason"))
	}
	cand.last.Epoch = "other-epoch"
	back2 := h.resume(candidate, "r-snap", cand, false)
	if f := back2.waitType("snapshot"); f.str("reason") != "position_mismatch" {
		t.Errorf("other epoch: reason %q", f.str("reason"))
	}
}

func TestSlowConsumerIsClosedAndResumes(t *testing.T) {
	h := newHarness(t, func(c *ws.Config, o *harnessOpts) {
		c.QueueBytes = 32 << 10
		// The slow socket is to be recognised by its queue filling up, not by a write that
		// outlasts WriteWait while the sends go on (on a busy machine they can take that long).
		c.WriteWait = time.Hour
		c.SlowRate, c.SlowBurst = 10000, 10000
		o.smallSendBuffer = true
	})
	h.mentorRoom("r-slow")
	iv := h.join(interviewer, "r-slow")
	fast := h.join(candidate, "r-slow")
	slowFirst := h.resume(observer, "r-slow", &client{clientID: "c-slow"}, true)
	slowFirst.waitType("snapshot")

	const n = 150
	fastDone := make(chan error, 1)
	go func() {
		// This participant keeps reading, as a healthy client does.
		for {
			f, err := fast.read()
			if err != nil {
				fastDone <- err
				return
			}
			if strings.HasPrefix(f.obj("data").str("text"), fmt.Sprintf("%03d ", n-1)) {
				fastDone <- nil
				return
			}
		}
	}()
	// closed receives the slow socket's close code once it reads again.
	closed := make(chan error, 1)
	reading := false
	var sent []string
	for i := range n {
		text := fmt.Sprintf("%03d %s", i, strings.Repeat("x", 1900))
		iv.command("chat.send", map[string]any{"text": text})
		sent = append(sent, text)
		if !reading && h.slowConsumerCloses() > 0 {
			// The server gave up on the slow socket; its close frame waits behind the frames
			// already in the socket's buffers, and is dropped (1006) if it cannot be written
			// within WriteWait. A slow client reads again at some point; this one does so as
			// soon as the server decided, not after the rest of the room, however long a busy
			// machine takes for that.
			reading = true
			go func() {
				for {
					if _, err := slowFirst.read(); err != nil {
						closed <- err
						return
					}
				}
			}()
		}
	}
	if !reading {
		t.Fatalf("the server never closed the slow socket; the test did not make it slow")
	}
	// The room went on: the reading participant has everything.
	if err := <-fastDone; err != nil {
		t.Fatalf("reading participant: %v", err)
	}
	if got := chats(fast); len(got) != n {
		t.Errorf("reading participant got %d chats, want %d", len(got), n)
	}
	// The socket that did not read was closed with the documented code…
	var ce *websocket.CloseError
	if err := <-closed; !errors.As(err, &ce) || ce.Code != ws.CloseSlowConsumer {
		t.Fatalf("slow socket ended with %v, want close code %d", err, ws.CloseSlowConsumer)
	}
	got := chats(slowFirst)
	if len(got) >= n {
		t.Fatalf("the slow socket received all %d chats; the test did not make it slow", len(got))
	}
	// …and resuming from its last position brings exactly the rest.
	back := h.resume(observer, "r-slow", slowFirst, false)
	back.waitFor("last chat", func(f frame) bool { return f.obj("data").str("text") == sent[n-1] })
	got = append(got, chats(back)...)
	if strings.Join(got, "|") != strings.Join(sent, "|") {
		t.Errorf("slow consumer after resume: got %d chats, want %d in order", len(got), n)
	}
}

// slowConsumerCloses is the server's count of sockets it decided to close as slow consumers.
func (h *harness) slowConsumerCloses() float64 {
	return h.metricValue("mockroom_ws_slow_consumer_closes_total")
}
