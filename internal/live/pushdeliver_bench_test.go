package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
)

// BenchmarkPushDeliver measures one keystroke's whole way through a node: the editor push is
// validated and appended, published, received back by the node's fan-out and handed to a local
// listener (where a socket's queue would take it). One edit is in flight at a time, so ns/op is
// the push → deliver latency on an idle node and allocs/op everything the node allocates for
// one edit on the way, socket writing aside. It runs on real Redis and on the embedded store,
// with a ten-character document, and on real Redis with an 8,000-character one (what the
// typing load's documents grow to), where whatever the node does per edit in proportion to the
// document shows.
func BenchmarkPushDeliver(b *testing.B) {
	b.Run("store=redis", func(b *testing.B) {
		e := newEnv(b)
		benchPushDeliver(b, e, e.client, true, 10)
	})
	b.Run("store=redis,doc=8000", func(b *testing.B) {
		e := newEnv(b)
		benchPushDeliver(b, e, e.client, true, 8000)
	})
	b.Run("store=embedded", func(b *testing.B) {
		conn, err := redisstore.Open(b.Context(), "", slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		benchPushDeliver(b, newEnv(b), conn.Client, conn.Sharded(), 10)
	})
}

func benchPushDeliver(b *testing.B, e *env, client redis.UniversalClient, sharded bool, docLen int) {
	store := redisstore.NewLiveStore(client, e.keys, sharded)
	bus := redisstore.NewLiveBus(client, e.keys, sharded)
	eng := live.NewEngine(live.Config{
		Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Bus: bus, Now: e.clock.Now, PollEvery: 20 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
		_ = bus.Close()
	}()

	delivered := make(chan int, 64)
	id, err := eng.Fanout().Add(ctx, e.room, live.ListenerFunc(func(ev live.Event) {
		if ev.Type == live.TypeEditorUpdate {
			delivered <- int(ev.Offset)
		}
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = eng.Fanout().Remove(context.Background(), e.room, id) }()

	// Each edit replaces the document's first ten characters, so it keeps its length however
	// long the benchmark runs.
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, push(0, strings.Repeat("0123456789", docLen/10), 0))
	<-delivered
	changes := []any{[]any{10, "abcdefghij"}}
	if rest := docLen/10*10 - 10; rest > 0 {
		changes = append(changes, rest)
	}
	edits := make([]json.RawMessage, b.N)
	for i := range edits {
		edits[i], _ = json.Marshal(map[string]any{"version": i + 1, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}})
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := redistest.ProcessCPU(b)
	for i := range b.N {
		if _, err := eng.Execute(ctx, e.room, candidate, live.Command{ClientID: "cm1", Seq: uint64(i + 2), Type: live.CmdEditorPush, Data: edits[i]}); err != nil {
			b.Fatal(err)
		}
		<-delivered
	}
	b.StopTimer()
	b.ReportMetric(float64(redistest.ProcessCPU(b)-cpu0)/float64(b.N), "cpu-ns/edit")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "edits/s")
}
