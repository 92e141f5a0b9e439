package ws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/httpapi"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/ws"
)

// BenchmarkIdleSocket opens idleSockets joined sockets (two per live room) against the real
// server stack on real Redis and reports what each costs the process once it is idle: live
// heap, goroutine stacks and goroutines, after garbage collections. Each client keeps only its
// net.Conn (the test's gorilla client is dropped after the join), so the figures include the
// client end of the TCP connection (about 0.3 KiB) but none of the client's buffers.
func BenchmarkIdleSocket(b *testing.B) {
	const idleSockets = 1000
	for b.Loop() {
		heap, stack, gor := idleCost(b, idleSockets)
		b.ReportMetric(heap/1024, "heap-KiB/socket")
		b.ReportMetric(stack/1024, "stack-KiB/socket")
		b.ReportMetric(gor, "goroutines/socket")
	}
}

func idleCost(b *testing.B, n int) (heap, stack, goroutines float64) {
	b.Helper()
	if os.Getenv("MOCKROOM_IDLE_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 256
	}
	rs := redistest.Shared(b)
	client := rs.Client(b)
	keys := redisstore.Keys{Prefix: redistest.Prefix(b)}
	rooms := livetest.NewRooms()
	auth := &fakeAuth{tokens: map[string]account.AccessClaims{}, revoked: map[string]bool{}}
	bus := redisstore.NewLiveBus(client, keys, rs.Real)
	engine := live.NewEngine(live.Config{
		Store: redisstore.NewLiveStore(client, keys, rs.Real), Rooms: rooms, Bus: bus, PollEvery: time.Second,
	})
	reg := prometheus.NewRegistry()
	srv, err := ws.New(ws.Config{Engine: engine, Fanout: engine.Fanout(), Auth: auth,
		Tickets: redisstore.Tickets{Client: client, Keys: keys}, TicketKey: testTicketKey, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	api := httpapi.New(httpapi.Options{Registry: reg})
	api.MountLive(srv)
	hs := httptest.NewServer(api)
	ctx, cancel := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { defer close(engineDone); _ = engine.Run(ctx) }()
	defer func() {
		closeCtx, c := context.WithTimeout(context.Background(), 30*time.Second)
		defer c()
		_ = srv.Close(closeCtx)
		hs.Close()
		cancel()
		<-engineDone
		_ = bus.Close()
	}()

	before := settle()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range n / 2 {
		room := mockroom.RoomID(fmt.Sprintf("idle-%d", i))
		rooms.Put(live.RoomInfo{ID: room, Kind: mockroom.RoomMentor, Track: "python-developer",
			State: mockroom.StateLive, Allowance: 1, Participants: []live.Participant{
				{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: interviewer.Name},
				{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: candidate.Name},
			}})
		for _, p := range []mockroom.Principal{interviewer, candidate} {
			conns = append(conns, idleJoin(b, hs.URL, auth, p, room))
		}
	}
	after := settle()
	if path := os.Getenv("MOCKROOM_IDLE_HEAP_PROFILE"); path != "" {
		// What the idle sockets hold, by allocation site: go tool pprof -sample_index=inuse_space.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return per(after.HeapInuse, before.HeapInuse), per(after.StackInuse, before.StackInuse),
		per(uint64(runtime.NumGoroutine()), uint64(before.goroutines))
}

type memState struct {
	runtime.MemStats
	goroutines int
}

// settle collects garbage until the live heap stops shrinking, so what remains is what the
// sockets hold (two collections also let the runtime shrink idle goroutines' stacks).
func settle() memState {
	var m memState
	for range 4 {
		runtime.GC()
		if os.Getenv("MOCKROOM_IDLE_TRACE_GC") != "" {
			runtime.ReadMemStats(&m.MemStats)
			fmt.Fprintf(os.Stderr, "after GC: heap in use %d KiB, stacks %d KiB\n", m.HeapInuse>>10, m.StackInuse>>10)
		}
	}
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}

// idleJoin opens a socket for p, joins and waits for the snapshot, then keeps only the
// connection.
func idleJoin(b *testing.B, base string, auth *fakeAuth, p mockroom.Principal, room mockroom.RoomID) net.Conn {
	b.Helper()
	tok := auth.issue(p, "sid-"+string(p.UserID), time.Now().Add(time.Hour))
	req, _ := http.NewRequest("POST", base+"/api/v1/rooms/"+string(room)+"/ticket", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var body struct {
		Ticket string `json:"ticket"`
	}
	err = decodeJSON(res, &body)
	if err != nil || body.Ticket == "" {
		b.Fatalf("ticket: status %d, %v", res.StatusCode, err)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 256, WriteBufferSize: 256}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/rooms/"+string(room)+"/ws?ticket="+body.Ticket, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.WriteJSON(map[string]any{"type": "join", "seq": 1, "client_id": "idle", "resume": nil}); err != nil {
		b.Fatal(err)
	}
	for {
		var f struct {
			Type string `json:"type"`
		}
		if err := c.ReadJSON(&f); err != nil {
			b.Fatal(err)
		}
		if f.Type == "snapshot" {
			return c.NetConn()
		}
		if f.Type == "error" {
			b.Fatal("join refused")
		}
	}
}

func decodeJSON(res *http.Response, v any) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}
