package ws

import "time"

// bucket is a token bucket owned by one socket's reader goroutine (so it needs no lock).
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate, burst float64, now time.Time) bucket {
	return bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// take spends one token if there is one.
func (b *bucket) take(now time.Time) bool {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens += el * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// abuse counts refusals in a sliding window; a socket that keeps sending after being refused is
// closed rather than served refusals forever.
type abuse struct {
	limit  int
	window time.Duration
	times  []time.Time
}

// refused records one refusal and reports whether the socket crossed the line.
func (a *abuse) refused(now time.Time) bool {
	cut := 0
	for cut < len(a.times) && now.Sub(a.times[cut]) > a.window {
		cut++
	}
	a.times = append(a.times[cut:], now)
	return len(a.times) >= a.limit
}
