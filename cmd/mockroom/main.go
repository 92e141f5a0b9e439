// Command mockroom serves the mockroom API, WebSocket and web app on one port. With no
// MOCKROOM_REDIS_URL it runs on an embedded in-process store; with one, on real Redis, so that
// many identical nodes can serve the same rooms.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "bank" {
		if err := runBank(ctx, os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "mockroom bank:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "mockroom:", err)
		os.Exit(1)
	}
}

// run starts the server and blocks until ctx is cancelled, then shuts down gracefully. When
// ready is not nil it receives the bound address once the server accepts connections, so a test
// can start the whole server on port 0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	build := readBuildInfo()
	if cfg.ShowVersion {
		_, err := fmt.Fprintln(stdout, build)
		return err
	}
	log := newLogger(cfg, stdout)
	log.Info("starting mockroom", "version", build.Version, "revision", build.Revision, "go", build.GoVersion, "config", cfg.String())

	conn, err := redisstore.Open(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	registry := prometheus.NewRegistry()
	if err := registerBuildInfo(registry, build); err != nil {
		return err
	}
	app, err := assemble(ctx, cfg, conn, registry, log)
	if err != nil {
		return err
	}

	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(listener) }()
	log.Info("listening", "addr", listener.Addr().String(), "public_url", cfg.PublicURL)
	if ready != nil {
		ready <- listener.Addr().String()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	// The shutdown deadline must outlive the cancelled run context.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	app.shutdown(shutdownCtx)
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("http shutdown", "err", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
