package redisstore

import (
	"context"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// LiveBus is a node's subscription to the channels of the rooms it serves. It implements
// live.Bus.
//
// On a single Redis (and on the embedded store) one pub/sub connection holds every room:
// SSUBSCRIBE where sharded pub/sub exists, SUBSCRIBE on the embedded store. On a Redis Cluster
// a sharded subscription must be served by the master owning the channel's slot, so the bus
// keeps one connection per slot in use instead (see slotBus).
type LiveBus struct {
	client  redis.UniversalClient
	keys    Keys
	sharded bool
	cluster *slotBus // set on a Redis Cluster; the fields below are then unused

	mu sync.Mutex
	ps *redis.PubSub
	// closing is set once the first Receive has tied the connection's life to its context, and
	// done is closed when that context ends (the bus is then done).
	closing bool
	done    chan struct{}
	// confirming holds, per channel, the Subscribe calls waiting for Redis to confirm it.
	confirming map[string][]chan struct{}
}

var _ live.Bus = (*LiveBus)(nil)

// BusOption configures a LiveBus.
type BusOption func(*busOptions)

type busOptions struct {
	log   *slog.Logger
	moved func()
}

// WithBusLogger logs, on a Redis Cluster, when a slot's subscription moves to a new master
// (after a failover or a resharding), rate-limited.
func WithBusLogger(l *slog.Logger) BusOption { return func(o *busOptions) { o.log = l } }

// WithMoveCounter calls moved each time a slot's subscription moves to a new master, for a metric.
func WithMoveCounter(moved func()) BusOption { return func(o *busOptions) { o.moved = moved } }

// NewLiveBus returns a bus on client; sharded as Conn.Sharded(). A *redis.ClusterClient gets
// one sharded subscription per slot.
func NewLiveBus(client redis.UniversalClient, keys Keys, sharded bool, opts ...BusOption) *LiveBus {
	o := busOptions{log: slog.New(slog.DiscardHandler), moved: func() {}}
	for _, opt := range opts {
		opt(&o)
	}
	b := &LiveBus{client: client, keys: keys, sharded: sharded, done: make(chan struct{}), confirming: map[string][]chan struct{}{}}
	if cc, ok := client.(*redis.ClusterClient); ok && sharded {
		b.cluster = newSlotBus(cc, keys, o)
	}
	return b
}

func (b *LiveBus) pubsub(ctx context.Context) *redis.PubSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ps == nil {
		if b.sharded {
			b.ps = b.client.SSubscribe(ctx)
		} else {
			b.ps = b.client.Subscribe(ctx)
		}
	}
	return b.ps
}

// Subscribe implements live.Bus. While a Receive is under way it returns only once Redis has
// confirmed the subscription: writing the command is not enough, because the fan-out reads the
// room's head on another connection right after, and Redis may run that read first; an event
// published between the two would then be in neither. The confirmation is handed to this call
// rather than announced by Receive (the head read that follows covers what the announcement
// would have). Before the first Receive there is nobody to read the confirmation: Subscribe
// returns at once, and the first Receive announces the subscription instead.
func (b *LiveBus) Subscribe(ctx context.Context, room mockroom.RoomID) error {
	if b.cluster != nil {
		return b.cluster.subscribe(ctx, room)
	}
	ch := b.keys.LiveChannel(room)
	ps := b.pubsub(ctx)
	b.mu.Lock()
	var confirmed chan struct{}
	if b.closing {
		confirmed = make(chan struct{})
		b.confirming[ch] = append(b.confirming[ch], confirmed)
	}
	b.mu.Unlock()
	var err error
	if b.sharded {
		err = ps.SSubscribe(ctx, ch)
	} else {
		err = ps.Subscribe(ctx, ch)
	}
	if confirmed == nil {
		if err != nil {
			return unavailable(err, "subscribe to the room")
		}
		return nil
	}
	if err == nil {
		select {
		case <-confirmed:
			return nil
		case <-ctx.Done():
			err = ctx.Err()
		case <-b.done:
			err = redis.ErrClosed
		}
	}
	b.stopWaiting(ch, confirmed)
	// The caller does not count the room as subscribed: take it out again (the PubSub kept the
	// channel, to subscribe it again after a reconnect).
	_ = b.Unsubscribe(context.WithoutCancel(ctx), room)
	return unavailable(err, "subscribe to the room")
}

// stopWaiting takes a Subscribe call that gave up off the channel's waiters.
func (b *LiveBus) stopWaiting(ch string, confirmed chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	waiters := b.confirming[ch]
	for i, w := range waiters {
		if w == confirmed {
			waiters = append(waiters[:i], waiters[i+1:]...)
			break
		}
	}
	if len(waiters) == 0 {
		delete(b.confirming, ch)
	} else {
		b.confirming[ch] = waiters
	}
}

// confirm wakes the Subscribe calls waiting for ch's confirmation; false if none waited.
func (b *LiveBus) confirm(ch string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	waiters, ok := b.confirming[ch]
	for _, w := range waiters {
		close(w)
	}
	delete(b.confirming, ch)
	return ok
}

// Unsubscribe implements live.Bus.
func (b *LiveBus) Unsubscribe(ctx context.Context, room mockroom.RoomID) error {
	if b.cluster != nil {
		return b.cluster.unsubscribe(ctx, room)
	}
	ps := b.pubsub(ctx)
	var err error
	if b.sharded {
		err = ps.SUnsubscribe(ctx, b.keys.LiveChannel(room))
	} else {
		err = ps.Unsubscribe(ctx, b.keys.LiveChannel(room))
	}
	if err != nil {
		return unavailable(err, "unsubscribe from the room")
	}
	return nil
}

// Receive implements live.Bus. Each confirmation of a room's subscription that no Subscribe call
// waits for (any after a reconnect, and those of rooms subscribed before the first Receive) is
// returned as a notice (a nil payload). On a single Redis, when the context of
// the first Receive ends, the connection is closed so the blocked read returns; the bus is then
// done (the fan-out receives with one context for its whole run, and tying the connection to it
// once saves a registration per message). On a Cluster, Receive only stops waiting; Close
// releases the connections.
func (b *LiveBus) Receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	if b.cluster != nil {
		return b.cluster.receive(ctx)
	}
	ps := b.pubsub(ctx)
	b.mu.Lock()
	if !b.closing {
		b.closing = true
		context.AfterFunc(ctx, func() {
			close(b.done)
			_ = ps.Close()
		})
	}
	b.mu.Unlock()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return "", nil, err
		}
		switch m := msg.(type) {
		case *redis.Message:
			if room, ok := b.keys.LiveChannelRoom(m.Channel); ok {
				return room, []byte(m.Payload), nil
			}
		case *redis.Subscription:
			// After a reconnect, when the PubSub subscribes again by itself, tell the fan-out,
			// which reads the log for what was published while the connection was down. A
			// confirmation a Subscribe call waits for goes to that call instead.
			if m.Kind != "subscribe" && m.Kind != "ssubscribe" {
				continue
			}
			if room, ok := b.keys.LiveChannelRoom(m.Channel); ok && !b.confirm(m.Channel) {
				return room, nil, nil
			}
		}
	}
}

// Close releases the connections (and, on a Cluster, waits for their readers to stop).
func (b *LiveBus) Close() error {
	if b.cluster != nil {
		return b.cluster.close()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ps == nil {
		return nil
	}
	return b.ps.Close()
}
