package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// scrape reads a node's /metrics (Prometheus text format) into series name (with labels) →
// value. Only untyped sample lines are read; comments and histograms' structure do not matter.
func scrape(ctx context.Context, client *http.Client, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i <= 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// metricDeltas lists the mockroom_* series that changed between two scrapes, for the report:
// they show what the server itself counted (frames, drops, store calls) during the run.
func metricDeltas(before, after map[string]float64) []string {
	var out []string
	for k, v := range after {
		if !strings.HasPrefix(k, "mockroom_") || strings.Contains(k, "_bucket{") {
			continue
		}
		if d := v - before[k]; d != 0 {
			out = append(out, fmt.Sprintf("%s  %+g", k, d))
		}
	}
	sort.Strings(out)
	return out
}

// cpuSeconds reads a process's user+system CPU time from /proc/<pid>/stat.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	v, err := parseProcStatCPU(string(b))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return v, nil
}

// writeCalls is how many write system calls a process has made (/proc/<pid>/io, syscw): every
// socket write of a node, to clients and to Redis, counts once, however many frames it carries.
// Reading another user's process needs the right to trace it (root, or the same user).
func writeCalls(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "syscw:"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/io: no syscw", pid)
}

// parseProcStatCPU reads utime+stime (fields 14 and 15, in USER_HZ ticks) of a /proc/<pid>/stat
// line as seconds. The command name, field 2, may hold spaces and parentheses, so fields are
// counted after its last closing parenthesis.
func parseProcStatCPU(s string) (float64, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unexpected format")
	}
	f := strings.Fields(s[i+1:])
	// After ")" come field 3 (state) onwards; utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("too few fields")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad times")
	}
	const ticks = 100 // USER_HZ on Linux
	return (ut + st) / ticks, nil
}

// selfCPU is this process's own CPU time: the load generator shares the machine with the server
// and Redis, and its cost belongs in the report.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// loadAverage is the first field of /proc/loadavg: how busy the machine was before a run.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuPressureTotal is the kernel's cumulative time (µs) during which at least one runnable task
// waited for a CPU (/proc/pressure/cpu, "some"). Over a window it says how contended the
// machine was: other work running beside the measurement shows up here.
func cpuPressureTotal() (float64, bool) {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				t, err := strconv.ParseFloat(v, 64)
				return t, err == nil
			}
		}
	}
	return 0, false
}

// cpuMeter measures CPU use of the server nodes (from their /metrics and, when pids are
// given, /proc), of extra processes such as redis-server, and of this process, over a window.
type cpuMeter struct {
	nodes   []string
	pids    map[string]int
	client  *http.Client
	start   time.Time
	node0   []float64
	pid0    map[string]float64
	writes0 map[string]int64
	self0   float64
	psi0    float64
	psiOK   bool
	scrape0 []map[string]float64
}

func newCPUMeter(nodes []string, pids map[string]int, client *http.Client) *cpuMeter {
	return &cpuMeter{nodes: nodes, pids: pids, client: client}
}

func (m *cpuMeter) begin(ctx context.Context) {
	m.start = time.Now()
	m.node0 = make([]float64, len(m.nodes))
	m.scrape0 = make([]map[string]float64, len(m.nodes))
	for i, n := range m.nodes {
		if s, err := scrape(ctx, m.client, n); err == nil {
			m.scrape0[i] = s
			m.node0[i] = s["process_cpu_seconds_total"]
		}
	}
	m.pid0, m.writes0 = map[string]float64{}, map[string]int64{}
	for name, pid := range m.pids {
		if v, err := cpuSeconds(pid); err == nil {
			m.pid0[name] = v
		}
		if v, err := writeCalls(pid); err == nil {
			m.writes0[name] = v
		}
	}
	m.self0 = selfCPU()
	m.psi0, m.psiOK = cpuPressureTotal()
}

// cpuUse is CPU time over wall time: 1.0 is one core busy all the time.
type cpuUse struct {
	Name  string
	Cores float64
}

// end returns the CPU use of each node, each pid and this process since begin, and the
// server-side counters that changed.
func (m *cpuMeter) end(ctx context.Context) ([]cpuUse, []string) {
	wall := time.Since(m.start).Seconds()
	var out []cpuUse
	var deltas []string
	for i, n := range m.nodes {
		s, err := scrape(ctx, m.client, n)
		if err != nil || m.scrape0[i] == nil {
			continue
		}
		out = append(out, cpuUse{Name: "node " + n + " (/metrics)", Cores: (s["process_cpu_seconds_total"] - m.node0[i]) / wall})
		for _, d := range metricDeltas(m.scrape0[i], s) {
			deltas = append(deltas, n+"  "+d)
		}
	}
	names := make([]string, 0, len(m.pids))
	for name := range m.pids {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v, err := cpuSeconds(m.pids[name]); err == nil {
			out = append(out, cpuUse{Name: name + " (/proc)", Cores: (v - m.pid0[name]) / wall})
		}
		if v, err := writeCalls(m.pids[name]); err == nil {
			if v0, ok := m.writes0[name]; ok {
				deltas = append(deltas, fmt.Sprintf("%s  write system calls (/proc/%d/io syscw)  %+d", name, m.pids[name], v-v0))
			}
		}
	}
	out = append(out, cpuUse{Name: "load generator", Cores: (selfCPU() - m.self0) / wall})
	if psi, ok := cpuPressureTotal(); ok && m.psiOK {
		// Not cores: the share of the window in which some runnable task waited for a CPU.
		out = append(out, cpuUse{Name: "machine: share of time some task waited for a CPU (PSI)", Cores: (psi - m.psi0) / 1e6 / wall})
	}
	return out, deltas
}
