package editor

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The property test checks Apply against a reference that works the way JavaScript does: on
// arrays of UTF-16 code units, with no cleverness about UTF-8.

var genRunes = []rune{'a', 'b', 'z', ' ', '\t', '\n', '\n', '"', '\\', '/', 'é', 'ß', '中', '\u2028', 0x00, 0x1f,
	'😀', '😁', '𝔘', '👍', 0x10FFFF, 0xFFFF, 0xFFFD}

func genText(r *rand.Rand, max int) string {
	var b strings.Builder
	for n := r.IntN(max + 1); n > 0; n-- {
		b.WriteRune(genRunes[r.IntN(len(genRunes))])
	}
	return b.String()
}

// genSection is one entry of a generated change set, kept in UTF-16 units for the reference.
type genSection struct {
	keep bool
	del  int
	ins  string // may contain "\n"; written as separate lines
}

// genChangeSet walks a document of units u and produces random sections covering it, mostly
// on code point boundaries but sometimes not, so that splitting a pair is exercised too.
func genChangeSet(r *rand.Rand, u []uint16) []genSection {
	var out []genSection
	pos := 0
	for {
		if r.IntN(8) == 0 {
			out = append(out, genSection{keep: r.IntN(2) == 0}) // empty pieces are legal
		}
		if pos == len(u) && r.IntN(3) > 0 {
			return out
		}
		n := r.IntN(len(u) - pos + 1)
		if r.IntN(5) > 0 && pos+n < len(u) && utf16.IsSurrogate(rune(u[pos+n])) && u[pos+n] >= 0xDC00 {
			n++ // usually keep pairs whole
		}
		if r.IntN(2) == 0 {
			out = append(out, genSection{keep: true, del: n})
		} else {
			ins := ""
			if r.IntN(4) > 0 {
				ins = genText(r, 6)
			}
			out = append(out, genSection{del: n, ins: ins})
		}
		pos += n
		if pos == len(u) && r.IntN(2) == 0 {
			return out
		}
	}
}

// encodeJSON writes sections the way a client could, varying escapes and whitespace.
func encodeJSON(r *rand.Rand, secs []genSection) string {
	var b strings.Builder
	sp := func() {
		if r.IntN(10) == 0 {
			b.WriteByte(" \n\t\r"[r.IntN(4)])
		}
	}
	sp()
	b.WriteByte('[')
	for i, s := range secs {
		if i > 0 {
			sp()
			b.WriteByte(',')
		}
		sp()
		if s.keep {
			fmt.Fprintf(&b, "%d", s.del)
			continue
		}
		fmt.Fprintf(&b, "[%d", s.del)
		if s.ins != "" || r.IntN(2) == 0 {
			for _, line := range strings.Split(s.ins, "\n") {
				b.WriteByte(',')
				sp()
				b.WriteString(encodeString(r, line))
			}
		}
		b.WriteByte(']')
	}
	sp()
	b.WriteByte(']')
	sp()
	return b.String()
}

