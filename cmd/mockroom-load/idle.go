package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// heldSocket is a joined socket that only listens, remembering the position of the last event
// it received so it can resume from there.
type heldSocket struct {
	node, room, clientID string
	sess                 session

	s    *sock
	done chan struct{}

	mu     sync.Mutex
	pos    *position
	cred   string // the newest resume credential the socket was handed
	frames int
	reason string // why the read loop ended
}

func (h *heldSocket) listen() {
	defer close(h.done)
	readLoop(h.s, func(f frame, _ []byte, _ time.Time) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.frames++
		if c := f.credential(); c != "" {
			h.cred = c
		}
		if f.Type == "event" && f.ID != "" {
			h.pos = &position{Epoch: f.Epoch, Offset: f.Offset, EventID: f.ID}
		}
	}, func(reason string) {
		h.mu.Lock()
		h.reason = reason
		h.mu.Unlock()
	})
}

// connect opens, joins and starts listening on one socket: with cred, a resume credential,
// when it is not empty, else with a new ticket.
func (h *heldSocket) connect(ctx context.Context, a *api, resume *position, cred string) (joined, error) {
	var s *sock
	var j joined
	var err error
	if cred != "" {
		s, j, err = open(ctx, h.node, h.room, "resume", cred, h.clientID, resume)
	} else {
		s, j, err = connect(ctx, a, h.node, h.room, h.sess, h.clientID, resume)
	}
	if err != nil {
		return joined{}, err
	}
	h.mu.Lock()
	h.s, h.done, h.reason = s, make(chan struct{}), ""
	h.cred = j.Credential
	if j.Position != nil {
		h.pos = j.Position
	}
	h.mu.Unlock()
	go h.listen()
	return j, nil
}

// planHeld plans rooms for n sockets, two per room.
func planHeld(ctx context.Context, cfg config, a *api, n int) ([]*heldSocket, error) {
	planned, err := planRooms(ctx, cfg, a, (n+1)/2)
	if err != nil {
		return nil, err
	}
	socks := make([]*heldSocket, 0, n)
	for _, p := range planned {
		socks = append(socks, &heldSocket{node: p.interviewerNode, room: p.id, sess: p.interviewer, clientID: fmt.Sprintf("load-i-%d", p.idx)})
		if len(socks) < n {
			socks = append(socks, &heldSocket{node: p.candidateNode, room: p.id, sess: p.candidate, clientID: fmt.Sprintf("load-c-%d", p.idx)})
		}
	}
	return socks, nil
}

// connectAll opens and joins every socket concurrently; with cfg.start each interviewer starts
// its room, so the room's log has events to resume after.
func connectAll(ctx context.Context, cfg config, a *api, socks []*heldSocket) error {
	err := parallel(ctx, len(socks), cfg.concurrency, func(ctx context.Context, i int) error {
		h := socks[i]
		s, j, err := connect(ctx, a, h.node, h.room, h.sess, h.clientID, nil)
		if err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
		h.mu.Lock()
		h.s, h.done, h.pos, h.cred = s, make(chan struct{}), j.Position, j.Credential
		h.mu.Unlock()
		if cfg.start && i%2 == 0 {
			// The events the start appends count as received: the resume position must be
			// the last event this socket saw.
			err := start(s, j.State, func(f frame) {
				if f.Type == "event" && f.ID != "" {
					h.mu.Lock()
					h.pos = &position{Epoch: f.Epoch, Offset: f.Offset, EventID: f.ID}
					h.mu.Unlock()
				}
			})
			if err != nil {
				s.drop()
				close(h.done)
				return fmt.Errorf("socket %d: %w", i, err)
			}
		}
		go h.listen()
		return nil
	})
	if err != nil {
		closeHeld(socks)
	}
	return err
}

func closeHeld(socks []*heldSocket) {
	for _, h := range socks {
		h.mu.Lock()
		s, done := h.s, h.done
		h.mu.Unlock()
		if s != nil && done != nil {
			s.close()
			<-done
		}
	}
}

// memory is what one scrape of every node says about memory.
type memory struct {
	RSS, Heap, Stack, Goroutines float64
}

func readMemory(ctx context.Context, cfg config, a *api) (memory, error) {
	var m memory
	for _, n := range cfg.urls {
		s, err := scrape(ctx, a.client, n)
		if err != nil {
			return m, err
		}
		m.RSS += s["process_resident_memory_bytes"]
		m.Heap += s["go_memstats_heap_inuse_bytes"]
		m.Stack += s["go_memstats_stack_inuse_bytes"]
		m.Goroutines += s["go_goroutines"]
	}
	return m, nil
}

