package editor

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc builds Python-like text of about size bytes, with a little non-ASCII when asked so
// that the UTF-16 scanning path is measured as well as the all-ASCII one.
func benchDoc(b *testing.B, size int, unicode bool) Document {
	b.Helper()
	line := "    result = compute(values, key=lambda v: v.score)  # rank\n"
	if unicode {
		line = "    result = compute(values, key=lambda v: v.score)  # café 😀\n"
	}
	return mustDocument(b, strings.Repeat(line, size/len(line)+1)[:size-size%len(line)])
}

// A typical keystroke burst: about 100 bytes of inserted code in the middle of the document.
func keystroke(doc Document) []byte {
	at := doc.Len16() / 2
	return fmt.Appendf(nil, `[%d,[0,"        if value is None:  # 100 bytes of typing, give or take ","            continue"],%d]`,
		at, doc.Len16()-at)
}

func BenchmarkKeystroke(b *testing.B) {
	for _, size := range []int{10 << 10, 200 << 10} {
		for _, unicode := range []bool{false, true} {
			doc := benchDoc(b, size, unicode)
			raw := keystroke(doc)
			name := fmt.Sprintf("doc=%dKB/unicode=%v", size>>10, unicode)
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					cs, err := ParseChangeSet(raw, doc.Len16(), Limits{})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := Apply(doc, cs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParse isolates validation, which is all a node does for an update it only relays.
func BenchmarkParse(b *testing.B) {
	doc := benchDoc(b, 200<<10, false)
	raw := keystroke(doc)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseChangeSet(raw, doc.Len16(), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
