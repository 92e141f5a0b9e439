package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// This file is the second target of the typing workload: a Centrifugo server, spoken to in its
// public bidirectional JSON protocol over WebSocket, so mockroom can be measured side by side
// with it on the same machine. Each room is a channel; both sockets connect and subscribe; the
// typing socket publishes. As against mockroom, one publication is in flight at a time and the
// keystrokes typed meanwhile go together in the next one, each edit a 100-byte line carrying its
// number's nonce, so the two servers carry the same edits in the same batches.

// cfReply is one message the server sends: a reply to a command (id set) or a push (id 0). An
// empty object is a ping.
type cfReply struct {
	ID    uint32 `json:"id"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Push *struct {
		Channel string `json:"channel"`
		Pub     *struct {
			Data   json.RawMessage `json:"data"`
			Offset uint64          `json:"offset"`
		} `json:"pub"`
	} `json:"push"`
	Connect *struct {
		Pong bool `json:"pong"`
	} `json:"connect"`
	Subscribe json.RawMessage `json:"subscribe"`
	Publish   json.RawMessage `json:"publish"`
}

// cfEdits is the data of one publication: edits number v, v+1, ... in order.
type cfEdits struct {
	V *int     `json:"v"`
	E []string `json:"e"`
}

// cfSock is one Centrifugo client connection. Reads happen on one goroutine; writes from any,
// serialised by wmu.
type cfSock struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	id   uint32 // last command id; guarded by wmu
	pong bool   // the server wants pings answered
}

// cfURL turns a Centrifugo base URL into its WebSocket endpoint.
func cfURL(base string) string {
	u := strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + u[len("https://"):]
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + u[len("http://"):]
	}
	return u + "/connection/websocket"
}

// send writes one command, returning its id. body is the command's JSON without braces'
// id, e.g. `"subscribe":{"channel":"x"}`.
func (s *cfSock) send(body []byte) (uint32, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.id++
	b := make([]byte, 0, len(body)+24)
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(s.id), 10)
	b = append(b, ',')
	b = append(b, body...)
	b = append(b, '}')
	_ = s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return s.id, s.ws.WriteMessage(websocket.TextMessage, b)
}

// pongIfPing answers a server ping (an empty message) when the server asked for answers.
func (s *cfSock) pongIfPing(msg []byte) bool {
	if !bytes.Equal(bytes.TrimSpace(msg), []byte("{}")) {
		return false
	}
	if s.pong {
		s.wmu.Lock()
		_ = s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_ = s.ws.WriteMessage(websocket.TextMessage, []byte("{}"))
		s.wmu.Unlock()
	}
	return true
}

// splitMessages yields the messages of one frame: the JSON protocol may put several in a
// frame, one per line.
func splitMessages(frame []byte, each func(msg []byte)) {
	for len(frame) > 0 {
		line, rest, _ := bytes.Cut(frame, []byte{'\n'})
		if len(bytes.TrimSpace(line)) > 0 {
			each(line)
		}
		frame = rest
	}
}

// await reads until the reply to command id arrives; pings are answered on the way, anything
// else is an error (nothing else is expected before the subscription is made).
func (s *cfSock) await(id uint32) (cfReply, error) {
	_ = s.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer s.ws.SetReadDeadline(time.Time{})
	for {
		_, raw, err := s.ws.ReadMessage()
		if err != nil {
			return cfReply{}, err
		}
		var got *cfReply
		var bad error
		splitMessages(raw, func(msg []byte) {
			if s.pongIfPing(msg) {
				return
			}
			var r cfReply
			if err := json.Unmarshal(msg, &r); err != nil {
				bad = fmt.Errorf("decode reply: %w", err)
				return
			}
			if r.ID == id {
				got = &r
			}
		})
		if bad != nil {
			return cfReply{}, bad
		}
		if got != nil {
			if got.Error != nil {
				return *got, fmt.Errorf("command %d refused: %d %s", id, got.Error.Code, got.Error.Message)
			}
			return *got, nil
		}
	}
}

// cfConnect opens a connection, connects (the server must accept clients without a token)
// and subscribes to channel.
func cfConnect(ctx context.Context, base, channel string) (*cfSock, error) {
	ws, resp, err := dialer.DialContext(ctx, cfURL(base), nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("open socket: %s: %w", resp.Status, err)
		}
		return nil, fmt.Errorf("open socket: %w", err)
	}
	s := &cfSock{ws: ws}
	id, err := s.send([]byte(`"connect":{"name":"mockroom-load"}`))
	if err == nil {
		var r cfReply
		if r, err = s.await(id); err == nil {
			s.pong = r.Connect != nil && r.Connect.Pong
		}
	}
	if err == nil {
		ch, _ := json.Marshal(channel)
		if id, err = s.send([]byte(`"subscribe":{"channel":` + string(ch) + `}`)); err == nil {
			_, err = s.await(id)
		}
	}
	if err != nil {
		_ = ws.Close()
		return nil, fmt.Errorf("connect and subscribe: %w", err)
	}
	return s, nil
}

// cfRoom is one channel under the typing workload.
type cfRoom struct {
	channel string
	typer   *cfSock
	peer    *cfSock
	window  *window

	mu        sync.Mutex
	next      int // number of the next edit to publish
	acked     int // edits numbered below this were acknowledged
	inflight  bool
	flightID  uint32
	flight    []time.Time
	flightAt  time.Time
	pending   []time.Time
	ring      []ringEntry
	typerSeen orderChecker
	peerSeen  orderChecker
	latencies []time.Duration
	sendLag   []time.Duration
	wire      []time.Duration
	ackLat    []time.Duration
	accepted  int
	typed     int
	nonceMiss int
	untracked int
	errs      map[string]int
	dead      bool
}

func (r *cfRoom) errorf(code string) {
	if r.errs == nil {
		r.errs = map[string]int{}
	}
	r.errs[code]++
}

func (r *cfRoom) keystroke(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return
	}
	if r.window.in(t) {
		r.typed++
	}
	r.pending = append(r.pending, t)
	if !r.inflight {
		r.publishLocked()
	}
}

// publishLocked publishes the pending edits as one publication. Caller holds mu.
func (r *cfRoom) publishLocked() {
	n := min(len(r.pending), maxPerPush)
	if n == 0 {
		return
	}
	r.flight = append(r.flight[:0], r.pending[:n]...)
	r.pending = append(r.pending[:0], r.pending[n:]...)
	ch, _ := json.Marshal(r.channel)
	b := make([]byte, 0, 64+n*(editLen+4))
	b = append(b, `"publish":{"channel":`...)
	b = append(b, ch...)
	b = append(b, `,"data":{"v":`...)
	b = strconv.AppendInt(b, int64(r.next), 10)
	b = append(b, `,"e":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, editLine(r.next+i)...)
		b = append(b, '"')
		r.ring[(r.next+i)%ringSize] = ringEntry{version: r.next + i, typed: stamp(r.flight[i])}
	}
	b = append(b, "]}}"...)
	r.flightAt = time.Now()
	id, err := r.typer.send(b)
	if err != nil {
		r.errorf("write_failed")
		r.dead = true
		return
	}
	written := stamp(time.Now())
	for i := range n {
		r.ring[(r.next+i)%ringSize].written = written
	}
	r.inflight, r.flightID = true, id
	r.next += n
}