func encodeString(r *rand.Rand, s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20:
			fmt.Fprintf(&b, "\\u%04x", c)
		case c >= 0x80 && r.IntN(3) == 0:
			for _, u := range utf16.Encode([]rune{c}) {
				fmt.Fprintf(&b, []string{"\\u%04x", "\\u%04X"}[r.IntN(2)], u)
			}
		case c == '/' && r.IntN(2) == 0:
			b.WriteString(`\/`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// referenceApply applies sections to u as JavaScript would, and reports the error code the
// server must give: a change whose edge falls inside a surrogate pair.
func referenceApply(u []uint16, secs []genSection) ([]uint16, string) {
	var out []uint16
	pos := 0
	inPair := func(p int) bool {
		return p > 0 && p < len(u) && u[p-1] >= 0xD800 && u[p-1] < 0xDC00 && u[p] >= 0xDC00 && u[p] < 0xE000
	}
	// Edges between kept and changed text, ignoring pieces that do nothing.
	lastKeep := true
	for _, s := range secs {
		changes := !s.keep && (s.del > 0 || s.ins != "")
		if s.keep && s.del == 0 || !s.keep && !changes {
			continue
		}
		if s.keep != lastKeep && inPair(pos) {
			return nil, CodeChangesSplitSurrogate
		}
		lastKeep = s.keep
		if s.keep {
			out = append(out, u[pos:pos+s.del]...)
		} else {
			out = append(out, utf16.Encode([]rune(s.ins))...)
		}
		pos += s.del
	}
	if !lastKeep && inPair(pos) {
		return nil, CodeChangesSplitSurrogate
	}
	return out, ""
}

func TestApplyMatchesReference(t *testing.T) {
	iterations := 20000
	if testing.Short() {
		iterations = 2000
	}
	r := rand.New(rand.NewPCG(1, 2))
	splits := 0
	for i := 0; i < iterations; i++ {
		text := genText(r, 1+r.IntN(40))
		u := utf16.Encode([]rune(text))
		secs := genChangeSet(r, u)
		js := encodeJSON(r, secs)
		wantUnits, wantCode := referenceApply(u, secs)

		doc := mustDocument(t, text)
		cs, err := ParseChangeSet([]byte(js), doc.Len16(), Limits{})
		if err != nil {
			t.Fatalf("iteration %d: doc %q changes %s: %v", i, text, js, err)
		}
		got, err := Apply(doc, cs)
		if wantCode != "" {
			splits++
			if code := mockroom.ErrorCode(err); code != wantCode {
				t.Fatalf("iteration %d: doc %q changes %s: code %q, want %q", i, text, js, code, wantCode)
			}
			continue
		}
		if err != nil {
			t.Fatalf("iteration %d: doc %q changes %s: %v", i, text, js, err)
		}
		want := string(utf16.Decode(wantUnits))
		if diff := cmp.Diff(want, got.String()); diff != "" {
			t.Fatalf("iteration %d: doc %q changes %s (-reference +got):\n%s", i, text, js, diff)
		}
		if got.Len16() != len(wantUnits) || cs.NewLen() != len(wantUnits) {
			t.Fatalf("iteration %d: lengths %d/%d, want %d", i, got.Len16(), cs.NewLen(), len(wantUnits))
		}
	}
	// The generator must exercise both outcomes, or the property says little.
	if splits < iterations/50 || splits > iterations/2 {
		t.Errorf("%d of %d iterations split a pair; generator is off balance", splits, iterations)
	}
}

func TestLen16AndSeek(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		text := genText(r, 60)
		if r.IntN(2) == 0 {
			text = strings.Repeat("abcdefgh", r.IntN(4)) + text // long ASCII runs take the word path
		}
		u := utf16.Encode([]rune(text))
		if got := Len16(text); got != len(u) {
			t.Fatalf("Len16(%q) = %d, want %d", text, got, len(u))
		}
		// Seeking to every unit offset: valid exactly at code point boundaries.
		for n := 0; n <= len(u)+1; n++ {
			off, ok := seek16(text, 0, n)
			wantOK := n <= len(u) && !(n > 0 && n < len(u) && u[n] >= 0xDC00 && u[n] < 0xE000)
			if ok != wantOK {
				t.Fatalf("seek16(%q, %d) ok = %v, want %v", text, n, ok, wantOK)
			}
			if ok && len(utf16.Encode([]rune(text[:off]))) != n {
				t.Fatalf("seek16(%q, %d) = byte %d, which is %d units", text, n, off, Len16(text[:off]))
			}
		}
	}
}

// TestDocPushesMatchTheReference: a Doc that reuses its buffers keeps the reference's text
// through a long run of pushes of one to three updates, some refused (a split pair), each made
// on a copy of the Doc that is then kept or dropped, as the live engine's trial pushes are. A
// dropped copy leaves the Doc's text as it was; a kept one carries the pushed text.
func TestDocPushesMatchTheReference(t *testing.T) {
	steps := 5000
	if testing.Short() {
		steps = 500
	}
	r := rand.New(rand.NewPCG(3, 4))
	text := genText(r, 30)
	doc, err := NewDoc(Snapshot{Text: text}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	units := utf16.Encode([]rune(text))
	kept, refused := 0, 0
	for step := range steps {
		// Each update is made against the text the ones before it leave.
		var updates []Update
		after, failed := units, false
		for range 1 + r.IntN(3) {
			secs := genChangeSet(r, after)
			updates = append(updates, Update{ClientID: "c", Changes: []byte(encodeJSON(r, secs))})
			next, code := referenceApply(after, secs)
			if code != "" {
				failed = true
				break
			}
			after = next
		}
		trial := *doc
		_, err := trial.Push(doc.Version(), updates)
		if failed != (err != nil) {
			t.Fatalf("step %d: push of %d updates: error %v, want one: %v", step, len(updates), err, failed)
		}
		if err != nil {
			refused++
		} else if r.IntN(3) > 0 {
			*doc = trial
			units = after
			kept++
		}
		want := string(utf16.Decode(units))
		if got := doc.Snapshot().Text; got != want {
			t.Fatalf("step %d (%d updates, error %v): text %q, want %q", step, len(updates), err, got, want)
		}
		if doc.Len16() != len(units) {
			t.Fatalf("step %d: Len16 %d, want %d", step, doc.Len16(), len(units))
		}
		// Keep the text short enough that the generator's changes stay varied.
		if len(units) > 200 {
			units = units[:0]
			if err := doc.Reset(""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if kept < steps/4 || refused < steps/100 {
		t.Errorf("%d pushes kept and %d refused of %d: the generator is off balance", kept, refused, steps)
	}
}
