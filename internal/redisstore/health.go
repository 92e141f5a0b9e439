package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Ready reports whether the store can serve this node's requests now. On a single Redis (and the
// embedded store) that is a PING. On a Redis Cluster a PING proves little: every node answers it
// while the cluster refuses all keyed commands (CLUSTERDOWN) because a slot has no master. Ready
// asks each master in the client's slot map for CLUSTER INFO instead, and fails with the reason
// when one reports a state other than ok or does not answer: the slots the map gives it cannot be
// served. A master that does not answer makes the client refresh its slot map, so once a replica
// has taken over, the next check asks the new master and passes.
func (c *Conn) Ready(ctx context.Context) error {
	cc, ok := c.Client.(*redis.ClusterClient)
	if !ok {
		return c.Ping(ctx)
	}
	return clusterReady(ctx, cc)
}

func clusterReady(ctx context.Context, cc *redis.ClusterClient) error {
	var (
		mu       sync.Mutex
		answered int
		notOK    []string
		errs     []error
	)
	_ = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		info, err := node.ClusterInfo(ctx).Result()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", node.Options().Addr, err))
			return nil
		}
		answered++
		if state := clusterState(info); state != "ok" {
			notOK = append(notOK, fmt.Sprintf("cluster_state:%s on %s", state, node.Options().Addr))
		}
		return nil
	})
	if len(errs) > 0 {
		cc.ReloadState(ctx) // a master that does not answer may have been replaced
	}
	if len(notOK) > 0 {
		slices.Sort(notOK)
		return fmt.Errorf("the Redis Cluster refuses commands until every slot is served again (%s)", strings.Join(notOK, ", "))
	}
	if len(errs) > 0 {
		return fmt.Errorf("a Redis Cluster master does not answer; its slots cannot be served until a replica takes over: %w", errors.Join(errs...))
	}
	if answered == 0 {
		return errors.New("no Redis Cluster master known")
	}
	return nil
}

// clusterState is the cluster_state field of a CLUSTER INFO reply ("" when missing).
func clusterState(info string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "cluster_state:"); ok {
			return v
		}
	}
	return ""
}
