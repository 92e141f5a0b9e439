package ws

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/testwait"
)

// countingConn counts the writes that reach the connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

// TestWriteBatchOneWritePerBatch: queued frames reach the client whole and in order, with one
// write on the connection per maxBatchBytes of frames.
func TestWriteBatchOneWritePerBatch(t *testing.T) {
	cases := []struct {
		name       string
		frames     int
		size       int
		wantWrites int64
	}{
		{"one frame", 1, 100, 1},
		{"small frames", 50, 100, 1},
		{"a long queue", 10, 10 << 10, 3}, // a write once 32 KiB are pending: 4, 4 and 2 frames
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := New(Config{Engine: nopEngine{}, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}})
			if err != nil {
				t.Fatal(err)
			}
			var writes atomic.Int64
			result := make(chan error, 1)
			var wantData []string
			for i := range tc.frames {
				wantData = append(wantData, fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", tc.size)))
			}
			var before int64
			hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bw := &batchingWriter{ResponseWriter: w}
				wsc, err := srv.upgrader.Upgrade(bw, r, nil)
				if err != nil {
					result <- err
					return
				}
				c := benchConn(srv, "candidate", "u")
				c.ws, c.out = wsc, bw.conn
				var batch []outFrame
				for _, d := range wantData {
					batch = append(batch, outFrame{data: []byte(d), typ: FrameEvent, durable: true})
					c.queued += len(d)
				}
				before = writes.Load()
				err = c.writeBatch(batch)
				if err == nil && c.queued != 0 {
					err = fmt.Errorf("%d bytes still counted against the queue", c.queued)
				}
				result <- err
			}))
			hs.Listener = countingListener{hs.Listener, &writes}
			hs.Start()
			defer hs.Close()
			cl, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			_ = cl.SetReadDeadline(testwait.Deadline(t))
			for i, want := range wantData {
				_, got, err := cl.ReadMessage()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if string(got) != want {
					t.Fatalf("frame %d = %.40s…, want %.40s…", i, got, want)
				}
			}
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			if got := writes.Load() - before; got != tc.wantWrites {
				t.Errorf("%d frames took %d writes, want %d", tc.frames, got, tc.wantWrites)
			}
		})
	}
}
