package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeCentrifugo answers connect and subscribe as Centrifugo's JSON protocol does, pings each
// connection once it is subscribed and records the pongs and channels it saw. A connection on
// a channel in cut is closed by the server after the pong.
type fakeCentrifugo struct {
	cut string

	mu       sync.Mutex
	channels map[string]int
	pongs    int
	pongSeen chan struct{}
}

func (f *fakeCentrifugo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	channel := ""
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var cmd struct {
			ID        uint32 `json:"id"`
			Subscribe *struct {
				Channel string `json:"channel"`
			} `json:"subscribe"`
		}
		if strings.TrimSpace(string(raw)) == "{}" {
			f.mu.Lock()
			f.pongs++
			f.mu.Unlock()
			f.pongSeen <- struct{}{}
			if channel == f.cut {
				return
			}
			continue
		}
		if err := json.Unmarshal(raw, &cmd); err != nil {
			return
		}
		reply := `{"id":` + jsonNumber(cmd.ID) + `,"connect":{"client":"c","pong":true}}`
		if cmd.Subscribe != nil {
			channel = cmd.Subscribe.Channel
			f.mu.Lock()
			f.channels[channel]++
			f.mu.Unlock()
			// The reply and the first ping in one frame, as the server may batch them.
			reply = `{"id":` + jsonNumber(cmd.ID) + `,"subscribe":{}}` + "\n{}"
		}
		if err := ws.WriteMessage(websocket.TextMessage, []byte(reply)); err != nil {
			return
		}
	}
}

func jsonNumber(n uint32) string { b, _ := json.Marshal(n); return string(b) }

// TestCentrifugoHeld: the idle workload against Centrifugo connects and subscribes every
// socket, two per channel, answers the server's pings, and counts a socket the server closed
// before the end as closed early, and none of those it closes itself.
func TestCentrifugoHeld(t *testing.T) {
	f := &fakeCentrifugo{channels: map[string]int{}, pongSeen: make(chan struct{}, 16)}
	cfg := config{sockets: 6, concurrency: 3, channelPrefix: "load:"}
	held := newCentrifugoHeld(cfg)
	f.cut = "load:" + held.runID + "-2" // the third channel's two sockets are closed by the server
	srv := httptest.NewServer(f)
	defer srv.Close()
	held.cfg.urls = []string{srv.URL}

	if err := held.connectAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range cfg.sockets {
		<-f.pongSeen
	}
	// The server's closes arrive after the pongs it read; wait for both to be counted.
	for held.closedEarly()["close_1006"] < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	held.closeAll()

	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.channels) != 3 || f.pongs != 6 {
		t.Errorf("channels %v, pongs %d; want 3 channels of 2 sockets, 6 pongs", f.channels, f.pongs)
	}
	for ch, n := range f.channels {
		if n != 2 {
			t.Errorf("channel %s has %d sockets, want 2", ch, n)
		}
	}
	if got := held.closedEarly(); len(got) != 1 || got["close_1006"] != 2 {
		t.Errorf("closed early %v; want the two sockets the server closed, and none closed by the run", got)
	}
}

// TestIdleSummaryLine: the idle summary gives the connect time and memory per socket over the
// baseline, for scripts/bench.
func TestIdleSummaryLine(t *testing.T) {
	r := idleResult{Target: "centrifugo", Sockets: 1000, Connect: 1500 * time.Millisecond,
		Before: memory{RSS: 10 << 20}, Settled: memory{RSS: 10<<20 + 1000*2048, Heap: 1000 * 1024}, After: memory{RSS: 10<<20 + 1000*3072},
		CPU: []cpuUse{{Name: "node (/proc)", Cores: 0.25}, {Name: "redis", Cores: 0.1}}, Closed: map[string]int{"close_1006": 3}}
	line := idleSummaryLine(r)
	for _, want := range []string{"target=centrifugo", "mode=idle", "sockets=1000", "connect_ms=1500", "rss_kib_per_socket=2.0", "rss_kib_per_socket_after=3.0", "heap_kib_per_socket=1.0", "idle_node_cpu=0.250", "idle_redis_cpu=0.100", "closed=3"} {
		if !strings.Contains(line, " "+want) {
			t.Errorf("summary %q lacks %q", line, want)
		}
	}
}
