package editor

import (
	"go/build"
	"runtime"
	"strings"
	"testing"
)

// Validation must cost nothing in proportion to the values of the numbers it reads, or a tiny
// message could make the server allocate without bound. Bytes, not allocation counts, are
// compared: under the race detector sync.Pool drops items at random, which moves counts by one.
func TestParseAllocationsIndependentOfNumbers(t *testing.T) {
	huge := strings.Repeat("9", 4000)
	pairs := [][2]string{ // each pair takes the same path through the parser
		{`[1e1]`, `[1e18]`},
		{`[99999999999999999999]`, `[` + huge + `]`},
		{`[6]`, `[9007199254740991]`},
		{`[[6,"x"]]`, `[[9007199254740991,"x"]]`},
		{`[[99999999999999999999,"x"]]`, `[[` + huge + `,"x"]]`},
	}
	for _, p := range pairs {
		smallRaw, hugeRaw := []byte(p[0]), []byte(p[1])
		small := bytesPerRun(func() { _, _ = ParseChangeSet(smallRaw, 5, Limits{}) })
		big := bytesPerRun(func() { _, _ = ParseChangeSet(hugeRaw, 5, Limits{}) })
		// A copy of the digits alone would be 4,000 bytes; allow only per-call noise.
		if big > small+512 {
			t.Errorf("%.40s…: %d bytes per parse, %s: %d", p[1], big, p[0], small)
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

// bytesPerRun is the average heap allocated by one call of f over many calls.
func bytesPerRun(f func()) uint64 {
	const runs = 200
	f() // warm up caches and pools
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / runs
}

// A keystroke into a large document costs a few small allocations (the parsed change set),
// not a copy of the document: the Doc writes into the buffer it kept from the push before.
func TestPushReusesItsBuffers(t *testing.T) {
	const size = 100 << 10
	line := "    total += price * quantity  # keep it simple\n"
	doc, err := NewDoc(Snapshot{Text: strings.Repeat(line, size/len(line))}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Type one character into the middle, then take it out again: the length stays put.
	at := doc.Len16() / 2
	insert := []Update{{ClientID: "c", Changes: []byte(`[` + itoa(at) + `,[0,"x"],` + itoa(doc.Len16()-at) + `]`)}}
	remove := []Update{{ClientID: "c", Changes: []byte(`[` + itoa(at) + `,[1],` + itoa(doc.Len16()-at) + `]`)}}
	push := func() {
		for _, u := range [][]Update{insert, remove} {
			if _, err := doc.Push(doc.Version(), u); err != nil {
				t.Fatal(err)
			}
		}
	}
	if b := bytesPerRun(push); b > 2<<10 {
		t.Errorf("two keystrokes into a %d KiB document allocate %d bytes, want under 2 KiB", size>>10, b)
	}
}
