package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// LiveBus is a node's subscription to the channels of the rooms it serves: one pub/sub
// connection for all of them (SSUBSCRIBE where sharded pub/sub exists, SUBSCRIBE on the
// embedded store). It implements live.Bus.
//
// On a Redis Cluster one sharded subscription serves one slot; this type keeps one connection
// and so is only correct on a single Redis (or a cluster where the node's rooms share a slot).
// A per-slot connection map is the next step for Cluster.
type LiveBus struct {
	client  redis.UniversalClient
	keys    Keys
	sharded bool

	mu sync.Mutex
	ps *redis.PubSub
}

var _ live.Bus = (*LiveBus)(nil)

// NewLiveBus returns a bus on client; sharded as Conn.Sharded().
func NewLiveBus(client redis.UniversalClient, keys Keys, sharded bool) *LiveBus {
	return &LiveBus{client: client, keys: keys, sharded: sharded}
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

// Subscribe implements live.Bus.
func (b *LiveBus) Subscribe(ctx context.Context, room mockroom.RoomID) error {
	ps := b.pubsub(ctx)
	var err error
	if b.sharded {
		err = ps.SSubscribe(ctx, b.keys.LiveChannel(room))
	} else {
		err = ps.Subscribe(ctx, b.keys.LiveChannel(room))
	}
	if err != nil {
		return unavailable(err, "subscribe to the room")
	}
	return nil
}

// Unsubscribe implements live.Bus.
func (b *LiveBus) Unsubscribe(ctx context.Context, room mockroom.RoomID) error {
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

// Receive implements live.Bus. When ctx ends, the connection is closed so the blocked read
// returns; the bus is then done.
func (b *LiveBus) Receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	ps := b.pubsub(ctx)
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return "", nil, err
		}
		if m, ok := msg.(*redis.Message); ok {
			if room, ok := b.keys.LiveChannelRoom(m.Channel); ok {
				return room, []byte(m.Payload), nil
			}
		}
	}
}

// Close releases the connection.
func (b *LiveBus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ps == nil {
		return nil
	}
	return b.ps.Close()
}
