package redisstore

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// waitReady polls c.Ready until want(err) holds and returns that err. Redis Cluster changes state
// in its own cron and gossip; this waits for the change, with a guard against hanging.
func waitReady(t *testing.T, c *Conn, what string, want func(error) bool) error {
	t.Helper()
	hang := testwait.Deadline(t)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		err := c.Ready(ctx)
		cancel()
		if want(err) {
			return err
		}
		if time.Now().After(hang) {
			t.Fatalf("readiness never became %s; last: %v", what, err)
		}
		<-time.After(20 * time.Millisecond) // the cluster's cron runs every 100 ms
	}
}

// TestReadyFollowsClusterState: readiness is an error naming the cluster state while a slot has
// no master (the cluster answers CLUSTERDOWN to every keyed command, yet PING still works), and
// nil again once the slot is served.
func TestReadyFollowsClusterState(t *testing.T) {
	cl := redistest.StartCluster(t)
	if cl == nil {
		return
	}
	client := cl.Client(t)
	conn := &Conn{Client: client}
	if err := conn.Ready(t.Context()); err != nil {
		t.Fatalf("a healthy cluster is not ready: %v", err)
	}

	const slot = 0
	owner := slotOwners(t, client)[slot]
	i := slices.Index(cl.Addrs, owner)
	if i < 0 {
		t.Fatalf("slot %d served by %q, not one of %v", slot, owner, cl.Addrs)
	}
	node := cl.Node(t, i)
	if err := node.Do(t.Context(), "CLUSTER", "DELSLOTS", slot).Err(); err != nil {
		t.Fatal(err)
	}
	err := waitReady(t, conn, "an error", func(err error) bool { return err != nil })
	if !strings.Contains(err.Error(), "cluster_state:fail") {
		t.Fatalf("readiness error %q does not give the cluster state", err)
	}
	if err := conn.Ping(t.Context()); err != nil {
		t.Fatalf("ping fails too (%v): the check above proves nothing beyond it", err)
	}
	if err := node.Do(t.Context(), "CLUSTER", "ADDSLOTS", slot).Err(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, conn, "nil", func(err error) bool { return err == nil })
}
