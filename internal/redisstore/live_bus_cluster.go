package redisstore

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// slotBus is LiveBus on a Redis Cluster.
//
// A room's channel carries the room's hash tag, so it lives in the room's slot and the appending
// script publishes it there with SPUBLISH. A sharded subscription must be held on the master
// that owns that slot, and go-redis re-sends all of a PubSub's sharded channels in one
// SSUBSCRIBE when it reconnects, which Redis refuses unless they share a slot. So the bus keeps
// one PubSub per slot in use (rooms of one slot share it), opened when the slot's first room
// is subscribed and closed when its last room leaves. One reader goroutine per PubSub feeds a
// single merged stream that Receive hands to the engine's fan-out; a room's messages all come
// through one reader, so they stay in order.
//
// Cost: a node holds one Redis connection per distinct slot among the rooms it serves (about
// one per room until rooms outnumber slots), rather than one per master.
//
// Slot moves: when a slot is resharded, or its master fails over, the old master drops the
// subscription (a server-sent sunsubscribe) or answers with an error (MOVED); the reader then
// asks the client to reload the slot map and opens a fresh PubSub for the slot on its new owner.
// Messages published in between are not received: every subscription confirmed, on a fresh
// connection as on the first, is passed to the fan-out as a notice (a message without payload),
// and the fan-out reads the room's log for what it missed.
type slotBus struct {
	client *redis.ClusterClient
	keys   Keys
	opts   busOptions
	moves  logLimiter
	msgs   chan busMessage
	done   chan struct{} // closed by close
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	slots  map[uint16]*slotSub
}

type busMessage struct {
	room    mockroom.RoomID
	payload []byte
}

// slotSub is one slot's part of the bus: the channels wanted there and the connection now
// holding them.
type slotSub struct {
	slot     uint16
	channels map[string]struct{}
	// pending are Subscribe calls waiting for the server to confirm their channel.
	pending map[string][]chan struct{}
	conn    *slotConn // nil while (re)connecting failed
	addr    string    // the master that last confirmed a subscription of the slot
}

// slotConn is one PubSub and the quit signal of its reader.
type slotConn struct {
	ps   *redis.PubSub
	quit chan struct{}
}

// stop closes the PubSub and tells its reader to exit; called once, under slotBus.mu, by
// whoever detaches the connection from its slotSub.
func (c *slotConn) stop() {
	close(c.quit)
	_ = c.ps.Close()
}

// subscribeTimeout bounds the wait for a master to confirm a subscription.
const subscribeTimeout = 10 * time.Second

// mergedBuffer lets readers run a little ahead of the fan-out.
const mergedBuffer = 256

// moveLogEvery is how often, at most, the bus logs a subscription move: a failed master may have
// served many of the node's slots, and each moves.
const moveLogEvery = 10 * time.Second

func newSlotBus(client *redis.ClusterClient, keys Keys, opts busOptions) *slotBus {
	return &slotBus{
		client: client, keys: keys, opts: opts, moves: logLimiter{every: moveLogEvery},
		msgs: make(chan busMessage, mergedBuffer), done: make(chan struct{}),
		slots: map[uint16]*slotSub{},
	}
}

// subscribe adds room's channel to its slot's PubSub and returns once the slot's master has
// confirmed it, so that anything published afterwards reaches this node (the fan-out reads the
// room's head right after).
func (b *slotBus) subscribe(ctx context.Context, room mockroom.RoomID) error {
	ch := b.keys.LiveChannel(room)
	slot := ClusterSlot(ch)
	confirmed := make(chan struct{})

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return unavailable(redis.ErrClosed, "subscribe to the room")
	}
	s := b.slots[slot]
	if s == nil {
		s = &slotSub{slot: slot, channels: map[string]struct{}{}, pending: map[string][]chan struct{}{}}
		b.slots[slot] = s
	}
	s.channels[ch] = struct{}{}
	s.pending[ch] = append(s.pending[ch], confirmed)
	var err error
	if s.conn == nil {
		err = b.connect(ctx, s)
	} else {
		err = s.conn.ps.SSubscribe(ctx, ch)
	}
	b.mu.Unlock()

	if err == nil {
		timer := time.NewTimer(subscribeTimeout)
		defer timer.Stop()
		select {
		case <-confirmed:
			return nil
		case <-ctx.Done():
			err = ctx.Err()
		case <-timer.C:
			err = errors.New("the slot's master did not confirm the subscription")
		case <-b.done:
			err = redis.ErrClosed
		}
	}
	// The caller does not count the room as subscribed: take it out again.
	b.remove(context.WithoutCancel(ctx), slot, ch, confirmed)
	return unavailable(err, "subscribe to the room")
}

