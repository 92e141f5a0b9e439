package ws

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// newBucket is a socket's token bucket: perSecond frames a second on average, burst at once,
// full at the start. The socket's reader asks it with the frame's arrival time (AllowN), so tests
// drive it with the server's clock.
func newBucket(perSecond, burst float64, now time.Time) *rate.Limiter {
	l := rate.NewLimiter(rate.Limit(perSecond), int(math.Ceil(burst)))
	l.AllowN(now, 0) // start the refill clock at now, the bucket full
	return l
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
