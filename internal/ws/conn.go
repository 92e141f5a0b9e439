package ws

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"golang.org/x/time/rate"
)

// conn is one socket. The reader goroutine owns the decoding, the rate limits and the command
// calls; the writer goroutine owns every write to the connection. Everything else (the fan-out,
// the session sweeper, shutdown) goes through enqueueLocked or closeLocked under mu.
type conn struct {
	srv       *Server
	ws        *websocket.Conn
	out       *batchConn // ws's connection, for writing a batch of frames at once
	id        uint64
	room      mockroom.RoomID
	principal mockroom.Principal
	ctx       context.Context // cancelled when the socket starts closing
	cancel    context.CancelFunc

	wake       chan struct{} // capacity 1: "the queue is not empty"
	drained    chan struct{} // capacity 1: "the writer sent something"
	done       chan struct{} // closed when closing starts
	writerDone chan struct{}

	mu         sync.Mutex
	queue      []outFrame
	queued     int // bytes queued or being written
	closing    bool
	closeCode  int
	closeText  string
	peerGone   peerGone // the peer closed or the connection broke: nothing more is written to it
	sessionID  string
	expiresAt  time.Time
	role       mockroom.Role
	clientID   string
	joined     bool // the catch-up was sent; the live stream flows
	entered    bool // the engine admitted the socket (Leave is owed)
	catchingUp bool
	holding    bool                 // the writer waits: a command of this socket is processed, or its echo is due (holdLocked)
	executing  bool                 // a command of this socket is in the engine
	holdUntil  mockroom.EventOffset // after the command: the hold lasts until this event is queued (0: none)
	pending    []live.Event
	epoch      string
	lastOffset mockroom.EventOffset
	lastID     string
	listenerID live.ListenerID
	listening  bool

	// Reader-goroutine state.
	handedOver bool     // the joining reader has handed over to a fresh one
	firstJoin  *Command // the join read before the socket started (AcceptJoinAuth); nil once handled
	// Writer-goroutine state: ping ticks since the socket was last handed a resume credential.
	credPings  uint8
	fast, slow *rate.Limiter // editor+presence, everything else
	abuse      abuse
}

// logger is the socket's logger. It is made when something is logged, which is rare, rather than
// kept: a logger with attributes costs every idle socket a few hundred bytes.
func (c *conn) logger() *slog.Logger {
	return c.srv.log.With("conn_id", c.id, "room_id", c.room, "user_id", c.principal.UserID)
}

// closeLocked starts closing the socket with code; the writer sends the close frame. c.mu must
// be held. The first reason wins.
func (c *conn) closeLocked(code int, text string) {
	if c.closing {
		return
	}
	c.closing, c.closeCode, c.closeText = true, code, text
	close(c.done)
	c.cancel()
}

func (c *conn) closeWith(code int, text string) {
	c.mu.Lock()
	c.closeLocked(code, text)
	c.mu.Unlock()
}

// readLoop is the reader goroutine. It returns when the socket fails or closes, and then tears
// the socket down once the writer has finished.
//
// Joining is the deepest work a socket does (the store calls and the snapshot grow the
// goroutine's stack to 8 KiB or more), and the runtime only halves a stack that is less than a
// quarter used, so the reader blocked in its next read would keep most of that for as long as
// the socket is idle. After a successful join the reader therefore hands over to a new reader
// goroutine, which starts with a small stack, and ends: still one reader at a time.
func (c *conn) readLoop() {
	cfg := &c.srv.cfg
	if !c.handedOver {
		c.ws.SetReadLimit(cfg.MaxFrameBytes)
		_ = c.ws.SetReadDeadline(time.Now().Add(cfg.JoinTimeout))
		pongWait := cfg.PongWait // the handler lives as long as the socket: capture no more
		c.ws.SetPongHandler(func(string) error {
			return c.ws.SetReadDeadline(time.Now().Add(pongWait))
		})
	}
	if join := c.firstJoin; join != nil {
		c.firstJoin = nil
		if !c.handleCommand(*join) {
			c.finish()
			return
		}
		c.handOver()
		return
	}
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readFailed(err)
			c.finish()
			return
		}
		c.mu.Lock()
		joined := c.joined
		c.mu.Unlock()
		if joined {
			_ = c.ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
		}
		if mt != websocket.TextMessage {
			c.srv.metrics.framesIn.WithLabelValues("invalid").Inc()
			c.closeWith(CloseBinary, "binary frames are not accepted; send JSON text frames")
			c.finish()
			return
		}
		if !utf8.Valid(data) {
			c.srv.metrics.framesIn.WithLabelValues("invalid").Inc()
			c.closeWith(CloseInvalidUTF8, "text frame is not valid UTF-8")
			c.finish()
			return
		}
		if !c.handle(data) {
			c.finish()
			return
		}
		if !joined && !c.handedOver {
			c.handOver() // the join was this frame
			return
		}
	}
}

