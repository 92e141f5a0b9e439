package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/mockroom/mockroom/frontend"
	"github.com/mockroom/mockroom/internal/httpapi"
	"github.com/mockroom/mockroom/internal/redisstore"
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
func assemble(ctx context.Context, cfg config, conn *redisstore.Conn, registry *prometheus.Registry, log *slog.Logger) (*application, error) {
	api := httpapi.New(httpapi.Options{
		Logger:   log,
		Registry: registry,
		Ready:    conn.Ping,
	})
	// The web app answers every path the API does not claim.
	api.MountStatic(frontend.Dist())
	return &application{handler: api}, nil
}
