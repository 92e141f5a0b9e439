package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// storeCollector reports what lives in the store and in the node's Redis connection pool, read
// at each scrape: the pool's counters, the people waiting in each matching queue and the room
// timers pending. Store reads are bounded by storeScrapeTimeout; a failed read is logged and its
// metric left out of that scrape (a gap on the dashboard, not a misleading zero).
type storeCollector struct {
	client redis.UniversalClient
	match  *redisstore.MatchStore
	timers *redisstore.LiveStore
	queues []match.Queue
	log    *slog.Logger

	poolHits, poolMisses, poolTimeouts, poolWaits   *prometheus.Desc
	poolWaitSeconds                                 *prometheus.Desc
	poolTotal, poolIdle, poolStale, queueDepth, due *prometheus.Desc
}

const storeScrapeTimeout = 2 * time.Second

func newStoreCollector(conn *redisstore.Conn, tracks []mockroom.TrackID, log *slog.Logger) *storeCollector {
	c := &storeCollector{
		client: conn.Client,
		match:  redisstore.NewMatchStore(conn.Client, redisstore.DefaultKeys),
		timers: redisstore.NewLiveStore(conn.Client, redisstore.DefaultKeys, conn.Sharded()),
		log:    log,
		poolHits: prometheus.NewDesc("mockroom_redis_pool_hits_total",
			"Redis commands that found a free connection in this node's pool.", nil, nil),
		poolMisses: prometheus.NewDesc("mockroom_redis_pool_misses_total",
			"Redis commands that had to open a new connection.", nil, nil),
		poolTimeouts: prometheus.NewDesc("mockroom_redis_pool_timeouts_total",
			"Redis commands that waited for a connection longer than the pool timeout and failed.", nil, nil),
		poolWaits: prometheus.NewDesc("mockroom_redis_pool_waits_total",
			"Redis commands that had to wait for a connection because the pool was exhausted.", nil, nil),
		poolWaitSeconds: prometheus.NewDesc("mockroom_redis_pool_wait_seconds_total",
			"Time Redis commands spent waiting for a connection.", nil, nil),
		poolTotal: prometheus.NewDesc("mockroom_redis_pool_connections",
			"Connections in this node's Redis pool.", nil, nil),
		poolIdle: prometheus.NewDesc("mockroom_redis_pool_idle_connections",
			"Idle connections in this node's Redis pool.", nil, nil),
		poolStale: prometheus.NewDesc("mockroom_redis_pool_stale_connections_total",
			"Connections the pool closed as stale.", nil, nil),
		queueDepth: prometheus.NewDesc("mockroom_match_queue_depth",
			"People waiting in a peer matching queue (whole deployment, read from the store).", []string{"track", "level"}, nil),
		due: prometheus.NewDesc("mockroom_timers_pending",
			"Rooms with a timer item (warning, expiry, advance) still to fire (whole deployment).", nil, nil),
	}
	for _, t := range tracks {
		for _, l := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			c.queues = append(c.queues, match.Queue{Track: t, Level: l})
		}
	}
	return c
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.poolHits, c.poolMisses, c.poolTimeouts, c.poolWaits, c.poolWaitSeconds, c.poolTotal, c.poolIdle, c.poolStale, c.queueDepth, c.due} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if st := c.client.PoolStats(); st != nil {
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
		}
		gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
		counter(c.poolHits, float64(st.Hits))
		counter(c.poolMisses, float64(st.Misses))
		counter(c.poolTimeouts, float64(st.Timeouts))
		counter(c.poolWaits, float64(st.WaitCount))
		counter(c.poolWaitSeconds, time.Duration(st.WaitDurationNs).Seconds())
		counter(c.poolStale, float64(st.StaleConns))
		gauge(c.poolTotal, float64(st.TotalConns))
		gauge(c.poolIdle, float64(st.IdleConns))
	}
	// A scrape has no context of its own; the timeout bounds what a slow store costs it.
	ctx, cancel := context.WithTimeout(context.Background(), storeScrapeTimeout)
	defer cancel()
	for _, q := range c.queues {
		n, err := c.match.QueueLength(ctx, q)
		if err != nil {
			c.log.Warn("metrics: read a matching queue", "track", q.Track, "level", q.Level, "err", err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.queueDepth, prometheus.GaugeValue, float64(n), string(q.Track), string(q.Level))
	}
	if n, err := c.timers.PendingTimers(ctx); err != nil {
		c.log.Warn("metrics: count pending timers", "err", err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(n))
	}
}

// newTimerLag registers mockroom_timer_lag_seconds and returns what the live engine calls each
// time a timer item fires.
func newTimerLag(reg prometheus.Registerer) (func(time.Duration), error) {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mockroom_timer_lag_seconds",
		Help:    "How late room timer items (warnings, expiries, advances) fired: from when they were due to the poll that fired them.",
		Buckets: []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30},
	})
	if err := reg.Register(h); err != nil {
		return nil, err
	}
	return func(lag time.Duration) { h.Observe(lag.Seconds()) }, nil
}
