package redisstore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// TestRoomReadHoldsEveryPart: a room read back holds what was written of it (its revision and
// state, its participants in join order, who revealed themselves, who shared their notes), and a
// room that does not exist reads as missing. On Redis and on the embedded store, whose Lua
// differs.
func TestRoomReadHoldsEveryPart(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, _ bool) {
		store := NewRoomStore(client, Keys{Prefix: redistest.Prefix(t)}).WithLookups(NewLookups(client))
		t.Cleanup(store.lookups.Close)
		ctx := t.Context()
		created := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		r := room.Room{ID: "rm-read", State: mockroom.StateWaiting, Track: "python-developer", CreatedAt: created,
			Participants: []room.Participant{{UserID: "u-int", Role: mockroom.RoleInterviewer, JoinedAt: created}}}
		if err := store.Create(ctx, r, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Join(ctx, r.ID, room.Participant{UserID: "u-cand", Role: mockroom.RoleCandidate, JoinedAt: created.Add(time.Minute)}, room.JoinRule{}); err != nil {
			t.Fatal(err)
		}
		if err := store.Reveal(ctx, r.ID, "u-cand"); err != nil {
			t.Fatal(err)
		}
		if err := store.ShareNotes(ctx, r.ID, "u-int"); err != nil {
			t.Fatal(err)
		}
		got, err := store.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var people []string
		for _, p := range got.Participants {
			people = append(people, fmt.Sprintf("%s %s revealed=%v", p.UserID, p.Role, p.Revealed))
		}
		want := []string{"u-int interviewer revealed=false", "u-cand candidate revealed=true"}
		if got.ID != r.ID || got.State != mockroom.StateWaiting || got.Track != r.Track || !got.CreatedAt.Equal(created) ||
			fmt.Sprint(people) != fmt.Sprint(want) || fmt.Sprint(got.NotesSharedBy) != "[u-int]" {
			t.Fatalf("read %+v\nparticipants %v, want %v", got, people, want)
		}
		rev, err := store.Revision(ctx, r.ID)
		if err != nil || got.Revision != rev || rev == 0 {
			t.Fatalf("read revision %d, the record's is %d (%v)", got.Revision, rev, err)
		}
		if _, err := store.Get(ctx, "rm-none"); mockroom.ErrorCode(err) != "room_not_found" {
			t.Fatalf("a room that does not exist: %v", err)
		}
	})
}
