package editor

import (
	"go/build"
	"strings"
	"testing"
)

// Validation must cost nothing in proportion to the values of the numbers it reads, or a tiny
// message could make the server allocate without bound.
func TestParseAllocationsIndependentOfNumbers(t *testing.T) {
	// Each huge number must cost exactly what a small one on the same error path costs.
	pairs := [][2]string{
		{`[1e1]`, `[1e18]`},
		{`[6]`, `[99999999999999999999999999999999]`},
		{`[6]`, `[9007199254740991]`},
		{`[[6,"x"]]`, `[[9007199254740991,"x"]]`},
	}
	for _, p := range pairs {
		smallRaw, hugeRaw := []byte(p[0]), []byte(p[1])
		small := testing.AllocsPerRun(100, func() { _, _ = ParseChangeSet(smallRaw, 5, Limits{}) })
		huge := testing.AllocsPerRun(100, func() { _, _ = ParseChangeSet(hugeRaw, 5, Limits{}) })
		if huge != small {
			t.Errorf("%s: %v allocations, %s: %v", p[1], huge, p[0], small)
		}
	}
	keystroke := []byte(`[5000,[0,"    return value"],5000]`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseChangeSet(keystroke, 10000, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // the section slice and the inserted text
		t.Errorf("keystroke parse: %v allocations", allocs)
	}
}

// The editor rules stay pure: the standard library and the shared domain types only.
func TestImportsStayPure(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") && imp != "github.com/mockroom/mockroom/internal/mockroom" {
			t.Errorf("editor imports %s", imp)
		}
	}
}
