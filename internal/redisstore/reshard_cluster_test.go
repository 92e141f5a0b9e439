package redisstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/redistest"
)

// moveSlot hands an empty slot from its master to another one, the way a resharding tool does.
func moveSlot(t *testing.T, c *redistest.Cluster, slot uint16, from, to string) {
	t.Helper()
	ctx := t.Context()
	nodes := map[string]*redis.Client{}
	ids := map[string]string{}
	for i, addr := range c.Addrs {
		nodes[addr] = c.Node(t, i)
		id, err := nodes[addr].Do(ctx, "CLUSTER", "MYID").Text()
		if err != nil {
			t.Fatal(err)
		}
		ids[addr] = id
	}
	steps := []struct {
		on   string
		args []any
	}{
		{to, []any{"CLUSTER", "SETSLOT", slot, "IMPORTING", ids[from]}},
		{from, []any{"CLUSTER", "SETSLOT", slot, "MIGRATING", ids[to]}},
		{to, []any{"CLUSTER", "SETSLOT", slot, "NODE", ids[to]}},
		{from, []any{"CLUSTER", "SETSLOT", slot, "NODE", ids[to]}},
	}
	for _, addr := range c.Addrs {
		if addr != from && addr != to {
			steps = append(steps, struct {
				on   string
				args []any
			}{addr, []any{"CLUSTER", "SETSLOT", slot, "NODE", ids[to]}})
		}
	}
	for _, s := range steps {
		if err := nodes[s.on].Do(ctx, s.args...).Err(); err != nil {
			t.Fatalf("%v on %s: %v", s.args, s.on, err)
		}
	}
}

// TestLiveBusFollowsAMovedSlot moves the slot of a subscribed room to another master: the old
// master drops the subscription, and the bus subscribes again on the new owner, so messages
// published after the move still arrive.
func TestLiveBusFollowsAMovedSlot(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	client := c.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	room := spreadRooms(t, client, keys, 1)[0]
	slot := ClusterSlot(keys.LiveChannel(room))
	from := slotOwners(t, client)[slot]
	to := c.Addrs[0]
	if to == from {
		to = c.Addrs[1]
	}

	var moves atomic.Int64
	bus := NewLiveBus(c.NewClient(), keys, true, WithMoveCounter(func() { moves.Add(1) }))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	got := collect(ctx, &wg, bus)
	t.Cleanup(func() {
		cancel()
		_ = bus.Close()
		wg.Wait()
		_ = bus.client.Close()
	})
	if err := bus.Subscribe(t.Context(), room); err != nil {
		t.Fatal(err)
	}
	if err := client.SPublish(t.Context(), keys.LiveChannel(room), "before").Err(); err != nil {
		t.Fatal(err)
	}
	got.waitFor(t, room, 1)

	if n := got.waitNotices(t, room, 1); n != 1 {
		t.Fatalf("%d subscription notices before the move, want 1", n)
	}
	moveSlot(t, c, slot, from, to)
	// Messages published while the bus resubscribes are lost, as the bus documents; it tells
	// the fan-out with a notice once the new owner has confirmed the subscription (the fan-out
	// then reads the room's log), and from then on every message arrives.
	got.waitNotices(t, room, 2)
	if err := client.SPublish(t.Context(), keys.LiveChannel(room), "after").Err(); err != nil {
		t.Fatalf("publish after the move: %v", err)
	}
	if msgs := got.waitFor(t, room, 2); msgs[1] != "after" {
		t.Fatalf("messages %q, want the one published after the move last", msgs)
	}
	if n := moves.Load(); n != 1 {
		t.Errorf("%d subscription moves counted, want 1", n)
	}
	owner := slotOwners(t, client)[slot]
	if owner != to {
		t.Fatalf("slot %d is served by %s, want %s", slot, owner, to)
	}
}
