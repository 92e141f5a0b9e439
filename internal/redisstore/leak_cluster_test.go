package redisstore

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/redistest"
)

// The cluster bus starts a reader goroutine per slot; every test of the package must leave none
// behind (nor any other goroutine).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { redistest.StopShared() }))
}
