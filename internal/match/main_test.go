package match_test

import (
	"os"
	"testing"

	"github.com/mockroom/mockroom/internal/redistest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}
