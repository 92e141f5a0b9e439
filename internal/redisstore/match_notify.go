package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/redis/go-redis/v9"
)

// MatchNotifier implements match.Notifier with one pub/sub channel for the whole deployment:
// a notification is the user id, published to Keys.MatchNotify. Each node holds one subscription
// (Run) and wakes the requests waiting on it for that user. Matching news is a few messages per
// person per session, so every node hearing all of it costs nothing, and it needs no connection
// per waiting request (a blocking pop per request would hold a pooled connection each).
// Plain PUBLISH/SUBSCRIBE works on the embedded store and reaches every node of a Cluster.
type MatchNotifier struct {
	client  redis.UniversalClient
	channel string

	mu       sync.Mutex
	watchers map[mockroom.UserID]map[chan struct{}]struct{}

	readyOnce sync.Once
	ready     chan struct{}
}

var _ match.Notifier = (*MatchNotifier)(nil)

// NewMatchNotifier builds a MatchNotifier; call Run to start receiving.
func NewMatchNotifier(client redis.UniversalClient, keys Keys) *MatchNotifier {
	return &MatchNotifier{
		client: client, channel: keys.MatchNotify(),
		watchers: map[mockroom.UserID]map[chan struct{}]struct{}{},
		ready:    make(chan struct{}),
	}
}

// Notify implements match.Notifier.
func (n *MatchNotifier) Notify(ctx context.Context, users ...mockroom.UserID) error {
	if len(users) == 0 {
		return nil
	}
	pipe := n.client.Pipeline()
	for _, u := range users {
		pipe.Publish(ctx, n.channel, string(u))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return matchStoreDown(err)
	}
	return nil
}

// Watch implements match.Notifier.
func (n *MatchNotifier) Watch(user mockroom.UserID) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	set := n.watchers[user]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		n.watchers[user] = set
	}
	set[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.watchers[user], ch)
		if len(n.watchers[user]) == 0 {
			delete(n.watchers, user)
		}
		n.mu.Unlock()
	}
}

func (n *MatchNotifier) wake(user mockroom.UserID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.watchers[user] {
		select {
		case ch <- struct{}{}:
		default: // already has a wake-up pending; one is enough
		}
	}
}

// Ready is closed once the subscription is active.
func (n *MatchNotifier) Ready() <-chan struct{} { return n.ready }

// Run holds the node's subscription until ctx is done. The client resubscribes by itself after
// a lost connection; notifications sent meanwhile are lost, which waiting requests survive by
// re-reading the state now and then. If the first subscription fails, Run retries every second.
func (n *MatchNotifier) Run(ctx context.Context) error {
	ps := n.client.Subscribe(ctx, n.channel)
	defer ps.Close()
	for {
		_, err := ps.Receive(ctx)
		if err == nil {
			break
		}
		retry := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			retry.Stop()
			return nil
		case <-retry.C:
		}
	}
	n.readyOnce.Do(func() { close(n.ready) })
	msgs := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case msg, ok := <-msgs:
			if !ok {
				return nil
			}
			n.wake(mockroom.UserID(msg.Payload))
		}
	}
}
