package redisstore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

// BenchmarkRoomGet measures reads of a room's whole record on real Redis, as sockets joining a
// node at once make them (each reads its room), by 1 and by 64 callers at a time, through the
// hand-shake's lookups (as the node is assembled) and without them. round-trips/op counts
// commands and pipelines sent; client-cpu-µs/op is this process's CPU per read, redis-cpu-µs/op
// the server's (INFO cpu; the server is shared with nothing else while it runs).
func BenchmarkRoomGet(b *testing.B) {
	client := redistest.Shared(b).Client(b)
	keys := Keys{Prefix: redistest.Prefix(b)}
	const rooms = 64
	for i := range rooms {
		r := room.Room{ID: mockroom.RoomID(fmt.Sprintf("rm%d", i)), State: mockroom.StateWaiting, Track: "python-developer",
			Participants: []room.Participant{{UserID: "u-int", Role: mockroom.RoleInterviewer}, {UserID: "u-cand", Role: mockroom.RoleCandidate}}}
		if err := NewRoomStore(client, keys).Create(b.Context(), r, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	for _, callers := range []int{1, rooms} {
		for _, batched := range []bool{false, true} {
			name := fmt.Sprintf("callers=%d/alone", callers)
			if batched {
				name = fmt.Sprintf("callers=%d/lookups", callers)
			}
			b.Run(name, func(b *testing.B) {
				hook := &roundHook{}
				c := redistest.Shared(b).Client(b)
				c.AddHook(hook)
				store := NewRoomStore(c, keys)
				if batched {
					lookups := NewLookups(c)
					b.Cleanup(lookups.Close)
					store = store.WithLookups(lookups)
				}
				if _, err := store.Get(b.Context(), "rm0"); err != nil { // the script loaded
					b.Fatal(err)
				}
				b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
				before, cpu, redisBefore := hook.n.Load(), redistest.ProcessCPU(b), redisCPU(b, c)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for i := 0; pb.Next(); i++ {
						if _, err := store.Get(b.Context(), mockroom.RoomID(fmt.Sprintf("rm%d", i%rooms))); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(hook.n.Load()-before)/float64(b.N), "round-trips/op")
				b.ReportMetric(float64(redistest.ProcessCPU(b)-cpu)/float64(b.N)/1e3, "client-cpu-µs/op")
				b.ReportMetric((redisCPU(b, c)-redisBefore)*1e6/float64(b.N), "redis-cpu-µs/op")
			})
		}
	}
}
