package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/mockroom/mockroom/internal/account"
)

// The drift test keeps api/openapi.yaml and the handlers in step: it sends real requests through
// the real server (real Redis, real services), validates every request and every response —
// status, headers and body — against the document, fails if a documented operation was never
// exercised, and fails if the server mounts a route the document does not describe.
//
// Features add their calls without touching this file: in their own _test.go file,
//
//	func init() {
//		driftEnvOptions = append(driftEnvOptions, withMount(func(t *testing.T, env *testEnv) { ... }))
//		driftScenarios = append(driftScenarios, driftScenario{Name: "rooms", Run: func(t *testing.T, c *driftClient) { ... }})
//	}

const openAPIPath = "../../api/openapi.yaml"

// driftScenario is a named sequence of calls made through a driftClient.
type driftScenario struct {
	Name string
	Run  func(t *testing.T, c *driftClient)
}

var (
	// driftScenarios are run in order against one server; append from init().
	driftScenarios []driftScenario
	// driftEnvOptions build the drift test's server; append withMount options from init().
	driftEnvOptions []testEnvOption
)

// driftRequest is one call. Body is sent as JSON unless it is a string (sent as is).
type driftRequest struct {
	Method, Path string
	Token        string
	Body         any
	// WantStatus, if not zero, is the status the call must answer.
	WantStatus int
	// SkipRequestValidation marks a request that is wrong on purpose (bad JSON, missing token,
	// short password): the response is still validated.
	SkipRequestValidation bool
}

// driftClient sends calls, validates them against the document and records which operations
// were exercised.
type driftClient struct {
	Env    *testEnv
	doc    *openapi3.T
	router routers.Router

	mu      sync.Mutex
	covered map[string]bool // "METHOD /documented/{path}"
}

// Do sends r, validates request and response, and returns the status and body.
func (c *driftClient) Do(t *testing.T, r driftRequest) (int, []byte) {
	t.Helper()
	var raw []byte
	switch b := r.Body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	newReq := func() *http.Request {
		var body io.Reader
		if raw != nil {
			body = bytes.NewReader(raw)
		}
		req, err := http.NewRequestWithContext(t.Context(), r.Method, c.Env.URL+r.Path, body)
		if err != nil {
			t.Fatal(err)
		}
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if r.Token != "" {
			req.Header.Set("Authorization", "Bearer "+r.Token)
		}
		return req
	}

	vreq := newReq()
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: not in api/openapi.yaml: %v", r.Method, r.Path, err)
	}
	c.mu.Lock()
	c.covered[r.Method+" "+route.Path] = true
	c.mu.Unlock()
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: driftBearerCheck, MultiError: true},
	}
	if !r.SkipRequestValidation {
		if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
			t.Fatalf("%s %s: request does not match api/openapi.yaml: %v", r.Method, r.Path, err)
		}
	}

	res, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.WantStatus != 0 && res.StatusCode != r.WantStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.Path, res.StatusCode, r.WantStatus, body)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(t.Context(), out); err != nil {
		t.Fatalf("%s %s: response %d does not match api/openapi.yaml: %v\nbody: %s", r.Method, r.Path, res.StatusCode, err, body)
	}
	return res.StatusCode, body
}

// DoJSON is Do that also decodes the response body into dst.
func (c *driftClient) DoJSON(t *testing.T, r driftRequest, dst any) int {
	t.Helper()
	status, body := c.Do(t, r)
	if err := json.Unmarshal(body, dst); err != nil {
		t.Fatalf("%s %s: decode %s: %v", r.Method, r.Path, body, err)
	}
	return status
}

// driftBearerCheck stands in for the security requirement: a bearer header must be present. The
// server decides whether the token is good.
func driftBearerCheck(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type == "http" && in.SecurityScheme.Scheme == "bearer" {
		if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
			return openapi3filter.ErrAuthenticationServiceMissing
		}
		return nil
	}
	return openapi3filter.ErrAuthenticationServiceMissing
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(openAPIPath)
	if err != nil {
		t.Fatalf("load %s: %v", openAPIPath, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", openAPIPath, err)
	}
	return doc
}

// driftLimits keep per-account login limits low enough to exercise 429 while leaving room for
// the many signups and logins scenarios make from one address.
var driftLimits = account.Limits{LoginPerAccount: 5, LoginPerAddress: 100000, SignupPerAddress: 100000, Window: time.Minute}

func TestOpenAPIDrift(t *testing.T) {
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	opts := append([]testEnvOption{withLimits(driftLimits)}, driftEnvOptions...)
	env := newTestEnv(t, opts...)
	c := &driftClient{Env: env, doc: doc, router: router, covered: map[string]bool{}}

	for _, sc := range driftScenarios {
		t.Run(sc.Name, func(t *testing.T) { sc.Run(t, c) })
	}
	if t.Failed() {
		return
	}

	// Every documented operation was exercised.
	var missed []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !c.covered[method+" "+path] {
				missed = append(missed, method+" "+path)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("documented operations no drift scenario calls (add scenarios):\n  %s", strings.Join(missed, "\n  "))
	}

	// Every mounted route is documented.
	for _, pattern := range env.Server.Routes() {
		if !patternDocumented(doc, pattern) {
			t.Errorf("route %q is served but not described in api/openapi.yaml", pattern)
		}
	}
}

var wildcardRE = regexp.MustCompile(`\{([a-zA-Z0-9_]+)(\.\.\.)?\}`)

// patternDocumented reports whether a ServeMux pattern ("METHOD /path/{id}") has an operation in
// doc. Wildcard names must match the document's parameter names.
func patternDocumented(doc *openapi3.T, pattern string) bool {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	path = wildcardRE.ReplaceAllString(strings.TrimSuffix(path, "{$}"), "{$1}")
	item := doc.Paths.Value(path)
	if item == nil {
		return false
	}
	if method == "" {
		return len(item.Operations()) > 0
	}
	if item.GetOperation(method) != nil {
		return true
	}
	// ServeMux lets GET patterns serve HEAD too; only GET needs documenting.
	return method == http.MethodHead && item.GetOperation(http.MethodGet) != nil
}

func TestPatternDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		pattern string
		want    bool
	}{
		{"POST /api/v1/auth/signup", true},
		{"GET /api/v1/auth/signup", false},
		{"GET /api/v1/me", true},
		{"GET /api/v1/nowhere", false},
		{"/api/v1/me", true},
	}
	for _, tc := range tests {
		if got := patternDocumented(doc, tc.pattern); got != tc.want {
			t.Errorf("patternDocumented(%q) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}
