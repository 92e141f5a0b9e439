package httpapi

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

func newAuthFailures() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mockroom_auth_failures_total",
		Help: "Requests refused for their credentials (reason unauthorized: a wrong password, an unknown, " +
			"expired or revoked token) or because the sign-up or log-in limit was reached (reason rate_limited), by route.",
	}, []string{"route", "reason"})
}

// countAuthFailure counts a 401 on any route and a 429 on the authentication routes, whose
// limits are per account and per client address.
func (s *Server) countAuthFailure(route string, status int) {
	switch {
	case status == http.StatusUnauthorized:
		s.authFailures.WithLabelValues(route, "unauthorized").Inc()
	case status == http.StatusTooManyRequests && strings.HasPrefix(route, "POST /api/v1/auth/"):
		s.authFailures.WithLabelValues(route, "rate_limited").Inc()
	}
}
