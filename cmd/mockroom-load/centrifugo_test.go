package main

import (
	"strings"
	"testing"
	"time"
)

// TestSplitMessages: a frame of the JSON protocol may carry several messages, one per line.
func TestSplitMessages(t *testing.T) {
	var got []string
	splitMessages([]byte("{\"id\":1}\n{\"push\":{}}\n\n{}"), func(m []byte) { got = append(got, string(m)) })
	if strings.Join(got, "|") != `{"id":1}|{"push":{}}|{}` {
		t.Errorf("messages %q", got)
	}
}

// TestCentrifugoPeerPublication: a publication read by the peer is checked for order and text,
// and each edit in it gives one latency sample split at its write.
func TestCentrifugoPeerPublication(t *testing.T) {
	base := clock.Add(time.Minute)
	peer := &cfSock{}
	r := &cfRoom{
		window: &window{from: base, to: base.Add(10 * time.Second)},
		ring:   make([]ringEntry, ringSize), peer: peer, typer: &cfSock{},
		peerSeen: newOrderChecker(1), typerSeen: newOrderChecker(1), acked: 3,
	}
	typed := base.Add(time.Second)
	written := typed.Add(2 * time.Millisecond)
	for v := 1; v <= 2; v++ {
		r.ring[v] = ringEntry{version: v, typed: stamp(typed), written: stamp(written)}
	}
	msg := `{"push":{"channel":"load:x","pub":{"data":{"v":1,"e":["` + string(editLine(1)) + `","` + string(editLine(2)) + `"]},"offset":7}}}`
	r.onMessage(peer, []byte(msg), written.Add(5*time.Millisecond))
	if len(r.latencies) != 2 || r.latencies[0] != 7*time.Millisecond || r.wire[1] != 5*time.Millisecond || r.sendLag[0] != 2*time.Millisecond {
		t.Errorf("latencies %v, wire %v, send lag %v", r.latencies, r.wire, r.sendLag)
	}
	if r.peerSeen.next != 3 || r.nonceMiss != 0 || r.untracked != 0 {
		t.Errorf("next %d, nonce misses %d, untracked %d", r.peerSeen.next, r.nonceMiss, r.untracked)
	}
	// The same publication again is a duplicate; text for another number is a mismatch.
	r.onMessage(peer, []byte(msg), written.Add(6*time.Millisecond))
	bad := `{"push":{"channel":"load:x","pub":{"data":{"v":3,"e":["` + string(editLine(9)) + `"]}}}}`
	r.onMessage(peer, []byte(bad), written.Add(6*time.Millisecond))
	if r.peerSeen.duplicates != 1 || r.nonceMiss != 1 {
		t.Errorf("duplicates %d, nonce misses %d; want 1, 1", r.peerSeen.duplicates, r.nonceMiss)
	}
}
