package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// metric reads one sample from /metrics; ok is false when the series is absent.
func (s *started) metric(t *testing.T, series string) (float64, bool) {
	t.Helper()
	status, body := s.call(t, "GET", "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v, true
}

func TestOperatorMetrics(t *testing.T) {
	s := start(t, nil)
	defer s.stop()
	p := s.signUp(t, "metrics-queuer")

	const depth = `mockroom_match_queue_depth{level="mid",track="python-developer"}`
	if v, ok := s.metric(t, depth); !ok || v != 0 {
		t.Fatalf("%s = %v (present %v) before anyone queued, want 0", depth, v, ok)
	}
	if status, body := s.call(t, "POST", "/api/v1/match/queue", p.token, map[string]string{"track": "python-developer", "level": "mid"}); status >= 300 {
		t.Fatalf("join the queue: %d %s", status, body)
	}
	if v, _ := s.metric(t, depth); v != 1 {
		t.Errorf("%s = %v with one person waiting, want 1", depth, v)
	}

	if status, _ := s.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "metrics-queuer@example.org", "password": "not the password"}); status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", status)
	}
	if v, _ := s.metric(t, `mockroom_auth_failures_total{reason="unauthorized",route="POST /api/v1/auth/login"}`); v != 1 {
		t.Errorf("auth failures after one wrong password = %v, want 1", v)
	}

	if v, ok := s.metric(t, "mockroom_redis_pool_hits_total"); !ok || v == 0 {
		t.Errorf("mockroom_redis_pool_hits_total = %v (present %v): the server has used its pool", v, ok)
	}
	for _, series := range []string{"mockroom_redis_pool_connections", "mockroom_redis_pool_timeouts_total",
		"mockroom_timers_pending", "mockroom_timer_lag_seconds_count", "mockroom_ws_rooms",
		"mockroom_fanout_rollbacks_total", "mockroom_ws_resyncs_total"} {
		if _, ok := s.metric(t, series); !ok {
			t.Errorf("/metrics has no %s", series)
		}
	}
}