// unsubscribe takes room's channel off its slot's PubSub, closing the PubSub after the slot's
// last room.
func (b *slotBus) unsubscribe(ctx context.Context, room mockroom.RoomID) error {
	ch := b.keys.LiveChannel(room)
	if err := b.remove(ctx, ClusterSlot(ch), ch, nil); err != nil {
		return unavailable(err, "unsubscribe from the room")
	}
	return nil
}

func (b *slotBus) remove(ctx context.Context, slot uint16, ch string, waiter chan struct{}) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.slots[slot]
	if s == nil {
		return nil
	}
	if waiter != nil {
		s.pending[ch] = slices.DeleteFunc(s.pending[ch], func(w chan struct{}) bool { return w == waiter })
		if len(s.pending[ch]) == 0 {
			delete(s.pending, ch)
		}
	}
	delete(s.channels, ch)
	if len(s.channels) == 0 {
		delete(b.slots, slot)
		if s.conn != nil {
			s.conn.stop()
			s.conn = nil
		}
		return nil
	}
	if s.conn == nil {
		return nil
	}
	return s.conn.ps.SUnsubscribe(ctx, ch)
}

// connect opens a PubSub for s on the master the client believes owns the slot, subscribes all
// of s's channels in one SSUBSCRIBE (they share the slot) and starts its reader. Called with
// b.mu held.
func (b *slotBus) connect(ctx context.Context, s *slotSub) error {
	ps := b.client.SSubscribe(ctx) // nothing is sent until the first channel
	if err := ps.SSubscribe(ctx, slices.Collect(maps.Keys(s.channels))...); err != nil {
		_ = ps.Close()
		return err
	}
	c := &slotConn{ps: ps, quit: make(chan struct{})}
	s.conn = c
	b.wg.Add(1)
	go b.read(context.WithoutCancel(ctx), s, c)
	return nil
}

// read is the reader of one PubSub. It exits when the PubSub is stopped (its slot emptied or
// replaced, or the bus closed).
func (b *slotBus) read(ctx context.Context, s *slotSub, c *slotConn) {
	defer b.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := c.ps.Receive(ctx)
		if err != nil {
			var re redis.Error
			replace := errors.As(err, &re) // MOVED, CLUSTERDOWN…: the slot is not served here
			if !b.pause(c, &backoff) {
				return
			}
			if replace {
				b.replace(ctx, s, c)
				return
			}
			// A network error: the PubSub reconnects and resubscribes by itself on the next
			// Receive, using the client's slot map, which may need a refresh after a failover.
			b.client.ReloadState(ctx)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Message:
			room, ok := b.keys.LiveChannelRoom(m.Channel)
			if !ok {
				continue
			}
			select {
			case b.msgs <- busMessage{room: room, payload: []byte(m.Payload)}:
			case <-c.quit:
				return
			case <-b.done:
				return
			}
		case *redis.Subscription:
			if m.Kind == "ssubscribe" {
				b.checkMove(ctx, s, m.Channel)
				if !b.notice(c, m.Channel) {
					return
				}
			}
			if b.confirmed(s, c, m) {
				// The master dropped a channel we still want: the slot has moved.
				if !b.pause(c, &backoff) {
					return
				}
				b.replace(ctx, s, c)
				return
			}
		}
	}
}

// checkMove notes which master confirmed a subscription of s and, when it is not the one that
// confirmed the slot's previous subscription, logs and counts a move. The client's slot map is
// what the PubSub connected with, so its master for the channel is the one that confirmed.
func (b *slotBus) checkMove(ctx context.Context, s *slotSub, ch string) {
	node, err := b.client.MasterForKey(ctx, ch)
	if err != nil {
		return
	}
	addr := node.Options().Addr
	b.mu.Lock()
	prev := s.addr
	s.addr = addr
	b.mu.Unlock()
	if prev == "" || prev == addr {
		return
	}
	b.opts.moved()
	if ok, suppressed := b.moves.allow("moved"); ok {
		b.opts.log.Info("room subscription moved to the slot's new master", "slot", s.slot, "from", prev, "to", addr,
			"moves_not_logged", suppressed)
	}
}

