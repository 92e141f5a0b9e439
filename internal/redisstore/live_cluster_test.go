package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// slotOwners maps every slot to the address of the master serving it.
func slotOwners(t *testing.T, client *redis.ClusterClient) map[uint16]string {
	t.Helper()
	shards, err := client.ClusterShards(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint16]string{}
	for _, sh := range shards {
		addr := ""
		for _, n := range sh.Nodes {
			if n.Role == "master" {
				addr = net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
			}
		}
		for _, r := range sh.Slots {
			for s := r.Start; s <= r.End; s++ {
				out[uint16(s)] = addr
			}
		}
	}
	return out
}

// spreadRooms picks perMaster room ids on each master, each room in a slot of its own.
func spreadRooms(t *testing.T, client *redis.ClusterClient, keys Keys, perMaster int) []mockroom.RoomID {
	t.Helper()
	owners := slotOwners(t, client)
	count := map[string]int{}
	usedSlots := map[uint16]bool{}
	var rooms []mockroom.RoomID
	for i := 0; len(rooms) < perMaster*redistest.ClusterMasters; i++ {
		id := mockroom.RoomID(fmt.Sprintf("room-%d", i))
		slot := ClusterSlot(keys.LiveChannel(id))
		owner := owners[slot]
		if usedSlots[slot] || count[owner] >= perMaster {
			continue
		}
		usedSlots[slot] = true
		count[owner]++
		rooms = append(rooms, id)
	}
	if len(count) != redistest.ClusterMasters {
		t.Fatalf("rooms spread over %d masters: %v", len(count), count)
	}
	return rooms
}

// collector is a test's end of a bus: everything the bus delivers, per room, and how many
// subscription notices (messages without payload) each room received.
type collector struct {
	mu      sync.Mutex
	got     map[mockroom.RoomID][]string
	notices map[mockroom.RoomID]int
	wake    chan struct{}
}

func collect(ctx context.Context, wg *sync.WaitGroup, bus *LiveBus) *collector {
	c := &collector{got: map[mockroom.RoomID][]string{}, notices: map[mockroom.RoomID]int{}, wake: make(chan struct{}, 1)}
	wg.Go(func() {
		for {
			room, payload, err := bus.Receive(ctx)
			if err != nil {
				return
			}
			c.mu.Lock()
			if payload == nil {
				c.notices[room]++
			} else {
				c.got[room] = append(c.got[room], string(payload))
			}
			c.mu.Unlock()
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	})
	return c
}

// waitFor blocks until room has received n messages and returns them.
func (c *collector) waitFor(t *testing.T, room mockroom.RoomID, n int) []string {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got := append([]string(nil), c.got[room]...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-c.wake:
		case <-deadline.C:
			t.Fatalf("room %s: %d of %d messages arrived: %q", room, len(got), n, got)
		}
	}
}

// waitNotices blocks until room has received at least n subscription notices and returns how
// many it has.
func (c *collector) waitNotices(t *testing.T, room mockroom.RoomID, n int) int {
	t.Helper()
	hang := time.NewTimer(time.Minute) // a guard against hanging, not a measure of speed
	defer hang.Stop()
	for {
		c.mu.Lock()
		got := c.notices[room]
		c.mu.Unlock()
		if got >= n {
			return got
		}
		select {
		case <-c.wake:
		case <-hang.C:
			t.Fatalf("room %s: %d of %d subscription notices arrived", room, got, n)
		}
	}
}

