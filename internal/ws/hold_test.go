package ws

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/testwait"
)

// executingEngine runs during each Execute what the test gives it, as the fan-out would deliver
// events to the socket while its command is in the store.
type executingEngine struct {
	nopEngine
	during func()
	err    error
}

func (e executingEngine) Execute(context.Context, mockroom.RoomID, mockroom.Principal, live.Command) (live.Result, error) {
	e.during()
	if e.err != nil {
		return live.Result{}, e.err
	}
	return live.Result{Position: mockroom.Position{Epoch: "ep-1", Offset: 2, EventID: "ev-2"}, Version: 2}, nil
}

// TestCommandRepliesWithHeldFramesInOneWrite: events that reach a socket while its own command
// is processed wait for the command's ack (or error) and leave with it, in one write, in the
// order they were queued: the events first, then the reply. When the command's own event (offset
// 2) comes back only after the ack is queued, the ack waits for it and both still leave in that
// one write.
func TestCommandRepliesWithHeldFramesInOneWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		reply  string
		during []mockroom.EventOffset // delivered while the command is in the engine
		after  []mockroom.EventOffset // delivered once the ack or error is queued
	}{
		{"ack", nil, FrameAck, []mockroom.EventOffset{1, 2}, nil},
		{"error", mockroom.Errorf(mockroom.KindConflict, "version_stale", "document is at version 2"), FrameError, []mockroom.EventOffset{1, 2}, nil},
		{"ack before its event", nil, FrameAck, []mockroom.EventOffset{1}, []mockroom.EventOffset{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *conn
			update := func(off mockroom.EventOffset) live.Event {
				return live.Event{Offset: off, ID: "ev-" + itoa(int(off)), Epoch: "ep-1", Type: live.TypeEditorUpdate,
					Actor: "u-peer", At: time.Now(), Data: json.RawMessage(`{"version":` + itoa(int(off)-1) + `,"updates":[]}`)}
			}
			engine := executingEngine{err: tc.err, during: func() {
				for _, off := range tc.during {
					c.Deliver(update(off))
				}
			}}
			reg := prometheus.NewRegistry()
			srv, err := New(Config{Engine: engine, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}, Registry: reg})
			if err != nil {
				t.Fatal(err)
			}
			var rawWrites atomic.Int64
			ready := make(chan struct{})
			hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bw := &batchingWriter{ResponseWriter: w, writes: srv.metrics.writes}
				wsc, err := srv.upgrader.Upgrade(bw, r, nil)
				if err != nil {
					t.Error(err)
					close(ready)
					return
				}
				c = benchConn(srv, "candidate", "u-cand")
				c.ws, c.out, c.writerDone = wsc, bw.conn, make(chan struct{})
				c.ctx, c.cancel = context.WithCancel(t.Context())
				close(ready)
			}))
			hs.Listener = countingListener{hs.Listener, &rawWrites}
			hs.Start()
			defer hs.Close()
			cl, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			<-ready
			if c == nil {
				t.FailNow()
			}
			go c.writeLoop()
			defer func() {
				c.closeWith(CloseNormal, "")
				<-c.writerDone
			}()
			before, beforeRaw := testutil.ToFloat64(srv.metrics.writes), rawWrites.Load()

			c.execute(Command{Type: TypeEditorPush, Seq: 7})
			c.mu.Lock()
			held := c.holding
			c.mu.Unlock()
			if held != (len(tc.after) > 0) {
				t.Fatalf("holding %v once the command returned, want %v (its own event due: %v)", held, !held, tc.after)
			}
			for _, off := range tc.after {
				c.Deliver(update(off))
			}

			_ = cl.SetReadDeadline(testwait.Deadline(t))
			var got []string
			for range 3 {
				var f struct {
					Type   string               `json:"type"`
					Seq    uint64               `json:"seq"`
					Offset mockroom.EventOffset `json:"offset"`
				}
				if err := cl.ReadJSON(&f); err != nil {
					t.Fatal(err)
				}
				switch f.Type {
				case FrameEvent:
					got = append(got, "event "+itoa(int(f.Offset)))
				default:
					got = append(got, f.Type+" "+itoa(int(f.Seq)))
				}
			}
			want := []string{"event 1", "event 2", tc.reply + " 7"}
			if len(tc.after) > 0 {
				want = []string{"event 1", tc.reply + " 7", "event 2"}
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Fatalf("frames %v, want %v", got, want)
			}
			// The writer counts the write before making it, and the client has read its bytes.
			if n := testutil.ToFloat64(srv.metrics.writes) - before; n != 1 {
				t.Errorf("mockroom_ws_writes_total grew by %g for two events and the %s, want 1", n, tc.reply)
			}
			c.mu.Lock()
			held = c.holding
			c.mu.Unlock()
			if held {
				t.Error("still holding after the command's own event was queued")
			}
			if n := rawWrites.Load() - beforeRaw; n != 1 {
				t.Errorf("the connection saw %d writes for two events and the %s, want 1", n, tc.reply)
			}
		})
	}
}

