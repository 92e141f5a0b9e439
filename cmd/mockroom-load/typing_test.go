package main

import (
	"encoding/json"
	"testing"
	"time"
)

// TestPeerLatencySplit: the keystroke → peer latency of an update is measured from its tick and
// split at the moment its push was written, so the generator's own delay (tick → written) and
// what the server added (written → peer) are reported apart and add up to the whole.
func TestPeerLatencySplit(t *testing.T) {
	base := clock.Add(time.Minute)
	r := &typingRoom{
		window:   &window{from: base, to: base.Add(10 * time.Second)},
		ring:     make([]ringEntry, ringSize),
		peerSeen: newOrderChecker(5),
	}
	typed := base.Add(time.Second)
	written := typed.Add(40 * time.Millisecond)
	r.ring[5] = ringEntry{version: 5, typed: stamp(typed), written: stamp(written)}
	r.ring[6] = ringEntry{version: 6, typed: stamp(typed.Add(10 * time.Millisecond)), written: stamp(written)}
	// Typed before the window: delivered and checked, but not a sample.
	r.ring[7] = ringEntry{version: 7, typed: stamp(base.Add(-time.Millisecond)), written: stamp(written)}

	raw := []byte(`{"type":"event","event":"editor.update","data":{"version":5,"updates":[` +
		`{"clientID":"c","changes":[[0,"x = @5@"]]},{"clientID":"c","changes":[[0,"x = @6@"]]},` +
		`{"clientID":"c","changes":[[0,"x = @7@"]]}]}}`)
	var f frame
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	r.onPeerFrame(f, raw, written.Add(3*time.Millisecond))

	want := func(name string, got []time.Duration, ms ...int) {
		t.Helper()
		if len(got) != len(ms) {
			t.Fatalf("%s: %v, want %v ms", name, got, ms)
		}
		for i, m := range ms {
			if got[i] != time.Duration(m)*time.Millisecond {
				t.Errorf("%s[%d] = %v, want %d ms", name, i, got[i], m)
			}
		}
	}
	want("keystroke → peer", r.latencies, 43, 33)
	want("keystroke → written", r.sendLag, 40, 30)
	want("written → peer", r.wire, 3, 3)
	if r.untracked != 0 || r.nonceMiss != 0 || r.peerSeen.next != 8 {
		t.Errorf("untracked %d, nonce misses %d, next %d; want 0, 0, 8", r.untracked, r.nonceMiss, r.peerSeen.next)
	}

	// An update whose push was never written (or whose entry left the ring) is untracked,
	// never a sample measured from a zero time.
	r.ring[8] = ringEntry{version: 8, typed: stamp(typed)}
	raw = []byte(`{"type":"event","event":"editor.update","data":{"version":8,"updates":[{"clientID":"c","changes":[[0,"x = @8@"]]}]}}`)
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	r.onPeerFrame(f, raw, written.Add(time.Second))
	if r.untracked != 1 || len(r.latencies) != 2 {
		t.Errorf("untracked %d, samples %d; want 1, 2", r.untracked, len(r.latencies))
	}
}

// TestParseProcStatCPU: user and system ticks are found after the command name even when the
// name holds spaces and parentheses.
func TestParseProcStatCPU(t *testing.T) {
	line := "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 9 0 100 1000000 2000 18446744073709551615"
	got, err := parseProcStatCPU(line)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3.8 {
		t.Errorf("cpu = %v s, want 3.8 (380 ticks)", got)
	}
	for _, bad := range []string{"", "4242 no parenthesis", "4242 (x) S 1 2 3"} {
		if _, err := parseProcStatCPU(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
