// Package redistest gives tests a real Redis: MOCKROOM_TEST_REDIS_URL if set, otherwise a private
// redis-server started on a free port with a temporary directory. On a machine without
// redis-server the tests run on the embedded store and say so; with CI=true a missing
// redis-server fails the test instead.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a Redis the tests can connect to.
type Server struct {
	URL  string
	Addr string
	// Real is false when the tests fell back to the embedded store.
	Real bool
	cmd  *exec.Cmd
	dir  string
	args []string
	mini *miniredis.Miniredis
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// Shared returns one Redis for the whole test binary: started on first use, stopped by Stop in
// TestMain (or left to die with the process). Tests isolate themselves with Prefix.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start(fallbackAllowed()) })
	if sharedErr != nil {
		t.Fatalf("redistest: %v", sharedErr)
	}
	if !shared.Real {
		t.Logf("redistest: redis-server not found; running on the embedded store (install redis-server to test against real Redis)")
	}
	return shared
}

// StopShared stops the shared server if one was started; call it from TestMain after m.Run.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Start launches a private server for a test that needs to stop and restart Redis. It is stopped
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWithArgs(t)
}

// StartWithArgs is Start with extra redis-server arguments (e.g. "--cluster-enabled", "yes").
// Extra arguments need a real redis-server: without one the test fails.
func StartWithArgs(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := start(fallbackAllowed() && len(args) == 0, args...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Client returns a client connected to s, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Prefix returns a unique key prefix for one test, so tests sharing a server never collide.
func Prefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test" + hex.EncodeToString(b[:])
}

// RequireReal fails a test that only makes sense on real Redis (e.g. it kills the server) when
// the suite fell back to the embedded store.
func (s *Server) RequireReal(t testing.TB) {
	t.Helper()
	if !s.Real {
		t.Fatalf("this test needs a real redis-server; install it (apt-get install -y redis-server)")
	}
}

func fallbackAllowed() bool { return os.Getenv("CI") != "true" }

func start(allowFallback bool, args ...string) (*Server, error) {
	if u := os.Getenv("MOCKROOM_TEST_REDIS_URL"); u != "" && len(args) == 0 {
		opts, err := redis.ParseURL(u)
		if err != nil {
			return nil, fmt.Errorf("MOCKROOM_TEST_REDIS_URL: %w", err)
		}
		return &Server{URL: u, Addr: opts.Addr, Real: true}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if !allowFallback {
			return nil, fmt.Errorf("redis-server is not installed and this test needs a real one (CI=true, or server arguments given): apt-get install -y redis-server")
		}
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true)
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, err
		}
		return &Server{URL: "redis://" + m.Addr(), Addr: m.Addr(), mini: m}, nil
	}
	dir, err := os.MkdirTemp("", "mockroom-redis-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, Real: true, args: args}
	if err := s.launch(bin); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) launch(bin string) error {
	port := s.port()
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.URL = "redis://" + s.Addr
	s.cmd = exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	s.cmd.Args = append(s.cmd.Args, s.args...)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server on %s did not answer: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond) // polling a child process we started; not test sync
	}
}

func (s *Server) port() int {
	if s.Addr == "" {
		return 0
	}
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Kill stops a real server abruptly, keeping its address so Restart can bring it back.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts a killed server again on the same port.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.RequireReal(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.launch(bin); err != nil {
		t.Fatal(err)
	}
}

// Stop stops the server and removes its directory.
func (s *Server) Stop() {
	s.Kill()
	if s.mini != nil {
		s.mini.Close()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