// handOver starts the reader that follows the joining one; only the reader calls it.
func (c *conn) handOver() {
	c.handedOver = true
	c.srv.wg.Add(1)
	go func() { defer c.srv.wg.Done(); c.readLoop() }()
}

func (c *conn) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		c.closeWith(CloseTooBig, "frame larger than "+strconv.FormatInt(c.srv.cfg.MaxFrameBytes, 10)+" bytes")
	case errors.As(err, &ne) && ne.Timeout():
		c.mu.Lock()
		joined := c.joined
		c.mu.Unlock()
		if !joined {
			c.closeWith(CloseProtocol, "no join frame in time")
		} else {
			c.closeWith(CloseNormal, "no sign of life")
		}
	default:
		// The peer closed (gorilla has already answered its close frame) or the connection
		// broke: nothing more to say. Writing would cost a frame and a failing write(2) per
		// socket, which adds up when thousands are cut at once.
		gone := peerBroke
		// gorilla reports a connection that ended without a close frame as 1006, a code no
		// peer may send.
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code != websocket.CloseAbnormalClosure {
			gone = peerClosed
		}
		c.mu.Lock()
		c.peerGone = gone
		c.closeLocked(CloseNormal, "")
		c.mu.Unlock()
	}
}

// peerGone says how a socket's peer went away.
type peerGone uint8

const (
	peerHere   peerGone = iota
	peerClosed          // it sent a close frame, which gorilla has answered
	peerBroke           // the connection ended or failed without a close frame
)

// writeLoop is the writer goroutine: it drains the queue, pings, and on close sends the close
// frame and closes the connection.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	cfg := &c.srv.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	var batch []outFrame
	for {
		select {
		case <-c.wake:
			batch = c.takeQueue(batch)
			if err := c.writeBatch(batch); err != nil {
				c.closeWith(CloseNormal, "")
				c.shutdownConn(false)
				return
			}
		case <-ping.C:
			c.mu.Lock()
			if c.holding && !c.executing {
				// A command's own event that has not come back within a ping interval (the
				// fan-out is cut off from the store) no longer holds its ack back.
				c.holdUntil = 0
				c.releaseLocked()
			}
			joined := c.joined
			c.mu.Unlock()
			if err := c.ping(joined); err != nil {
				c.closeWith(CloseNormal, "")
				c.shutdownConn(false)
				return
			}
		case <-c.done:
			c.mu.Lock()
			code, gone := c.closeCode, c.peerGone
			c.mu.Unlock()
			// Say what is already queued (e.g. the error frame that explains the close) unless
			// the socket is being dropped for being slow or nobody is there to read it.
			if code != CloseSlowConsumer && gone == peerHere {
				batch = c.takeQueue(batch)
				_ = c.writeBatch(batch)
			}
			if gone == peerBroke {
				c.abort()
				return
			}
			c.shutdownConn(gone == peerHere)
			return
		}
	}
}

// ping writes the socket's ping and, every refreshPings ticks of a joined socket, a fresh resume
// credential before it, both in one write.
func (c *conn) ping(joined bool) error {
	deadline := time.Now().Add(c.srv.cfg.WriteWait)
	var cred []byte
	if joined {
		if c.credPings++; c.credPings >= c.srv.refreshPings() {
			c.credPings = 0
			now := c.srv.now()
			if cr := c.issueCredential(now); cr != nil {
				cred = mustJSON(credentialFrame{Type: FrameCredential, ServerTime: serverTime(now), Credential: cr})
			}
		}
	}
	if cred == nil {
		_ = c.ws.SetWriteDeadline(deadline)
		return c.ws.WriteMessage(websocket.PingMessage, nil)
	}
	if c.out != nil {
		c.out.begin()
	}
	_ = c.ws.SetWriteDeadline(deadline)
	err := c.ws.WriteMessage(websocket.TextMessage, cred)
	if err == nil {
		err = c.ws.WriteMessage(websocket.PingMessage, nil)
	}
	if c.out != nil {
		if ferr := c.out.flush(deadline); err == nil {
			err = ferr
		}
	}
	if err == nil {
		c.srv.metrics.framesOut.WithLabelValues(FrameCredential).Inc()
	}
	return err
}

