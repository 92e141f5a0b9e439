package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// clientLogEvery is how often, at most, one kind of Redis client message is logged while its
// cause lasts (a master that is down makes the client repeat "failed to dial" many times a second).
const clientLogEvery = 10 * time.Second

// RouteClientLogs sends the Redis client library's own log lines to logger, as warnings with the
// component "redis-client", so they follow the server's log format instead of being printed past
// it. Lines are limited per kind (the message before its arguments are filled in) to one every
// clientLogEvery; the next line of a kind says how many were left out. The client's logger is
// process-wide: the last call wins.
func RouteClientLogs(logger *slog.Logger) {
	redis.SetLogger(&clientLog{log: logger.With("component", "redis-client"), limit: logLimiter{every: clientLogEvery}})
}

type clientLog struct {
	log   *slog.Logger
	limit logLimiter
}

// logLimiter lets one line of each kind through per interval and counts the others.
type logLimiter struct {
	every time.Duration

	mu   sync.Mutex
	last map[string]*logKind
}

type logKind struct {
	at         time.Time
	suppressed int
}

// allow reports whether a line of kind may be logged now and, if so, how many were left out
// since the last one.
func (l *logLimiter) allow(kind string) (bool, int) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]*logKind{}
	}
	k := l.last[kind]
	if k == nil {
		k = &logKind{}
		l.last[kind] = k
	}
	if !k.at.IsZero() && now.Sub(k.at) < l.every {
		k.suppressed++
		return false, 0
	}
	suppressed := k.suppressed
	k.at, k.suppressed = now, 0
	return true, suppressed
}

// Printf implements the Redis client's logging interface.
func (l *clientLog) Printf(ctx context.Context, format string, v ...any) {
	ok, suppressed := l.limit.allow(format)
	if !ok {
		return
	}
	args := []any{"detail", strings.TrimSpace(fmt.Sprintf(format, v...))}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	l.log.WarnContext(ctx, "redis client", args...)
}

// storeSettle is how long commands must go without an outage error before a success counts as
// the store being back: while one master of a cluster is down, commands on the others succeed,
// and the store is not back yet.
const storeSettle = time.Second

// StoreWatch follows the outcome of every command the client sends and says, once each, when the
// store is lost (a command failed because Redis could not be reached, or the cluster refused it)
// and when it is back (commands succeed and none has failed so for storeSettle).
type StoreWatch struct {
	log      *slog.Logger
	onChange func(up bool)

	mu       sync.Mutex
	down     bool
	since    time.Time // when the store was lost
	lastFail time.Time
	lastOK   time.Time
	check    *time.Timer // pending settle check while down, nil if none
}

// WatchStore adds a StoreWatch to client. onChange (may be nil) is called on each transition,
// for a metric.
func WatchStore(client redis.UniversalClient, logger *slog.Logger, onChange func(up bool)) *StoreWatch {
	w := &StoreWatch{log: logger, onChange: onChange}
	client.AddHook(w)
	return w
}

// Up reports whether the store is believed reachable.
func (w *StoreWatch) Up() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.down
}

func (w *StoreWatch) observe(err error) {
	now := time.Now()
	lost := outage(err)
	if !lost && err != nil && !isRedisReply(err) {
		return // the caller's context ended, the client was closed…: says nothing about the store
	}
	w.mu.Lock()
	if !lost {
		w.lastOK = now
		if w.down && w.check == nil {
			// Declared back by the check once storeSettle has passed without a failure, even if
			// no command follows this one.
			w.check = time.AfterFunc(w.lastFail.Add(storeSettle).Sub(now), w.settle)
		}
		w.mu.Unlock()
		return
	}
	w.lastFail = now
	if w.down {
		w.mu.Unlock()
		return
	}
	w.down, w.since = true, now
	w.mu.Unlock()
	w.log.Error("store lost: Redis commands fail; clients are told to retry", "err", err)
	if w.onChange != nil {
		w.onChange(false)
	}
}

// settle runs storeSettle after the last failure seen when a command succeeded: the store is back
// if no command has failed since.
func (w *StoreWatch) settle() {
	now := time.Now()
	w.mu.Lock()
	w.check = nil
	if !w.down || !w.lastOK.After(w.lastFail) {
		w.mu.Unlock()
		return // back already, or failing again: the next success schedules another check
	}
	if wait := w.lastFail.Add(storeSettle).Sub(now); wait > 0 {
		w.check = time.AfterFunc(wait, w.settle) // a failure came in between
		w.mu.Unlock()
		return
	}
	w.down = false
	since := w.since
	w.mu.Unlock()
	w.log.Info("store back: Redis commands succeed again", "outage", now.Sub(since).Round(time.Millisecond))
	if w.onChange != nil {
		w.onChange(true)
	}
}

// isRedisReply reports whether err is an answer from Redis (redis.Nil, a script's error…), which
// proves the store is reachable.
func isRedisReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// outage reports whether err means the store cannot serve commands: Redis unreachable, or a
// Cluster refusing commands while a slot has no master.
func outage(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		return strings.HasPrefix(msg, "CLUSTERDOWN") || strings.HasPrefix(msg, "LOADING") ||
			strings.HasPrefix(msg, "MASTERDOWN") || strings.HasPrefix(msg, "TRYAGAIN")
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// DialHook implements redis.Hook.
func (w *StoreWatch) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (w *StoreWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		w.observe(err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (w *StoreWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		seen := err
		if seen == nil {
			for _, c := range cmds {
				if e := c.Err(); outage(e) {
					seen = e
					break
				}
			}
		}
		w.observe(seen)
		return err
	}
}