// TestHoldGivesWayToALongQueue: a hold never lets the queue grow past a batch; the writer is
// woken once the held frames reach maxBatchBytes.
func TestHoldGivesWayToALongQueue(t *testing.T) {
	srv, err := New(Config{Engine: nopEngine{}, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}})
	if err != nil {
		t.Fatal(err)
	}
	c := benchConn(srv, "candidate", "u")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holdLocked()
	c.enqueueLocked(outFrame{data: make([]byte, 100), durable: true})
	select {
	case <-c.wake:
		t.Fatal("a small held frame woke the writer")
	default:
	}
	c.enqueueLocked(outFrame{data: make([]byte, maxBatchBytes), durable: true})
	select {
	case <-c.wake:
	default:
		t.Fatal("a held queue of a whole batch did not wake the writer")
	}
	c.releaseLocked()
	select {
	case <-c.wake:
	default:
		t.Fatal("the release did not wake the writer for the queued frames")
	}
	if c.holding {
		t.Fatal("still holding after the release")
	}
}

// snapshotEngine answers Snapshot with the room at position 7 of epoch ep-2 (a log that went back
// and was rebuilt).
type snapshotEngine struct{ nopEngine }

func (snapshotEngine) Snapshot(context.Context, mockroom.RoomID, mockroom.UserID) (live.Snapshot, error) {
	var s live.Snapshot
	s.Position = mockroom.Position{Epoch: "ep-2", Offset: 7, EventID: "ev-7"}
	return s, nil
}

// TestHeldAckWaitsForItsOwnEventOnly: an ack held for the command's own event (offset 5) is not
// released by earlier events, nor by events of a command still in the engine; it is released by
// its event, and by a snapshot that starts the socket over when that event may never come.
func TestHeldAckWaitsForItsOwnEventOnly(t *testing.T) {
	srv, err := New(Config{Engine: snapshotEngine{}, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(off mockroom.EventOffset) live.Event {
		return live.Event{Offset: off, ID: "ev-" + itoa(int(off)), Epoch: "ep-1", Type: live.TypeChatMessage,
			Actor: "u-peer", At: time.Now(), Data: json.RawMessage(`{"text":"hi"}`)}
	}
	holding := func(c *conn) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.holding
	}
	c := benchConn(srv, "candidate", "u")
	c.lastOffset = 3
	c.mu.Lock()
	c.holdLocked()
	c.enqueueLocked(outFrame{typ: FrameAck, durable: true, data: []byte(`{}`)})
	c.holdForEchoLocked(mockroom.Position{Epoch: "ep-1", Offset: 5, EventID: "ev-5"})
	c.mu.Unlock()
	c.Deliver(ev(4))
	if !holding(c) {
		t.Fatal("an event before the command's own released the held ack")
	}
	// A second command starts before the first one's event is back: its own run keeps the hold.
	c.mu.Lock()
	c.holdLocked()
	c.mu.Unlock()
	c.Deliver(ev(5))
	if !holding(c) {
		t.Fatal("the first command's event released the hold while the second command was in the engine")
	}
	c.mu.Lock()
	c.holdForEchoLocked(mockroom.Position{}) // the second command was refused
	c.mu.Unlock()
	if holding(c) {
		t.Fatal("the hold outlived every event it waited for")
	}

	c.mu.Lock()
	c.holdLocked()
	c.holdForEchoLocked(mockroom.Position{Epoch: "ep-1", Offset: 9, EventID: "ev-9"})
	c.mu.Unlock()
	if !holding(c) {
		t.Fatal("an ack whose event is due was not held")
	}
	c.Resync(t.Context())
	if holding(c) {
		t.Fatal("a snapshot starting the socket over left the ack held")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 || c.queue[len(c.queue)-1].typ != FrameSnapshot {
		t.Fatal("no snapshot queued")
	}
	select {
	case <-c.wake:
	default:
		t.Fatal("the writer was not woken for the ack and the snapshot")
	}
}

// TestHeldAckLeavesAtThePingTick: when the command's own event never comes back (the fan-out is
// cut off from the store), the held ack still leaves, at the socket's next ping tick.
func TestHeldAckLeavesAtThePingTick(t *testing.T) {
	engine := executingEngine{during: func() {}} // appends offset 2; nothing is ever delivered
	srv, err := New(Config{Engine: engine, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}, PingInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var c *conn
	ready := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &batchingWriter{ResponseWriter: w, writes: srv.metrics.writes}
		wsc, err := srv.upgrader.Upgrade(bw, r, nil)
		if err != nil {
			t.Error(err)
			close(ready)
			return
		}
		c = benchConn(srv, "candidate", "u-cand")
		c.ws, c.out, c.writerDone = wsc, bw.conn, make(chan struct{})
		c.ctx, c.cancel = context.WithCancel(t.Context())
		close(ready)
	}))
	defer hs.Close()
	cl, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	<-ready
	if c == nil {
		t.FailNow()
	}
	c.lastOffset = 1
	go c.writeLoop()
	defer func() {
		c.closeWith(CloseNormal, "")
		<-c.writerDone
	}()

	c.execute(Command{Type: TypeEditorPush, Seq: 9})
	c.mu.Lock()
	held := c.holding
	c.mu.Unlock()
	if !held {
		t.Fatal("the ack was not held for its event")
	}
	// The client answers pings by itself while it reads; the ack comes at the next tick.
	_ = cl.SetReadDeadline(time.Now().Add(30 * time.Second))
	var f struct {
		Type string `json:"type"`
		Seq  uint64 `json:"seq"`
	}
	if err := cl.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	if f.Type != FrameAck || f.Seq != 9 {
		t.Fatalf("got %s %d, want ack 9", f.Type, f.Seq)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holding || c.holdUntil != 0 {
		t.Fatalf("holding %v until %d after the tick", c.holding, c.holdUntil)
	}
}
