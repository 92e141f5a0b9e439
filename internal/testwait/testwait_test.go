package testwait

import (
	"testing"
	"time"
)

// Under go test the deadline is the binary's -timeout less the margin, so it lies in the future
// and no later than that timeout.
func TestDeadlineIsBeforeTheTestTimeout(t *testing.T) {
	d := Deadline(t)
	if !d.After(time.Now()) {
		t.Fatalf("deadline %v is not in the future", d)
	}
	if td, ok := t.Deadline(); ok && !d.Before(td) {
		t.Fatalf("deadline %v is not before the test's own %v", d, td)
	}
	ctx := Context(t)
	if cd, ok := ctx.Deadline(); !ok || !cd.Equal(d) {
		t.Fatalf("context deadline %v, %v; want %v", cd, ok, d)
	}
	select {
	case <-After(t):
		t.Fatal("After fired at once")
	default:
	}
}
