package ws

import (
	"testing"
	"time"
)

func TestBucketBurstThenRate(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	b := newBucket(5, 20, start) // the default for ordinary frames
	for i := range 20 {
		if !b.AllowN(start, 1) {
			t.Fatalf("frame %d of a burst of 20 refused", i+1)
		}
	}
	if b.AllowN(start, 1) {
		t.Fatal("a 21st frame at once allowed")
	}
	if b.AllowN(start.Add(150*time.Millisecond), 1) {
		t.Fatal("a frame 150 ms later allowed; at 5 a second the next is due at 200 ms")
	}
	if !b.AllowN(start.Add(200*time.Millisecond), 1) {
		t.Fatal("a frame 200 ms later refused")
	}
	// A socket quiet for longer than the burst needs to refill gets the burst back, no more.
	later := start.Add(time.Hour)
	n := 0
	for b.AllowN(later, 1) {
		n++
	}
	if n != 20 {
		t.Errorf("after an hour of quiet %d frames allowed at once, want 20", n)
	}
}
