package redistest

import (
	"syscall"
	"testing"
)

// ProcessCPU is the CPU time (user and system) the test process has used, in nanoseconds. A
// benchmark against the redis-server this package starts reads what the client's side costs,
// which is what a node pays: Redis runs in its own process (unless the store is embedded).
func ProcessCPU(tb testing.TB) int64 {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
