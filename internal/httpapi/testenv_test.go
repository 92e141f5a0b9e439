package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/token"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// TestMain is the package's only TestMain: it fails on leaked goroutines and stops the shared
// Redis afterwards. Feature tests in this package share it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}

// testEnv is a whole API server on real Redis with the account service mounted, for handler
// tests of any feature. Other features add their services with withMount.
type testEnv struct {
	URL      string
	Server   *Server
	Client   redis.UniversalClient
	Keys     redisstore.Keys
	Accounts *account.Service
	Tokens   *token.Issuer
	Secret   []byte
	Issuer   string
}

type testEnvConfig struct {
	limits account.Limits
	opts   Options
	mounts []func(t *testing.T, env *testEnv)
}

// testEnvOption changes how newTestEnv builds the server.
type testEnvOption func(*testEnvConfig)

// withLimits replaces the (generous) test rate limits.
func withLimits(l account.Limits) testEnvOption {
	return func(c *testEnvConfig) { c.limits = l }
}

// withMaxBody sets Options.MaxBodyBytes.
func withMaxBody(n int64) testEnvOption {
	return func(c *testEnvConfig) { c.opts.MaxBodyBytes = n }
}

// withMount runs f after the account service is built and before the server starts, so a
// feature can build its services on env.Client/env.Keys/env.Accounts and mount them on
// env.Server.
func withMount(f func(t *testing.T, env *testEnv)) testEnvOption {
	return func(c *testEnvConfig) { c.mounts = append(c.mounts, f) }
}

// testLimits are high enough that no ordinary test meets them.
var testLimits = account.Limits{LoginPerAccount: 1000, LoginPerAddress: 1000, SignupPerAddress: 1000, Window: time.Minute}

func newTestEnv(t *testing.T, opts ...testEnvOption) *testEnv {
	t.Helper()
	cfg := testEnvConfig{limits: testLimits}
	for _, o := range opts {
		o(&cfg)
	}
	srv := redistest.Shared(t)
	env := &testEnv{
		Client: srv.Client(t),
		Keys:   redisstore.Keys{Prefix: redistest.Prefix(t)},
		Secret: []byte("test-secret-test-secret-test-secret!"),
		Issuer: "mockroom",
	}
	var err error
	env.Tokens, err = token.NewIssuer(env.Secret, env.Issuer, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	light := account.LightHashParams
	env.Accounts, err = account.NewService(account.Options{
		Store:   redisstore.NewAccountStore(env.Client, env.Keys),
		Counter: redisstore.NewRateCounter(env.Client, env.Keys),
		Tokens:  env.Tokens,
		Eraser:  redisstore.NewEraser(env.Client, env.Keys, nil),
		Hash:    &light,
		Limits:  &cfg.limits,
	})
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.opts
	o.Auth = env.Accounts
	o.Ready = func(ctx context.Context) error { return env.Client.Ping(ctx).Err() }
	env.Server = New(o)
	env.Server.MountAuth(env.Accounts)
	for _, m := range cfg.mounts {
		m(t, env)
	}
	hs := httptest.NewServer(env.Server)
	t.Cleanup(hs.Close)
	env.URL = hs.URL
	return env
}

// testUser is a signed-up account with a live session.
type testUser struct {
	ID           string
	Email        string
	Password     string
	Name         string
	AccessToken  string
	RefreshToken string
}

var testUserSeq atomic.Int64

// signup creates a fresh account through the API and returns it with its tokens.
func (e *testEnv) signup(t *testing.T) testUser {
	t.Helper()
	n := testUserSeq.Add(1)
	u := testUser{Email: fmt.Sprintf("user%d@example.org", n), Password: "correct horse battery", Name: fmt.Sprintf("User %d", n)}
	res, body := e.do(t, "POST", "/api/v1/auth/signup", "", map[string]string{"email": u.Email, "password": u.Password, "name": u.Name})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("signup: status %d: %s", res.StatusCode, body)
	}
	var s authSession
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	u.ID, u.AccessToken, u.RefreshToken = string(s.User.ID), s.AccessToken, s.RefreshToken
	return u
}

// do sends a request with an optional bearer token and body (a string or []byte is sent as is,
// anything else as JSON) and returns the response with its body read.
func (e *testEnv) do(t *testing.T, method, path, bearer string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, out
}

// errorCode decodes an error body's code, failing the test if the body is not {code, message}.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Code
}
