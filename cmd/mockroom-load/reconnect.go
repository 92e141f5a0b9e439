package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// reconnectResult is the reconnect workload's outcome.
type reconnectResult struct {
	Sockets            int
	Resumed, Snapshots int
	SnapshotReasons    map[string]int
	Failed             int
	FirstError         string
	// ByTicket: every socket resumed with a new ticket (-reconnect-ticket). Otherwise each
	// presented its resume credential, and Refused counts those the server refused, which then
	// came back with a ticket.
	// RedisCalls are the Redis commands run from the cut until all were back (with -redis), by
	// command, and their total.
	RedisCalls            map[string]int
	RedisCallsTotal       int
	ByTicket              bool
	JoinAuth              bool // fresh sockets carried the access token in the join (-handshake join)
	Presented             int  // sockets that presented a credential
	Refused               int
	AllBack               time.Duration // from the drop until the last socket had its answer
	PerSocket             Percentiles   // each socket's drop → resumed time
	CPU                   []cpuUse
	LoadBefore, SetupTime string
	// The fresh connect of every socket (ticket, socket, join; with -start the interviewers
	// also start their rooms), measured on its own after the rooms were made.
	Connect    time.Duration
	ConnectCPU []cpuUse
}

// runReconnect opens n sockets, cuts them all at once as a network failure would, and has
// every one reconnect with the resume credential it was handed (or, with -reconnect-ticket, a
// new ticket) and resume from its last position.
func runReconnect(ctx context.Context, cfg config, a *api, meter *cpuMeter) (reconnectResult, error) {
	res := reconnectResult{Sockets: cfg.sockets, LoadBefore: loadAverage(), SnapshotReasons: map[string]int{}, ByTicket: cfg.reconnectTicket, JoinAuth: a.joinAuth}
	setupStart := time.Now()
	socks, err := planHeld(ctx, cfg, a, cfg.sockets)
	if err != nil {
		return res, err
	}
	connectProfiled := profileFrom(ctx, cfg, "connect")
	meter.begin(ctx)
	connectStart := time.Now()
	if err := connectAll(ctx, cfg, a, socks); err != nil {
		return res, err
	}
	res.Connect = time.Since(connectStart)
	res.ConnectCPU, _ = meter.end(ctx)
	<-connectProfiled
	res.SetupTime = time.Since(setupStart).Round(time.Millisecond).String()
	defer closeHeld(socks)
	select {
	case <-time.After(cfg.warmup):
	case <-ctx.Done():
		return res, ctx.Err()
	}

	var callsBefore map[string]int
	if cfg.redisAddr != "" {
		if callsBefore, err = redisCalls(ctx, cfg.redisAddr); err != nil {
			return res, fmt.Errorf("-redis: %w", err)
		}
	}
	resumeProfiled := profileFrom(ctx, cfg, "resume")
	meter.begin(ctx)
	dropped := time.Now()
	for _, h := range socks {
		h.s.drop()
	}
	for _, h := range socks {
		<-h.done
	}
	var mu sync.Mutex
	times := make([]time.Duration, 0, len(socks))
	// Each socket reconnects on its own; a failure is counted, not fatal, so one bad socket
	// does not hide how long the others took.
	_ = parallel(ctx, len(socks), cfg.concurrency, func(ctx context.Context, i int) error {
		h := socks[i]
		h.mu.Lock()
		pos, cred := h.pos, h.cred
		h.mu.Unlock()
		if cfg.reconnectTicket {
			cred = ""
		}
		j, err := h.connect(ctx, a, pos, cred)
		refused := false
		if err != nil && cred != "" && strings.Contains(err.Error(), "401") {
			// Refused (expired, say): a client then gets a ticket.
			refused = true
			j, err = h.connect(ctx, a, pos, "")
		}
		took := time.Since(dropped)
		mu.Lock()
		defer mu.Unlock()
		if cred != "" {
			res.Presented++
		}
		if refused {
			res.Refused++
		}
		switch {
		case err != nil:
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
		case j.Recovered:
			res.Resumed++
			times = append(times, took)
		default:
			res.Snapshots++
			res.SnapshotReasons[j.Reason]++
			times = append(times, took)
		}
		return nil
	})
	res.AllBack = time.Since(dropped)
	res.CPU, _ = meter.end(ctx)
	<-resumeProfiled
	if callsBefore != nil {
		after, err := redisCalls(ctx, cfg.redisAddr)
		if err != nil {
			return res, fmt.Errorf("-redis: %w", err)
		}
		res.RedisCalls, res.RedisCallsTotal = callsBetween(callsBefore, after)
	}
	res.PerSocket = percentiles(times)
	return res, nil
}

// profileFrom starts, with -pprof, a CPU profile of the node over the next -duration (whole
// seconds, at least one), saved beside -pprof-out with phase in its name (node.pprof →
// node-resume.pprof). The channel closes when it is saved, at once without -pprof.
func profileFrom(ctx context.Context, cfg config, phase string) <-chan struct{} {
	done := make(chan struct{})
	if cfg.pprofURL == "" {
		close(done)
		return done
	}
	ext := filepath.Ext(cfg.pprofOut)
	path := strings.TrimSuffix(cfg.pprofOut, ext) + "-" + phase + ext
	go func() {
		defer close(done)
		saveProfile(ctx, cfg.pprofURL, max(1, int(cfg.duration.Seconds())), path)
	}()
	return done
}
