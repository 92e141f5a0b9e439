package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func printCPU(tw *tabwriter.Writer, cpu []cpuUse) {
	for _, c := range cpu {
		if strings.HasPrefix(c.Name, "machine:") {
			fmt.Fprintf(tw, "%s\t%.0f%%\n", c.Name, 100*c.Cores)
			continue
		}
		fmt.Fprintf(tw, "cpu: %s\t%.3f cores\n", c.Name, c.Cores)
	}
}

func printCounts(tw *tabwriter.Writer, label string, m map[string]int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s: %s\t%d\n", label, k, m[k])
	}
}

func printTyping(w io.Writer, cfg config, r typingResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	secs := r.Window.Seconds()
	fmt.Fprintf(tw, "workload\t%d rooms × %d edits/s, typist %s, nodes %d, measured %s after %s warm-up\n", r.Rooms, r.Rate, cfg.typist, len(cfg.urls), r.Window, cfg.warmup)
	fmt.Fprintf(tw, "set-up\t%s\n", r.SetupTime)
	fmt.Fprintf(tw, "load average before\t%s\n", r.LoadBefore)
	fmt.Fprintf(tw, "keystroke → peer p50\t%s\n", ms(r.Latency.P50))
	fmt.Fprintf(tw, "keystroke → peer p90\t%s\n", ms(r.Latency.P90))
	fmt.Fprintf(tw, "keystroke → peer p99\t%s\n", ms(r.Latency.P99))
	fmt.Fprintf(tw, "keystroke → peer max\t%s\n", ms(r.Latency.Max))
	fmt.Fprintf(tw, "latency samples\t%d\n", r.Latency.N)
	fmt.Fprintf(tw, "of which keystroke → written (generator) p50 / p99\t%s / %s\n", ms(r.SendLag.P50), ms(r.SendLag.P99))
	fmt.Fprintf(tw, "generator tick lateness p50 / p99 / max\t%s / %s / %s\n", ms(r.TickLate.P50), ms(r.TickLate.P99), ms(r.TickLate.Max))
	fmt.Fprintf(tw, "of which written → peer p50 / p99\t%s / %s\n", ms(r.Wire.P50), ms(r.Wire.P99))
	fmt.Fprintf(tw, "push → ack p50 / p99 / max\t%s / %s / %s\n", ms(r.AckLatency.P50), ms(r.AckLatency.P99), ms(r.AckLatency.Max))
	fmt.Fprintf(tw, "typed edits/s\t%.0f\n", float64(r.Typed)/secs)
	fmt.Fprintf(tw, "accepted edits/s\t%.0f\n", float64(r.Accepted)/secs)
	fmt.Fprintf(tw, "lost (acked, never delivered)\t%d\n", r.Lost)
	fmt.Fprintf(tw, "gaps / duplicates in streams\t%d / %d\n", r.Gaps, r.Duplicates)
	fmt.Fprintf(tw, "text mismatches\t%d\n", r.NonceMiss)
	fmt.Fprintf(tw, "ack version mismatches\t%d\n", r.AckMiss)
	fmt.Fprintf(tw, "untracked updates\t%d\n", r.Untracked)
	fmt.Fprintf(tw, "rooms not drained\t%d\n", r.Unfinished)
	printCounts(tw, "error", r.Errors)
	printCounts(tw, "socket closed early", r.Closed)
	printCPU(tw, r.CPU)
	for _, c := range r.ServerCounters {
		fmt.Fprintf(tw, "server counter\t%s\n", c)
	}
	tw.Flush()
	fmt.Fprintln(w, summaryLine(cfg.target, len(cfg.urls), r))
}

// serverCPU sums the nodes' and Redis's CPU (cores) of a run. Node CPU is the sum over the
// nodes, read from /proc when a -pid name starts with "node", else from the nodes' /metrics;
// Redis CPU from the -pid named "redis…".
func serverCPU(cpu []cpuUse) (node, redis float64, haveRedis bool) {
	var procNodes, metricNodes float64
	var haveProc bool
	for _, c := range cpu {
		switch {
		case strings.HasPrefix(c.Name, "node") && strings.HasSuffix(c.Name, "(/proc)"):
			procNodes += c.Cores
			haveProc = true
		case strings.HasPrefix(c.Name, "node") && strings.HasSuffix(c.Name, "(/metrics)"):
			metricNodes += c.Cores
		case strings.HasPrefix(c.Name, "redis"):
			redis += c.Cores
			haveRedis = true
		}
	}
	if haveProc {
		return procNodes, redis, haveRedis
	}
	return metricNodes, redis, haveRedis
}

