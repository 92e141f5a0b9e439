package redisstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/redistest"
)

// syncBuffer is a log destination safe for the client's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON (%v): %q", err, line)
		}
		out = append(out, m)
	}
	return out
}

// TestClientLogsAreStructuredAndRateLimited: the Redis client's own lines come out through the
// server's logger (JSON here), and a kind repeated many times is written once with a count.
func TestClientLogsAreStructuredAndRateLimited(t *testing.T) {
	var out syncBuffer
	l := &clientLog{log: slog.New(slog.NewJSONHandler(&out, nil)), limit: logLimiter{every: clientLogEvery}}
	for i := range 50 {
		l.Printf(t.Context(), "redis: %s: failed to dial after %d attempts: %v", "127.0.0.1:1", i, "connection refused")
	}
	l.Printf(t.Context(), "pubsub: other %d", 1)
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d lines for 50 repeats of one kind and one of another, want 2: %v", len(lines), lines)
	}
	if lines[0]["msg"] != "redis client" || !strings.Contains(fmt.Sprint(lines[0]["detail"]), "failed to dial after 0 attempts") {
		t.Errorf("first line %v", lines[0])
	}
	// The next line of the repeated kind, once the interval has passed, counts the 49 left out.
	l.limit.mu.Lock()
	l.limit.last["redis: %s: failed to dial after %d attempts: %v"].at = time.Now().Add(-clientLogEvery)
	l.limit.mu.Unlock()
	l.Printf(t.Context(), "redis: %s: failed to dial after %d attempts: %v", "127.0.0.1:1", 50, "connection refused")
	lines = out.lines(t)
	if got := lines[len(lines)-1]["suppressed"]; got != float64(49) {
		t.Errorf("suppressed = %v, want 49", got)
	}
}

// TestStoreWatchSaysLostAndBackOnce kills the Redis a client uses and brings it back: one line
// and one change each way, however many commands fail meanwhile.
func TestStoreWatchSaysLostAndBackOnce(t *testing.T) {
	srv := redistest.Start(t)
	srv.RequireReal(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	var out syncBuffer
	var mu sync.Mutex
	var changes []bool
	back := make(chan struct{})
	w := WatchStore(client, slog.New(slog.NewJSONHandler(&out, nil)), func(up bool) {
		mu.Lock()
		changes = append(changes, up)
		mu.Unlock()
		if up {
			close(back)
		}
	})
	ctx := t.Context()
	if err := client.Set(ctx, redistest.Prefix(t)+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	for range 20 {
		if err := client.Get(ctx, redistest.Prefix(t)+"k").Err(); err == nil {
			t.Fatal("a command succeeded on a killed server")
		}
	}
	if w.Up() {
		t.Fatal("the store is believed up after 20 failed commands")
	}
	srv.Restart(t)
	// Wait for the first command that succeeds.
	for client.Ping(ctx).Err() != nil {
		<-time.After(20 * time.Millisecond) // waiting for redis-server to accept connections
	}
	// The settle check declares the store back storeSettle after the last failure, with no
	// further command needed.
	<-back
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(changes) != "[false true]" {
		t.Errorf("changes %v, want [false true]", changes)
	}
	var msgs []string
	for _, l := range out.lines(t) {
		msgs = append(msgs, fmt.Sprint(l["msg"]))
	}
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "store lost") || !strings.HasPrefix(msgs[1], "store back") {
		t.Errorf("log lines %q, want one 'store lost' and one 'store back'", msgs)
	}
}
