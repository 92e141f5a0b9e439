package e2e

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/redistest"
)

// chatSeen is the chat a client holds: the last snapshot's chat, then the chat messages after it.
func chatSeen(s *sock) []string {
	start := -1
	for i, f := range s.frames {
		if f.str("type") == "snapshot" {
			start = i
		}
	}
	if start < 0 {
		s.t.Fatalf("no snapshot read")
	}
	var chat []string
	msgs, _ := s.frames[start].obj("room")["chat"].([]any)
	for _, m := range msgs {
		chat = append(chat, frame(m.(map[string]any)).obj("data").str("text"))
	}
	for _, f := range s.frames[start+1:] {
		if f.str("type") == "event" && f.str("event") == "chat.message" {
			chat = append(chat, f.obj("data").str("text"))
		}
	}
	return chat
}

// counter reads one unlabelled counter from a node's /metrics.
func (n *node) counter(t *testing.T, name string) float64 {
	t.Helper()
	res, err := http.Get(n.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	t.Fatalf("node %s: no %s in /metrics", n.name, name)
	return 0
}

// TestConnectedClientsResyncAfterRedisRollsBack: Redis is saved to disk, takes more writes, is
// killed and restarted from the older file under two running nodes with the interviewer and
// the candidate connected (one on each). Both sockets stay open, get a snapshot with reason
// position_mismatch that no longer holds the lost messages, and converge with the store from
// there.
func TestConnectedClientsResyncAfterRedisRollsBack(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())
	var ivSeq, candSeq uint64
	ivA := join(t, a.url, room, iv, "iv", &ivSeq, nil)
	candB := join(t, b.url, room, cand, "cand", &candSeq, nil)

	ivA.command("chat.send", map[string]any{"text": "kept"})
	candB.waitFor("kept", func(f frame) bool { return f.obj("data").str("text") == "kept" })
	if err := rs.Client(t).Save(t.Context()).Err(); err != nil { // dump.rdb holds "kept"
		t.Fatal(err)
	}
	for _, text := range []string{"lost 1", "lost 2"} {
		ivA.command("chat.send", map[string]any{"text": text})
	}
	for _, s := range []*sock{ivA, candB} {
		s.waitFor("lost 2", func(f frame) bool { return f.obj("data").str("text") == "lost 2" })
	}
	rs.Kill() // SIGKILL: nothing written since the save reaches the disk
	rs.Restart(t)

	for _, s := range []*sock{ivA, candB} {
		snap := s.waitFor("the resync snapshot", func(f frame) bool {
			return f.str("type") == "snapshot" && f.str("reason") == "position_mismatch"
		})
		if got := chatSeen(s); strings.Join(got, "|") != "kept" {
			t.Errorf("resync snapshot chat %q, want only %q", got, "kept")
		}
		if snap["recovered"] != false {
			t.Errorf("resync snapshot recovered=%v, want false", snap["recovered"])
		}
	}

	// From the snapshot on, both follow the store: a new message reaches both, once, in order.
	ivA.command("chat.send", map[string]any{"text": "after"})
	for _, s := range []*sock{ivA, candB} {
		s.waitFor("after", func(f frame) bool { return f.obj("data").str("text") == "after" })
		if got := chatSeen(s); strings.Join(got, "|") != "kept|after" {
			t.Errorf("chat after the rollback %q, want %q", got, "kept|after")
		}
	}
	fresh := join(t, b.url, room, cand, "cand-fresh", &candSeq, nil)
	if got := chatSeen(fresh); strings.Join(got, "|") != "kept|after" {
		t.Errorf("a fresh join sees chat %q, want %q", got, "kept|after")
	}
	for _, n := range []*node{a, b} {
		if v := n.counter(t, "mockroom_fanout_rollbacks_total"); v != 1 {
			t.Errorf("node %s: mockroom_fanout_rollbacks_total = %v, want 1", n.name, v)
		}
		if v := n.counter(t, "mockroom_ws_resyncs_total"); v != 1 {
			t.Errorf("node %s: mockroom_ws_resyncs_total = %v, want 1", n.name, v)
		}
	}
}
