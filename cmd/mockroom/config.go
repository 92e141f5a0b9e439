package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/redisstore"
)

// config is everything the server reads from flags and MOCKROOM_* variables. A flag wins over its
// variable; the variable wins over the default.
type config struct {
	Addr            string
	RedisURL        string
	TokenSecret     string
	TokenIssuer     string
	AllowedOrigins  []string
	PublicURL       string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	TrustedProxies  []netip.Prefix
	PprofAddr       string
	// FeedbackDeadline is how long after a peer room ends its feedback is released at the latest.
	FeedbackDeadline time.Duration
	// AuthLimitWindow is how long the log-in and sign-up allowances take to refill in full.
	AuthLimitWindow time.Duration
	// ShowVersion: print the build and exit (-version); nothing else is read or checked.
	ShowVersion bool
	// EraseRewriteEvery is the least time between two rewrites of Redis' files after accounts
	// are deleted.
	EraseRewriteEvery time.Duration
	// RecordRetention is how long a finished session's record is kept after it ended.
	RecordRetention time.Duration
}

// String prints the configuration with secrets masked, for the start-up log.
func (c config) String() string {
	secret := "(generated)"
	if c.TokenSecret != "" {
		secret = "(set, masked)"
	}
	redisURL := "(embedded store)"
	if c.RedisURL != "" {
		redisURL = redactURL(c.RedisURL)
	}
	return fmt.Sprintf("addr=%s redis=%s token_secret=%s issuer=%s origins=%v public_url=%s trusted_proxies=%v log=%s/%s shutdown_timeout=%s feedback_deadline=%s auth_limit_window=%s",
		c.Addr, redisURL, secret, c.TokenIssuer, c.AllowedOrigins, c.PublicURL, c.TrustedProxies, c.LogLevel, c.LogFormat, c.ShutdownTimeout, c.FeedbackDeadline, c.AuthLimitWindow)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// parseConfig reads flags from args and variables through getenv, and validates every value,
// collecting one clear message per bad value.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("mockroom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("MOCKROOM_ADDR", ":8080"), "listen address (MOCKROOM_ADDR)")
	redisURL := fs.String("redis-url", env("MOCKROOM_REDIS_URL", ""), "redis:// or rediss:// URL; empty runs the embedded in-memory store (MOCKROOM_REDIS_URL)")
	secret := fs.String("token-secret", env("MOCKROOM_TOKEN_SECRET", ""), "HS256 token signing secret, at least 32 bytes (MOCKROOM_TOKEN_SECRET)")
	issuer := fs.String("token-issuer", env("MOCKROOM_TOKEN_ISSUER", "mockroom"), "token issuer and audience prefix (MOCKROOM_TOKEN_ISSUER)")
	origins := fs.String("allowed-origins", env("MOCKROOM_ALLOWED_ORIGINS", ""), "comma-separated WebSocket origins allowed besides the public URL's (MOCKROOM_ALLOWED_ORIGINS)")
	publicURL := fs.String("public-url", env("MOCKROOM_PUBLIC_URL", ""), "public base URL used in invite links, e.g. https://mock.example.org (MOCKROOM_PUBLIC_URL); default http://localhost<addr>")
	logLevel := fs.String("log-level", env("MOCKROOM_LOG_LEVEL", "info"), "debug, info, warn or error (MOCKROOM_LOG_LEVEL)")
	logFormat := fs.String("log-format", env("MOCKROOM_LOG_FORMAT", "text"), "text or json (MOCKROOM_LOG_FORMAT)")
	shutdown := fs.String("shutdown-timeout", env("MOCKROOM_SHUTDOWN_TIMEOUT", "15s"), "how long a graceful shutdown may take (MOCKROOM_SHUTDOWN_TIMEOUT)")
	accessTTL := fs.String("access-token-ttl", env("MOCKROOM_ACCESS_TOKEN_TTL", "15m"), "access token lifetime, at most 1h (MOCKROOM_ACCESS_TOKEN_TTL)")
	refreshTTL := fs.String("refresh-token-ttl", env("MOCKROOM_REFRESH_TOKEN_TTL", "720h"), "refresh token lifetime (MOCKROOM_REFRESH_TOKEN_TTL)")
	proxies := fs.String("trusted-proxies", env("MOCKROOM_TRUSTED_PROXIES", ""), "comma-separated IPs or CIDRs of load balancers whose X-Forwarded-For is believed for per-address limits (MOCKROOM_TRUSTED_PROXIES)")
	recordRetention := fs.String("record-retention", env("MOCKROOM_RECORD_RETENTION", "8760h"), "how long a finished session's record is kept after the session ended (MOCKROOM_RECORD_RETENTION)")
	eraseRewrite := fs.String("erase-rewrite-every", env("MOCKROOM_ERASE_REWRITE_EVERY", "10m"), "least time between two rewrites of Redis' files (AOF, or RDB without AOF) after accounts are deleted (MOCKROOM_ERASE_REWRITE_EVERY)")
	feedbackDeadline := fs.String("feedback-deadline", env("MOCKROOM_FEEDBACK_DEADLINE", "48h"), "how long after a peer session ends its double-blind feedback is released at the latest (MOCKROOM_FEEDBACK_DEADLINE)")
	authWindow := fs.String("auth-limit-window", env("MOCKROOM_AUTH_LIMIT_WINDOW", "1m"), "how long the log-in and sign-up allowances take to refill in full (MOCKROOM_AUTH_LIMIT_WINDOW)")
	pprofAddr := fs.String("pprof-addr", env("MOCKROOM_PPROF_ADDR", ""), "loopback address for net/http/pprof, e.g. 127.0.0.1:6060; empty: off (MOCKROOM_PPROF_ADDR)")
	showVersion := fs.Bool("version", false, "print the version and build, then exit")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if *showVersion {
		return config{ShowVersion: true}, nil
	}

	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	cfg := config{Addr: *addr, RedisURL: *redisURL, TokenSecret: *secret, TokenIssuer: *issuer, LogFormat: *logFormat}

	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
		bad("MOCKROOM_ADDR: %q is not host:port (e.g. :8080 or 127.0.0.1:8080)", cfg.Addr)
	}
	if cfg.RedisURL != "" {
		if err := redisstore.ValidateURL(cfg.RedisURL); err != nil {
			bad("%v", err)
		}
	}
	switch {
	case cfg.TokenSecret != "" && len(cfg.TokenSecret) < 32:
		bad("MOCKROOM_TOKEN_SECRET: must be at least 32 bytes, got %d", len(cfg.TokenSecret))
	case cfg.TokenSecret == "" && cfg.RedisURL != "":
		bad("MOCKROOM_TOKEN_SECRET: required with MOCKROOM_REDIS_URL, so that every node accepts the same tokens")
	}
	if cfg.TokenIssuer == "" {
		bad("MOCKROOM_TOKEN_ISSUER: must not be empty")
	}
	if *publicURL == "" {
		host, port, _ := net.SplitHostPort(cfg.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		*publicURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("MOCKROOM_PUBLIC_URL: %q is not an http(s) URL with a host", *publicURL)
	} else {
		cfg.PublicURL = strings.TrimRight(*publicURL, "/")
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, u.Scheme+"://"+u.Host)
		// On the embedded store the server runs on someone's own machine: a browser opened at
		// 127.0.0.1 or [::1] instead of localhost (or the other way round) is the same page.
		if cfg.RedisURL == "" && isLoopbackName(u.Hostname()) {
			for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
				o := u.Scheme + "://" + h
				if u.Port() != "" {
					o = u.Scheme + "://" + net.JoinHostPort(h, u.Port())
				} else if h == "::1" {
					o = u.Scheme + "://[::1]"
				}
				if o != u.Scheme+"://"+u.Host {
					cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
				}
			}
		}
	}
	for _, o := range strings.Split(*origins, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			bad("MOCKROOM_ALLOWED_ORIGINS: %q is not an origin like https://mock.example.org", o)
			continue
		}
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
	}
	if *pprofAddr != "" {
		host, _, err := net.SplitHostPort(*pprofAddr)
		if ip, ipErr := netip.ParseAddr(host); err != nil || (host != "localhost" && (ipErr != nil || !ip.IsLoopback())) {
			bad("MOCKROOM_PPROF_ADDR: %q must be a loopback host:port (profiles expose internals)", *pprofAddr)
		} else {
			cfg.PprofAddr = *pprofAddr
		}
	}
	for _, p := range strings.Split(*proxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, addrErr := netip.ParseAddr(p)
			if addrErr != nil {
				bad("MOCKROOM_TRUSTED_PROXIES: %q is neither an IP nor a CIDR", p)
				continue
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, prefix.Masked())
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		bad("MOCKROOM_LOG_LEVEL: %q is not one of debug, info, warn, error", *logLevel)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		bad("MOCKROOM_LOG_FORMAT: %q is not text or json", cfg.LogFormat)
	}
	parseDuration := func(name, raw string, lo, hi time.Duration) time.Duration {
		d, err := time.ParseDuration(raw)
		if err != nil || d < lo || d > hi {
			bad("%s: %q must be a duration between %s and %s", name, raw, lo, hi)
		}
		return d
	}
	cfg.ShutdownTimeout = parseDuration("MOCKROOM_SHUTDOWN_TIMEOUT", *shutdown, time.Second, 5*time.Minute)
	cfg.AccessTokenTTL = parseDuration("MOCKROOM_ACCESS_TOKEN_TTL", *accessTTL, 30*time.Second, time.Hour)
	cfg.RefreshTokenTTL = parseDuration("MOCKROOM_REFRESH_TOKEN_TTL", *refreshTTL, time.Hour, 90*24*time.Hour)
	cfg.RecordRetention = parseDuration("MOCKROOM_RECORD_RETENTION", *recordRetention, time.Hour, 10*8760*time.Hour)
	cfg.EraseRewriteEvery = parseDuration("MOCKROOM_ERASE_REWRITE_EVERY", *eraseRewrite, time.Second, 24*time.Hour)
	cfg.FeedbackDeadline = parseDuration("MOCKROOM_FEEDBACK_DEADLINE", *feedbackDeadline, time.Second, 30*24*time.Hour)
	cfg.AuthLimitWindow = parseDuration("MOCKROOM_AUTH_LIMIT_WINDOW", *authWindow, time.Second, 24*time.Hour)

	if len(problems) > 0 {
		return config{}, errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// isLoopbackName reports whether host names this machine's loopback interface.
func isLoopbackName(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
