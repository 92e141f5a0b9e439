package live

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// downBus fails every receive until up is closed, then blocks until the context ends.
type downBus struct {
	mu      sync.Mutex
	calls   int
	fails   int
	blocked chan struct{} // closed when the bus works again and a receive waits
}

func (b *downBus) Subscribe(context.Context, mockroom.RoomID) error   { return nil }
func (b *downBus) Unsubscribe(context.Context, mockroom.RoomID) error { return nil }
func (b *downBus) Receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	b.mu.Lock()
	b.calls++
	fail := b.calls <= b.fails
	b.mu.Unlock()
	if fail {
		return "", nil, errors.New("dial tcp: connection refused")
	}
	b.mu.Lock()
	if b.calls == b.fails+1 {
		close(b.blocked)
	}
	b.mu.Unlock()
	<-ctx.Done()
	return "", nil, ctx.Err()
}

// TestFanoutBacksOffWhileTheStoreIsDown: an unreachable store is retried with a growing pause,
// logged once when it goes and once when it comes back, and every retry is counted.
func TestFanoutBacksOffWhileTheStoreIsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		var logMu sync.Mutex
		log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			logMu.Lock()
			defer logMu.Unlock()
			return logs.Write(p)
		}), nil))
		bus := &downBus{fails: 20, blocked: make(chan struct{})}
		f := newFanout(bus, nil, log, func(mockroom.RoomID, Event) {}, func(mockroom.RoomID) {}, func(mockroom.RoomID) {}, time.Hour, 0)
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		done := make(chan struct{})
		go func() { defer close(done); _ = f.run(ctx) }()
		<-bus.blocked // every failure retried (the fake clock runs the pauses)
		elapsed := time.Since(start)
		cancel()
		<-done

		if got := f.ReceiveRetries(); got != 20 {
			t.Errorf("ReceiveRetries = %d, want 20", got)
		}
		// Without a back-off the 20 retries take no time; with it, at least the doubling
		// pauses' lower halves (50 ms, 100 ms, … up to 2.5 s).
		if elapsed < 20*time.Second {
			t.Errorf("20 failed receives were retried within %v: no back-off", elapsed)
		}
		logMu.Lock()
		text := logs.String()
		logMu.Unlock()
		if n := strings.Count(text, "stopped answering"); n != 1 {
			t.Errorf("%d warnings for one outage, want 1:\n%s", n, text)
		}
		if n := strings.Count(text, "answers again"); n != 0 {
			t.Errorf("recovery logged before any receive succeeded:\n%s", text)
		}
	})
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }
