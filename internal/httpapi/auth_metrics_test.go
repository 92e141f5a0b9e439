package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestAuthFailuresAreCounted(t *testing.T) {
	env := newTestEnv(t, withLimits(account.Limits{LoginPerAccount: 2, LoginPerAddress: 100, SignupPerAddress: 100, Window: time.Minute}))
	u := env.signup(t)
	count := func(route, reason string) float64 {
		return testutil.ToFloat64(env.Server.authFailures.WithLabelValues(route, reason))
	}
	const login = "POST /api/v1/auth/login"
	for range 2 {
		if res, body := env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "wrong password!"}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s", res.StatusCode, body)
		}
	}
	if res, body := env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": u.Password}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third attempt: %d %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", "not-a-token", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", u.AccessToken, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("good token: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct {
		route, reason string
		want          float64
	}{
		{login, "unauthorized", 2},
		{login, "rate_limited", 1},
		{"GET /api/v1/me", "unauthorized", 1},
		{"POST /api/v1/auth/signup", "unauthorized", 0},
	} {
		if got := count(c.route, c.reason); got != c.want {
			t.Errorf("mockroom_auth_failures_total{route=%q,reason=%q} = %v, want %v", c.route, c.reason, got, c.want)
		}
	}
}
