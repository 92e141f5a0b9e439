package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// ringSize bounds how far behind the peer may fall and still have its latency measured: the
// typer keeps the keystroke time of its last ringSize versions.
const ringSize = 1 << 13

// maxPerPush keeps a push inside the protocol's 512 updates and 48 KiB of change JSON.
const maxPerPush = 256

// ringEntry is what the typer remembers of one version. It holds no pointers (times are
// nanoseconds on the run's clock, see stamp), so the rings of a thousand rooms, hundreds of
// megabytes of time.Time values otherwise, cost the generator's garbage collector nothing.
type ringEntry struct {
	version  int
	typed    int64 // keystroke: the tick of the open-loop schedule
	written  int64 // the push carrying it was handed to the socket
	lenAfter int
}

// clock is the run's time origin; stamp turns a time into nanoseconds since it, keeping the
// monotonic reading, so stamps subtract exactly like times.
var clock = time.Now()

func stamp(t time.Time) int64 { return int64(t.Sub(clock)) }

func unstamp(ns int64) time.Time { return clock.Add(time.Duration(ns)) }

// typingRoom is one room under the typing workload: one socket types, the other watches.
// Everything mutable is guarded by mu; the two read loops and the typing loop take it briefly.
type typingRoom struct {
	idx    int
	id     string
	typer  *sock
	peer   *sock
	window *window
	maxDoc int

	mu        sync.Mutex
	synced    int  // version the server acknowledged last
	docLen    int  // document length at synced
	inflight  bool // a push is waiting for its answer
	flightSeq uint64
	flight    []time.Time // keystroke times of the edits in the push in flight
	flightLen int         // document length if the push in flight is accepted
	flightAt  time.Time   // when the push in flight was written
	pending   []time.Time // keystrokes not yet pushed
	staleWait bool        // after version_stale: push again once the stream has moved on
	ring      []ringEntry // ringSize entries, allocated apart so the GC never scans it
	typerSeen orderChecker
	peerSeen  orderChecker
	latencies []time.Duration // keystroke → peer
	sendLag   []time.Duration // keystroke → its push written: the generator's own delay
	wire      []time.Duration // push written → peer: what the server and the network add
	ackLat    []time.Duration // push written → its ack read, on the typing socket
	accepted  int             // edits typed inside the window and acknowledged
	typed     int             // edits typed inside the window
	nonceMiss int             // events whose text lacked the expected nonce
	untracked int             // updates whose keystroke time had left the ring
	ackMiss   int             // acks whose version was not the one expected
	errs      map[string]int
	dead      bool
}

// window is the measured part of the run: keystrokes typed in [from, to) count.
type window struct{ from, to time.Time }

func (w *window) in(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

func (r *typingRoom) errorf(code string) {
	if r.errs == nil {
		r.errs = map[string]int{}
	}
	r.errs[code]++
}

// type_ records one keystroke and pushes it unless a push is already in flight, in which case
// it waits and goes with the next push (as @codemirror/collab batches unconfirmed updates).
func (r *typingRoom) keystroke(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return
	}
	if r.window.in(t) {
		r.typed++
	}
	r.pending = append(r.pending, t)
	if !r.inflight && !r.staleWait {
		r.pushLocked()
	}
}

// pushLocked sends the pending edits as one editor.push at the synced version. Caller holds mu.
func (r *typingRoom) pushLocked() {
	n := min(len(r.pending), maxPerPush)
	if n == 0 {
		return
	}
	r.flight = append(r.flight[:0], r.pending[:n]...)
	r.pending = append(r.pending[:0], r.pending[n:]...)

	r.typer.wmu.Lock()
	defer r.typer.wmu.Unlock()
	seq := r.typer.nextSeq()
	b := make([]byte, 0, 96+n*160)
	b = append(b, `{"type":"editor.push","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.synced), 10)
	b = append(b, `,"updates":[`...)
	l := r.docLen
	for i := range n {
		v := r.synced + i
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"clientID":"`...)
		b = append(b, r.typer.clientID...)
		b = append(b, `","changes":`...)
		b, l = appendChanges(b, l, r.maxDoc, v)
		b = append(b, '}')
		r.ring[v%ringSize] = ringEntry{version: v, typed: stamp(r.flight[i]), lenAfter: l}
	}
	b = append(b, "]}"...)
	r.inflight, r.flightSeq, r.flightLen, r.flightAt = true, seq, l, time.Now()
	if err := r.typer.write(b); err != nil {
		r.errorf("write_failed")
		r.dead = true
		return
	}
	// The write returned: the frame is in the kernel. Stamping here, not at the keystroke,
	// separates what the generator's own scheduling added from what the server did.
	written := stamp(time.Now())
	for i := range n {
		r.ring[(r.synced+i)%ringSize].written = written
	}
}

