package ws_test

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/testwait"
	"github.com/mockroom/mockroom/internal/ws"
)

// goneWatchListener counts, over all its connections, the writes made to a connection after a
// read of it failed (the peer closed it or it broke).
type goneWatchListener struct {
	net.Listener
	writesAfterGone *atomic.Int64
}

func (l goneWatchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &goneWatchConn{Conn: c, writesAfterGone: l.writesAfterGone}, nil
}

type goneWatchConn struct {
	net.Conn
	gone            atomic.Bool
	writesAfterGone *atomic.Int64
}

func (c *goneWatchConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	// net/http interrupts its own background read with a deadline when the handler takes the
	// connection over: a timeout is not the peer leaving.
	if ne, ok := err.(net.Error); err != nil && !(ok && ne.Timeout()) {
		c.gone.Store(true)
	}
	return n, err
}

// SetLinger passes on to the TCP connection, as the server's abort expects of it.
func (c *goneWatchConn) SetLinger(sec int) error {
	return c.Conn.(*net.TCPConn).SetLinger(sec)
}

func (c *goneWatchConn) Write(b []byte) (int, error) {
	if c.gone.Load() {
		c.writesAfterGone.Add(1)
	}
	return c.Conn.Write(b)
}

// TestNothingIsWrittenToAPeerThatIsGone: a socket whose peer left is torn down without the
// server writing to it again: no close frame, no queued frame, no failing write(2) per socket
// when thousands are cut at once; nor is it counted as a socket the server closed. A connection
// that ended without a close frame is reset, so the peer's end is released at once; one closed
// with a close frame is answered (by gorilla) and closed in order.
func TestNothingIsWrittenToAPeerThatIsGone(t *testing.T) {
	cases := []struct {
		name      string
		leave     func(t *testing.T, cl *client)
		wantReset bool
	}{
		{"connection cut", func(t *testing.T, cl *client) {
			// Half-closed: the server reads the end, and the client can still see how the
			// server ends its side.
			if err := cl.c.NetConn().(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"close frame", func(t *testing.T, cl *client) {
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye")
			if err := cl.c.WriteControl(websocket.CloseMessage, msg, testwait.Deadline(t)); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var writesAfterGone atomic.Int64
			h := newHarness(t, func(_ *ws.Config, o *harnessOpts) {
				o.wrapListener = func(l net.Listener) net.Listener {
					return goneWatchListener{Listener: l, writesAfterGone: &writesAfterGone}
				}
			})
			h.mentorRoom("r-gone")
			iv := h.join(interviewer, "r-gone")
			// Its own chat back: what the socket was sent before it has been written.
			iv.command("chat.send", map[string]any{"text": "last words"})
			iv.waitFor("last words", func(f frame) bool { return f.obj("data").str("text") == "last words" })

			tc.leave(t, iv)
			// What the client reads from here: the close frame's answer, if it sent one, then
			// the end of the connection, orderly or reset.
			_ = iv.c.SetReadDeadline(testwait.Deadline(t))
			var end error
			for end == nil {
				_, _, end = iv.c.ReadMessage()
			}
			// gorilla reports an orderly end without a close frame as 1006.
			if ce, ok := errors.AsType[*websocket.CloseError](end); ok && ce.Code != websocket.CloseAbnormalClosure {
				if tc.wantReset {
					t.Fatalf("the client read a close frame (%d) after its connection was cut", ce.Code)
				}
				_, end = iv.c.NetConn().Read(make([]byte, 1))
			}
			if reset := errors.Is(end, syscall.ECONNRESET); reset != tc.wantReset {
				t.Errorf("the server ended the connection with %v, want a reset: %v", end, tc.wantReset)
			}
			_ = iv.c.Close()
			for h.metricValue("mockroom_ws_open_sockets") != 0 {
				select {
				case <-testwait.After(t):
					t.Fatal("the socket is still open on the server")
				case <-time.After(5 * time.Millisecond):
				}
			}
			if n := writesAfterGone.Load(); n != 0 {
				t.Errorf("the server wrote %d times to a connection whose peer was gone, want 0", n)
			}
			if n := h.metricValue("mockroom_ws_closes_total"); n != 0 {
				t.Errorf("mockroom_ws_closes_total is %g after the peer went away, want 0 (the server closed nothing)", n)
			}
		})
	}
}
