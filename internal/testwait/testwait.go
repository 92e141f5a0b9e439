// Package testwait gives tests the one deadline that suits every machine: go test's own -timeout.
//
// A test that waits for an event with a fixed bound ("within 10 s") fails on a machine busy
// enough to make the event late, though nothing is wrong. Waiting without any bound is no better:
// when go test's timeout fires it panics, and the test's cleanups never print the logs that would
// explain the hang. So waits give up a little before that timeout, with their own message.
package testwait

import (
	"context"
	"testing"
	"time"
)

// margin is how long before go test's -timeout a wait gives up: enough for the failure to be
// reported and the test's cleanups (which print logs of child processes) to run.
const margin = 15 * time.Second

// Deadline is when a wait in t gives up: shortly before the test binary's -timeout, or a day
// from now when there is none (-timeout 0).
func Deadline(t testing.TB) time.Time {
	if dl, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dl.Deadline(); ok {
			return d.Add(-margin)
		}
	}
	return time.Now().Add(24 * time.Hour)
}

// After fires at Deadline(t); use it in a select beside the event a test waits for.
func After(t testing.TB) <-chan time.Time {
	return time.After(time.Until(Deadline(t)))
}

// Context is t's context, also cancelled at Deadline(t).
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), Deadline(t))
	t.Cleanup(cancel)
	return ctx
}