// onTyperFrame handles what the typing socket receives: answers to its pushes and the echo of
// every accepted update.
func (r *typingRoom) onTyperFrame(f frame, raw []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case f.Type == "event" && f.Event == "editor.update":
		v, n, err := updateShape(f.Data)
		if err != nil {
			r.errorf("bad_update")
			return
		}
		r.typerSeen.observe(v, n)
		if r.staleWait && r.typerSeen.next > r.synced {
			// The stream moved past the version the push was refused at: adopt it. Only this
			// socket types, so every version is one of ours and its length is in the ring.
			r.synced = r.typerSeen.next
			r.docLen = r.ring[(r.synced-1)%ringSize].lenAfter
			r.staleWait = false
			r.pushLocked()
		}
	case f.Type == "ack" && r.inflight && f.Seq == r.flightSeq:
		var res struct {
			Version int `json:"version"`
		}
		_ = json.Unmarshal(f.Result, &res)
		want := r.synced + len(r.flight)
		if res.Version != want {
			r.ackMiss++
		}
		r.synced, r.docLen, r.inflight = want, r.flightLen, false
		if r.window.in(r.flightAt) {
			r.ackLat = append(r.ackLat, at.Sub(r.flightAt))
		}
		for _, t := range r.flight {
			if r.window.in(t) {
				r.accepted++
			}
		}
		r.flight = r.flight[:0]
		r.pushLocked()
	case f.Type == "error" && r.inflight && f.Seq == r.flightSeq:
		r.errorf(f.Code)
		r.inflight = false
		if f.Code == "version_stale" {
			// Put the edits back in front and wait for the stream to catch up.
			r.pending = append(append([]time.Time(nil), r.flight...), r.pending...)
			r.flight = r.flight[:0]
			r.staleWait = true
			return
		}
		// Refused (rate limited, too large...): those keystrokes are not accepted.
		r.flight = r.flight[:0]
		r.pushLocked()
	case f.Type == "error":
		r.errorf(f.Code)
	}
}

// onPeerFrame handles what the watching socket receives: it checks order and text, and
// measures each update's keystroke → here latency.
func (r *typingRoom) onPeerFrame(f frame, raw []byte, at time.Time) {
	if f.Type != "event" || f.Event != "editor.update" {
		if f.Type == "error" {
			r.mu.Lock()
			r.errorf("peer_" + f.Code)
			r.mu.Unlock()
		}
		return
	}
	v, n, err := updateShape(f.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errorf("bad_update")
		return
	}
	r.peerSeen.observe(v, n)
	var nb [24]byte
	for i := range n {
		if !bytes.Contains(raw, appendNonce(nb[:0], v+i)) {
			r.nonceMiss++
		}
		e := r.ring[(v+i)%ringSize]
		if e.version != v+i || e.typed == 0 || e.written == 0 {
			r.untracked++
			continue
		}
		if r.window.in(unstamp(e.typed)) {
			now := stamp(at)
			r.latencies = append(r.latencies, time.Duration(now-e.typed))
			r.sendLag = append(r.sendLag, time.Duration(e.written-e.typed))
			r.wire = append(r.wire, time.Duration(now-e.written))
		}
	}
}

