package room_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/redistest"
)

// TestMain stops the package's shared redis-server when the tests end: a child process does not
// die with the test binary, so without this every run left one behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { redistest.StopShared() }))
}
