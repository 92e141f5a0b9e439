package main

import (
	"slices"
	"time"
)

// Percentiles summarises a set of latency samples.
type Percentiles struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// percentiles sorts samples in place and reads the nearest-rank percentiles: the p-th
// percentile is the smallest sample that at least p% of the samples do not exceed. Nearest rank
// never invents a value between two samples, so a p99 is always a latency someone saw.
func percentiles(samples []time.Duration) Percentiles {
	if len(samples) == 0 {
		return Percentiles{}
	}
	slices.Sort(samples)
	return Percentiles{
		N:   len(samples),
		P50: rank(samples, 50),
		P90: rank(samples, 90),
		P99: rank(samples, 99),
		Max: samples[len(samples)-1],
	}
}

// rank returns the nearest-rank p-th percentile of sorted samples.
func rank(sorted []time.Duration, p int) time.Duration {
	// ceil(p/100 * n), as a 1-based rank.
	r := (p*len(sorted) + 99) / 100
	r = max(r, 1)
	return sorted[r-1]
}

// orderChecker follows one socket's stream of editor.update events and counts every way it
// can go wrong: an event that starts past the next expected version (a gap: versions lost or
// reordered), and one that starts before it (a duplicate or a replay). The collab protocol
// numbers updates, so an event at version v with n updates moves the document to v+n.
type orderChecker struct {
	next       int // the version the next event must start at
	events     int // events seen
	updates    int // updates seen in order
	gaps       int // events that skipped versions
	missed     int // versions skipped by gaps
	duplicates int // events that started before next
}

func newOrderChecker(start int) orderChecker { return orderChecker{next: start} }

// observe records an editor.update at version v carrying n updates and reports whether it was
// exactly the next one.
func (c *orderChecker) observe(v, n int) bool {
	c.events++
	switch {
	case v == c.next:
		c.next = v + n
		c.updates += n
		return true
	case v > c.next:
		c.gaps++
		c.missed += v - c.next
		c.next = v + n
		return false
	default:
		c.duplicates++
		// Never move backwards: what follows is judged against the furthest point seen.
		c.next = max(c.next, v+n)
		return false
	}
}

// skipTo moves the expected version past v-1 without counting a gap: versions below v were
// refused by the server and will never be delivered.
func (c *orderChecker) skipTo(v int) { c.next = max(c.next, v) }

// violations is the number of events that were not exactly the next one.
func (c *orderChecker) violations() int { return c.gaps + c.duplicates }

// lost reports how many acknowledged versions the stream has not delivered: acked is the
// version the writer was told its last accepted push produced.
func (c *orderChecker) lost(acked int) int { return max(0, acked-c.next) }
