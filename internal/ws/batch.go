package ws

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// batchConn lets the writer goroutine send several queued frames with one write system call.
// gorilla/websocket writes every frame with its own Write on the connection; between begin and
// flush, batchConn collects those writes in one buffer instead, and flush writes it at once.
// Outside a batch it is the plain connection. Frames stay whole and in order: each gorilla
// write is one complete frame, made under the library's own write lock. A control frame the
// reader goroutine writes meanwhile (a pong) joins the batch between two frames.
type batchConn struct {
	net.Conn
	mu  sync.Mutex
	buf *[]byte // non-nil during a batch; taken from batchBufs, so idle sockets hold none
	// writes counts the writes that reach the connection (mockroom_ws_writes_total); nil in
	// tests that do not count.
	writes prometheus.Counter
}

func (b *batchConn) wrote() {
	if b.writes != nil {
		b.writes.Inc()
	}
}

// maxBatchBytes bounds a batch; a longer queue (a catch-up) goes out in several writes.
const maxBatchBytes = 32 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		b.wrote()
		return b.Conn.Write(p)
	}
	*b.buf = append(*b.buf, p...)
	return len(p), nil
}

func (b *batchConn) begin() {
	b.mu.Lock()
	if b.buf == nil {
		b.buf = batchBufs.Get().(*[]byte)
	}
	b.mu.Unlock()
}

// pending is the size of the batch so far.
func (b *batchConn) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return 0
	}
	return len(*b.buf)
}

// flush writes the batch, ends it and returns its buffer to the pool.
func (b *batchConn) flush(deadline time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.buf
	if buf == nil {
		return nil
	}
	b.buf = nil
	var err error
	if len(*buf) > 0 {
		if err = b.Conn.SetWriteDeadline(deadline); err == nil {
			b.wrote()
			_, err = b.Conn.Write(*buf)
		}
	}
	if cap(*buf) <= 2*maxBatchBytes {
		*buf = (*buf)[:0]
		batchBufs.Put(buf)
	}
	return err
}

// batchingWriter hands the upgrader a batchConn when it takes over the connection.
type batchingWriter struct {
	http.ResponseWriter
	conn   *batchConn
	writes prometheus.Counter
}

func (w *batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &batchConn{Conn: c, writes: w.writes}
	return w.conn, brw, nil
}