// onMessage handles one message read by either socket at time at.
func (r *cfRoom) onMessage(s *cfSock, msg []byte, at time.Time) {
	if s.pongIfPing(msg) {
		return
	}
	var m cfReply
	if err := json.Unmarshal(msg, &m); err != nil {
		r.mu.Lock()
		r.errorf("undecodable_frame")
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case m.Push != nil && m.Push.Pub != nil:
		var d cfEdits
		if err := json.Unmarshal(m.Push.Pub.Data, &d); err != nil || d.V == nil || len(d.E) == 0 {
			r.errorf("bad_publication")
			return
		}
		v, n := *d.V, len(d.E)
		if s == r.typer {
			r.typerSeen.observe(v, n)
			return
		}
		r.peerSeen.observe(v, n)
		var nb [24]byte
		now := stamp(at)
		for i, line := range d.E {
			if !strings.Contains(line, string(appendNonce(nb[:0], v+i))) {
				r.nonceMiss++
			}
			e := r.ring[(v+i)%ringSize]
			if e.version != v+i || e.typed == 0 || e.written == 0 {
				r.untracked++
				continue
			}
			if r.window.in(unstamp(e.typed)) {
				r.latencies = append(r.latencies, time.Duration(now-e.typed))
				r.sendLag = append(r.sendLag, time.Duration(e.written-e.typed))
				r.wire = append(r.wire, time.Duration(now-e.written))
			}
		}
	case s == r.typer && r.inflight && m.ID == r.flightID:
		r.inflight = false
		if m.Error != nil {
			r.errorf("publish_" + strconv.Itoa(m.Error.Code))
			// The edits were refused: later numbers move on without them, as the peer will
			// never see them.
			r.typerSeen.skipTo(r.next)
			r.peerSeen.skipTo(r.next)
		} else {
			r.acked = r.next
			if r.window.in(r.flightAt) {
				r.ackLat = append(r.ackLat, at.Sub(r.flightAt))
			}
			for _, t := range r.flight {
				if r.window.in(t) {
					r.accepted++
				}
			}
		}
		r.flight = r.flight[:0]
		r.publishLocked()
	case m.Error != nil:
		r.errorf("error_" + strconv.Itoa(m.Error.Code))
	}
}