// waitGC waits until every node has finished a garbage collection after since, so the heap it
// reports is the live heap and not the garbage of what came before (sign-up hashes passwords
// with a memory-hard function: tens of MiB of garbage per signup). The Go runtime collects at
// least every two minutes, so the wait is bounded even on an idle node.
func waitGC(ctx context.Context, cfg config, a *api, since time.Time) error {
	deadline := time.Now().Add(cfg.gcWait)
	for _, n := range cfg.urls {
		for {
			s, err := scrape(ctx, a.client, n)
			if err != nil {
				return err
			}
			if last := s["go_memstats_last_gc_time_seconds"]; last >= float64(since.UnixNano())/1e9 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("node %s did not collect garbage within %s", n, cfg.gcWait)
			}
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// idleResult is the idle workload's outcome.
type idleResult struct {
	Target                 string
	Sockets                int
	Before, Settled, After memory
	// Connect is the wall time from the first socket's dial to the last one's join (mockroom:
	// ticket, socket, join, or with JoinAuth socket and join; Centrifugo: connect, subscribe),
	// all of them concurrently.
	Connect               time.Duration
	JoinAuth              bool
	CPU                   []cpuUse
	Closed                map[string]int
	LoadBefore, SetupTime string
	Hold                  time.Duration
}

// heldSet is the idle workload's sockets on one target: they connect all at once, then only
// listen until closed.
type heldSet interface {
	connectAll(ctx context.Context) error
	closeAll()
	// closedEarly counts the sockets whose read loop ended before closeAll, by reason.
	closedEarly() map[string]int
}

// mockroomHeld is the idle workload against mockroom: rooms planned first (their cost is not
// the sockets'), then every socket gets a ticket, opens and joins.
type mockroomHeld struct {
	cfg   config
	a     *api
	socks []*heldSocket
}

func (m *mockroomHeld) connectAll(ctx context.Context) error {
	return connectAll(ctx, m.cfg, m.a, m.socks)
}
func (m *mockroomHeld) closeAll() { closeHeld(m.socks) }
func (m *mockroomHeld) closedEarly() map[string]int {
	out := map[string]int{}
	for _, h := range m.socks {
		h.mu.Lock()
		if h.reason != "" {
			out[h.reason]++
		}
		h.mu.Unlock()
	}
	return out
}

// runIdle opens n sockets, holds them and reports what they cost the server.
func runIdle(ctx context.Context, cfg config, a *api, meter *cpuMeter) (idleResult, error) {
	res := idleResult{Target: cfg.target, Sockets: cfg.sockets, LoadBefore: loadAverage(), Closed: map[string]int{}, Hold: cfg.duration, JoinAuth: a.joinAuth}
	// The baseline is taken after the rooms exist (they live in the store, not in the node) and
	// before any socket opens, so the difference is the sockets and what they keep live.
	setupStart := time.Now()
	var set heldSet
	if cfg.target == "centrifugo" {
		set = newCentrifugoHeld(cfg)
	} else {
		socks, err := planHeld(ctx, cfg, a, cfg.sockets)
		if err != nil {
			return res, err
		}
		set = &mockroomHeld{cfg: cfg, a: a, socks: socks}
	}
	if cfg.gcWait > 0 {
		if err := waitGC(ctx, cfg, a, time.Now()); err != nil {
			return res, err
		}
	}
	var err error
	if res.Before, err = readMemory(ctx, cfg, a); err != nil {
		return res, err
	}
	connectStart := time.Now()
	if err := set.connectAll(ctx); err != nil {
		return res, err
	}
	res.Connect = time.Since(connectStart)
	res.SetupTime = time.Since(setupStart).Round(time.Millisecond).String()
	defer set.closeAll()
	select {
	case <-time.After(cfg.warmup):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	settleFrom := time.Now()
	if res.Settled, err = readMemory(ctx, cfg, a); err != nil {
		return res, err
	}
	meter.begin(ctx)
	select {
	case <-time.After(cfg.duration):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.CPU, _ = meter.end(ctx)
	if cfg.gcWait > 0 {
		if err := waitGC(ctx, cfg, a, settleFrom); err != nil {
			return res, err
		}
	}
	if res.After, err = readMemory(ctx, cfg, a); err != nil {
		return res, err
	}
	res.Closed = set.closedEarly()
	return res, nil
}
