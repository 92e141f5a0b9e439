// Package redisstore is the Redis adapter: it implements the small store interfaces that the
// domain packages declare, against any Redis the go-redis client can reach — a real server, a
// Cluster, or the embedded in-process server used when no Redis is configured. Keys are built
// only in keys.go; every multi-key write is a Lua script in scripts/.
package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Conn is an open connection to the store, real or embedded.
type Conn struct {
	Client redis.UniversalClient
	// Embedded is true when the data lives in this process's memory only.
	Embedded bool
	embedded *miniredis.Miniredis
}

// Open connects to the Redis at rawURL (redis:// or rediss://). With an empty rawURL it starts an
// embedded, in-process Redis-compatible server on a loopback port and connects to it with the very
// same client, so every code path is the one used in production.
//
// Differences of the embedded server that the code handles (see README "Embedded store"):
//   - key expiry does not follow the wall clock by default: ClockTTL is switched on, and expiry is
//     lazy (a key is removed when touched), which is all the code relies on;
//   - there is no sharded pub/sub (SPUBLISH/SSUBSCRIBE): Conn.Sharded reports false and fan-out
//     uses plain PUBLISH/SUBSCRIBE, which is equivalent on a single node;
//   - nothing is persisted; a restart loses everything.
//
// The Redis client's own log lines are routed to logger (see RouteClientLogs).
func Open(ctx context.Context, rawURL string, logger *slog.Logger) (*Conn, error) {
	RouteClientLogs(logger)
	if rawURL == "" {
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true)
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded store: %w", err)
		}
		client := redis.NewClient(&redis.Options{Addr: m.Addr(), Protocol: 2})
		logger.Warn("no MOCKROOM_REDIS_URL given: using the embedded in-process store; all data lives in memory only and is lost when the process stops",
			"addr", m.Addr())
		return &Conn{Client: client, Embedded: true, embedded: m}, nil
	}
	opts, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	client := redis.NewUniversalClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		// Not fatal: /readyz reports it and the client reconnects by itself once Redis is back.
		logger.Error("redis not reachable at start; will keep trying", "err", err)
	}
	return &Conn{Client: client}, nil
}

// parseURL accepts redis:// and rediss:// URLs; a URL with several comma-separated hosts or the
// query parameter cluster=true is treated as a Redis Cluster seed list. The cluster parameter and
// the extra hosts are mockroom's own: they are taken out before the rest of the URL is parsed by
// go-redis, which refuses options it does not know.
// ValidateURL reports whether rawURL is a Redis URL Open accepts, so configuration can refuse a
// bad one at start with the same rules Open applies.
func ValidateURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}

func parseURL(rawURL string) (*redis.UniversalOptions, error) {
	firstURL, hosts := splitHosts(rawURL)
	u, err := url.Parse(firstURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, fmt.Errorf("MOCKROOM_REDIS_URL must be a redis:// or rediss:// URL, got %q", redactURL(firstURL))
	}
	q := u.Query()
	cluster := false
	switch v := q.Get("cluster"); v {
	case "", "false":
	case "true":
		cluster = true
	default:
		return nil, fmt.Errorf("MOCKROOM_REDIS_URL: cluster must be true or false, got %q", v)
	}
	q.Del("cluster")
	first := *u
	first.RawQuery = q.Encode()
	single, err := redis.ParseURL(first.String())
	if err != nil {
		return nil, fmt.Errorf("MOCKROOM_REDIS_URL: %w", err)
	}
	opts := &redis.UniversalOptions{
		Addrs:     []string{single.Addr},
		DB:        single.DB,
		Username:  single.Username,
		Password:  single.Password,
		TLSConfig: single.TLSConfig,
	}
	for _, h := range hosts {
		if h == "" {
			return nil, fmt.Errorf("MOCKROOM_REDIS_URL: empty host in the seed list %q", redactURL(firstURL))
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "6379")
		}
		opts.Addrs = append(opts.Addrs, h)
	}
	if cluster || len(opts.Addrs) > 1 {
		if opts.DB != 0 {
			return nil, fmt.Errorf("MOCKROOM_REDIS_URL: a Redis Cluster has only database 0, got %d", opts.DB)
		}
		opts.IsClusterMode = true
	}
	return opts, nil
}

// splitHosts takes the extra seeds out of a URL's host list ("redis://a:1,b:2/0" gives
// "redis://a:1/0" and ["b:2"]); url.Parse refuses a comma-separated host list.
func splitHosts(rawURL string) (string, []string) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return rawURL, nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostList := "", authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, hostList = authority[:at+1], authority[at+1:]
	}
	hosts := strings.Split(hostList, ",")
	return scheme + "://" + userinfo + hosts[0] + tail, hosts[1:]
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// Ping checks that the store answers.
func (c *Conn) Ping(ctx context.Context) error { return c.Client.Ping(ctx).Err() }

// Sharded reports whether the store supports sharded pub/sub (SPUBLISH/SSUBSCRIBE). The embedded
// server does not.
func (c *Conn) Sharded() bool { return !c.Embedded }

// Close closes the client and stops the embedded server, if any.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.embedded != nil {
		c.embedded.Close()
	}
	return err
}
