package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mockroom/mockroom/internal/redisstore"
)

// storeMetrics are the series that tell an operator the store was lost and came back, and that
// room subscriptions followed a slot to a new master.
type storeMetrics struct {
	up        prometheus.Gauge
	lost      prometheus.Counter
	recovered prometheus.Counter
	moves     prometheus.Counter
}

func newStoreMetrics(reg prometheus.Registerer) *storeMetrics {
	m := &storeMetrics{
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mockroom_store_up", Help: "1 while Redis commands succeed, 0 from a command failing for want of Redis until they succeed again.",
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_store_lost_total", Help: "Times the store was lost: a command failed because Redis could not be reached or the cluster refused it.",
		}),
		recovered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_store_recovered_total", Help: "Times the store came back after being lost.",
		}),
		moves: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_live_subscription_moves_total", Help: "Times a Redis Cluster slot's room subscription moved to a new master (failover or resharding).",
		}),
	}
	m.up.Set(1)
	for _, c := range []prometheus.Collector{m.up, m.lost, m.recovered, m.moves} {
		if err := reg.Register(c); err != nil {
			if _, ok := err.(prometheus.AlreadyRegisteredError); !ok {
				panic(err)
			}
		}
	}
	return m
}

// watchStore logs (once each way) and counts the store being lost and back.
func watchStore(conn *redisstore.Conn, m *storeMetrics, log *slog.Logger) {
	redisstore.WatchStore(conn.Client, log.With("component", "store"), func(up bool) {
		if up {
			m.up.Set(1)
			m.recovered.Inc()
		} else {
			m.up.Set(0)
			m.lost.Inc()
		}
	})
}
