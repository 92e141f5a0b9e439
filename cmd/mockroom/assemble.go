package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/mockroom/mockroom/frontend"
	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/httpapi"
	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/progress"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/token"
	"github.com/mockroom/mockroom/internal/ws"
	"github.com/prometheus/client_golang/prometheus"
)

// application is the assembled server: the root handler and what to stop on shutdown.
type application struct {
	handler  http.Handler
	stoppers []func(ctx context.Context)
}

func (a *application) shutdown(ctx context.Context) {
	// Stop in reverse order of construction: sockets first (they tell clients to reconnect
	// elsewhere), background workers after.
	for i := len(a.stoppers) - 1; i >= 0; i-- {
		a.stoppers[i](ctx)
	}
}

// assemble builds every part with its constructor and connects them. It is the only place where
// the packages meet.
func assemble(ctx context.Context, cfg config, conn *redisstore.Conn, registry *prometheus.Registry, log *slog.Logger) (_ *application, err error) {
	// The short commands of every socket's hand-shake, in whichever store, share round trips
	// when many sockets connect or come back at once.
	lookups := redisstore.NewLookups(conn.Client)
	defer func() {
		if err != nil {
			lookups.Close()
		}
	}()
	secret := []byte(cfg.TokenSecret)
	if len(secret) == 0 {
		// Embedded mode only (config refuses an empty secret with a real Redis): a fresh secret
		// per process means every token dies with the process, which matches the data.
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("generate token secret: %w", err)
		}
		log.Warn("MOCKROOM_TOKEN_SECRET not set: signing tokens with a random secret generated at start; every token becomes invalid when the process stops")
	}
	tokens, err := token.NewIssuer(secret, cfg.TokenIssuer, cfg.AccessTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	var rewriter *redisstore.Rewriter
	if !conn.Embedded {
		rewriter = redisstore.NewRewriter(conn.Client, cfg.EraseRewriteEvery, log)
	}
	limits := account.DefaultLimits
	limits.Window = cfg.AuthLimitWindow
	accounts, err := account.NewService(account.Options{
		Limits:     &limits,
		Eraser:     redisstore.NewEraser(conn.Client, redisstore.DefaultKeys, rewriter),
		Store:      redisstore.NewAccountStore(conn.Client, redisstore.DefaultKeys).WithLookups(lookups),
		Counter:    redisstore.NewRateCounter(conn.Client, redisstore.DefaultKeys),
		Tokens:     tokens,
		RefreshTTL: cfg.RefreshTokenTTL,
		Logger:     log,
	})
	if err != nil {
		return nil, err
	}

	storeMetrics := newStoreMetrics(registry)
	watchStore(conn, storeMetrics, log)

	questions, err := bank.Load()
	if err != nil {
		return nil, fmt.Errorf("question bank: %w", err)
	}
	catalog := bank.NewCatalog(questions, redisstore.NewBankStore(conn.Client, redisstore.DefaultKeys))

	api := httpapi.New(httpapi.Options{
		Logger:   log,
		Registry: registry,
		Ready:    conn.Ready,
		Auth:     accounts,

		TrustedProxies: cfg.TrustedProxies,
	})
	api.MountAuth(accounts)
	api.MountBank(catalog)

	// The room service tells live rooms what it decides (both peers revealed their names) through
	// the node's live engine, which itself reads rooms through the room service: the announcer is
	// bound to the engine once both exist, before the server takes any request.
	announcer := &liveAnnouncer{}
	rooms, err := room.NewService(redisstore.NewRoomStore(conn.Client, redisstore.DefaultKeys).WithRecordRetention(cfg.RecordRetention).WithLookups(lookups), catalog, room.Config{
		InviteKey:  room.DeriveInviteKey(secret),
		WaitingTTL: roomWaitingTTL,
		Announcer:  announcer,
	})
	if err != nil {
		return nil, err
	}
	api.MountRooms(rooms, accounts, cfg.PublicURL)

	// Feedback reads and appends to the rooms' logs through a store of its own (without the
	// pipelining of the live engine's, which batches a busy node's appends).
	feedbackLog := feedback.LiveLog{
		Store: redisstore.NewLiveStore(conn.Client, redisstore.DefaultKeys, conn.Sharded(), redisstore.WithWaitingTTL(roomWaitingTTL)),
		Now:   time.Now,
	}
	feedbacks := feedback.NewService(redisstore.NewFeedbackStore(conn.Client, redisstore.DefaultKeys), rooms, questions, feedbackLog,
		feedback.Config{PeerDeadline: cfg.FeedbackDeadline, Logger: log.With("component", "feedback")})
	api.MountFeedback(feedbacks)
	// A finished session's record is read from the same log, with the feedback its reader may
	// read.
	records := record.NewService(rooms, feedbackLog, feedbacks)
	api.MountReview(records, progress.NewService(records, rooms, feedbacks, questions), accounts)

	var tracks []mockroom.TrackID
	for _, t := range questions.Tracks() {
		tracks = append(tracks, t.ID)
	}
	if err := registry.Register(newStoreCollector(conn, tracks, log)); err != nil {
		return nil, err
	}
	notifier := redisstore.NewMatchNotifier(conn.Client, redisstore.DefaultKeys)
	matcher, err := match.NewService(redisstore.NewMatchStore(conn.Client, redisstore.DefaultKeys), notifier, rooms,
		match.Config{Tracks: tracks, Logger: log.With("component", "match"), Standings: feedbacks})
	if err != nil {
		return nil, err
	}
	api.MountMatch(matcher)
	stopMatch := runWorkers(ctx, log, map[string]func(context.Context) error{
		"match notifier": notifier.Run,
		"match sweeper":  matcher.Run,
	})

	engine, stopLive, err := assembleLive(ctx, cfg, conn, lookups, registry, storeMetrics, log, api, liveRooms{rooms}, liveQuestions{catalog}, accounts, ws.TicketKey(secret))
	if err != nil {
		stopMatch(ctx)
		return nil, err
	}
	announcer.engine = engine

	stopFeedback := runWorkers(ctx, log, map[string]func(context.Context) error{
		"feedback deadlines": func(ctx context.Context) error { feedbacks.Run(ctx); return nil },
	})
	// The web app answers every path the API does not claim.
	api.MountStatic(frontend.Dist())
	stopRewriter := func(context.Context) {
		if rewriter != nil {
			rewriter.Close()
		}
	}
	// Lookups stop last: nothing makes a store call after the parts stopped before them.
	stopLookups := func(context.Context) { lookups.Close() }
	return &application{handler: api, stoppers: []func(context.Context){stopLookups, stopRewriter, stopFeedback, stopMatch, stopLive}}, nil
}

// runWorkers starts background loops that live until the returned stop is called (not until ctx
// ends: they must outlive the signal that starts a graceful shutdown, which stops them in order).
func runWorkers(ctx context.Context, log *slog.Logger, workers map[string]func(context.Context) error) func(context.Context) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for name, run := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil && runCtx.Err() == nil {
				log.Error("background worker stopped", "worker", name, "err", err)
			}
		}()
	}
	return func(context.Context) {
		cancel()
		wg.Wait()
	}
}
