package live

import (
	"math"
	"time"
)

// Warnings are how long before a deadline the room is warned, latest last, for budgets longer
// than ShortBudget.
var Warnings = []time.Duration{2 * time.Minute, 30 * time.Second}

// ShortBudget is the longest budget that gets the short-budget warning instead of Warnings: at
// 30 s or less the 30-second warning would come at (or before) the start.
const ShortBudget = 30 * time.Second

// WarningLeads says how long before the deadline a timer of budget (after the allowance and
// any extension) warns, latest last. A budget longer than ShortBudget gets Warnings; a shorter
// one gets a single warning at a third of the budget left, to the millisecond (3 s → at 1 s
// left), so even a drill of a few seconds announces its end.
func WarningLeads(budget time.Duration) []time.Duration {
	switch {
	case budget <= 0:
		return nil
	case budget > ShortBudget:
		return Warnings
	}
	return []time.Duration{(budget / 3).Round(time.Millisecond)}
}

// Timer is a question's clock. The deadline is absolute so that any node can tell what is due
// from the stored state alone; a paused timer keeps the time that was left instead.
type Timer struct {
	Started   time.Time
	Budget    time.Duration // after the allowance
	Deadline  time.Time     // zero while paused
	Paused    bool
	Remaining time.Duration // set while paused
}

// Budget applies a participant's time allowance (1.0 = none) to a question's base budget (see
// PlannedQuestion.Base), rounded to whole seconds. An allowance outside (0, 4] is treated as 1:
// it is validated where it is set.
func Budget(base time.Duration, allowance float64) time.Duration {
	if allowance <= 0 || allowance > 4 || math.IsNaN(allowance) {
		allowance = 1
	}
	d := time.Duration(float64(base) * allowance)
	return d.Round(time.Second)
}

// StartTimer starts a clock of budget at now.
func StartTimer(now time.Time, budget time.Duration) Timer {
	return Timer{Started: now, Budget: budget, Deadline: now.Add(budget)}
}

// Left is the time left at now (never negative).
func (t Timer) Left(now time.Time) time.Duration {
	if t.Paused {
		return t.Remaining
	}
	if left := t.Deadline.Sub(now); left > 0 {
		return left
	}
	return 0
}

// Pause freezes the time left; pausing a paused timer changes nothing.
func (t Timer) Pause(now time.Time) Timer {
	if t.Paused {
		return t
	}
	return Timer{Started: t.Started, Budget: t.Budget, Paused: true, Remaining: t.Left(now)}
}

// Resume restarts the clock with the time that was left.
func (t Timer) Resume(now time.Time) Timer {
	if !t.Paused {
		return t
	}
	return Timer{Started: t.Started, Budget: t.Budget, Deadline: now.Add(t.Remaining)}
}

// Extend adds d to the time left (and to the budget, so the record shows what was given).
// An expired timer is extended from now: extending a finished question gives it d more.
func (t Timer) Extend(now time.Time, d time.Duration) Timer {
	t.Budget += d
	if t.Paused {
		t.Remaining += d
		return t
	}
	if t.Deadline.Before(now) {
		t.Deadline = now
	}
	t.Deadline = t.Deadline.Add(d)
	return t
}

// Adjust moves the clock by d, which may be negative (a smaller allowance): the budget and the
// time left change by d, and the time left never goes below zero (a clock cut short of now
// runs out now).
func (t Timer) Adjust(now time.Time, d time.Duration) Timer {
	t.Budget = max(t.Budget+d, 0)
	if t.Paused {
		t.Remaining = max(t.Remaining+d, 0)
		return t
	}
	if t.Deadline = t.Deadline.Add(d); t.Deadline.Before(now) {
		t.Deadline = now
	}
	return t
}

// FireKind is what a scheduled item does when its time comes.
type FireKind byte

const (
	FireWarning FireKind = 'w'
	FireExpiry  FireKind = 'x'
	FireAdvance FireKind = 'a' // start the next question (auto-advance)
)

// Fire is one item of a timer's schedule.
type Fire struct {
	At   time.Time
	Kind FireKind
	Left time.Duration // for warnings: the time left it announces
}

// Schedule lists what a running timer will fire after now, in time order: the warnings of its
// budget (WarningLeads) still ahead (a warning is ahead only while more than its lead time is
// left, so a 90-second question gets only the 30-second warning, and one resumed or extended
// past a warning skips it) and the expiry, followed by the advance when autoAdvance is set. A
// paused timer fires nothing.
func (t Timer) Schedule(now time.Time, autoAdvance bool) []Fire {
	if t.Paused {
		return nil
	}
	var out []Fire
	left := t.Deadline.Sub(now)
	for _, w := range WarningLeads(t.Budget) {
		if left > w {
			out = append(out, Fire{At: t.Deadline.Add(-w), Kind: FireWarning, Left: w})
		}
	}
	out = append(out, Fire{At: t.Deadline, Kind: FireExpiry})
	if autoAdvance {
		out = append(out, Fire{At: t.Deadline, Kind: FireAdvance})
	}
	return out
}
