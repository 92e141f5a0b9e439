package redisstore

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseURLClusterForms: the forms an operator points a node at a cluster with, and the
// ones refused with a clear message.
func TestParseURLClusterForms(t *testing.T) {
	type parsed struct {
		Addrs    []string
		Cluster  bool
		DB       int
		Password string
	}
	for _, tc := range []struct {
		url     string
		want    parsed
		wantErr string
	}{
		{url: "redis://10.0.0.1:6379", want: parsed{Addrs: []string{"10.0.0.1:6379"}}},
		{url: "redis://10.0.0.1:6379/2", want: parsed{Addrs: []string{"10.0.0.1:6379"}, DB: 2}},
		{url: "redis://10.0.0.1:7000?cluster=true", want: parsed{Addrs: []string{"10.0.0.1:7000"}, Cluster: true}},
		{url: "redis://:pw@10.0.0.1:7000?cluster=true&dial_timeout=3s", want: parsed{Addrs: []string{"10.0.0.1:7000"}, Cluster: true, Password: "pw"}},
		{url: "redis://a:7000,b:7001,c", want: parsed{Addrs: []string{"a:7000", "b:7001", "c:6379"}, Cluster: true}},
		{url: "redis://a:7000?cluster=false", want: parsed{Addrs: []string{"a:7000"}}},
		{url: "redis://a:7000?cluster=yes", wantErr: "cluster must be true or false"},
		{url: "redis://a:7000/3?cluster=true", wantErr: "only database 0"},
		{url: "redis://a:7000,,b:7001", wantErr: "empty host"},
		{url: "http://a:7000", wantErr: "redis:// or rediss://"},
	} {
		opts, err := parseURL(tc.url)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tc.url, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		got := parsed{Addrs: opts.Addrs, Cluster: opts.IsClusterMode, DB: opts.DB, Password: opts.Password}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.url, diff)
		}
	}
}
