package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPercentiles(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // reversed, so sorting matters
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Percentiles
	}{
		{"empty", nil, Percentiles{}},
		{"one", ms(7), Percentiles{N: 1, P50: 7 * time.Millisecond, P90: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond}},
		{"two", ms(9, 1), Percentiles{N: 2, P50: 1 * time.Millisecond, P90: 9 * time.Millisecond, P99: 9 * time.Millisecond, Max: 9 * time.Millisecond}},
		{"1..100", ms(hundred...), Percentiles{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}},
		{"one outlier in 1000", append(ms(make([]int, 999)...), time.Second), Percentiles{N: 1000, Max: time.Second}},
		{"eleven outliers in 1000", append(ms(make([]int, 989)...), ms(5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)...), Percentiles{N: 1000, P99: 5 * time.Millisecond, Max: 5 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, percentiles(tc.in)); diff != "" {
				t.Errorf("percentiles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrderChecker(t *testing.T) {
	type ev struct{ v, n int }
	tests := []struct {
		name   string
		start  int
		events []ev
		acked  int
		want   orderChecker
		ok     []bool
		lost   int
	}{
		{
			name: "in order, batches", start: 0, events: []ev{{0, 1}, {1, 3}, {4, 1}}, acked: 5,
			want: orderChecker{next: 5, events: 3, updates: 5}, ok: []bool{true, true, true},
		},
		{
			name: "starts from a snapshot version", start: 40, events: []ev{{40, 2}}, acked: 42,
			want: orderChecker{next: 42, events: 1, updates: 2}, ok: []bool{true},
		},
		{
			name: "gap", start: 0, events: []ev{{0, 1}, {3, 1}}, acked: 4,
			want: orderChecker{next: 4, events: 2, updates: 1, gaps: 1, missed: 2}, ok: []bool{true, false},
		},
		{
			name: "duplicate does not move back", start: 0, events: []ev{{0, 2}, {1, 1}, {2, 1}}, acked: 3,
			want: orderChecker{next: 3, events: 3, updates: 3, duplicates: 1}, ok: []bool{true, false, true},
		},
		{
			name: "swapped pair", start: 0, events: []ev{{1, 1}, {0, 1}}, acked: 2,
			want: orderChecker{next: 2, events: 2, gaps: 1, missed: 1, duplicates: 1}, ok: []bool{false, false},
		},
		{
			name: "acked but never delivered", start: 0, events: []ev{{0, 1}}, acked: 4,
			want: orderChecker{next: 1, events: 1, updates: 1}, ok: []bool{true}, lost: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newOrderChecker(tc.start)
			var ok []bool
			for _, e := range tc.events {
				ok = append(ok, c.observe(e.v, e.n))
			}
			if diff := cmp.Diff(tc.want, c, cmp.AllowUnexported(orderChecker{})); diff != "" {
				t.Errorf("checker (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.ok, ok); diff != "" {
				t.Errorf("observe results (-want +got):\n%s", diff)
			}
			if got := c.lost(tc.acked); got != tc.lost {
				t.Errorf("lost(%d) = %d, want %d", tc.acked, got, tc.lost)
			}
			if got, want := c.violations(), tc.want.gaps+tc.want.duplicates; got != want {
				t.Errorf("violations = %d, want %d", got, want)
			}
		})
	}
}

func TestUpdateShape(t *testing.T) {
	tests := []struct {
		in      string
		v, n    int
		wantErr bool
	}{
		{`{"version":7,"updates":[{"clientID":"a","changes":[1]},{"clientID":"a","changes":[2]}]}`, 7, 2, false},
		{`{"version":0,"updates":[{"clientID":"a","changes":[[0,"x"]]}]}`, 0, 1, false},
		{`{"updates":[{"clientID":"a"}]}`, 0, 0, true},
		{`{"version":3,"updates":[]}`, 0, 0, true},
		{`[1]`, 0, 0, true},
	}
	for _, tc := range tests {
		v, n, err := updateShape([]byte(tc.in))
		if (err != nil) != tc.wantErr || v != tc.v || n != tc.n {
			t.Errorf("updateShape(%s) = %d, %d, %v; want %d, %d, error %v", tc.in, v, n, err, tc.v, tc.n, tc.wantErr)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	in := `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.5165824e+07
go_memstats_heap_inuse_bytes 4.194304e+06
mockroom_ws_frames_in_total{type="editor.push"} 12
not a sample
`
	got, err := parseMetrics(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"process_resident_memory_bytes":                   25165824,
		"go_memstats_heap_inuse_bytes":                    4194304,
		`mockroom_ws_frames_in_total{type="editor.push"}`: 12,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseMetrics (-want +got):\n%s", diff)
	}
	deltas := metricDeltas(map[string]float64{`mockroom_ws_frames_in_total{type="editor.push"}`: 2}, got)
	if diff := cmp.Diff([]string{`mockroom_ws_frames_in_total{type="editor.push"}  +10`}, deltas); diff != "" {
		t.Errorf("metricDeltas (-want +got):\n%s", diff)
	}
}
