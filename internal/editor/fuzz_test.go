package editor

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// fuzzSeeds are change sets of every shape, valid and not, paired with documents.
var fuzzSeeds = []struct{ doc, changes string }{
	{"", `[]`},
	{"abc", `[3]`},
	{"abc", `[1,[1,"x","y"],1]`},
	{"😀a", `[2,[1,"b"]]`},
	{"😀", `[1,[0,"x"],1]`},
	{"ab", `[[1,"x"],[1,"y"]]`},
	{"", `[[0,"\ud83d\ude00\u00e9\"\\"]]`},
	{"", `[[0,"\ud83d"]]`},
	{"abc", ` [ 1 , [ 2 ] ] `},
	{"a", `[1e18]`},
	{"a", `[-1]`},
	{"a", `[99999999999999999999999]`},
	{"a", `[[1,"a\nb"]]`},
	{"a", `[[]]`},
	{"a", `[1,]`},
	{"中文\nx", `[2,[1,"",""],1]`},
}

// checkAccepted holds for every change set the parser accepts: it applies to a document of the
// length it was parsed for, or refuses only for a split pair, and the result has the declared
// length and is text CodeMirror could hold.
func checkAccepted(t *testing.T, doc Document, cs ChangeSet) {
	t.Helper()
	if cs.Len() != doc.Len16() {
		t.Fatalf("accepted change set of length %d for document of %d", cs.Len(), doc.Len16())
	}
	out, err := Apply(doc, cs)
	if err != nil {
		if mockroom.ErrorCode(err) != CodeChangesSplitSurrogate {
			t.Fatalf("accepted change set does not apply: %v", err)
		}
		return
	}
	if out.Len16() != cs.NewLen() || Len16(out.String()) != cs.NewLen() {
		t.Fatalf("result length %d (counted %d), declared %d", out.Len16(), Len16(out.String()), cs.NewLen())
	}
	if !validText(out.String()) {
		t.Fatalf("result %q is not valid document text", out.String())
	}
}

func FuzzParseChangeSet(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.doc, []byte(s.changes))
	}
	if raw, err := os.ReadFile("testdata/codemirror_cases.json"); err == nil {
		var cases []codemirrorCase
		if json.Unmarshal(raw, &cases) == nil {
			for _, c := range cases[:40] {
				f.Add(c.Doc, []byte(c.Changes))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string, raw []byte) {
		doc, err := NewDocument(text)
		if err != nil {
			// Fuzz the parser anyway, against a length the document could have.
			if _, err := ParseChangeSet(raw, len(text), Limits{}); err != nil && mockroom.ErrorKind(err) == mockroom.KindInternal {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		cs, err := ParseChangeSet(raw, doc.Len16(), Limits{})
		if err != nil {
			if k := mockroom.ErrorKind(err); k != mockroom.KindInvalid && k != mockroom.KindTooLarge {
				t.Fatalf("error kind %q: %v", k, err)
			}
			return
		}
		checkAccepted(t, doc, cs)
	})
}

// FuzzApply builds a valid change set from fuzzed numbers and text, so that Apply itself sees
// far more shapes than the parser would let through at random.
func FuzzApply(f *testing.F) {
	f.Add("hello 😀 world\nline", []byte{3, 0, 2, 5, 1, 1}, "x\ny")
	f.Add("😀😀", []byte{1, 1, 1}, "")
	f.Add("", []byte{}, "abc")
	f.Add("中文éß", []byte{0, 2, 4}, "😀")
	f.Fuzz(func(t *testing.T, text string, steps []byte, ins string) {
		doc, err := NewDocument(text)
		if err != nil || !utf8.ValidString(ins) || strings.ContainsRune(ins, '\r') {
			return
		}
		// Turn steps into alternating kept and replaced spans covering the whole document.
		u := utf16.Encode([]rune(text))
		var b strings.Builder
		b.WriteByte('[')
		pos := 0
		for i, s := range steps {
			n := min(int(s), len(u)-pos)
			if i > 0 {
				b.WriteByte(',')
			}
			if i%2 == 0 {
				b.WriteString(itoa(n))
			} else {
				b.WriteString("[" + itoa(n))
				for _, line := range strings.Split(ins, "\n") {
					js, _ := json.Marshal(line)
					b.WriteString("," + string(js))
				}
				b.WriteByte(']')
			}
			pos += n
		}
		if pos < len(u) {
			if len(steps) > 0 {
				b.WriteByte(',')
			}
			b.WriteString(itoa(len(u) - pos))
		}
		b.WriteByte(']')
		cs, err := ParseChangeSet([]byte(b.String()), doc.Len16(), Limits{})
		if err != nil {
			if mockroom.ErrorKind(err) == mockroom.KindTooLarge {
				return
			}
			t.Fatalf("built change set %s rejected: %v", b.String(), err)
		}
		checkAccepted(t, doc, cs)
	})
}

func itoa(n int) string {
	js, _ := json.Marshal(n)
	return string(js)
}