func (r *cfRoom) caughtUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return true
	}
	return !r.inflight && len(r.pending) == 0 && r.peerSeen.next >= r.acked && r.typerSeen.next >= r.acked
}

// cfReadLoop feeds a connection's messages to the room until it closes.
func cfReadLoop(r *cfRoom, s *cfSock, closed func(reason string)) {
	for {
		_, raw, err := s.ws.ReadMessage()
		at := time.Now()
		if err != nil {
			closed(closeCode(err))
			return
		}
		splitMessages(raw, func(msg []byte) { r.onMessage(s, msg, at) })
	}
}

func (s *cfSock) close() {
	s.wmu.Lock()
	_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load run over"), time.Now().Add(time.Second))
	s.wmu.Unlock()
	_ = s.ws.Close()
}

// runCentrifugoTyping is runTyping against Centrifugo: each room a channel named after the run,
// so runs never meet each other's history.
func runCentrifugoTyping(ctx context.Context, cfg config, meter *cpuMeter) (typingResult, error) {
	res := typingResult{Rooms: cfg.rooms, Rate: cfg.rate, LoadBefore: loadAverage(), Errors: map[string]int{}, Closed: map[string]int{}}
	setupStart := time.Now()
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	rooms := make([]*cfRoom, cfg.rooms)
	var closedMu sync.Mutex
	var stopping bool
	closed := func(reason string) {
		closedMu.Lock()
		defer closedMu.Unlock()
		if !stopping {
			res.Closed[reason]++
		}
	}
	var loops sync.WaitGroup
	w := &window{}
	err := parallel(ctx, cfg.rooms, cfg.concurrency, func(ctx context.Context, i int) error {
		r := &cfRoom{channel: cfg.channelPrefix + runID + "-" + strconv.Itoa(i), window: w, ring: make([]ringEntry, ringSize), next: 1, acked: 1}
		r.typerSeen, r.peerSeen = newOrderChecker(1), newOrderChecker(1)
		// The two sockets of a room alternate between the URLs, as against mockroom.
		peer, err := cfConnect(ctx, cfg.urls[i%len(cfg.urls)], r.channel)
		if err != nil {
			return fmt.Errorf("room %d peer: %w", i, err)
		}
		typer, err := cfConnect(ctx, cfg.urls[(i+1)%len(cfg.urls)], r.channel)
		if err != nil {
			_ = peer.ws.Close()
			return fmt.Errorf("room %d typer: %w", i, err)
		}
		r.peer, r.typer = peer, typer
		rooms[i] = r
		loops.Add(2)
		go func() { defer loops.Done(); cfReadLoop(r, r.typer, closed) }()
		go func() { defer loops.Done(); cfReadLoop(r, r.peer, closed) }()
		return nil
	})
	if err != nil {
		for _, r := range rooms {
			if r != nil {
				_ = r.typer.ws.Close()
				_ = r.peer.ws.Close()
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
		res.Lost += r.peerSeen.lost(r.acked) + r.typerSeen.lost(r.acked)
		res.Gaps += r.peerSeen.gaps + r.typerSeen.gaps
		res.Duplicates += r.peerSeen.duplicates + r.typerSeen.duplicates
		res.NonceMiss += r.nonceMiss
		res.Untracked += r.untracked
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
