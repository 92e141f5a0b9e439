package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestVersionFlagPrintsTheBuildAndExits(t *testing.T) {
	oldVersion, oldRevision := version, revision
	version, revision = "v1.4.2", "0123abc"
	defer func() { version, revision = oldVersion, oldRevision }()

	var out bytes.Buffer
	// Bad settings beside -version do not matter: nothing else is read, nothing starts.
	getenv := envOf(map[string]string{"MOCKROOM_ADDR": "not an address"})
	if err := run(context.Background(), []string{"-version"}, getenv, &out, nil); err != nil {
		t.Fatalf("run -version: %v", err)
	}
	want := regexp.MustCompile(`^mockroom v1\.4\.2 \(0123abc, go1\.[0-9.]+[^)]*\)\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("-version printed %q, want it to match %s", out.String(), want)
	}
}

func TestVersionWithoutStampIsDevel(t *testing.T) {
	oldVersion, oldRevision := version, revision
	version, revision = "", ""
	defer func() { version, revision = oldVersion, oldRevision }()
	b := readBuildInfo()
	// A test binary records no module version and, in CI's fresh clone, maybe a commit.
	if b.Version != "devel" || b.Revision == "" || !strings.HasPrefix(b.GoVersion, "go") {
		t.Errorf("unstamped build = %+v, want version devel, some revision, a Go version", b)
	}
}

func TestBuildInfoMetric(t *testing.T) {
	s := start(t, nil)
	defer s.stop()
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b := readBuildInfo()
	line := regexp.MustCompile(`(?m)^mockroom_build_info\{[^}]*\} 1$`).FindString(string(body))
	if line == "" {
		t.Fatalf("no mockroom_build_info sample in /metrics")
	}
	for _, label := range []string{`version="` + b.Version + `"`, `revision="` + b.Revision + `"`, `goversion="` + b.GoVersion + `"`} {
		if !strings.Contains(line, label) {
			t.Errorf("%s lacks %s", line, label)
		}
	}
	if !strings.Contains(s.logs.String(), "version="+b.Version) {
		t.Errorf("the start-up log does not name the version")
	}
}
