package ws

import (
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// outFrame is one encoded server frame waiting for the writer.
type outFrame struct {
	data    []byte
	typ     string // frame type, for metrics
	durable bool   // events, acks, errors, snapshots: never dropped silently
	// acceptedAt is when a peer's editor update was accepted; zero for other frames. The writer
	// observes the relay latency when the frame reaches the socket.
	acceptedAt time.Time
}

// Drop reasons, the label values of mockroom_ws_dropped_frames_total.
const (
	dropPresenceShed = "presence_shed"     // queue over half full: ephemeral frames go first
	dropSlowConsumer = "slow_consumer"     // queue full of durable frames: the socket is closed
	dropClosing      = "closing"           // the socket was already closing
	dropCatchUp      = "presence_catch_up" // presence arriving while the socket catches up
)

// enqueueLocked appends f to the socket's queue without ever blocking. c.mu must be held.
// Ephemeral frames are shed once the queue is half full; a durable frame that does not fit
// closes the socket with CloseSlowConsumer, because dropping it would leave a silent gap.
func (c *conn) enqueueLocked(f outFrame) {
	if c.closing {
		c.srv.metrics.drops.WithLabelValues(dropClosing).Inc()
		return
	}
	limit := c.srv.cfg.QueueBytes
	if !f.durable && c.queued+len(f.data) > limit/2 {
		c.srv.metrics.drops.WithLabelValues(dropPresenceShed).Inc()
		return
	}
	// A single frame larger than the cap (a snapshot of a big document) still goes out alone.
	if c.queued > 0 && c.queued+len(f.data) > limit {
		c.srv.metrics.drops.WithLabelValues(dropSlowConsumer).Inc()
		c.srv.metrics.slowConsumers.Inc()
		c.closeLocked(CloseSlowConsumer, "slow consumer: resume from your last position")
		return
	}
	c.queue = append(c.queue, f)
	c.queued += len(f.data)
	if c.holding && c.queued < min(maxBatchBytes, limit/4) {
		return // the command's ack or error wakes the writer (releaseLocked)
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// holdLocked keeps the writer asleep while the socket's own command is processed: frames queued
// meanwhile (the peers' events, the command's own event when it comes back first) leave in one
// write with the command's ack or error instead of one write each. When the command appended an
// event this socket has not been sent yet, the hold lasts until the fan-out queues it
// (holdForEchoLocked), so the ack and the socket's own event still share one write. The queue's
// order is untouched, so nothing is reordered; a hold that gathers maxBatchBytes (or a quarter of
// the queue's cap) wakes the writer anyway, so holding never fills the queue. c.mu must be held.
func (c *conn) holdLocked() { c.holding, c.executing = true, true }

// holdForEchoLocked ends the command's part of the hold: the writer stays asleep while an event
// the command appended at pos (or an earlier command's, still due) has not been queued to this
// socket, and is woken otherwise. The fan-out's delivery of that event (deliverLocked), a
// snapshot that starts the socket over (Resync), the socket closing, or at the latest the next
// ping tick ends the hold. c.mu must be held.
func (c *conn) holdForEchoLocked(pos mockroom.Position) {
	c.executing = false
	if pos.Offset > c.lastOffset && (pos.Epoch == c.epoch || c.epoch == "") {
		c.holdUntil = max(c.holdUntil, pos.Offset)
	}
	if c.holdUntil > c.lastOffset {
		return
	}
	c.holdUntil = 0
	c.releaseLocked()
}

// echoedLocked ends a hold that waited for the event just queued. c.mu must be held.
func (c *conn) echoedLocked() {
	if c.holding && !c.executing && c.lastOffset >= c.holdUntil {
		c.holdUntil = 0
		c.releaseLocked()
	}
}

// releaseLocked ends the hold and wakes the writer for what it gathered. c.mu must be held.
func (c *conn) releaseLocked() {
	c.holding, c.executing = false, false
	if len(c.queue) > 0 {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// takeQueue hands the writer everything queued so far. The frames' bytes stay counted in
// c.queued until the writer reports them written, so a batch stuck on a slow socket still counts
// against the socket's cap.
func (c *conn) takeQueue(buf []outFrame) []outFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf = append(buf[:0], c.queue...)
	clear(c.queue)
	c.queue = c.queue[:0]
	return buf
}

// written releases n bytes of the socket's cap once the writer has sent them.
func (c *conn) written(n int) {
	c.mu.Lock()
	c.queued -= n
	c.mu.Unlock()
	select {
	case c.drained <- struct{}{}:
	default:
	}
}

// waitForRoom blocks the reader goroutine until the queue is at most half full, so a long
// catch-up is paced by what the client actually reads instead of overflowing the queue. It
// reports false when the socket closes meanwhile.
func (c *conn) waitForRoom() bool {
	for {
		c.mu.Lock()
		ok, closing := c.queued <= c.srv.cfg.QueueBytes/2, c.closing
		c.mu.Unlock()
		if closing {
			return false
		}
		if ok {
			return true
		}
		select {
		case <-c.drained:
		case <-c.done:
			return false
		}
	}
}
