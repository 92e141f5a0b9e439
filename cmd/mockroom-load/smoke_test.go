package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { redistest.StopShared() }))
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startNode builds the real server and runs it on a free loopback port against the shared test
// Redis, as an operator would run a node. It returns the node's base URL once the node says it
// is listening.
func startNode(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mockroom")
	build := exec.Command("go", "build", "-o", bin, "../mockroom")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	rds := redistest.Shared(t)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(),
		"MOCKROOM_REDIS_URL="+rds.URL,
		"MOCKROOM_TOKEN_SECRET=load-smoke-test-secret-0123456789abcdef",
		"MOCKROOM_LOG_LEVEL=info",
	)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-drained
		_ = cmd.Wait()
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-drained:
		t.Fatal("the server exited before listening")
	case <-testwait.After(t):
		t.Fatal("the server did not start listening")
	}
	return ""
}

// TestTypingSmoke runs the typing workload briefly against a real node: the whole path (sign
// up, rooms, invites, tickets, sockets, pushes relayed to the peer) must work, every edit must
// be accepted and arrive once and in order.
func TestTypingSmoke(t *testing.T) {
	base := startNode(t)
	cfg, err := parseConfig([]string{"-url", base, "-rooms", "2", "-rate", "10", "-duration", "2s", "-warmup", "0s", "-drain", "5s", "-concurrency", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(cfg.urls[0], cfg.concurrency, cfg.track, cfg.plan)
	defer a.close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := runTyping(ctx, cfg, a, newCPUMeter(cfg.urls, nil, a.client))
	if err != nil {
		t.Fatal(err)
	}
	// 2 rooms × 10 edits/s × 2 s, plus the first and last tick, is the most the schedule allows.
	// How many of those are typed depends on the machine (a keystroke the tool is too late for is
	// skipped, and the report says so), so the floor is only that each room typed something.
	if res.Typed < 2 || res.Typed > 44 {
		t.Errorf("typed %d edits, want between 2 and the schedule's 44", res.Typed)
	}
	if res.Accepted != res.Typed {
		t.Errorf("accepted %d of %d typed edits; errors %v", res.Accepted, res.Typed, res.Errors)
	}
	if res.Latency.N != res.Accepted {
		t.Errorf("%d latency samples for %d accepted edits", res.Latency.N, res.Accepted)
	}
	if res.Lost+res.Gaps+res.Duplicates+res.NonceMiss+res.AckMiss+res.Unfinished != 0 {
		t.Errorf("stream problems: %+v", res)
	}
	if len(res.Closed) != 0 {
		t.Errorf("sockets closed during the run: %v", res.Closed)
	}
	// Without a warm-up every keystroke typed in the window is a tick of the window, and each
	// tick's lateness is recorded once.
	if res.TickLate.N != res.Typed {
		t.Errorf("%d tick lateness samples for %d typed edits", res.TickLate.N, res.Typed)
	}
	if line := summaryLine("mockroom", 1, res); !strings.Contains(line, " gen_tick_p99_ms=") {
		t.Errorf("summary line without the generator's tick lateness: %s", line)
	}
}

// TestReconnectSmoke cuts a few sockets of a real node and has them come back three ways: with
// the resume credential each was handed, with a new ticket (-reconnect-ticket), and with the
// access token in the join (-reconnect-ticket -handshake join). Every socket must resume, every
// one present its credential (none in the other two ways), and none of the credentials be
// refused; the token's way spends nothing in the store.
func TestReconnectSmoke(t *testing.T) {
	base := startNode(t)
	rds := redistest.Shared(t)
	rds.RequireReal(t)
	for _, way := range []string{"credential", "ticket", "join"} {
		args := []string{"-url", base, "-mode", "reconnect", "-sockets", "4", "-warmup", "0s", "-concurrency", "2",
			"-redis", strings.TrimPrefix(rds.URL, "redis://")}
		switch way {
		case "ticket":
			args = append(args, "-reconnect-ticket")
		case "join":
			args = append(args, "-reconnect-ticket", "-handshake", "join")
		}
		cfg, err := parseConfig(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		a := newAPI(cfg.urls[0], cfg.concurrency, cfg.track, cfg.plan)
		a.joinAuth = cfg.handshake == "join"
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		res, err := runReconnect(ctx, cfg, a, newCPUMeter(cfg.urls, nil, a.client))
		cancel()
		a.close()
		if err != nil {
			t.Fatal(err)
		}
		presented := 4
		if way != "credential" {
			presented = 0
		}
		if res.ByTicket != (way != "credential") || res.JoinAuth != (way == "join") || res.Presented != presented || res.Resumed != 4 || res.Failed != 0 || res.Refused != 0 {
			t.Errorf("%s: %+v, want all 4 resumed, none failed or refused", way, res)
		}
		switch way {
		case "join":
			// Nothing is spent: the token is verified, not recorded.
			if res.RedisCalls["set"] != 0 {
				t.Errorf("%s: Redis commands over the resume %v, want no SET", way, res.RedisCalls)
			}
		default:
			// Each resume spends its ticket or credential with a SET NX, at least.
			if res.RedisCalls["set"] < 4 || res.RedisCallsTotal < 4*res.RedisCalls["set"] {
				t.Errorf("%s: Redis commands over the resume %v (%d), want a SET per socket and more", way, res.RedisCalls, res.RedisCallsTotal)
			}
		}
	}
}
