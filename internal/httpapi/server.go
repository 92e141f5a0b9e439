// Package httpapi is the REST adapter: it routes requests with net/http's ServeMux, decodes and
// validates bodies, authenticates callers, calls the domain services, and maps the domain's error
// kinds to HTTP status codes. It is the only package that knows about status codes.
//
// Features are mounted one by one (MountAuth, MountBank, …) from cmd, so each feature's handlers
// live in a file of their own and the server works with any subset mounted.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Authenticator turns a bearer access token into the caller's identity.
type Authenticator interface {
	Authenticate(ctx context.Context, accessToken string) (mockroom.Principal, error)
}

// Options configures a Server.
type Options struct {
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Ready reports whether the server can take traffic; /readyz answers 503 with its error.
	Ready func(ctx context.Context) error
	// Auth authenticates bearer tokens; endpoints that need a caller answer 401 without it.
	Auth Authenticator
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed when counting
	// per-address limits. Empty: the header is ignored.
	TrustedProxies []netip.Prefix
}

// Server is the HTTP handler for the whole service.
type Server struct {
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// authFailures counts refused credentials and limited sign-ups and log-ins (auth_metrics.go).
	authFailures *prometheus.CounterVec
	// routes lists the patterns mounted through Handle, for the OpenAPI drift test.
	routes []string
}

// New builds a Server with /healthz, /readyz and /metrics mounted.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	s := &Server{
		opts: opts,
		log:  opts.Logger,
		mux:  http.NewServeMux(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockroom_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mockroom_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
	}
	s.authFailures = newAuthFailures()
	registerOnce(opts.Registry, s.requests, s.latency, s.authFailures)
	registerOnce(opts.Registry, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, mockroom.Errorf(mockroom.KindNotFound, "route_not_found", "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s
}

// registerOnce registers collectors, tolerating ones already registered (several servers in one
// test process share the default collectors).
func registerOnce(reg *prometheus.Registry, cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			if _, ok := err.(prometheus.AlreadyRegisteredError); !ok {
				panic(err)
			}
		}
	}
}

// ReadyTimeout bounds the ready check: a load balancer must learn quickly that a node's store
// is gone.
const ReadyTimeout = time.Second

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		// A store that hangs may not honour the context (a client blocked on a read of a
		// stopped Redis): the answer does not wait for it beyond the timeout.
		done := make(chan error, 1)
		go func() { done <- s.opts.Ready(ctx) }()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			err = fmt.Errorf("the ready check did not answer within %v", ReadyTimeout)
		}
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "code": "not_ready", "message": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Handle mounts a handler under a ServeMux pattern ("METHOD /path/{var}"). Feature routes must
// be mounted through Handle (or handleFunc) so Routes lists them.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.routes = append(s.routes, pattern)
}

func (s *Server) handleFunc(pattern string, h http.HandlerFunc) { s.Handle(pattern, h) }

// Routes returns the patterns mounted through Handle, in mounting order. The OpenAPI drift test
// checks that each one is documented.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// ServeHTTP records metrics around the router. The route label is the matched pattern, never the
// raw path, so ids do not explode the label space.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
	s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	s.countAuthFailure(route, rec.status)
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (the WebSocket upgrade needs Hijack).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
