package live_test

import (
	"testing"

	"github.com/mockroom/mockroom/internal/live"
)

func TestDeliverySharedBuildsOncePerKey(t *testing.T) {
	d := &live.Delivery{Event: live.Event{Offset: 1}}
	builds := map[string]int{}
	for _, key := range []string{"interviewer", "candidate", "candidate", "interviewer", "observer", "candidate"} {
		got := d.Shared(key, func() []byte { builds[key]++; return []byte(key) })
		if string(got) != key {
			t.Errorf("Shared(%q) = %q", key, got)
		}
	}
	for key, n := range builds {
		if n != 1 {
			t.Errorf("%q built %d times, want once", key, n)
		}
	}
	if len(builds) != 3 {
		t.Errorf("built %d keys, want 3", len(builds))
	}
}
