package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/testwait"
)

// ClusterNodeTimeout is the cluster-node-timeout of the clusters started here, in milliseconds:
// how long a master may be silent before the others mark it failed and its replica takes over.
const ClusterNodeTimeout = 2000

// StartClusterWithReplicas starts a Redis Cluster of three masters, each with one replica, on
// free loopback ports (node timeout ClusterNodeTimeout ms, AOF on), and stops it when the test
// ends. It returns once every replica is in sync with its master, so that killing a master
// promotes its replica. Without redis-server it behaves as StartCluster.
func StartClusterWithReplicas(t testing.TB) *Cluster {
	t.Helper()
	return startWith(t, "a cluster with replicas", startReplicated)
}

func startReplicated(server, cli string) (*Cluster, error) {
	c := &Cluster{}
	var all []string
	for range 2 * ClusterMasters {
		port, err := clusterPort()
		if err != nil {
			c.Stop()
			return nil, err
		}
		dir, err := os.MkdirTemp("", "mockroom-cluster-")
		if err != nil {
			c.Stop()
			return nil, err
		}
		s := &Server{
			dir: dir, Real: true, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", strconv.Itoa(ClusterNodeTimeout), "--appendonly", "yes"},
		}
		c.nodes = append(c.nodes, s)
		if err := s.launch(server); err != nil {
			c.Stop()
			return nil, err
		}
		all = append(all, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, all...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.waitReplicated(all); err != nil {
		c.Stop()
		return nil, err
	}
	// redis-cli makes the first three nodes the masters; Addrs lists every node as a seed.
	c.Addrs = all
	c.URL = "redis://" + strings.Join(all, ",") + "?cluster=true"
	return c, nil
}

// waitReplicated waits until every node reports cluster_state:ok and knows all six nodes, and
// every replica's link to its master is up with the initial sync done.
func (c *Cluster) waitReplicated(addrs []string) error {
	deadline := time.Now().Add(60 * time.Second) // polling processes we started; not test sync
	for _, addr := range addrs {
		cl := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := cl.ClusterInfo(ctx).Result()
			repl, err2 := cl.Info(ctx, "replication").Result()
			cancel()
			ok := err == nil && err2 == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(len(addrs))) &&
				(strings.Contains(repl, "role:master\r\nconnected_slaves:1") ||
					strings.Contains(repl, "role:slave") && strings.Contains(repl, "master_link_status:up") &&
						strings.Contains(repl, "master_sync_in_progress:0"))
			if ok {
				break
			}
			if time.Now().After(deadline) {
				_ = cl.Close()
				return fmt.Errorf("cluster node %s not ready: %v %v\n%s\n%s", addr, err, err2, info, repl)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = cl.Close()
	}
	return nil
}

// KillMasterOf kills, abruptly, the master that serves key's slot and returns its address. Its
// replica takes over about ClusterNodeTimeout later.
func (c *Cluster) KillMasterOf(t testing.TB, key string) string {
	t.Helper()
	cl := c.NewClient()
	defer func() { _ = cl.Close() }()
	node, err := cl.MasterForKey(t.Context(), key)
	if err != nil {
		t.Fatalf("master of %q: %v", key, err)
	}
	addr := node.Options().Addr
	for _, s := range c.nodes {
		if s.Addr == addr {
			s.Kill()
			return addr
		}
	}
	t.Fatalf("the master of %q, %s, is not a node of this cluster", key, addr)
	return ""
}

// WaitSlotMoved waits until every live node of the cluster maps key's slot to a master other
// than from, the address KillMasterOf returned. A node learns of a promotion by gossip, so for a
// while after it one node may still name the killed master; a client that loads its slot map
// from that node keeps the stale map until its next reload, and every command it sends for the
// slot fails. Tests that read the cluster themselves after a failover wait here first.
func (c *Cluster) WaitSlotMoved(t testing.TB, key, from string) {
	t.Helper()
	deadline := testwait.Deadline(t)
	for _, s := range c.nodes {
		if s.cmd == nil || s.Addr == from {
			continue // killed
		}
		cl := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2})
		for {
			master, err := slotMaster(t.Context(), cl, key)
			if err == nil && master != "" && master != from {
				break
			}
			if time.Now().After(deadline) {
				_ = cl.Close()
				t.Fatalf("node %s still maps the slot of %q to %q (%v)", s.Addr, key, master, err)
			}
			time.Sleep(20 * time.Millisecond) // polling processes we started; gossip has no event to wait on
		}
		_ = cl.Close()
	}
}

// slotMaster is the address of the master that one node says serves key's slot, "" when it
// names none that is up.
func slotMaster(ctx context.Context, cl *redis.Client, key string) (string, error) {
	slot, err := cl.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	shards, err := cl.ClusterShards(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if r.Start > slot || slot > r.End {
				continue
			}
			for _, n := range sh.Nodes {
				if n.Role == "master" && n.Health == "online" {
					return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)), nil
				}
			}
			return "", nil
		}
	}
	return "", nil
}
