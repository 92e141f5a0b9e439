package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/httpapi"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/ws"
	"github.com/prometheus/client_golang/prometheus"
)

// roomWaitingTTL is how long a room that never starts is kept after its last activity. The room
// service and the live store both get it from here, so a room's own keys and its live keys
// (joins, presence, edits and chat before the start) expire together.
const roomWaitingTTL = 7 * 24 * time.Hour

// assembleLive builds the live engine and the socket server, mounts the ticket and socket
// routes, and starts the engine's timers and fan-out and the sockets' session sweeper. The
// returned stop closes every socket with "reconnect elsewhere" first, then stops the workers.
func assembleLive(ctx context.Context, cfg config, conn *redisstore.Conn, lookups *redisstore.Lookups, registry *prometheus.Registry, storeMetrics *storeMetrics, log *slog.Logger,
	api *httpapi.Server, rooms live.Rooms, questions live.Questions, accounts *account.Service, ticketKey []byte) (*live.Engine, func(context.Context), error) {
	keys := redisstore.DefaultKeys
	bus := redisstore.NewLiveBus(conn.Client, keys, conn.Sharded(),
		redisstore.WithBusLogger(log.With("component", "live")), redisstore.WithMoveCounter(storeMetrics.moves.Inc))
	// Appends made while another is in flight share one pipelined round trip, and so do the
	// hand-shake's calls, with the other stores' (lookups).
	store := redisstore.NewLiveStore(conn.Client, keys, conn.Sharded(),
		redisstore.WithWaitingTTL(roomWaitingTTL), redisstore.WithPipelinedAppends(), redisstore.WithLookups(lookups))
	timerFired, err := newTimerLag(registry)
	if err != nil {
		return nil, nil, err
	}
	engine := live.NewEngine(live.Config{
		TimerFired: timerFired,
		Store:      store,
		Rooms:      rooms,
		Questions:  questions,
		Bus:        bus,
		Logger:     log.With("component", "live"),
	})
	sockets, err := ws.New(ws.Config{
		Engine:         engine,
		Fanout:         engine.Fanout(),
		Auth:           accounts,
		Tickets:        redisstore.Tickets{Client: conn.Client, Keys: keys, Lookups: lookups},
		TicketKey:      ticketKey,
		Logger:         log.With("component", "ws"),
		Registry:       registry,
		AllowedOrigins: cfg.AllowedOrigins,
	})
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	api.MountLive(sockets)
	fanout := engine.Fanout()
	if err := registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "mockroom_fanout_receive_retries_total",
		Help: "Receives from the store's pub/sub that failed and were retried after a back-off.",
	}, func() float64 { return float64(fanout.ReceiveRetries()) })); err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	if err := registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "mockroom_fanout_rollbacks_total",
		Help: "Times this node found that the store's log of a room it serves went back (acknowledged writes lost) and resynced the room's sockets.",
	}, func() float64 { return float64(fanout.Rollbacks()) })); err != nil {
		_ = store.Close()
		return nil, nil, err
	}

	stopWorkers := runWorkers(ctx, log, map[string]func(context.Context) error{
		"live engine":    engine.Run,
		"socket sweeper": sockets.Run,
	})
	return engine, func(ctx context.Context) {
		_ = sockets.Close(ctx) // sockets first: clients are told to reconnect elsewhere
		stopWorkers(ctx)
		_ = store.Close() // after the engine: nothing appends any more
		_ = bus.Close()
	}, nil
}
