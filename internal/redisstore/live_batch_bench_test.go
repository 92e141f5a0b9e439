package redisstore

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// BenchmarkAppend measures appends of one editor update on real Redis, without and with
// pipelining: one caller at a time (an idle node: pipelining must cost nothing there), and
// many rooms appending at once, each room's appends in turn as the engine makes them.
// round-trips/op counts commands and pipelines sent, as the round-trip tests do;
// client-cpu-µs/op is this process's CPU per append (Redis runs in its own process).
func BenchmarkAppend(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []LiveOption
	}{{"unbatched", nil}, {"pipelined", []LiveOption{WithPipelinedAppends()}}} {
		b.Run("sequential/"+mode.name, func(b *testing.B) {
			store, hook := benchStore(b, mode.opts)
			before, cpu := hook.n.Load(), redistest.ProcessCPU(b)
			b.ResetTimer()
			for i := range b.N {
				if _, err := store.Append(b.Context(), "r", benchEdit("c", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(hook.n.Load()-before)/float64(b.N), "round-trips/op")
			b.ReportMetric(float64(redistest.ProcessCPU(b)-cpu)/float64(b.N)/1e3, "client-cpu-µs/op")
		})
		for _, rooms := range []int{64, 512} {
			b.Run(fmt.Sprintf("rooms=%d/%s", rooms, mode.name), func(b *testing.B) {
				store, hook := benchStore(b, mode.opts)
				// SetParallelism multiplies GOMAXPROCS; round up so every room has a caller.
				b.SetParallelism(max(1, rooms/runtime.GOMAXPROCS(0)))
				var next atomic.Int64
				before, cpu := hook.n.Load(), redistest.ProcessCPU(b)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					room := mockroom.RoomID(fmt.Sprintf("r%d", next.Add(1)))
					for i := 0; pb.Next(); i++ {
						if _, err := store.Append(b.Context(), room, benchEdit(string(room), i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(hook.n.Load()-before)/float64(b.N), "round-trips/op")
				b.ReportMetric(float64(redistest.ProcessCPU(b)-cpu)/float64(b.N)/1e3, "client-cpu-µs/op")
			})
		}
	}
}

func benchStore(b *testing.B, opts []LiveOption) (*LiveStore, *roundHook) {
	b.Helper()
	client := redistest.Shared(b).Client(b)
	hook := &roundHook{}
	client.AddHook(hook)
	store := NewLiveStore(client, Keys{Prefix: redistest.Prefix(b)}, false, opts...)
	b.Cleanup(func() { _ = store.Close() })
	if _, err := store.Append(b.Context(), "warm", benchEdit("warm", 0)); err != nil {
		b.Fatal(err)
	}
	return store, hook
}

// benchEdit is an editor update of about the size a typed line makes.
func benchEdit(client string, i int) live.AppendRequest {
	return live.AppendRequest{ClientID: client, Seq: uint64(i + 1), Now: batchNow, Events: []live.NewEvent{{
		Type: live.TypeEditorUpdate, Actor: "u-cand",
		Data: map[string]any{"version": i, "updates": []map[string]any{{"clientID": "cm1", "changes": []any{[]any{0, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}}}}},
	}}}
}
