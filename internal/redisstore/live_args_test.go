package redisstore

import (
	"fmt"
	"testing"
)

// TestBoxedFieldStopsGrowing: names are boxed to themselves, the same box is reused for a name
// seen before, and the map of boxes stops growing at maxBoxedFields however many names (a run's
// field carries its id) come by.
func TestBoxedFieldStopsGrowing(t *testing.T) {
	if got := boxedField("version"); got != any("version") {
		t.Fatalf("boxedField(version) = %#v", got)
	}
	for i := range 3 * maxBoxedFields {
		name := fmt.Sprintf("run:test-%d", i)
		if got := boxedField(name); got != any(name) {
			t.Fatalf("boxedField(%s) = %#v", name, got)
		}
	}
	if n := len(*boxedFields.Load()); n > maxBoxedFields {
		t.Errorf("%d boxed names kept, at most %d allowed", n, maxBoxedFields)
	}
	var known string
	for name := range *boxedFields.Load() {
		known = name
		break
	}
	allocs := testing.AllocsPerRun(100, func() { _ = boxedField(known) })
	if allocs != 0 {
		t.Errorf("boxing a known name (%s) allocated %.1f times", known, allocs)
	}
}
