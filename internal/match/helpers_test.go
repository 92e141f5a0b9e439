package match_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
	"github.com/redis/go-redis/v9"
)

// clock is a settable time shared by the nodes of a test.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// cluster is what several server nodes share: one Redis, one key prefix, one clock.
type cluster struct {
	srv   *redistest.Server
	keys  redisstore.Keys
	clock *clock
	cfg   match.Config
	admin *redis.Client
}

func newCluster(t *testing.T, cfg match.Config) *cluster {
	t.Helper()
	srv := redistest.Shared(t)
	c := &cluster{srv: srv, keys: redisstore.Keys{Prefix: redistest.Prefix(t)}, clock: newClock(), admin: srv.Client(t)}
	if cfg.Tracks == nil {
		cfg.Tracks = []mockroom.TrackID{roomtest.Track}
	}
	if cfg.Now == nil {
		cfg.Now = c.clock.Now
	}
	c.cfg = cfg
	return c
}

// node is one server: its own Redis client, stores, services and notifier subscription.
type node struct {
	match *match.Service
	rooms *room.Service
	store *redisstore.MatchStore
	notes *redisstore.MatchNotifier
}

// node starts a node; with sweep it also runs the sweeper. Everything stops when the test ends.
func (c *cluster) node(t *testing.T, sweep bool) *node {
	t.Helper()
	client := c.srv.Client(t)
	rooms, err := room.NewService(redisstore.NewRoomStore(client, c.keys), roomtest.NewBank(20), room.Config{
		InviteKey: room.DeriveInviteKey([]byte("match tests secret, 32 bytes long")), Now: c.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	notifier := redisstore.NewMatchNotifier(client, c.keys)
	store := redisstore.NewMatchStore(client, c.keys)
	svc, err := match.NewService(store, notifier, rooms, c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	running := 1
	go func() { _ = notifier.Run(ctx); done <- struct{}{} }()
	if sweep {
		running++
		go func() { _ = svc.Run(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		cancel()
		for range running {
			<-done
		}
	})
	select {
	case <-notifier.Ready():
	case <-t.Context().Done():
		t.Fatal("notifier never subscribed")
	}
	return &node{match: svc, rooms: rooms, store: store, notes: notifier}
}

func user(i int) mockroom.Principal {
	return mockroom.Principal{UserID: mockroom.UserID(fmt.Sprintf("u%03d", i)), Name: fmt.Sprintf("Person %d", i)}
}

var midQueue = match.JoinRequest{Track: roomtest.Track, Level: mockroom.Mid}

func join(t *testing.T, n *node, p mockroom.Principal) match.View {
	t.Helper()
	v, err := n.match.Join(t.Context(), p, midQueue)
	if err != nil {
		t.Fatalf("join %s: %v", p.UserID, err)
	}
	return v
}

func status(t *testing.T, n *node, u mockroom.UserID) match.View {
	t.Helper()
	v, err := n.match.Status(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantCode(t *testing.T, err error, kind mockroom.Kind, code string) {
	t.Helper()
	if mockroom.ErrorKind(err) != kind || mockroom.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s %s", err, kind, code)
	}
}

func (c *cluster) queued(t *testing.T) []string {
	t.Helper()
	ids, err := c.admin.ZRange(t.Context(), c.keys.MatchQueue(roomtest.Track, mockroom.Mid), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