// writeBatch writes the frames the writer took from the queue. Two or more go out in one write
// system call (up to maxBatchBytes each); their bytes stay counted against the queue's cap until
// that write returns.
func (c *conn) writeBatch(batch []outFrame) error {
	deadline := func() time.Time { return time.Now().Add(c.srv.cfg.WriteWait) }
	batching := len(batch) > 1 && c.out != nil
	done, n := 0, 0 // frames written so far, and their bytes
	sent := func(upto int) {
		c.written(n)
		for ; done < upto; done++ {
			f := &batch[done]
			c.srv.metrics.framesOut.WithLabelValues(f.typ).Inc()
			if !f.acceptedAt.IsZero() {
				c.srv.metrics.relayLatency.Observe(time.Since(f.acceptedAt).Seconds())
			}
			f.data = nil
		}
		n = 0
	}
	if batching {
		c.out.begin()
	}
	for i := range batch {
		f := &batch[i]
		_ = c.ws.SetWriteDeadline(deadline())
		err := c.ws.WriteMessage(websocket.TextMessage, f.data)
		n += len(f.data)
		if err == nil && batching && (c.out.pending() >= maxBatchBytes || i == len(batch)-1) {
			err = c.out.flush(deadline())
			if i < len(batch)-1 {
				c.out.begin()
			}
		}
		if err != nil {
			if batching {
				_ = c.out.flush(deadline())
			}
			c.written(n)
			return err
		}
		if !batching || c.out.pending() == 0 {
			sent(i + 1)
		}
	}
	return nil
}

// shutdownConn sends the close frame (when the peer may still listen) and closes the
// connection, which also ends the reader's blocking read.
func (c *conn) shutdownConn(sayGoodbye bool) {
	c.mu.Lock()
	code, text := c.closeCode, c.closeText
	c.mu.Unlock()
	if sayGoodbye && code != 0 {
		msg := websocket.FormatCloseMessage(code, truncateReason(text))
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.srv.cfg.WriteWait))
		c.srv.metrics.closes.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	_ = c.ws.Close()
}

// abort closes a connection that broke with a reset rather than a FIN: nothing is left to
// send on it, and the peer's end (in FIN_WAIT or half-open) is released at once instead of
// lingering, as it was when the server still wrote its close frame into the broken connection
// and the peer's kernel answered with a reset. A client that reconnects thousands of sockets
// at once from one address otherwise finds its ports held in TIME_WAIT.
func (c *conn) abort() {
	if c.out != nil {
		if tc, ok := c.out.Conn.(interface{ SetLinger(int) error }); ok {
			_ = tc.SetLinger(0)
		}
	}
	_ = c.ws.Close()
}

// truncateReason keeps a close reason within the 123 bytes a close frame allows, on a rune
// boundary.
func truncateReason(s string) string {
	if len(s) <= 120 {
		return s
	}
	s = s[:120]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// finish runs on the reader goroutine after it stopped reading: it waits for the writer, then
// unregisters the socket.
func (c *conn) finish() {
	c.closeWith(CloseNormal, "")
	<-c.writerDone
	c.mu.Lock()
	listening, id, entered := c.listening, c.listenerID, c.entered
	c.listening = false
	c.mu.Unlock()
	// The socket's own context is gone; the clean-up is bounded by a short timeout so a dead
	// store cannot keep the goroutine.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), c.srv.cfg.WriteWait)
	defer cancel()
	if listening {
		if err := c.srv.fanout.Remove(ctx, c.room, id); err != nil {
			c.srv.storeError(err)
		}
	}
	if entered {
		if err := c.srv.engine.Leave(ctx, c.room, c.principal); err != nil {
			c.srv.storeError(err)
		}
	}
	c.srv.remove(c)
}
