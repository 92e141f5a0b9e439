package ws

import "github.com/prometheus/client_golang/prometheus"

// metrics are the socket layer's Prometheus series. Labels are small closed sets (frame types,
// reasons), never ids.
type metrics struct {
	openSockets   prometheus.Gauge
	liveRooms     prometheus.Gauge
	framesIn      *prometheus.CounterVec
	framesOut     *prometheus.CounterVec
	writes        prometheus.Counter
	relayLatency  prometheus.Histogram
	slowConsumers prometheus.Counter
	drops         *prometheus.CounterVec
	closes        *prometheus.CounterVec
	storeErrors   prometheus.Counter
	resyncs       prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		openSockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mockroom_ws_open_sockets", Help: "WebSocket connections open on this node.",
		}),
		liveRooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mockroom_ws_rooms", Help: "Rooms with at least one socket on this node.",
		}),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockroom_ws_frames_in_total", Help: "Client frames received, by frame type (\"invalid\" when unreadable).",
		}, []string{"type"}),
		framesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockroom_ws_frames_out_total", Help: "Server frames written, by frame type.",
		}, []string{"type"}),
		writes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_ws_writes_total", Help: "Writes (system calls) on sockets; frames queued together share one.",
		}),
		relayLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mockroom_ws_keystroke_relay_seconds",
			Help:    "Time from an editor update being accepted (appended) to its frame being written to a peer's socket.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_ws_slow_consumer_closes_total", Help: "Sockets closed because their send queue was full of durable events.",
		}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockroom_ws_dropped_frames_total", Help: "Frames not delivered, by reason.",
		}, []string{"reason"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockroom_ws_closes_total", Help: "Sockets closed by the server, by close code.",
		}, []string{"code"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_ws_store_errors_total", Help: "Store (Redis) errors met while serving sockets.",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockroom_ws_resyncs_total", Help: "Sockets sent a fresh snapshot (position_mismatch) while connected, because the store's log of their room went back.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.openSockets, m.liveRooms, m.framesIn, m.framesOut, m.writes, m.relayLatency, m.slowConsumers, m.drops, m.closes, m.storeErrors, m.resyncs} {
			if err := reg.Register(c); err != nil {
				if _, ok := err.(prometheus.AlreadyRegisteredError); !ok {
					panic(err)
				}
			}
		}
	}
	return m
}
