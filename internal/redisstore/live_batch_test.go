package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

// roundHook counts round trips to Redis (one per command, one per pipeline) and lets a test
// act around the first script command sent on its own. The handshake of a new pooled
// connection (HELLO, then CLIENT SETINFO pipelined) is not counted: it is paid once per
// connection, not per append, and whether a test needs a second connection depends on timing.
type roundHook struct {
	n atomic.Int64
	// around, if set, runs the first EVALSHA sent outside a pipeline; send sends it.
	around func(send func() error) error
	once   sync.Once
}

func (h *roundHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h *roundHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "hello" {
			h.n.Add(1)
		}
		var err error
		ran := false
		if h.around != nil && cmd.Name() == "evalsha" {
			h.once.Do(func() {
				ran = true
				err = h.around(func() error { return next(ctx, cmd) })
			})
		}
		if ran {
			return err
		}
		return next(ctx, cmd)
	}
}

func (h *roundHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if cmds[0].Name() != "client" {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

var batchNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// note is the i-th append of a client: one event whose data names it.
func note(client string, i int) live.AppendRequest {
	return live.AppendRequest{ClientID: client, Seq: uint64(i + 1), Now: batchNow, Events: []live.NewEvent{{
		Type: live.TypeEditorUpdate, Actor: "u1", Data: map[string]string{"note": fmt.Sprintf("%s#%d", client, i)},
	}}}
}

// noteOf returns the note an event carries.
func noteOf(t *testing.T, ev live.Event) string {
	t.Helper()
	s := string(ev.Data)
	if !strings.HasPrefix(s, `{"note":"`) {
		t.Fatalf("event data %s", s)
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, `{"note":"`), `"}`)
}

type batchEnv struct {
	t      *testing.T
	client *redis.Client
	hook   *roundHook
	store  *LiveStore
	keys   Keys
}

func newBatchEnv(t *testing.T, srv *redistest.Server) *batchEnv {
	t.Helper()
	client := srv.Client(t)
	hook := &roundHook{}
	client.AddHook(hook)
	keys := Keys{Prefix: redistest.Prefix(t)}
	lookups := NewLookups(client)
	store := NewLiveStore(client, keys, false, WithPipelinedAppends(), WithLookups(lookups))
	t.Cleanup(func() { _ = store.Close(); lookups.Close() })
	return &batchEnv{t: t, client: client, hook: hook, store: store, keys: keys}
}

// notes reads room's log as notes, in log order.
func (e *batchEnv) notes(room mockroom.RoomID) []string {
	e.t.Helper()
	_, evs, err := e.store.Read(e.t.Context(), room, 1, 10_000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		if ev.Offset != mockroom.EventOffset(i+1) {
			e.t.Fatalf("event %d of %s at offset %d", i, room, ev.Offset)
		}
		out[i] = noteOf(e.t, ev)
	}
	return out
}

// warm runs the script once so the server's script cache holds it.
func (e *batchEnv) warm() {
	e.t.Helper()
	if _, err := e.store.Append(e.t.Context(), "warm", note("warm", 0)); err != nil {
		e.t.Fatal(err)
	}
}

func TestPipelinedAppendsSequentialIsOneRoundTripEach(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	e.warm()
	for i := range 20 {
		before := e.hook.n.Load()
		res, err := e.store.Append(t.Context(), "r1", note("c", i))
		if err != nil {
			t.Fatal(err)
		}
		if n := e.hook.n.Load() - before; n != 1 {
			t.Fatalf("append %d took %d round trips, want 1", i, n)
		}
		if res.Head.Offset != mockroom.EventOffset(i+1) || res.Duplicate {
			t.Fatalf("append %d: %+v", i, res)
		}
	}
}

func TestPipelinedAppendsConcurrentRooms(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	e.warm()
	const rooms, each = 40, 25
	before := e.hook.n.Load()
	var wg sync.WaitGroup
	errs := make(chan error, rooms)
	for r := range rooms {
		room := mockroom.RoomID(fmt.Sprintf("r%d", r))
		wg.Go(func() {
			// One caller per room appending in turn, as the engine does while it holds a room.
			for i := range each {
				res, err := e.store.Append(t.Context(), room, note(string(room), i))
				if err != nil {
					errs <- fmt.Errorf("%s append %d: %w", room, i, err)
					return
				}
				if len(res.Events) != 1 || res.Events[0].Offset != mockroom.EventOffset(i+1) || res.Head != res.Events[0].Position() {
					errs <- fmt.Errorf("%s append %d: got %+v", room, i, res)
					return
				}
				if got, want := string(res.Events[0].Data), fmt.Sprintf(`{"note":"%s#%d"}`, room, i); got != want {
					errs <- fmt.Errorf("%s append %d: result carries %s, want %s", room, i, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rounds := e.hook.n.Load() - before
	if rounds >= rooms*each {
		t.Errorf("%d appends took %d round trips, want fewer", rooms*each, rounds)
	}
	t.Logf("%d appends from %d rooms in %d round trips", rooms*each, rooms, rounds)
	for r := range rooms {
		room := mockroom.RoomID(fmt.Sprintf("r%d", r))
		want := make([]string, each)
		for i := range want {
			want[i] = fmt.Sprintf("%s#%d", room, i)
		}
		if diff := cmp.Diff(want, e.notes(room)); diff != "" {
			t.Errorf("log of %s (-want +got):\n%s", room, diff)
		}
	}
}

// holdFirst makes the next append sent on its own wait in flight until release is closed;
// the returned channel is closed once it is in flight.
func holdFirst(h *roundHook, release <-chan struct{}, after func()) <-chan struct{} {
	inFlight := make(chan struct{})
	h.around = func(send func() error) error {
		close(inFlight)
		<-release
		err := send()
		if after != nil {
			after()
		}
		return err
	}
	return inFlight
}

// queueUntil arranges for a signal once n appends wait in the queue.
func queueUntil(s *LiveStore, n int) <-chan struct{} {
	reached := make(chan struct{})
	s.batch.queued = func(got int) {
		if got == n {
			close(reached)
		}
	}
	return reached
}

// releaseAndWait lets the call held in flight go once the queue is reached, waits for every
// call of outs, failing t for each that failed, and returns the round trips taken since before.
func releaseAndWait(t *testing.T, e *batchEnv, before int64, reached <-chan struct{}, release chan struct{}, outs []<-chan error) int64 {
	t.Helper()
	<-reached
	close(release)
	for i, out := range outs {
		if err := <-out; err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	return e.hook.n.Load() - before
}

// readAsync starts a read of room's log and returns where its failure, if any, arrives.
func readAsync(ctx context.Context, s *LiveStore, room mockroom.RoomID) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, _, err := s.Read(ctx, room, 1, 10)
		done <- err
	}()
	return done
}

// appendAsync starts an append and returns where its outcome arrives.
func appendAsync(ctx context.Context, s *LiveStore, room mockroom.RoomID, req live.AppendRequest) <-chan error {
	done := make(chan error, 1)
	go func() {
		res, err := s.Append(ctx, room, req)
		if err == nil && (len(res.Events) != 1 || res.Events[0].Offset == 0) {
			err = fmt.Errorf("unexpected result %+v", res)
		}
		done <- err
	}()
	return done
}

func TestPipelinedAppendsQueuedWhileInFlightGoTogether(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	e.warm()
	release := make(chan struct{})
	inFlight := holdFirst(e.hook, release, nil)
	const queued = 10
	reached := queueUntil(e.store, queued)
	before := e.hook.n.Load()
	first := appendAsync(t.Context(), e.store, "solo", note("solo", 0))
	<-inFlight
	outs := make([]<-chan error, queued)
	for i := range outs {
		room := mockroom.RoomID(fmt.Sprintf("q%d", i))
		outs[i] = appendAsync(t.Context(), e.store, room, note(string(room), 0))
	}
	if n := releaseAndWait(t, e, before, reached, release, append(outs, first)); n != 2 {
		t.Errorf("%d appends took %d round trips, want 2 (one alone, then one pipeline)", queued+1, n)
	}
	for i := range queued {
		room := mockroom.RoomID(fmt.Sprintf("q%d", i))
		if diff := cmp.Diff([]string{string(room) + "#0"}, e.notes(room)); diff != "" {
			t.Errorf("log of %s (-want +got):\n%s", room, diff)
		}
	}
}

func TestPipelinedAppendsRecoverFromFlushedScripts(t *testing.T) {
	srv := redistest.Start(t) // flushes its script cache: a server of its own
	srv.RequireReal(t)
	e := newBatchEnv(t, srv)
	e.warm()
	admin := srv.Client(t)
	release := make(chan struct{})
	// The lone append runs with the script cached; the cache is flushed before the queued
	// ones are sent, so their pipeline meets NOSCRIPT.
	inFlight := holdFirst(e.hook, release, func() {
		if err := admin.ScriptFlush(context.WithoutCancel(t.Context())).Err(); err != nil {
			t.Error(err)
		}
	})
	const queued = 5
	reached := queueUntil(e.store, queued)
	before := e.hook.n.Load()
	first := appendAsync(t.Context(), e.store, "solo", note("solo", 0))
	<-inFlight
	outs := make([]<-chan error, queued)
	for i := range outs {
		outs[i] = appendAsync(t.Context(), e.store, "shared", note(fmt.Sprintf("c%d", i), 0))
	}
	// alone, the pipeline meeting NOSCRIPT, SCRIPT LOAD, the pipeline again
	if n := releaseAndWait(t, e, before, reached, release, append(outs, first)); n != 4 {
		t.Errorf("round trips: %d, want 4", n)
	}
	got := e.notes("shared")
	if len(got) != queued {
		t.Errorf("log after recovery holds %q, want %d notes, each once", got, queued)
	}
	// The queued appends were concurrent, so any order is fine; each note must appear once.
	seen := map[string]bool{}
	for _, n := range got {
		if seen[n] {
			t.Errorf("note %s appended twice", n)
		}
		seen[n] = true
	}
}

func TestPipelinedAppendsCancelledWhileQueuedIsNotSent(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	e.warm()
	release := make(chan struct{})
	inFlight := holdFirst(e.hook, release, nil)
	reached := queueUntil(e.store, 1)
	first := appendAsync(t.Context(), e.store, "solo", note("solo", 0))
	<-inFlight
	ctx, cancel := context.WithCancel(t.Context())
	out := appendAsync(ctx, e.store, "gone", note("gone", 0))
	<-reached
	cancel()
	if err := <-out; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled append: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// The next append goes alone again, and the withdrawn one never reached the log.
	if _, err := e.store.Append(t.Context(), "solo", note("solo", 1)); err != nil {
		t.Fatal(err)
	}
	if got := e.notes("gone"); len(got) != 0 {
		t.Errorf("withdrawn append reached the log: %q", got)
	}
}

func TestPipelinedAppendsCloseFailsQueuedAndLaterAppends(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	e.warm()
	release := make(chan struct{})
	inFlight := holdFirst(e.hook, release, nil)
	const queued = 3
	reached := queueUntil(e.store, queued)
	first := appendAsync(t.Context(), e.store, "solo", note("solo", 0))
	<-inFlight
	outs := make([]<-chan error, queued)
	for i := range outs {
		outs[i] = appendAsync(t.Context(), e.store, "q", note(fmt.Sprintf("c%d", i), 0))
	}
	<-reached
	// Close returns while an append is still on the wire, and the queued ones fail.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	for i, out := range outs {
		if err := <-out; mockroom.ErrorCode(err) != "store_closed" || mockroom.ErrorKind(err) != mockroom.KindUnavailable {
			t.Errorf("queued append %d after close: %v, want store_closed", i, err)
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("append in flight at close: %v", err)
	}
	if _, err := e.store.Append(t.Context(), "solo", note("solo", 1)); mockroom.ErrorCode(err) != "store_closed" {
		t.Errorf("append after close: %v, want store_closed", err)
	}
	if got := e.notes("q"); len(got) != 0 {
		t.Errorf("failed appends reached the log: %q", got)
	}
	if err := e.store.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
}

// lookupsUntil arranges for a signal once n hand-shake calls wait in the queue.
func lookupsUntil(s *LiveStore, n int) <-chan struct{} {
	reached := make(chan struct{})
	s.lookups.b.queued = func(got int) {
		if got == n {
			close(reached)
		}
	}
	return reached
}

// handshakeCalls starts, for each of rooms, the calls a socket's hand-shake makes of the store
// (the join's step, the log, a presence lease, a presence event) and returns where each
// call's failure, if any, arrives; a call checks what it read against the room's one note.
func handshakeCalls(ctx context.Context, s *LiveStore, rooms []mockroom.RoomID) []<-chan error {
	var outs []<-chan error
	call := func(f func() error) {
		done := make(chan error, 1)
		go func() { done <- f() }()
		outs = append(outs, done)
	}
	for _, room := range rooms {
		call(func() error {
			res, err := s.Enter(ctx, room, live.EnterRequest{Read: live.EnterRead{Log: true, From: 1, Max: 10}})
			if err == nil && (res.Stale || res.Head.Offset != 1 || len(res.Events) != 1) {
				err = fmt.Errorf("enter %s: %+v", room, res)
			}
			return err
		})
		call(func() error {
			head, evs, err := s.Read(ctx, room, 1, 10)
			if err == nil && (head.Offset != 1 || len(evs) != 1 || !strings.Contains(string(evs[0].Data), string(room))) {
				err = fmt.Errorf("log of %s: head %+v, %d events", room, head, len(evs))
			}
			return err
		})
		call(func() error {
			changed, err := s.SetPresence(ctx, room, "u1", "node-a", true, batchNow.Add(time.Minute), batchNow, nil)
			if err == nil && !changed {
				err = fmt.Errorf("presence in %s: the first lease did not bring u1 online", room)
			}
			return err
		})
		call(func() error {
			return s.Publish(ctx, room, live.Event{Type: live.TypePresence, Actor: "u1", At: batchNow})
		})
	}
	return outs
}

// The calls of many sockets' hand-shakes made while one is in flight go out together, in one
// pipeline, whatever their kind; each gets its own answer.
func TestHandshakeCallsShareRoundTrips(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	rooms := []mockroom.RoomID{"h0", "h1", "h2"}
	for _, room := range append([]mockroom.RoomID{"solo"}, rooms...) {
		if _, err := e.store.Append(t.Context(), room, note(string(room), 0)); err != nil {
			t.Fatal(err)
		}
	}
	// What the other stores' calls read: a session, a room with a seat.
	if err := NewAccountStore(e.client, e.keys).CreateSession(t.Context(), account.SessionRef{UserID: "u1", SessionID: "s1"}, "h", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := NewRoomStore(e.client, e.keys).Create(t.Context(), room.Room{ID: "rm", State: mockroom.StateWaiting,
		Participants: []room.Participant{{UserID: "u1", Role: mockroom.RoleCandidate}}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	// The server's script cache holds the enter, read, presence and room-read scripts.
	if _, err := e.store.Enter(t.Context(), "solo", live.EnterRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.Read(t.Context(), "solo", 1, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRoomStore(e.client, e.keys).Get(t.Context(), "rm"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetPresence(t.Context(), "solo", "u1", "node-a", false, batchNow, batchNow, nil); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	inFlight := holdFirst(e.hook, release, nil)
	reached := lookupsUntil(e.store, 4*len(rooms)+5)
	before := e.hook.n.Load()
	first := readAsync(t.Context(), e.store, "solo")
	<-inFlight
	outs := append(handshakeCalls(t.Context(), e.store, rooms), otherStoreCalls(t, e)...)
	if n := releaseAndWait(t, e, before, reached, release, append(outs, first)); n != 2 {
		t.Errorf("%d hand-shake calls took %d round trips, want 2 (one alone, then one pipeline)", len(outs)+1, n)
	}
}

// otherStoreCalls starts the hand-shake's calls of the other stores, through the live store's
// lookups (as the node is assembled): the session check, a ticket's spend, a seat, the room's
// revision, the room's whole record (read when a node first serves the room).
func otherStoreCalls(t *testing.T, e *batchEnv) []<-chan error {
	accounts := NewAccountStore(e.client, e.keys).WithLookups(e.store.lookups)
	rooms := NewRoomStore(e.client, e.keys).WithLookups(e.store.lookups)
	tickets := Tickets{Client: e.client, Keys: e.keys, Lookups: e.store.lookups}
	ctx := t.Context()
	var outs []<-chan error
	call := func(f func() error) {
		done := make(chan error, 1)
		go func() { done <- f() }()
		outs = append(outs, done)
	}
	call(func() error {
		ok, err := accounts.SessionActive(ctx, account.SessionRef{UserID: "u1", SessionID: "s1"})
		if err == nil && !ok {
			err = errors.New("the session reads as ended")
		}
		return err
	})
	call(func() error {
		fresh, err := tickets.Spend(ctx, "t1", time.Minute)
		if err == nil && !fresh {
			err = errors.New("a new ticket reads as spent")
		}
		return err
	})
	call(func() error {
		seat, ok, err := rooms.Seat(ctx, "rm", "u1")
		if err == nil && (!ok || seat.Role != mockroom.RoleCandidate) {
			err = fmt.Errorf("seat of u1: %+v %v", seat, ok)
		}
		return err
	})
	call(func() error {
		rev, err := rooms.Revision(ctx, "rm")
		if err == nil && rev != 1 {
			err = fmt.Errorf("revision %d, want 1", rev)
		}
		return err
	})
	call(func() error {
		r, err := rooms.Get(ctx, "rm")
		if err == nil && (r.Revision != 1 || len(r.Participants) != 1 || r.Participants[0].UserID != "u1") {
			err = fmt.Errorf("room rm read as %+v", r)
		}
		return err
	})
	return outs
}

// A pipeline of hand-shake calls that meets a server without its scripts loads each script once
// and sends those calls again; the plain commands among them are not sent twice.
func TestHandshakeCallsRecoverFromFlushedScripts(t *testing.T) {
	srv := redistest.Start(t) // flushes its script cache: a server of its own
	srv.RequireReal(t)
	e := newBatchEnv(t, srv)
	rooms := []mockroom.RoomID{"h0", "h1"}
	for _, room := range append([]mockroom.RoomID{"solo"}, rooms...) {
		if _, err := e.store.Append(t.Context(), room, note(string(room), 0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.store.Read(t.Context(), "solo", 1, 10); err != nil { // the read script cached
		t.Fatal(err)
	}
	admin := srv.Client(t)
	release := make(chan struct{})
	inFlight := holdFirst(e.hook, release, func() {
		if err := admin.ScriptFlush(context.WithoutCancel(t.Context())).Err(); err != nil {
			t.Error(err)
		}
	})
	reached := lookupsUntil(e.store, 4*len(rooms))
	publishes := func() int { return commandCalls(t, admin)["publish"] }
	published := publishes()
	before := e.hook.n.Load()
	first := readAsync(t.Context(), e.store, "solo")
	<-inFlight
	outs := handshakeCalls(t.Context(), e.store, rooms)
	// alone, the pipeline meeting NOSCRIPT, SCRIPT LOAD of the enter, read and presence
	// scripts, the pipeline of the script calls again
	if n := releaseAndWait(t, e, before, reached, release, append(outs, first)); n != 6 {
		t.Errorf("round trips: %d, want 6", n)
	}
	if got := publishes() - published; got != len(rooms) {
		t.Errorf("%d presence events published, want %d (one per room, none sent again)", got, len(rooms))
	}
}

// Once the lookups are closed, the hand-shake's calls are not refused: they go out alone.
func TestHandshakeCallsAfterClose(t *testing.T) {
	e := newBatchEnv(t, redistest.Shared(t))
	rooms := []mockroom.RoomID{"h0"}
	if _, err := e.store.Append(t.Context(), "h0", note("h0", 0)); err != nil {
		t.Fatal(err)
	}
	e.store.lookups.Close()
	for i, out := range handshakeCalls(t.Context(), e.store, rooms) {
		if err := <-out; err != nil {
			t.Errorf("call %d after close: %v", i, err)
		}
	}
}