// summaryLine is the typing result on one line of key=value pairs, for scripts that compare
// runs (scripts/bench); CPU as serverCPU reads it.
func summaryLine(target string, nodes int, r typingResult) string {
	node, redis, haveRedis := serverCPU(r.CPU)
	secs := r.Window.Seconds()
	redisPerEdit, nodePerEdit := -1.0, -1.0
	if r.Accepted > 0 {
		// Per edit, because a node starved of CPU by other work reads low in cores: it got
		// less, not needed less.
		nodePerEdit = node * secs / float64(r.Accepted) * 1e6
		if haveRedis {
			redisPerEdit = redis * secs / float64(r.Accepted) * 1e6
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return fmt.Sprintf("summary target=%s mode=typing nodes=%d rooms=%d rate=%d p50_ms=%.3f p99_ms=%.3f wire_p50_ms=%.3f wire_p99_ms=%.3f gen_p99_ms=%.3f gen_tick_p99_ms=%.3f accepted_per_s=%.0f node_cpu=%.3f node_us_per_edit=%.1f redis_cpu=%.3f redis_us_per_edit=%.1f lost=%d",
		target, nodes, r.Rooms, r.Rate, ms(r.Latency.P50), ms(r.Latency.P99), ms(r.Wire.P50), ms(r.Wire.P99), ms(r.SendLag.P99), ms(r.TickLate.P99),
		float64(r.Accepted)/secs, node, nodePerEdit, redis, redisPerEdit, r.Lost+r.Gaps+r.Duplicates+r.NonceMiss)
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/(1<<10)) }

func printIdle(w io.Writer, r idleResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	n := float64(r.Sockets)
	fmt.Fprintf(tw, "workload\t%d idle sockets (%d rooms), held %s\n", r.Sockets, (r.Sockets+1)/2, r.Hold)
	fmt.Fprintf(tw, "set-up\t%s\n", r.SetupTime)
	fmt.Fprintf(tw, "fresh connect of all sockets, concurrently (%s)\t%s\n", connectSteps(r.Target, r.JoinAuth), ms(r.Connect))
	fmt.Fprintf(tw, "load average before\t%s\n", r.LoadBefore)
	fmt.Fprintf(tw, "\tbefore (after a GC)\tsettled\tafter hold (after a GC)\n")
	fmt.Fprintf(tw, "RSS\t%s\t%s\t%s\n", mib(r.Before.RSS), mib(r.Settled.RSS), mib(r.After.RSS))
	fmt.Fprintf(tw, "Go heap in use\t%s\t%s\t%s\n", mib(r.Before.Heap), mib(r.Settled.Heap), mib(r.After.Heap))
	fmt.Fprintf(tw, "goroutine stacks\t%s\t%s\t%s\n", mib(r.Before.Stack), mib(r.Settled.Stack), mib(r.After.Stack))
	fmt.Fprintf(tw, "goroutines\t%.0f\t%.0f\t%.0f\n", r.Before.Goroutines, r.Settled.Goroutines, r.After.Goroutines)
	fmt.Fprintf(tw, "RSS per socket\t\t%s\t%s\n", kib((r.Settled.RSS-r.Before.RSS)/n), kib((r.After.RSS-r.Before.RSS)/n))
	fmt.Fprintf(tw, "heap per socket\t\t%s\t%s\n", kib((r.Settled.Heap-r.Before.Heap)/n), kib((r.After.Heap-r.Before.Heap)/n))
	fmt.Fprintf(tw, "stack per socket\t\t%s\t%s\n", kib((r.Settled.Stack-r.Before.Stack)/n), kib((r.After.Stack-r.Before.Stack)/n))
	fmt.Fprintf(tw, "goroutines per socket\t\t%.2f\t%.2f\n", (r.Settled.Goroutines-r.Before.Goroutines)/n, (r.After.Goroutines-r.Before.Goroutines)/n)
	printCounts(tw, "socket closed early", r.Closed)
	printCPU(tw, r.CPU)
	tw.Flush()
	fmt.Fprintln(w, idleSummaryLine(r))
}

// connectSteps names what one socket's fresh connect is on a target.
func connectSteps(target string, joinAuth bool) string {
	switch {
	case target == "centrifugo":
		return "connect, subscribe"
	case joinAuth:
		return "socket, join with the access token"
	}
	return "ticket, socket, join"
}

// idleSummaryLine is the idle result on one line of key=value pairs, for scripts/bench: the
// fresh connect's wall time, and the memory per socket once settled and after the hold.
func idleSummaryLine(r idleResult) string {
	node, redis, _ := serverCPU(r.CPU)
	n := float64(r.Sockets)
	closed := 0
	for _, v := range r.Closed {
		closed += v
	}
	return fmt.Sprintf("summary target=%s mode=idle sockets=%d connect_ms=%.0f rss_kib_per_socket=%.1f rss_kib_per_socket_after=%.1f heap_kib_per_socket=%.1f idle_node_cpu=%.3f idle_redis_cpu=%.3f closed=%d",
		r.Target, r.Sockets, float64(r.Connect)/float64(time.Millisecond), (r.Settled.RSS-r.Before.RSS)/n/1024, (r.After.RSS-r.Before.RSS)/n/1024,
		(r.Settled.Heap-r.Before.Heap)/n/1024, node, redis, closed)
}

func printReconnect(w io.Writer, r reconnectResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fresh := "a new ticket"
	if r.JoinAuth {
		fresh = "the access token in the join"
	}
	how := "the resume credential it was handed (" + fresh + " if refused)"
	if r.ByTicket {
		how = fresh + " (-reconnect-ticket)"
	}
	fmt.Fprintf(tw, "workload\t%d sockets dropped at once, each reconnects with %s and resumes\n", r.Sockets, how)
	fmt.Fprintf(tw, "set-up\t%s\n", r.SetupTime)
	fmt.Fprintf(tw, "fresh connect of all sockets (%s)\t%s\n", connectSteps("mockroom", r.JoinAuth), ms(r.Connect))
	printCPUPer(tw, "fresh connect", r.ConnectCPU, r.Connect, r.Sockets)
	fmt.Fprintf(tw, "load average before\t%s\n", r.LoadBefore)
	fmt.Fprintf(tw, "all back after\t%s\n", ms(r.AllBack))
	fmt.Fprintf(tw, "per socket p50 / p90 / p99 / max\t%s / %s / %s / %s\n", ms(r.PerSocket.P50), ms(r.PerSocket.P90), ms(r.PerSocket.P99), ms(r.PerSocket.Max))
	fmt.Fprintf(tw, "resumed (recovered: true)\t%d\n", r.Resumed)
	fmt.Fprintf(tw, "fresh snapshot instead\t%d\n", r.Snapshots)
	printCounts(tw, "snapshot reason", r.SnapshotReasons)
	if !r.ByTicket {
		fmt.Fprintf(tw, "presented a credential / refused, back with %s\t%d / %d\n", fresh, r.Presented, r.Refused)
	}
	fmt.Fprintf(tw, "failed\t%d\n", r.Failed)
	if r.FirstError != "" {
		fmt.Fprintf(tw, "first error\t%s\n", r.FirstError)
	}
	printCPU(tw, r.CPU)
	printCPUPer(tw, "resume", r.CPU, r.AllBack, r.Sockets)
	if r.RedisCalls != nil && r.Sockets > 0 {
		fmt.Fprintf(tw, "redis commands per resume (INFO commandstats, cut → all back)\t%.1f (%d)\n", float64(r.RedisCallsTotal)/float64(r.Sockets), r.RedisCallsTotal)
		keys := make([]string, 0, len(r.RedisCalls))
		for k := range r.RedisCalls {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return r.RedisCalls[keys[i]] > r.RedisCalls[keys[j]] })
		for _, k := range keys {
			fmt.Fprintf(tw, "redis per resume: %s\t%.2f\n", k, float64(r.RedisCalls[k])/float64(r.Sockets))
		}
	}
	tw.Flush()
}

// printCPUPer gives each measured process's CPU time per socket over a phase of the given
// length: what one connect or resume costs it, whatever the machine's other load did to the
// wall time.
func printCPUPer(tw io.Writer, what string, cpu []cpuUse, wall time.Duration, sockets int) {
	if sockets <= 0 || wall <= 0 {
		return
	}
	for _, c := range cpu {
		if strings.HasPrefix(c.Name, "machine") {
			continue // the pressure share, not a process
		}
		per := time.Duration(c.Cores * float64(wall) / float64(sockets))
		fmt.Fprintf(tw, "cpu per %s: %s\t%d µs (%.3f cores over %s)\n", what, c.Name, per.Microseconds(), c.Cores, ms(wall))
	}
}
