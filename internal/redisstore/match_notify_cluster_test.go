package redisstore

import (
	"context"
	"sync"
	"testing"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// TestMatchNotifierAcrossClusterNodes: two nodes' notifiers, each subscribed through its own
// cluster client (so possibly on different masters); a notification published by one wakes a
// request waiting on the other, since a Cluster forwards plain PUBLISH to every node.
func TestMatchNotifierAcrossClusterNodes(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	keys := Keys{Prefix: redistest.Prefix(t)}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var notifiers []*MatchNotifier
	for range 3 {
		n := NewMatchNotifier(c.Client(t), keys)
		wg.Go(func() { _ = n.Run(ctx) })
		notifiers = append(notifiers, n)
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, n := range notifiers {
		select {
		case <-n.Ready():
		case <-testwait.After(t):
			t.Fatal("a notifier did not subscribe")
		}
	}
	for i, n := range notifiers {
		wake, stop := n.Watch("u-waiting")
		sender := notifiers[(i+1)%len(notifiers)]
		if err := sender.Notify(t.Context(), "u-waiting"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wake:
		case <-testwait.After(t):
			t.Fatalf("notifier %d was not woken by notifier %d", i, (i+1)%len(notifiers))
		}
		stop()
	}
}
