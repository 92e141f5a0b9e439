package main

import (
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// version and revision are stamped by the build:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.revision=$(git rev-parse HEAD)" ./cmd/mockroom
//
// Without them they come from the build information Go records (the module version when built
// as a module, the commit when built in a git checkout), else "devel" and "unknown".
var (
	version  = ""
	revision = ""
)

// buildInfo identifies the binary: what -version prints, the start-up log and the build-info metric.
type buildInfo struct {
	Version   string // release version, or "devel"
	Revision  string // VCS commit, "+dirty" when built from a modified tree; "unknown" without VCS data
	BuildTime string // commit time (RFC 3339) when known
	GoVersion string
}

func (b buildInfo) String() string {
	s := "mockroom " + b.Version + " (" + b.Revision
	if b.BuildTime != "" {
		s += ", " + b.BuildTime
	}
	return s + ", " + b.GoVersion + ")"
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Revision: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.BuildTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && b.Revision != "unknown" {
			b.Revision += "+dirty"
		}
	}
	if revision != "" {
		b.Revision = revision
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	b.Version = strings.TrimSpace(b.Version)
	return b
}

// registerBuildInfo adds mockroom_build_info, a constant 1 labelled with the build, so a dashboard
// shows which version each node runs (and a mixed fleet during a rollout).
func registerBuildInfo(reg prometheus.Registerer, b buildInfo) error {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "mockroom_build_info",
		Help:        "Always 1; the labels say which build this node runs.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion},
	})
	g.Set(1)
	return reg.Register(g)
}
