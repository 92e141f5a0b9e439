package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.RedisURL != "" || cfg.PublicURL != "http://localhost:8080" {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
	if cfg.AccessTokenTTL != 15*time.Minute || cfg.ShutdownTimeout != 15*time.Second || cfg.AuthLimitWindow != time.Minute {
		t.Errorf("unexpected durations: %+v", cfg)
	}
	// On the embedded store, the loopback forms of the public URL are allowed too.
	want := []string{"http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"}
	if strings.Join(cfg.AllowedOrigins, " ") != strings.Join(want, " ") {
		t.Errorf("origins = %v, want %v", cfg.AllowedOrigins, want)
	}
	withRedis, err := parseConfig(nil, envOf(map[string]string{"MOCKROOM_REDIS_URL": "redis://localhost:6379", "MOCKROOM_TOKEN_SECRET": strings.Repeat("s", 32)}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(withRedis.AllowedOrigins) != 1 || withRedis.AllowedOrigins[0] != "http://localhost:8080" {
		t.Errorf("origins on Redis = %v, want the public URL's origin only", withRedis.AllowedOrigins)
	}
}

func TestParseConfigFlagWinsOverEnv(t *testing.T) {
	cfg, err := parseConfig([]string{"-addr", "127.0.0.1:9000"}, envOf(map[string]string{"MOCKROOM_ADDR": ":7000"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" {
		t.Errorf("addr = %q", cfg.Addr)
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name string
		env  map[string]string
		want string // a fragment of the message naming the bad setting
	}{
		{"addr without port", map[string]string{"MOCKROOM_ADDR": "localhost"}, "MOCKROOM_ADDR"},
		{"redis url scheme", map[string]string{"MOCKROOM_REDIS_URL": "http://x:6379", "MOCKROOM_TOKEN_SECRET": secret}, "MOCKROOM_REDIS_URL"},
		{"short secret", map[string]string{"MOCKROOM_TOKEN_SECRET": "short"}, "at least 32 bytes"},
		{"redis without secret", map[string]string{"MOCKROOM_REDIS_URL": "redis://127.0.0.1:6379"}, "required with MOCKROOM_REDIS_URL"},
		{"bad origin", map[string]string{"MOCKROOM_ALLOWED_ORIGINS": "ftp://x"}, "MOCKROOM_ALLOWED_ORIGINS"},
		{"bad public url", map[string]string{"MOCKROOM_PUBLIC_URL": "mock.example.org"}, "MOCKROOM_PUBLIC_URL"},
		{"bad log level", map[string]string{"MOCKROOM_LOG_LEVEL": "loud"}, "MOCKROOM_LOG_LEVEL"},
		{"bad log format", map[string]string{"MOCKROOM_LOG_FORMAT": "xml"}, "MOCKROOM_LOG_FORMAT"},
		{"access ttl over an hour", map[string]string{"MOCKROOM_ACCESS_TOKEN_TTL": "2h"}, "MOCKROOM_ACCESS_TOKEN_TTL"},
		{"bad trusted proxy", map[string]string{"MOCKROOM_TRUSTED_PROXIES": "10.0.0.0/8, lb.local"}, "MOCKROOM_TRUSTED_PROXIES"},
		{"public pprof address", map[string]string{"MOCKROOM_PPROF_ADDR": "0.0.0.0:6060"}, "MOCKROOM_PPROF_ADDR"},
		{"unparseable duration", map[string]string{"MOCKROOM_SHUTDOWN_TIMEOUT": "soon"}, "MOCKROOM_SHUTDOWN_TIMEOUT"},
		{"auth limit window over a day", map[string]string{"MOCKROOM_AUTH_LIMIT_WINDOW": "48h"}, "MOCKROOM_AUTH_LIMIT_WINDOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(nil, envOf(tt.env), io.Discard)
			if err == nil {
				t.Fatalf("accepted %v", tt.env)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	_, err := parseConfig(nil, envOf(map[string]string{"MOCKROOM_ADDR": "x", "MOCKROOM_LOG_FORMAT": "xml"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MOCKROOM_ADDR") || !strings.Contains(err.Error(), "MOCKROOM_LOG_FORMAT") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	cfg, err := parseConfig(nil, envOf(map[string]string{
		"MOCKROOM_TOKEN_SECRET": "0123456789abcdef0123456789abcdef-very-secret",
		"MOCKROOM_REDIS_URL":    "redis://user:hunter2@127.0.0.1:6379/0",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	for _, secret := range []string{"very-secret", "hunter2"} {
		if strings.Contains(s, secret) {
			t.Errorf("config string leaks %q: %s", secret, s)
		}
	}
}

func TestParseConfigAcceptsClusterSeeds(t *testing.T) {
	secret := strings.Repeat("s", 32)
	for _, u := range []string{"redis://127.0.0.1:7000?cluster=true", "redis://a:7000,b:7001,c:7002?cluster=true", "rediss://user:pw@redis.internal:6380/0"} {
		if _, err := parseConfig(nil, envOf(map[string]string{"MOCKROOM_REDIS_URL": u, "MOCKROOM_TOKEN_SECRET": secret}), io.Discard); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	if _, err := parseConfig(nil, envOf(map[string]string{"MOCKROOM_REDIS_URL": "redis://a:1?cluster=maybe", "MOCKROOM_TOKEN_SECRET": secret}), io.Discard); err == nil || !strings.Contains(err.Error(), "cluster") {
		t.Errorf("bad cluster flag accepted or unclear: %v", err)
	}
}

func TestParseConfigTrustedProxies(t *testing.T) {
	cfg, err := parseConfig(nil, envOf(map[string]string{"MOCKROOM_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10 ,::1"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.168.1.10/32 ::1/128" {
		t.Errorf("trusted proxies = %v", got)
	}
}
