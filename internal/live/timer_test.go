package live_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
)

func TestBudget(t *testing.T) {
	tests := []struct {
		minutes   int
		allowance float64
		want      time.Duration
	}{
		{10, 1, 10 * time.Minute},
		{10, 1.25, 12*time.Minute + 30*time.Second},
		{10, 0, 10 * time.Minute}, // unset
		{10, 9, 10 * time.Minute}, // out of range: ignored
		{1, 1.5, 90 * time.Second},
	}
	for _, tt := range tests {
		if got := live.Budget(tt.minutes, tt.allowance); got != tt.want {
			t.Errorf("Budget(%d, %v) = %v, want %v", tt.minutes, tt.allowance, got, tt.want)
		}
	}
}

// The timer arithmetic under a fake clock: schedules only warnings still ahead, pause keeps the
// time left, resume and extend move the deadline.
func TestTimerArithmetic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tm := live.StartTimer(start, 5*time.Minute)
		kinds := func(fs []live.Fire) []string {
			var out []string
			for _, f := range fs {
				out = append(out, string(f.Kind)+"@"+f.At.Sub(start).String())
			}
			return out
		}
		if diff := cmp.Diff([]string{"w@3m0s", "w@4m30s", "x@5m0s"}, kinds(tm.Schedule(time.Now(), false))); diff != "" {
			t.Errorf("fresh schedule (-want +got):\n%s", diff)
		}
		time.Sleep(3*time.Minute + 10*time.Second) // past the 2-minute warning
		if diff := cmp.Diff([]string{"w@4m30s", "x@5m0s", "a@5m0s"}, kinds(tm.Schedule(time.Now(), true))); diff != "" {
			t.Errorf("late schedule (-want +got):\n%s", diff)
		}
		tm = tm.Pause(time.Now())
		if tm.Remaining != 110*time.Second || tm.Schedule(time.Now(), true) != nil {
			t.Errorf("paused: remaining %v, schedule %v", tm.Remaining, tm.Schedule(time.Now(), true))
		}
		time.Sleep(time.Hour) // a paused clock does not run
		if left := tm.Left(time.Now()); left != 110*time.Second {
			t.Errorf("left after an hour paused = %v", left)
		}
		tm = tm.Resume(time.Now())
		if got := tm.Deadline.Sub(time.Now()); got != 110*time.Second {
			t.Errorf("resumed deadline in %v, want 1m50s", got)
		}
		tm = tm.Extend(time.Now(), time.Minute)
		if got, budget := tm.Left(time.Now()), tm.Budget; got != 170*time.Second || budget != 6*time.Minute {
			t.Errorf("extended: left %v budget %v", got, budget)
		}
		time.Sleep(10 * time.Minute)
		if left := tm.Left(time.Now()); left != 0 {
			t.Errorf("left after expiry = %v", left)
		}
		// Extending an expired timer gives the time from now.
		if got := tm.Extend(time.Now(), 30*time.Second).Left(time.Now()); got != 30*time.Second {
			t.Errorf("extended after expiry: left %v", got)
		}
		// A 90-second question gets the 30-second warning only.
		short := live.StartTimer(time.Now(), 90*time.Second).Schedule(time.Now(), false)
		if len(short) != 2 || short[0].Left != 30*time.Second {
			t.Errorf("short schedule %+v", short)
		}
	})
}