// updateShape reads an editor.update's version and number of updates.
func updateShape(data json.RawMessage) (version, n int, err error) {
	var d struct {
		Version *int `json:"version"`
		Updates []struct {
			ClientID string `json:"clientID"`
		} `json:"updates"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, 0, err
	}
	if d.Version == nil || len(d.Updates) == 0 {
		return 0, 0, fmt.Errorf("editor.update without version or updates")
	}
	return *d.Version, len(d.Updates), nil
}

// caughtUp reports whether every acknowledged edit has reached both sockets and nothing is
// waiting to be sent.
func (r *typingRoom) caughtUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return true
	}
	return !r.inflight && len(r.pending) == 0 && r.peerSeen.next >= r.synced && r.typerSeen.next >= r.synced
}

// readLoop feeds a socket's frames to handle until the socket closes, then reports why. A
// frame's arrival time is read as soon as the frame is off the socket, before it is decoded:
// decoding is the generator's work, not the server's.
func readLoop(s *sock, handle func(frame, []byte, time.Time), closed func(reason string)) {
	for {
		_, raw, err := s.ws.ReadMessage()
		at := time.Now()
		if err != nil {
			closed(closeCode(err))
			return
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			handle(frame{Type: "error", Code: "undecodable_frame"}, raw, at)
			continue
		}
		handle(f, raw, at)
	}
}

// startForTyping starts a waiting room and follows both sockets to the editor.reset its first
// question appends: the question's document replaces the one the joins saw, at the next
// version, and typing starts there.
func startForTyping(iv, cs *sock, ij, cj *joined) error {
	if ij.State != "waiting" && ij.State != "" {
		return nil
	}
	var reset *frame
	err := start(iv, ij.State, func(f frame) {
		if f.Type == "event" && f.Event == "editor.reset" {
			reset = &f
		}
	})
	if err != nil {
		return err
	}
	for _, s := range []struct {
		sock *sock
		j    *joined
		seen *frame
	}{{iv, ij, reset}, {cs, cj, nil}} {
		f := s.seen
		if f == nil {
			got, err := s.sock.awaitEvent("editor.reset")
			if err != nil {
				return err
			}
			f = &got
		}
		var d struct {
			Version int    `json:"version"`
			Text    string `json:"text"`
		}
		if err := json.Unmarshal(f.Data, &d); err != nil {
			return fmt.Errorf("editor.reset: %w", err)
		}
		s.j.DocVer, s.j.DocLen = d.Version, utf16Len(d.Text)
	}
	return nil
}

// typingResult is the typing workload's outcome.
type typingResult struct {
	Rooms, Rate            int
	Window                 time.Duration
	Latency                Percentiles // keystroke → peer
	SendLag                Percentiles // keystroke → push written, the generator's own delay
	TickLate               Percentiles // scheduled keystroke → typist goroutine running: the generator's own lateness
	Wire                   Percentiles // push written → peer
	AckLatency             Percentiles
	Typed, Accepted        int
	Lost, Gaps, Duplicates int
	NonceMiss, Untracked   int
	AckMiss, Unfinished    int
	Errors                 map[string]int
	CPU                    []cpuUse
	ServerCounters         []string
	LoadBefore, SetupTime  string
	Closed                 map[string]int
}

// runTyping sets up the rooms, types for warmup+duration, drains, and measures.
func runTyping(ctx context.Context, cfg config, a *api, meter *cpuMeter) (typingResult, error) {
	res := typingResult{Rooms: cfg.rooms, Rate: cfg.rate, LoadBefore: loadAverage(), Errors: map[string]int{}, Closed: map[string]int{}}
	setupStart := time.Now()
	planned, err := planRooms(ctx, cfg, a, cfg.rooms)
	if err != nil {
		return res, err
	}
	rooms := make([]*typingRoom, len(planned))
	var closedMu sync.Mutex
	var loops sync.WaitGroup
	var stopping bool
	closed := func(reason string) {
		closedMu.Lock()
		defer closedMu.Unlock()
		if !stopping {
			res.Closed[reason]++
		}
	}
	// The window is fixed once every room is ready; until then nothing is recorded.
	w := &window{}
	err = parallel(ctx, len(planned), cfg.concurrency, func(ctx context.Context, i int) error {
		p := planned[i]
		r := &typingRoom{idx: i, id: p.id, window: w, maxDoc: cfg.maxDoc, ring: make([]ringEntry, ringSize)}
		iv, ij, err := connect(ctx, a, p.interviewerNode, p.id, p.interviewer, fmt.Sprintf("load-i-%d", i), nil)
		if err != nil {
			return fmt.Errorf("room %d interviewer: %w", i, err)
		}
		cs, cj, err := connect(ctx, a, p.candidateNode, p.id, p.candidate, fmt.Sprintf("load-c-%d", i), nil)
		if err != nil {
			iv.drop()
			return fmt.Errorf("room %d candidate: %w", i, err)
		}
		if cfg.start {
			if err := startForTyping(iv, cs, &ij, &cj); err != nil {
				iv.drop()
				cs.drop()
				return fmt.Errorf("room %d: %w", i, err)
			}
		}
		r.typer, r.peer = cs, iv
		tj, pj := cj, ij
		if cfg.typist == "interviewer" {
			r.typer, r.peer = iv, cs
			tj, pj = ij, cj
		}
		r.synced, r.docLen = tj.DocVer, tj.DocLen
		r.typerSeen, r.peerSeen = newOrderChecker(tj.DocVer), newOrderChecker(pj.DocVer)
		rooms[i] = r
		loops.Add(2)
		go func() { defer loops.Done(); readLoop(r.typer, r.onTyperFrame, closed) }()
		go func() { defer loops.Done(); readLoop(r.peer, r.onPeerFrame, closed) }()
		return nil
	})
	if err != nil {
		for _, r := range rooms {
			if r != nil {
				r.typer.drop()
				r.peer.drop()
			}
		}
		loops.Wait()
		return res, err
	}
	res.SetupTime = time.Since(setupStart).Round(time.Millisecond).String()

	typists := make([]func(time.Time), len(rooms))
	for i, r := range rooms {
		typists[i] = r.keystroke
	}
	res.CPU, res.ServerCounters, res.TickLate = typeOnSchedule(ctx, cfg, w, meter, typists)
	res.Window = cfg.duration

	// Drain: every acknowledged edit must reach both sockets.
	deadline := time.Now().Add(cfg.drain)
	for time.Now().Before(deadline) {
		all := true
		for _, r := range rooms {
			if !r.caughtUp() {
				all = false
				break
			}
		}
		if all {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	closedMu.Lock()
	stopping = true
	closedMu.Unlock()
	for _, r := range rooms {
		r.typer.close()
		r.peer.close()
	}
	loops.Wait()

	var lat, lag, wire, ackLat []time.Duration
	for _, r := range rooms {
		r.mu.Lock()
		lat = append(lat, r.latencies...)
		lag = append(lag, r.sendLag...)
		wire = append(wire, r.wire...)
		ackLat = append(ackLat, r.ackLat...)
		res.Typed += r.typed
		res.Accepted += r.accepted
		res.Lost += r.peerSeen.lost(r.synced) + r.typerSeen.lost(r.synced)
		res.Gaps += r.peerSeen.gaps + r.typerSeen.gaps
		res.Duplicates += r.peerSeen.duplicates + r.typerSeen.duplicates
		res.NonceMiss += r.nonceMiss
		res.Untracked += r.untracked
		res.AckMiss += r.ackMiss
		if r.inflight || len(r.pending) > 0 {
			res.Unfinished++
		}
		for k, v := range r.errs {
			res.Errors[k] += v
		}
		r.mu.Unlock()
	}
	res.Latency = percentiles(lat)
	res.SendLag = percentiles(lag)
	res.Wire = percentiles(wire)
	res.AckLatency = percentiles(ackLat)
	return res, nil
}

// typeOnSchedule fixes the measured window (warm-up from now, then the duration), calls each
// typist's keystroke function cfg.rate times a second until the window ends, and measures CPU
// over the window. It returns the meter's readings and how late the typists' ticks ran in the
// window: a generator that cannot keep its own schedule (starved of CPU, or too many rooms for
// it) shows it there, rather than as server latency.
func typeOnSchedule(ctx context.Context, cfg config, w *window, meter *cpuMeter, typists []func(time.Time)) ([]cpuUse, []string, Percentiles) {
	begin := time.Now()
	w.from, w.to = begin.Add(cfg.warmup), begin.Add(cfg.warmup+cfg.duration)
	meterStarted := make(chan struct{})
	go func() {
		// CPU is measured over the window only, not the warm-up.
		select {
		case <-time.After(time.Until(w.from)):
			meter.begin(ctx)
		case <-ctx.Done():
		}
		close(meterStarted)
	}()

	var typers sync.WaitGroup
	interval := time.Second / time.Duration(max(cfg.rate, 1))
	lateness := make([][]time.Duration, len(typists))
	for i, keystroke := range typists {
		typers.Go(func() {
			// A random phase spreads the rooms' keystrokes over the interval instead of
			// sending them all in the same millisecond; every later tick keeps that phase.
			phase := time.Duration(rand.Int64N(int64(interval)))
			t := time.NewTimer(phase)
			defer t.Stop()
			next := time.Now().Add(phase)
			var late []time.Duration
			defer func() { lateness[i] = late }()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					if !now.Before(w.to) {
						return
					}
					if w.in(next) {
						late = append(late, time.Since(next))
					}
					keystroke(now)
					// Keep the schedule (open loop): a late tick does not delay the next one.
					next = next.Add(interval)
					if d := time.Until(next); d > 0 {
						t.Reset(d)
					} else {
						next = time.Now()
						t.Reset(0)
					}
				}
			}
		})
	}
	var profiled chan struct{}
	if cfg.pprofURL != "" {
		profiled = make(chan struct{})
		go func() {
			defer close(profiled)
			profileMiddle(ctx, cfg, w)
		}()
	}
	typers.Wait()
	<-meterStarted
	if profiled != nil {
		<-profiled
	}
	cpu, counters := meter.end(ctx)
	return cpu, counters, percentiles(slices.Concat(lateness...))
}

// profileMiddle saves a CPU profile of the node at cfg.pprofURL taken over the middle half of
// the window (at most 30 s of it).
func profileMiddle(ctx context.Context, cfg config, w *window) {
	secs := max(1, min(30, int(cfg.duration.Seconds()/2)))
	at := w.from.Add((cfg.duration - time.Duration(secs)*time.Second) / 2)
	select {
	case <-time.After(time.Until(at)):
	case <-ctx.Done():
		return
	}
	saveProfile(ctx, cfg.pprofURL, secs, cfg.pprofOut)
}

// saveProfile saves a CPU profile of secs seconds, from now, of the node whose pprof base is
// base. On any failure no file is left: a run never fails for want of a profile.
func saveProfile(ctx context.Context, base string, secs int, path string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err != nil || cerr != nil {
		_ = os.Remove(path)
	}
}
