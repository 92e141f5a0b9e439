package live

import (
	"log/slog"
	"sync"
	"time"
)

// warnEvery is how often, at most, one kind of warning is logged while its cause lasts.
const warnEvery = 10 * time.Second

// rateLogger logs a warning at most once per interval for each message, so an outage that makes
// every poll and every read fail writes a line every few seconds rather than hundreds. The next
// line logged for a message says how many were left out before it.
type rateLogger struct {
	log   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	seen map[string]*rateEntry
}

type rateEntry struct {
	last       time.Time
	suppressed int
}

func newRateLogger(log *slog.Logger, every time.Duration) *rateLogger {
	return &rateLogger{log: log, every: every, seen: map[string]*rateEntry{}}
}

// Warn logs msg with args unless msg was logged less than the interval ago.
func (l *rateLogger) Warn(msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	e := l.seen[msg]
	if e == nil {
		e = &rateEntry{}
		l.seen[msg] = e
	}
	if !e.last.IsZero() && now.Sub(e.last) < l.every {
		e.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := e.suppressed
	e.last, e.suppressed = now, 0
	l.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	l.log.Warn(msg, args...)
}
