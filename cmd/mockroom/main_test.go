package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestMain checks that no test leaves a goroutine behind. The one exception is go-redis's dial
// probe: once a pool has failed to dial PoolSize times (a master killed in the failover test), it
// probes in a goroutine that sleeps a second between tries and only looks at whether the pool was
// closed when it wakes, so it may outlive goleak's retries by up to a second, but never longer.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// lockedBuffer collects the server's log lines; slog writes from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// started is a server running run() in the background.
type started struct {
	base   string
	client *http.Client
	logs   *lockedBuffer
	stop   func() error // cancels run's context and returns what run returned
}

// start runs the whole server on a free loopback port with the given environment.
func start(t *testing.T, env map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &lockedBuffer{}
	getenv := func(k string) string { return env[k] }
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, getenv, logs, ready) }()
	// Neither readiness nor shutdown has a deadline here: on a busy machine either can take long,
	// and a run that hangs is caught by go test -timeout, which prints every goroutine's stack.
	// No client timeout: a signup or login hashes a password with argon2id (64 MiB, 3 passes),
	// which under -race on a busy machine took more than the 10 s once allowed. Requests carry
	// the test's context; a server that hangs is caught by go test -timeout with every stack.
	s := &started{logs: logs, client: &http.Client{Transport: &http.Transport{}}}
	select {
	case addr := <-ready:
		s.base = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("run returned before it was ready: %v\n%s", err, logs)
	}
	var once sync.Once
	var runErr error
	s.stop = func() error {
		once.Do(func() {
			s.client.CloseIdleConnections()
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { _ = s.stop() })
	return s
}

func (s *started) call(t *testing.T, method, path, bearer string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

type session struct {
	User struct {
		ID    mockroom.UserID `json:"id"`
		Email string          `json:"email"`
	} `json:"user"`
	AccessToken string `json:"access_token"`
}

// signupLoginMe goes through the account flow and returns the new user's id.
func (s *started) signupLoginMe(t *testing.T) mockroom.UserID {
	t.Helper()
	creds := map[string]string{"email": "whole@example.org", "password": "the whole server", "name": "Whole"}
	status, body := s.call(t, "POST", "/api/v1/auth/signup", "", creds)
	if status != http.StatusCreated {
		t.Fatalf("signup: %d %s", status, body)
	}
	var signed session
	if err := json.Unmarshal(body, &signed); err != nil {
		t.Fatal(err)
	}
	delete(creds, "name")
	status, body = s.call(t, "POST", "/api/v1/auth/login", "", creds)
	if status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	var logged session
	if err := json.Unmarshal(body, &logged); err != nil {
		t.Fatal(err)
	}
	status, body = s.call(t, "GET", "/api/v1/me", logged.AccessToken, nil)
	if status != http.StatusOK || !strings.Contains(string(body), string(signed.User.ID)) {
		t.Fatalf("me: %d %s", status, body)
	}
	return signed.User.ID
}

func TestRunEmbedded(t *testing.T) {
	s := start(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := s.call(t, "GET", path, "", nil); status != http.StatusOK {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	s.signupLoginMe(t)
	if err := s.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
	if !strings.Contains(s.logs.String(), "MOCKROOM_TOKEN_SECRET not set") {
		t.Errorf("embedded mode did not warn about the generated token secret:\n%s", s.logs)
	}
}

// waitStatus polls path until it answers want, for at most within: the condition is external (a
// Redis process going away or coming back), so there is no event to wait on. It returns how long
// that took.
func (s *started) waitStatus(t *testing.T, path string, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		status, body := s.call(t, "GET", path, "", nil)
		if status == want {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answers %d (%s) after %s, want %d", path, status, body, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunOnRealRedisSurvivesRestart(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	s := start(t, map[string]string{
		"MOCKROOM_REDIS_URL":    rs.URL,
		"MOCKROOM_TOKEN_SECRET": "a-secret-of-at-least-thirty-two-bytes",
	})
	id := s.signupLoginMe(t)

	// The account lives in that Redis, under the production key space.
	email, err := rs.Client(t).HGet(t.Context(), redisstore.DefaultKeys.User(id), "email").Result()
	if err != nil || email != "whole@example.org" {
		t.Fatalf("user hash in Redis: %q, %v", email, err)
	}

	rs.Kill()
	// The bound: a store that went away shows on /readyz within 5 s.
	took := s.waitStatus(t, "/readyz", http.StatusServiceUnavailable, 5*time.Second)
	t.Logf("/readyz turned 503 %s after Redis stopped", took)
	if status, _ := s.call(t, "GET", "/healthz", "", nil); status != http.StatusOK {
		t.Errorf("/healthz with Redis down: %d, want 200 (liveness does not depend on the store)", status)
	}
	rs.Restart(t)
	took = s.waitStatus(t, "/readyz", http.StatusOK, 20*time.Second)
	t.Logf("/readyz turned 200 %s after Redis came back", took)

	if err := s.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
}
