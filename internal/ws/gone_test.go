package ws_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

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

func (c *goneWatchConn) Write(b []byte) (int, error) {
	if c.gone.Load() {
		c.writesAfterGone.Add(1)
	}
	return c.Conn.Write(b)
}

// TestNothingIsWrittenToAPeerThatIsGone: a socket whose connection is cut (no close frame)
// is torn down without the server writing to it again: no close frame, no queued frame, no
// failing write(2) per socket when thousands are cut at once. Nor is it counted as a socket the
// server closed.
func TestNothingIsWrittenToAPeerThatIsGone(t *testing.T) {
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

	_ = iv.c.NetConn().Close()
	for h.gauge("mockroom_ws_open_sockets") != 0 {
		select {
		case <-testwait.After(t):
			t.Fatal("the cut socket is still open on the server")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if n := writesAfterGone.Load(); n != 0 {
		t.Errorf("the server wrote %d times to a connection whose peer was gone, want 0", n)
	}
	if n := h.counter("mockroom_ws_closes_total"); n != 0 {
		t.Errorf("mockroom_ws_closes_total is %g after the peer went away, want 0 (the server closed nothing)", n)
	}
}

func (h *harness) gauge(name string) float64 {
	h.t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}
