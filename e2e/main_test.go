package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// binary is the server under test: $MOCKROOM_BIN, or built once for the whole run.
var binary string

func TestMain(m *testing.M) {
	code := func() int {
		if b := os.Getenv("MOCKROOM_BIN"); b != "" {
			binary = b
		} else {
			dir, err := os.MkdirTemp("", "mockroom-e2e-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			binary = filepath.Join(dir, "mockroom")
			build := exec.Command("go", "build", "-o", binary, "github.com/mockroom/mockroom/cmd/mockroom")
			build.Stdout, build.Stderr = os.Stdout, os.Stderr
			if err := build.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "build the server:", err)
				return 1
			}
		}
		return m.Run()
	}()
	redistest.StopShared()
	os.Exit(code)
}

// tokenSecret is shared by every node of a test, so any node accepts any node's tokens.
const tokenSecret = "e2e-secret-0123456789-0123456789-abcdef"

// node is one server process.
type node struct {
	t    *testing.T
	name string
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func (n *node) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.Write(p)
}

func (n *node) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

// startNode starts a server process on a free port against redisURL and waits until it is ready.
// extraEnv adds NAME=value settings.
func startNode(t *testing.T, name, redisURL string, extraEnv ...string) *node {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	n := &node{t: t, name: name, url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	n.cmd = exec.Command(binary)
	n.cmd.Env = append(os.Environ(),
		"MOCKROOM_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"MOCKROOM_REDIS_URL="+redisURL,
		"MOCKROOM_TOKEN_SECRET="+tokenSecret,
		"MOCKROOM_PUBLIC_URL="+n.url,
		"MOCKROOM_SHUTDOWN_TIMEOUT=5s",
	)
	n.cmd.Env = append(n.cmd.Env, extraEnv...)
	n.cmd.Stdout, n.cmd.Stderr = n, n
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log of node %s:\n%s", n.name, n.log())
		}
	})
	deadline := testwait.Deadline(t)
	for {
		res, err := http.Get(n.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return n
			}
		}
		select {
		case <-n.done:
			t.Fatalf("node %s exited during start:\n%s", name, n.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not ready: %v\n%s", name, err, n.log())
		}
		time.Sleep(20 * time.Millisecond) // polling a child process we started; not test sync
	}
}

func (n *node) kill() {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Kill()
	<-n.done
}

// terminate sends SIGTERM and waits for the process to exit.
func (n *node) terminate() {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-testwait.After(n.t):
		n.t.Errorf("node %s did not stop after SIGTERM before the test's timeout", n.name)
		n.kill()
	}
}

// call does one JSON request against base.
func call(t *testing.T, base, method, path, token string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	// The test's context, not a fixed timeout: a signup hashes a password (argon2id, 64 MiB),
	// which a busy machine can make slow. A hung server is caught by go test -timeout.
	req, _ := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

type person struct {
	UserID string
	Token  string
}

// setupRoom signs an interviewer up on base, creates a room with the given slots and lets a
// guest candidate in through the invite.
func setupRoom(t *testing.T, base string, slots []map[string]any) (room string, iv, cand person) {
	t.Helper()
	iv = signUp(t, base)
	created, cand := openRoom(t, base, iv, map[string]any{"plan": map[string]any{"slots": slots}})
	return created.Room.ID, iv, cand
}

// signUp creates an interviewer account on base.
func signUp(t *testing.T, base string) person {
	t.Helper()
	var s struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken string `json:"access_token"`
	}
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	call(t, base, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": "iv-" + tag + "@example.org", "password": "a long password " + tag, "name": "Ivy",
	}, &s)
	return person{UserID: s.User.ID, Token: s.AccessToken}
}

// createdRoom is the part of the create-room response these tests read.
type createdRoom struct {
	Room struct {
		ID        string `json:"id"`
		Questions []struct {
			Minutes int `json:"minutes"`
			Seconds int `json:"seconds"`
		} `json:"questions"`
	} `json:"room"`
	Invites struct {
		CandidateInvite string `json:"candidate_invite"`
	} `json:"invites"`
}

// openRoom creates a room for iv on the python-developer track with plan (the create request's
// "plan_id" or "plan" field) and lets a guest candidate in through the invite.
func openRoom(t *testing.T, base string, iv person, plan map[string]any) (created createdRoom, cand person) {
	t.Helper()
	body := map[string]any{"track": "python-developer", "title": "e2e"}
	for k, v := range plan {
		body[k] = v
	}
	call(t, base, "POST", "/api/v1/rooms", iv.Token, body, &created)
	var acc struct {
		Session struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			AccessToken string `json:"access_token"`
		} `json:"session"`
	}
	call(t, base, "POST", "/api/v1/invites/accept", "", map[string]string{
		"invite": created.Invites.CandidateInvite, "display_name": "Cleo",
	}, &acc)
	return created, person{UserID: acc.Session.User.ID, Token: acc.Session.AccessToken}
}
