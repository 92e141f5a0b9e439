package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redistest"
)

// TestNginxForwardsClientAddresses runs the shipped deploy/nginx.conf (only its upstream servers
// and listen address changed to loopback ports) in front of a node that trusts nginx's address,
// as deploy/compose.yaml sets it up. Two clients connecting from different addresses
// (127.0.0.2 and 127.0.0.3) get separate sign-up limits, and a client cannot escape its limit by
// writing its own X-Forwarded-For.
func TestNginxForwardsClientAddresses(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatal("nginx is not installed; this test runs the shipped deploy/nginx.conf: apt-get install -y nginx-light")
	}
	rs := redistest.Start(t)
	// nginx connects to the node from 127.0.0.1: the one address trusted, as compose trusts only
	// the load balancer's fixed address.
	// An hour's window refills one sign-up every 6 minutes, so a slow machine cannot refill the
	// address's allowance between the tenth sign-up and the eleventh.
	n := startNode(t, "behind-nginx", rs.URL, "MOCKROOM_TRUSTED_PROXIES=127.0.0.1/32", "MOCKROOM_AUTH_LIMIT_WINDOW=1h")
	lb := startNginx(t, nginx, strings.TrimPrefix(n.url, "http://"))

	signup := func(from string, i int, forged string) int {
		t.Helper()
		client := clientFrom(t, from)
		body := fmt.Sprintf(`{"email":"nginx-%s-%d@example.org","password":"correct horse battery","name":"N %d"}`, strings.ReplaceAll(from, ".", "-"), i, i)
		req, err := http.NewRequestWithContext(t.Context(), "POST", lb+"/api/v1/auth/signup", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if forged != "" {
			req.Header.Set("X-Forwarded-For", forged)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("sign-up from %s through nginx: %v", from, err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	const limit = 10 // account.DefaultLimits.SignupPerAddress
	for i := range limit {
		if code := signup("127.0.0.2", i, ""); code != http.StatusCreated {
			t.Fatalf("sign-up %d from 127.0.0.2: status %d, want 201", i+1, code)
		}
	}
	if code := signup("127.0.0.2", limit, ""); code != http.StatusTooManyRequests {
		t.Fatalf("sign-up %d from 127.0.0.2: status %d, want 429 (the limit is per address)", limit+1, code)
	}
	if code := signup("127.0.0.2", limit+1, "198.51.100.7"); code != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For escaped the limit: status %d, want 429", code)
	}
	if code := signup("127.0.0.3", 0, ""); code != http.StatusCreated {
		t.Errorf("sign-up from 127.0.0.3 after 127.0.0.2 used its limit: status %d, want 201 (nginx must forward each client's address)", code)
	}
}

// clientFrom is an HTTP client whose connections leave from the loopback address from.
func clientFrom(t *testing.T, from string) *http.Client {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	tr := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// startNginx runs deploy/nginx.conf with its upstream pointed at upstream and its listener on a
// free loopback port, and returns its base URL once it answers.
func startNginx(t *testing.T, bin, upstream string) string {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join("..", "deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()

	text := string(conf)
	servers := regexp.MustCompile(`(?m)^(\s*)server node\d+:8080[^;]*;\n`)
	if len(servers.FindAllString(text, -1)) == 0 {
		t.Fatal("deploy/nginx.conf has no 'server nodeN:8080' upstream lines to point at the test node")
	}
	first := true
	text = servers.ReplaceAllStringFunc(text, func(line string) string {
		if !first {
			return ""
		}
		first = false
		return "    server " + upstream + ";\n"
	})
	listen := regexp.MustCompile(`(?m)^(\s*)listen 80;`)
	if !listen.MatchString(text) {
		t.Fatal("deploy/nginx.conf does not listen on 80")
	}
	text = listen.ReplaceAllString(text, "${1}listen 127.0.0.1:"+strconv.Itoa(port)+";")
	// Logs and temporary files in the test's directory, not the system's.
	text = strings.Replace(text, "http {", "http {\n  access_log off;\n  client_body_temp_path "+dir+"/body;\n  proxy_temp_path "+dir+"/proxy;", 1)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-e", "stderr",
		"-g", "daemon off; master_process off; pid "+filepath.Join(dir, "nginx.pid")+"; error_log stderr warn;")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("nginx output:\n%s", logs.String())
		}
	})

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("nginx exited during start:\n%s", logs.String())
		case <-ctx.Done():
			t.Fatalf("nginx did not answer /readyz:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond): // polling a child process we started; not test sync
		}
	}
}
