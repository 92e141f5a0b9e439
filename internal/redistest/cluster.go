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
)

// Cluster is a real Redis Cluster of three masters (no replicas) on loopback, private to one test.
type Cluster struct {
	// Addrs are the masters' addresses, usable as seeds.
	Addrs []string
	// URL points the server at the cluster: redis://<first seed>?cluster=true.
	URL   string
	nodes []*Server
}

// ClusterMasters is how many masters StartCluster creates.
const ClusterMasters = 3

// StartCluster starts a 3-master Redis Cluster on free loopback ports and stops it when the test
// ends. There is no embedded stand-in for a cluster: on a machine without redis-server (or
// redis-cli) it logs "left out: …" and returns nil, and the caller returns early; with CI=true
// the missing tools fail the test instead.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return startWith(t, "a cluster", startCluster)
}

// startWith finds the Redis tools and runs start, again on failure: a port found free may be
// taken by someone else before redis-server binds it.
func startWith(t testing.TB, what string, start func(server, cli string) (*Cluster, error)) *Cluster {
	t.Helper()
	server, errServer := exec.LookPath("redis-server")
	cli, errCli := exec.LookPath("redis-cli")
	if errServer != nil || errCli != nil {
		msg := "left out: no redis-server/redis-cli to build a Redis Cluster from (apt-get install -y redis-server redis-tools)"
		if !fallbackAllowed() {
			t.Fatal(msg + "; CI=true needs them")
		}
		t.Log(msg)
		return nil
	}
	var lastErr error
	for range 3 {
		c, err := start(server, cli)
		if err == nil {
			t.Cleanup(c.Stop)
			return c
		}
		lastErr = err
	}
	t.Fatalf("redistest: start %s: %v", what, lastErr)
	return nil
}

func startCluster(server, cli string) (*Cluster, error) {
	c := &Cluster{}
	for range ClusterMasters {
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
			args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"},
		}
		c.nodes = append(c.nodes, s)
		if err := s.launch(server); err != nil {
			c.Stop()
			return nil, err
		}
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.waitOK(); err != nil {
		c.Stop()
		return nil, err
	}
	c.URL = "redis://" + c.Addrs[0] + "?cluster=true"
	return c, nil
}

// clusterPort finds a port p such that p and p+10000 (the cluster bus) are both free.
func clusterPort() (int, error) {
	for range 50 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if p+10000 > 65535 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+10000)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return p, nil
	}
	return 0, fmt.Errorf("no free port pair (p, p+10000) found")
}

// waitOK waits until every node reports cluster_state:ok and knows all the masters, so that a
// client connecting to any of them sees the whole slot map.
func (c *Cluster) waitOK() error {
	deadline := time.Now().Add(20 * time.Second)
	for _, addr := range c.Addrs {
		cl := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := cl.ClusterInfo(ctx).Result()
			cancel()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(ClusterMasters)) {
				break
			}
			if time.Now().After(deadline) {
				_ = cl.Close()
				return fmt.Errorf("cluster node %s not ready: %v\n%s", addr, err, info)
			}
			time.Sleep(20 * time.Millisecond) // polling processes we started; not test sync
		}
		_ = cl.Close()
	}
	return nil
}

// Client returns a cluster client seeded with every master, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cl := c.NewClient()
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// NewClient returns a cluster client seeded with every master; the caller closes it.
func (c *Cluster) NewClient() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, Protocol: 2})
}

// Node returns a plain client of one master (for CLUSTER commands), closed when the test ends.
func (c *Cluster) Node(t testing.TB, i int) *redis.Client {
	t.Helper()
	return c.nodes[i].Client(t)
}

// Stop stops every node and removes their directories.
func (c *Cluster) Stop() {
	for _, s := range c.nodes {
		s.Stop()
	}
}
