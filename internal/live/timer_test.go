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
		q         live.PlannedQuestion
		allowance float64
		want      time.Duration
	}{
		{live.PlannedQuestion{Minutes: 10}, 1, 10 * time.Minute},
		{live.PlannedQuestion{Minutes: 10}, 1.25, 12*time.Minute + 30*time.Second},
		{live.PlannedQuestion{Minutes: 10}, 0, 10 * time.Minute}, // unset
		{live.PlannedQuestion{Minutes: 10}, 9, 10 * time.Minute}, // out of range: ignored
		{live.PlannedQuestion{Minutes: 1}, 1.5, 90 * time.Second},
		{live.PlannedQuestion{Seconds: 3}, 1, 3 * time.Second},
		{live.PlannedQuestion{Seconds: 3}, 2, 6 * time.Second},
		{live.PlannedQuestion{Seconds: 3}, 1.25, 4 * time.Second}, // 3.75 s, to whole seconds
		{live.PlannedQuestion{Seconds: 90}, 1, 90 * time.Second},
		{live.PlannedQuestion{Minutes: 5, Seconds: 3}, 1, 3 * time.Second}, // seconds win (validation refuses both)
	}
	for _, tt := range tests {
		if got := live.Budget(tt.q.Base(), tt.allowance); got != tt.want {
			t.Errorf("Budget(%+v, %v) = %v, want %v", tt.q, tt.allowance, got, tt.want)
		}
	}
}

func TestWarningLeads(t *testing.T) {
	tests := []struct {
		budget time.Duration
		want   []time.Duration
	}{
		{10 * time.Minute, []time.Duration{2 * time.Minute, 30 * time.Second}},
		{90 * time.Second, []time.Duration{2 * time.Minute, 30 * time.Second}}, // Schedule skips the 2-minute one
		{30*time.Second + time.Millisecond, []time.Duration{2 * time.Minute, 30 * time.Second}},
		{30 * time.Second, []time.Duration{10 * time.Second}},
		{3 * time.Second, []time.Duration{time.Second}},
		{4 * time.Second, []time.Duration{1333 * time.Millisecond}},
		{5 * time.Second, []time.Duration{1667 * time.Millisecond}}, // rounded to the millisecond
		{time.Second, []time.Duration{333 * time.Millisecond}},
		{0, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, live.WarningLeads(tt.budget)); diff != "" {
			t.Errorf("WarningLeads(%v) (-want +got):\n%s", tt.budget, diff)
		}
	}
}

// What a short timer fires, under a fake clock: one warning at a third of the budget left,
// skipped once it is past (after a pause and resume, or when an extension makes the budget
// long enough for the usual warnings).
func TestShortTimerSchedule(t *testing.T) {
	kinds := func(start time.Time, fs []live.Fire) []string {
		var out []string
		for _, f := range fs {
			out = append(out, string(f.Kind)+"@"+f.At.Sub(start).String()+"/"+f.Left.String())
		}
		return out
	}
	tests := []struct {
		name string
		run  func(start time.Time) []live.Fire
		want []string
	}{
		{"fresh 3 s", func(start time.Time) []live.Fire {
			return live.StartTimer(start, 3*time.Second).Schedule(time.Now(), false)
		}, []string{"w@2s/1s", "x@3s/0s"}},
		{"fresh 3 s with auto-advance", func(start time.Time) []live.Fire {
			return live.StartTimer(start, 3*time.Second).Schedule(time.Now(), true)
		}, []string{"w@2s/1s", "x@3s/0s", "a@3s/0s"}},
		{"fresh 30 s", func(start time.Time) []live.Fire {
			return live.StartTimer(start, 30*time.Second).Schedule(time.Now(), false)
		}, []string{"w@20s/10s", "x@30s/0s"}},
		{"fresh 31 s gets the 30-second warning", func(start time.Time) []live.Fire {
			return live.StartTimer(start, 31*time.Second).Schedule(time.Now(), false)
		}, []string{"w@1s/30s", "x@31s/0s"}},
		{"paused before the warning and resumed", func(start time.Time) []live.Fire {
			tm := live.StartTimer(start, 3*time.Second)
			time.Sleep(time.Second)
			tm = tm.Pause(time.Now())
			time.Sleep(time.Minute)
			return tm.Resume(time.Now()).Schedule(time.Now(), false)
		}, []string{"w@1m2s/1s", "x@1m3s/0s"}},
		{"paused after the warning and resumed", func(start time.Time) []live.Fire {
			tm := live.StartTimer(start, 3*time.Second)
			time.Sleep(2500 * time.Millisecond)
			tm = tm.Pause(time.Now())
			time.Sleep(time.Minute)
			return tm.Resume(time.Now()).Schedule(time.Now(), false)
		}, []string{"x@1m3s/0s"}},
		{"extended to a long budget", func(start time.Time) []live.Fire {
			tm := live.StartTimer(start, 3*time.Second)
			time.Sleep(time.Second)
			return tm.Extend(time.Now(), time.Minute).Schedule(time.Now(), false)
		}, []string{"w@33s/30s", "x@1m3s/0s"}},
		{"extended a little past its warning", func(start time.Time) []live.Fire {
			tm := live.StartTimer(start, 3*time.Second)
			time.Sleep(2500 * time.Millisecond)
			// Budget 6 s: the warning at 2 s left is due at 4 s, still ahead.
			return tm.Extend(time.Now(), 3*time.Second).Schedule(time.Now(), false)
		}, []string{"w@4s/2s", "x@6s/0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				if diff := cmp.Diff(tt.want, kinds(start, tt.run(start))); diff != "" {
					t.Errorf("schedule (-want +got):\n%s", diff)
				}
			})
		})
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
		if got := time.Until(tm.Deadline); got != 110*time.Second {
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

func TestTimerAdjust(t *testing.T) {
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	running := live.StartTimer(start, 5*time.Minute) // deadline 10:05
	paused := running.Pause(start.Add(time.Minute))  // 4 min left
	at := start.Add(2 * time.Minute)
	tests := []struct {
		name string
		in   live.Timer
		d    time.Duration
		want live.Timer
	}{
		{"more time, running", running, 150 * time.Second, live.Timer{Started: start, Budget: 450 * time.Second, Deadline: start.Add(450 * time.Second)}},
		{"less time, running", running, -time.Minute, live.Timer{Started: start, Budget: 4 * time.Minute, Deadline: start.Add(4 * time.Minute)}},
		{"cut past now: runs out now", running, -4 * time.Minute, live.Timer{Started: start, Budget: time.Minute, Deadline: at}},
		{"more time, paused", paused, time.Minute, live.Timer{Started: start, Budget: 6 * time.Minute, Paused: true, Remaining: 5 * time.Minute}},
		{"cut below zero, paused", paused, -5 * time.Minute, live.Timer{Started: start, Budget: 0, Paused: true, Remaining: 0}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.in.Adjust(at, tt.d)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