// notice tells the fan-out, through the merged stream, that room's channel is subscribed on c
// (for the first time, or again after a reconnect or a move to a new master), so it reads the
// room's log for anything published while it was not. False if c was stopped meanwhile.
func (b *slotBus) notice(c *slotConn, ch string) bool {
	room, ok := b.keys.LiveChannelRoom(ch)
	if !ok {
		return true
	}
	select {
	case b.msgs <- busMessage{room: room}:
		return true
	case <-c.quit:
		return false
	case <-b.done:
		return false
	}
}

// pause waits before a retry, doubling the wait up to a second; false if c was stopped meanwhile.
func (b *slotBus) pause(c *slotConn, backoff *time.Duration) bool {
	timer := time.NewTimer(*backoff)
	defer timer.Stop()
	*backoff = min(2**backoff, time.Second)
	select {
	case <-timer.C:
		return true
	case <-c.quit:
		return false
	case <-b.done:
		return false
	}
}

// confirmed handles a subscription reply on c: a confirmation wakes the Subscribe calls waiting
// for it. It reports whether the server dropped a channel that is still wanted.
func (b *slotBus) confirmed(s *slotSub, c *slotConn, m *redis.Subscription) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.conn != c {
		return false
	}
	switch m.Kind {
	case "ssubscribe":
		for _, w := range s.pending[m.Channel] {
			close(w)
		}
		delete(s.pending, m.Channel)
	case "sunsubscribe":
		_, wanted := s.channels[m.Channel]
		return wanted
	}
	return false
}

// replace swaps c, which the slot's master no longer serves, for a fresh PubSub on the slot's
// current owner. Pending Subscribe calls are confirmed by the new connection. ReloadState only
// schedules a refresh of the client's slot map: a PubSub opened on the old master before the
// refresh lands gets MOVED again, and its reader comes back here after a pause. A connection
// that cannot be opened at all (the master is down) is retried with growing pauses until it
// opens, the slot's rooms all leave, or the bus closes.
func (b *slotBus) replace(ctx context.Context, s *slotSub, c *slotConn) {
	b.mu.Lock()
	if s.conn != c || b.closed {
		b.mu.Unlock()
		return
	}
	c.stop()
	s.conn = nil
	b.mu.Unlock()
	backoff := 50 * time.Millisecond
	for {
		b.client.ReloadState(ctx)
		b.mu.Lock()
		if b.closed || s.conn != nil || len(s.channels) == 0 || b.slots[s.slot] != s {
			b.mu.Unlock() // closed, emptied, or connected again by a subscribe meanwhile
			return
		}
		err := b.connect(ctx, s)
		b.mu.Unlock()
		if err == nil {
			return
		}
		timer := time.NewTimer(backoff)
		backoff = min(2*backoff, time.Second)
		select {
		case <-timer.C:
		case <-b.done:
			timer.Stop()
			return
		}
	}
}

func (b *slotBus) receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	select {
	case m := <-b.msgs:
		return m.room, m.payload, nil
	case <-ctx.Done():
		return "", nil, ctx.Err()
	case <-b.done:
		return "", nil, redis.ErrClosed
	}
}

func (b *slotBus) close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.done)
	for _, s := range b.slots {
		if s.conn != nil {
			s.conn.stop()
			s.conn = nil
		}
	}
	clear(b.slots)
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

// conns is the number of PubSub connections open (for tests).
func (b *slotBus) conns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.slots {
		if s.conn != nil {
			n++
		}
	}
	return n
}

// ClusterSlot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of the key's hash tag (the
// part between the first "{" and the next "}", when not empty) or of the whole key, mod 16384.
func ClusterSlot(key string) uint16 {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j > i+1 {
					key = key[i+1 : j]
				}
				return crc16(key) % 16384
			}
		}
		break
	}
	return crc16(key) % 16384
}

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
