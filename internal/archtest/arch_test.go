// Package archtest holds tests of the project's shape: the one-way dependency rules that keep
// the domain free of transports and stores, checked mechanically with `go list -deps`.
package archtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mockroom/mockroom"

// domainPackages hold the rules. They may not know how they are reached (HTTP, WebSocket) or
// where data lives (Redis), nor how tokens are encoded (JWT).
var domainPackages = []string{
	"internal/mockroom", "internal/bank", "internal/editor", "internal/room",
	"internal/match", "internal/live", "internal/account", "internal/feedback", "internal/record", "internal/progress",
}

// forbidden are import paths (or prefixes ending in "/") no domain package may depend on, even
// indirectly.
var forbidden = []string{
	"net/http",
	"github.com/gorilla/websocket",
	"github.com/redis/go-redis/",
	"github.com/golang-jwt/jwt/",
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func goList(t *testing.T, root string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %v: %v\n%s", args, err, stderr)
	}
	return strings.Fields(string(out))
}

func TestDomainImportsNoAdapters(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	for _, pkg := range domainPackages {
		// Packages not written yet are skipped; the list names them so they are checked from the
		// day they appear.
		if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
			continue
		}
		checked++
		for _, dep := range forbiddenDeps(t, root, pkg) {
			t.Errorf("%s depends on %s; domain packages must not (move that code into an adapter)", pkg, dep)
		}
	}
	if checked == 0 {
		t.Fatal("no domain package found; is the repository root right?")
	}
}

// forbiddenDeps lists the forbidden packages among pkg's dependencies.
func forbiddenDeps(t *testing.T, root, pkg string) []string {
	t.Helper()
	var found []string
	for _, dep := range goList(t, root, "-deps", "./"+pkg) {
		for _, f := range forbidden {
			if dep == strings.TrimSuffix(f, "/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
				found = append(found, dep)
			}
		}
	}
	return found
}

// TestCheckerSeesAdapters makes sure the check can fail: the adapters must be flagged.
func TestCheckerSeesAdapters(t *testing.T) {
	root := repoRoot(t)
	for pkg, want := range map[string]string{
		"internal/httpapi": "net/http",
		"internal/token":   "github.com/golang-jwt/jwt/v5",
	} {
		found := forbiddenDeps(t, root, pkg)
		if !slices.Contains(found, want) {
			t.Errorf("forbiddenDeps(%s) = %v, want it to include %s", pkg, found, want)
		}
	}
}

func TestNothingInternalImportsCmd(t *testing.T) {
	root := repoRoot(t)
	lines := goList(t, root, "-deps", "-f", "{{.ImportPath}}", "./internal/...")
	for _, dep := range lines {
		if strings.HasPrefix(dep, module+"/cmd") {
			t.Errorf("a package under internal/ depends on %s; cmd is where packages meet, never a dependency", dep)
		}
	}
}

// TestSharedRedisIsStopped: a package whose tests use redistest.Shared stops it from TestMain
// (redistest.StopShared). The shared redis-server is a child process, and a child does not die
// with the test binary: without the stop, every run of the package leaves one running.
func TestSharedRedisIsStopped(t *testing.T) {
	root := repoRoot(t)
	uses, stops := map[string]bool{}, map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "frontend") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		if strings.Contains(string(src), "redistest.Shared(") {
			uses[dir] = true
		}
		if strings.Contains(string(src), "redistest.StopShared()") {
			stops[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) == 0 {
		t.Fatal("found no test using redistest.Shared: the walk looked in the wrong place")
	}
	for dir := range uses {
		if !stops[dir] {
			t.Errorf("%s: tests use redistest.Shared but no TestMain calls redistest.StopShared", dir)
		}
	}
}