// TestLiveBusOnClusterHoldsRoomsOfEverySlot subscribes one node to rooms served by all three
// masters: each room hears its own messages in order, one connection is held per slot in use,
// and a slot's connection closes with its last room. The single-connection bus used on a
// plain Redis cannot do this (the second slot's SSUBSCRIBE goes to the wrong master).
func TestLiveBusOnClusterHoldsRoomsOfEverySlot(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	client := c.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	rooms := spreadRooms(t, client, keys, 2)
	// Two rooms in one slot share a connection.
	twin := sameSlotRoom(keys, rooms[0])
	rooms = append(rooms, twin)

	bus := NewLiveBus(c.NewClient(), keys, true)
	if bus.cluster == nil {
		t.Fatal("a ClusterClient did not get the per-slot bus")
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	got := collect(ctx, &wg, bus)
	t.Cleanup(func() {
		cancel()
		_ = bus.Close()
		wg.Wait()
		_ = bus.client.Close()
	})

	for _, r := range rooms {
		if err := bus.Subscribe(t.Context(), r); err != nil {
			t.Fatalf("subscribe %s: %v", r, err)
		}
	}
	if n, want := bus.cluster.conns(), len(rooms)-1; n != want {
		t.Errorf("%d connections for %d rooms in %d slots", n, len(rooms), want)
	}
	const perRoom = 20
	for i := range perRoom {
		for _, r := range rooms {
			if err := client.SPublish(t.Context(), keys.LiveChannel(r), fmt.Sprintf("%s#%d", r, i)).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range rooms {
		var want []string
		for i := range perRoom {
			want = append(want, fmt.Sprintf("%s#%d", r, i))
		}
		if diff := cmp.Diff(want, got.waitFor(t, r, perRoom)); diff != "" {
			t.Errorf("room %s (-want +got):\n%s", r, diff)
		}
	}

	// Leaving: the shared slot keeps its connection until its second room leaves.
	if err := bus.Unsubscribe(t.Context(), rooms[0]); err != nil {
		t.Fatal(err)
	}
	if n, want := bus.cluster.conns(), len(rooms)-1; n != want {
		t.Errorf("after one of two rooms of a slot left: %d connections, want %d", n, want)
	}
	for _, r := range rooms[1:] {
		if err := bus.Unsubscribe(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if n := bus.cluster.conns(); n != 0 {
		t.Errorf("%d connections after every room left", n)
	}
	// A room subscribed again after its slot was released is heard again.
	if err := bus.Subscribe(t.Context(), rooms[1]); err != nil {
		t.Fatal(err)
	}
	if err := client.SPublish(t.Context(), keys.LiveChannel(rooms[1]), "again").Err(); err != nil {
		t.Fatal(err)
	}
	if msgs := got.waitFor(t, rooms[1], perRoom+1); msgs[perRoom] != "again" {
		t.Errorf("after resubscribing: %q", msgs[perRoom:])
	}
}

// sameSlotRoom finds another room id whose keys fall in room's slot.
func sameSlotRoom(keys Keys, room mockroom.RoomID) mockroom.RoomID {
	want := ClusterSlot(keys.LiveChannel(room))
	for i := 0; ; i++ {
		id := mockroom.RoomID(fmt.Sprintf("twin-%d", i))
		if ClusterSlot(keys.LiveChannel(id)) == want {
			return id
		}
	}
}

type clusterQuestions struct{}

func (clusterQuestions) Question(_ context.Context, _ mockroom.UserID, _ mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	return bank.Question{ID: id, Category: mockroom.CategoryTechnical, Minutes: 1, Title: "Title " + string(id), Prompt: "Prompt of " + string(id)}, nil
}

var (
	clusterInterviewer = mockroom.Principal{UserID: "u-int", Name: "Ida"}
	clusterCandidate   = mockroom.Principal{UserID: "u-cand", Name: "Carl"}
)

// clusterNode is one engine with its own cluster client, store and bus, as cmd/mockroom builds it.
type clusterNode struct {
	engine *live.Engine
	store  *LiveStore
}

func startClusterNode(t *testing.T, c *redistest.Cluster, keys Keys, rooms live.Rooms, now func() time.Time) *clusterNode {
	t.Helper()
	client := c.NewClient()
	store := NewLiveStore(client, keys, true)
	bus := NewLiveBus(client, keys, true)
	eng := live.NewEngine(live.Config{
		Store: store, Rooms: rooms, Questions: clusterQuestions{}, Bus: bus, Now: now, PollEvery: 20 * time.Millisecond,
		// Events reach the other node through pub/sub alone, not a periodic read of the log.
		QuietCheck: time.Hour,
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = bus.Close()
		_ = client.Close()
	})
	return &clusterNode{engine: eng, store: store}
}

// roomListener records one room's events as a node's fan-out delivers them.
type roomListener struct {
	mu   sync.Mutex
	evs  []live.Event
	wake chan struct{}
}

func listenOn(t *testing.T, n *clusterNode, room mockroom.RoomID) *roomListener {
	t.Helper()
	l := &roomListener{wake: make(chan struct{}, 1)}
	id, err := n.engine.Fanout().Add(t.Context(), room, live.ListenerFunc(func(ev live.Event) {
		l.mu.Lock()
		l.evs = append(l.evs, ev)
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}))
	if err != nil {
		t.Fatalf("listen to %s: %v", room, err)
	}
	t.Cleanup(func() { _ = n.engine.Fanout().Remove(context.WithoutCancel(t.Context()), room, id) })
	return l
}

// until waits until done(events) holds.
func (l *roomListener) until(t *testing.T, what string, done func([]live.Event) bool) []live.Event {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		evs := append([]live.Event(nil), l.evs...)
		l.mu.Unlock()
		if done(evs) {
			return evs
		}
		select {
		case <-l.wake:
		case <-deadline.C:
			t.Fatalf("%s: not delivered; have %d events", what, len(evs))
		}
	}
}

func countEvents(evs []live.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// eventIDs lists the ids of evs, in order.
func eventIDs(evs []live.Event) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

// TestTwoNodesOnClusterDeliverEveryRoomInOrder runs two engines as two nodes on a real cluster,
// with rooms on all three masters: commands executed on node A reach listeners on node B in log
// order with nothing missing, and each room's timer fires its warning and expiry exactly once
// although both nodes poll.
func TestTwoNodesOnClusterDeliverEveryRoomInOrder(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	client := c.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	ids := spreadRooms(t, client, keys, 2)
	rooms := livetest.NewRooms()
	for _, id := range ids {
		rooms.Put(live.RoomInfo{
			ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting,
			Questions: []live.PlannedQuestion{{QuestionID: "q1", Seconds: 3}},
			Participants: []live.Participant{
				{UserID: clusterInterviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Ida"},
				{UserID: clusterCandidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Carl"},
			},
		})
	}
	var clockMS atomic.Int64
	clockMS.Store(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).UnixMilli())
	now := func() time.Time { return time.UnixMilli(clockMS.Load()).UTC() }

	a := startClusterNode(t, c, keys, rooms, now)
	b := startClusterNode(t, c, keys, rooms, now)
	// Node A serves the rooms too: its listeners take its own appends as they return, and the
	// bus copies of them, which node B needs, are dropped on A as delivered.
	listeners, listenersA := map[mockroom.RoomID]*roomListener{}, map[mockroom.RoomID]*roomListener{}
	for _, id := range ids {
		listenersA[id] = listenOn(t, a, id)
		listeners[id] = listenOn(t, b, id)
	}

	exec := func(id mockroom.RoomID, p mockroom.Principal, seq uint64, typ string, data any) {
		t.Helper()
		var raw json.RawMessage
		if data != nil {
			raw, _ = json.Marshal(data)
		}
		if _, err := a.engine.Execute(t.Context(), id, p, live.Command{ClientID: "cm1", Seq: seq, Type: typ, Data: raw}); err != nil {
			t.Fatalf("%s in %s: %v", typ, id, err)
		}
	}
	const edits = 15
	for _, id := range ids {
		exec(id, clusterInterviewer, 1, live.CmdStart, nil)
	}
	for i := range edits {
		for _, id := range ids {
			changes := []any{[]any{0, "x"}}
			if i > 0 { // keep what is there, insert at the end
				changes = []any{i, []any{0, "x"}}
			}
			// Version 1 is the question's document (the start's editor.reset, empty).
			exec(id, clusterCandidate, uint64(i+1), live.CmdEditorPush, map[string]any{"version": i + 1, "updates": []map[string]any{
				{"clientID": "cm1", "changes": changes},
			}})
			exec(id, clusterInterviewer, uint64(i+2), live.CmdChatSend, map[string]any{"text": fmt.Sprintf("%s says %d", id, i)})
		}
	}
	for _, id := range ids {
		evs := listeners[id].until(t, "chat in "+string(id), func(evs []live.Event) bool {
			return countEvents(evs, live.TypeChatMessage) == edits
		})
		var chats []string
		versions := 0
		for i, ev := range evs {
			if i > 0 && ev.Offset != evs[i-1].Offset+1 {
				t.Fatalf("room %s: offsets %d then %d", id, evs[i-1].Offset, ev.Offset)
			}
			switch ev.Type {
			case live.TypeChatMessage:
				var d struct {
					Text string `json:"text"`
				}
				_ = json.Unmarshal(ev.Data, &d)
				chats = append(chats, d.Text)
			case live.TypeEditorUpdate:
				versions++
			}
		}
		var want []string
		for i := range edits {
			want = append(want, fmt.Sprintf("%s says %d", id, i))
		}
		if diff := cmp.Diff(want, chats); diff != "" {
			t.Errorf("room %s chat on node B (-want +got):\n%s", id, diff)
		}
		if versions != edits {
			t.Errorf("room %s: %d editor updates on node B, want %d", id, versions, edits)
		}
		onA := listenersA[id].until(t, "the same events on node A", func(got []live.Event) bool { return len(got) >= len(evs) })
		if diff := cmp.Diff(eventIDs(evs), eventIDs(onA)); diff != "" {
			t.Errorf("room %s: node A delivered other events than node B (-B +A):\n%s", id, diff)
		}
	}

	// Both nodes poll the timers: 3 s budgets warn once at 1 s left and expire once.
	clockMS.Add((3 * time.Second).Milliseconds())
	for _, id := range ids {
		listeners[id].until(t, "expiry in "+string(id), func(evs []live.Event) bool {
			return countEvents(evs, live.TypeTimerExpired) == 1
		})
	}
	for range 3 { // more polling by both nodes fires nothing more
		for _, n := range []*clusterNode{a, b} {
			if err := n.engine.PollOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids {
		_, evs, err := a.store.Read(t.Context(), id, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if w, x := countEvents(evs, live.TypeTimerWarning), countEvents(evs, live.TypeTimerExpired); w != 1 || x != 1 {
			t.Errorf("room %s: %d warnings and %d expiries in the log, want 1 and 1", id, w, x)
		}
	}
}
