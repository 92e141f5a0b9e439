package ws

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// pushFrame is an editor.push as @codemirror/collab sends it for one typed 100-unit line.
var pushFrame = []byte(`{"type":"editor.push","seq":4182,"version":731,"updates":[{"clientID":"cm-7f3a9c","changes":[1204,[0,"` +
	strings.Repeat("x", 98) + `",""],310]}]}`)

var presenceFrame = []byte(`{"type":"presence","selection":{"main":0,"ranges":[{"anchor":1305,"head":1305}]}}`)

func BenchmarkDecodeEditorPush(b *testing.B) {
	benchDecode(b, pushFrame)
}

func BenchmarkDecodePresence(b *testing.B) {
	benchDecode(b, presenceFrame)
}

func benchDecode(b *testing.B, frame []byte) {
	b.Helper()
	if _, err := DecodeCommand(frame); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := DecodeCommand(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEventForRoles delivers one editor update to the sockets of a node, a third of
// them in each role, the way the fan-out does, and reports the cost per event.
func BenchmarkEncodeEventForRoles(b *testing.B) {
	for _, n := range []int{3, 30, 300} {
		b.Run("sockets="+itoa(n), func(b *testing.B) {
			srv, err := New(Config{Engine: nopEngine{}, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}})
			if err != nil {
				b.Fatal(err)
			}
			roles := []mockroom.Role{mockroom.RoleInterviewer, mockroom.RoleCandidate, mockroom.RoleObserver}
			conns := make([]*conn, n)
			for i := range conns {
				conns[i] = benchConn(srv, roles[i%3], mockroom.UserID("u"+itoa(i)))
			}
			data, _ := json.Marshal(map[string]any{"version": 731, "updates": []map[string]any{{"clientID": "cm-7f3a9c", "changes": []any{1204, []any{0, strings.Repeat("x", 98), ""}, 310}}}})
			ev := live.Event{ID: "01JH5Q0000000000000000", Epoch: "ep-1", Type: live.TypeEditorUpdate,
				At: time.Now(), Actor: "u-typist", Data: data}
			b.ReportAllocs()
			var off mockroom.EventOffset
			for b.Loop() {
				off++
				ev.Offset = off
				deliverToAll(conns, ev)
				for _, c := range conns {
					clear(c.queue)
					c.queue, c.queued = c.queue[:0], 0
				}
			}
			if conns[0].closing {
				b.Fatal("socket closed during the benchmark")
			}
		})
	}
}

func benchConn(srv *Server, role mockroom.Role, user mockroom.UserID) *conn {
	return &conn{srv: srv, role: role, principal: mockroom.Principal{UserID: user}, joined: true,
		epoch: "ep-1", wake: make(chan struct{}, 1), drained: make(chan struct{}, 1), done: make(chan struct{})}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// deliverToAll is the fan-out's loop over a room's local listeners.
func deliverToAll(conns []*conn, ev live.Event) {
	d := &live.Delivery{Event: ev}
	for _, c := range conns {
		c.DeliverShared(d)
	}
}

// Stand-ins for the parts a Server needs but the encoding benchmark never calls.
type (
	nopEngine  struct{ Engine }
	nopFanout  struct{ Fanout }
	nopAuth    struct{ Verifier }
	nopTickets struct{ TicketStore }
)
