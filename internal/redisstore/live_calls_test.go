package redisstore

import (
	"bufio"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redistest"
)

// Redis commands one editor push costs, counted by INFO commandstats on a private redis-server:
// the EVALSHA and every command the append script runs. Every push of every room pays them, so
// a change that makes this grow must say why here and in docs/performance.md.
const (
	// Live room: HMGET (checks, epoch, head, phase, waiting expiry, idempotency record), XADD,
	// PUBLISH, HSET (state and idempotency record).
	pushCallsLive = 5
	// Waiting room with a waiting TTL: the same; the expiry is set again only when it is due (a
	// sixteenth of the TTL after the last time) or on a key the push created.
	pushCallsWaiting = 5
)

func TestEditorPushRedisCalls(t *testing.T) {
	srv := redistest.Start(t) // private, so only this test's commands are counted
	srv.RequireReal(t)
	client := srv.Client(t)
	for _, tc := range []struct {
		name    string
		started bool
		budget  int
	}{
		{"live", true, pushCallsLive},
		{"waiting", false, pushCallsWaiting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRetentionRoom(t, client, Keys{Prefix: redistest.Prefix(t)}, false, "r-calls", time.Hour)
			if tc.started {
				r.join(clusterInterviewer)
				r.exec(clusterInterviewer, live.CmdStart, nil)
			}
			r.typeChars(2) // loads the room and the script; the first write after the start persists the keys
			var last map[string]int
			var lastTotal int
			// Pushes up to version 40 stay below a document snapshot (live.SnapshotEvery).
			for range 10 {
				before := commandCalls(t, client)
				r.typeChars(1)
				delta := callsDelta(before, commandCalls(t, client))
				total := 0
				for _, n := range delta {
					total += n
				}
				if total > tc.budget {
					t.Fatalf("push to version %d ran %d Redis commands, budget %d: %v", r.ver, total, tc.budget, delta)
				}
				if delta["evalsha"] != 1 || delta["xadd"] != 1 {
					t.Fatalf("push to version %d ran %v, want one EVALSHA with one XADD", r.ver, delta)
				}
				last, lastTotal = delta, total
			}
			if short := r.store.appendKeys.get(r.id, r.keys).short.Load(); short != tc.started {
				t.Errorf("the pushes took the short form: %v, want %v", short, tc.started)
			}
			t.Logf("one push: %d Redis commands %v", lastTotal, last)
		})
	}
}

// commandStat is one command's line of INFO commandstats.
type commandStat struct{ calls, usec int }

// commandStats reads INFO commandstats, by command name.
func commandStats(t testing.TB, client *redis.Client) map[string]commandStat {
	t.Helper()
	info, err := client.Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]commandStat{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		// cmdstat_hget:calls=3,usec=5,usec_per_call=1.67,rejected_calls=0,failed_calls=0
		name, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var st commandStat
		for kv := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				st.calls, err = strconv.Atoi(v)
			case "usec":
				st.usec, err = strconv.Atoi(v)
			}
			if err != nil {
				t.Fatalf("commandstats line %q: %v", sc.Text(), err)
			}
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = st
	}
	return out
}

// commandCalls is commandStats' calls alone.
func commandCalls(t testing.TB, client *redis.Client) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, st := range commandStats(t, client) {
		out[name] = st.calls
	}
	return out
}

// callsDelta is after - before per command, leaving out the INFO that read them.
func callsDelta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(after)) {
		if d := after[name] - before[name]; d != 0 && name != "info" {
			out[name] = d
		}
	}
	return out
}

// BenchmarkEditorPush measures one candidate's editor push through the engine in a live room on
// a private redis-server, as the server makes it: redis-cmds/op is every command Redis ran
// (EVALSHA and what the script runs; the document snapshot every live.SnapshotEvery versions
// included), redis-script-µs/op the time Redis spent running the scripts by its own
// commandstats, redis-cpu-µs/op the server's whole CPU (reading, parsing and replying included).
func BenchmarkEditorPush(b *testing.B) {
	srv := redistest.Start(b)
	if !srv.Real {
		b.Fatal("this benchmark needs a real redis-server")
	}
	client := srv.Client(b)
	r := newRetentionRoom(b, client, Keys{Prefix: redistest.Prefix(b)}, false, "r-bench", time.Hour)
	r.join(clusterInterviewer)
	r.exec(clusterInterviewer, live.CmdStart, nil)
	r.typeChars(2)
	before, cpu := commandStats(b, client), redisCPU(b, client)
	b.ReportAllocs()
	b.ResetTimer()
	r.typeChars(b.N)
	b.StopTimer()
	after, cpuAfter := commandStats(b, client), redisCPU(b, client)
	var calls int
	for name, a := range after {
		if name != "info" {
			calls += a.calls - before[name].calls
		}
	}
	b.ReportMetric(float64(calls)/float64(b.N), "redis-cmds/op")
	b.ReportMetric(float64(after["evalsha"].usec-before["evalsha"].usec)/float64(b.N), "redis-script-µs/op")
	b.ReportMetric((cpuAfter-cpu)*1e6/float64(b.N), "redis-cpu-µs/op")
}

// redisCPU is the CPU time, user and system, the server has used, in seconds (INFO cpu).
func redisCPU(t testing.TB, client *redis.Client) float64 {
	t.Helper()
	info, err := client.Info(t.Context(), "cpu").Result()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for line := range strings.Lines(info) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "used_cpu_sys" || name == "used_cpu_user" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("INFO cpu line %q: %v", line, err)
			}
			total += f
		}
	}
	return total
}
