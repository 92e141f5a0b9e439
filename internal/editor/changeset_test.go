package editor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// mustDocument builds a Document or fails the test.
func mustDocument(t testing.TB, text string) Document {
	t.Helper()
	d, err := NewDocument(text)
	if err != nil {
		t.Fatalf("NewDocument(%q): %v", text, err)
	}
	return d
}

// parseApply runs the whole server path for one change set and returns the text or the code.
func parseApply(t testing.TB, doc, changes string, limits Limits) (string, string) {
	t.Helper()
	d := mustDocument(t, doc)
	cs, err := ParseChangeSet([]byte(changes), d.Len16(), limits)
	if err != nil {
		return "", mockroom.ErrorCode(err)
	}
	out, err := Apply(d, cs)
	if err != nil {
		return "", mockroom.ErrorCode(err)
	}
	if out.Len16() != cs.NewLen() || out.Len16() != Len16(out.String()) {
		t.Fatalf("length bookkeeping: doc %d, NewLen %d, counted %d", out.Len16(), cs.NewLen(), Len16(out.String()))
	}
	return out.String(), ""
}

func TestParseApply(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		changes string
		want    string
	}{
		{"empty doc, no change", "", `[]`, ""},
		{"keep all", "abc", `[3]`, "abc"},
		{"insert into empty", "", `[[0,"hi"]]`, "hi"},
		{"insert at start", "abc", `[[0,"x"],3]`, "xabc"},
		{"insert at end", "abc", `[3,[0,"x"]]`, "abcx"},
		{"delete at end", "abc", `[1,[2]]`, "a"},
		{"delete all", "abc", `[[3]]`, ""},
		{"replace middle", "abcde", `[1,[3,"XY"],1]`, "aXYe"},
		{"multi-line insert", "ab", `[1,[0,"x","y",""],1]`, "ax\ny\nb"},
		{"insert one newline", "ab", `[1,[0,"",""],1]`, "a\nb"},
		{"empty line string is deletion", "abc", `[1,[1,""],1]`, "ac"},
		{"zero-length pieces are no-ops", "abc", `[0,[0],1,[0,""],2,0]`, "abc"},
		{"adjacent keeps", "abc", `[1,1,1]`, "abc"},
		{"adjacent replacements", "abcd", `[[1,"x"],[2,"y","z"],1]`, "xy\nzd"},
		{"whitespace between tokens", "abc", " [ 1 , [ 1 , \"x\" ] ,\n1 ] ", "axc"},
		{"emoji counts two", "😀a", `[2,[1,"b"]]`, "😀b"},
		{"insert before emoji", "😀", `[[0,"a"],2]`, "a😀"},
		{"insert after emoji", "😀", `[2,[0,"a"]]`, "😀a"},
		{"delete whole emoji", "a😀b", `[1,[2],1]`, "ab"},
		{"replace both halves at once", "😀", `[[1,"a"],[1,"b"]]`, "ab"},
		{"edit after astral and BMP", "é中😀x", `[4,[1,"y"]]`, "é中😀y"},
		{"insert escaped pair", "", `[[0,"\ud83d\ude00"]]`, "😀"},
		{"insert escapes", "", `[[0,"\"\\\/\b\f\t\u00e9\u0000"]]`, "\"\\/\b\f\té\x00"},
		{"insert raw UTF-8", "", `[[0,"中文😀"]]`, "中文😀"},
		{"multi-line doc", "a\nb\nc", `[2,[1,"B"],2]`, "a\nB\nc"},
		{"split pair", "😀", `[1,[0,"x"],1]`, "changes_split_surrogate"},
		{"delete low half", "😀", `[1,[1]]`, "changes_split_surrogate"},
		{"delete high half", "😀a", `[[1],2]`, "changes_split_surrogate"},
		{"delete across two halves", "😀😁", `[1,[2],1]`, "changes_split_surrogate"},
		{"not an array", "", `{}`, "changes_malformed"},
		{"null", "", `null`, "changes_malformed"},
		{"empty input", "", ``, "changes_malformed"},
		{"string entry", "a", `["a"]`, "changes_malformed"},
		{"empty entry", "", `[[]]`, "changes_malformed"},
		{"entry starts with string", "", `[["a"]]`, "changes_malformed"},
		{"number as line", "a", `[[1,2]]`, "changes_malformed"},
		{"nested array as line", "a", `[[1,["x"]]]`, "changes_malformed"},
		{"null line", "a", `[[1,null]]`, "changes_malformed"},
		{"bool entry", "a", `[true]`, "changes_malformed"},
		{"float", "a", `[1.0]`, "changes_malformed"},
		{"exponent", "a", `[1e0]`, "changes_malformed"},
		{"huge exponent", "a", `[1e18]`, "changes_malformed"},
		{"negative", "a", `[-1,2]`, "changes_malformed"},
		{"negative zero", "", `[-0]`, "changes_malformed"},
		{"leading zero", "a", `[01]`, "changes_malformed"},
		{"trailing comma", "a", `[1,]`, "changes_malformed"},
		{"leading comma", "a", `[,1]`, "changes_malformed"},
		{"missing comma", "ab", `[1 1]`, "changes_malformed"},
		{"trailing comma in replacement", "a", `[[1,"x",]]`, "changes_malformed"},
		{"unclosed", "a", `[1`, "changes_malformed"},
		{"unclosed replacement", "a", `[[1`, "changes_malformed"},
		{"unterminated string", "a", `[[1,"x]]`, "changes_malformed"},
		{"trailing garbage", "a", `[1]x`, "changes_malformed"},
		{"two arrays", "a", `[1][1]`, "changes_malformed"},
		{"raw control char", "", "[[0,\"a\tb\"]]", "changes_malformed"},
		{"bad escape", "", `[[0,"\x"]]`, "changes_malformed"},
		{"short unicode escape", "", `[[0,"\u12"]]`, "changes_malformed"},
		{"escaped newline", "", `[[0,"a\nb"]]`, "changes_invalid_text"},
		{"escaped CR", "", `[[0,"a\rb"]]`, "changes_invalid_text"},
		{"unicode newline", "", `[[0,"a\u000Ab"]]`, "changes_invalid_text"},
		{"unicode CR", "", `[[0,"\u000d"]]`, "changes_invalid_text"},
		{"raw newline is a control char", "", "[[0,\"a\nb\"]]", "changes_malformed"},
		{"lone high surrogate", "", `[[0,"\ud83d"]]`, "changes_invalid_text"},
		{"lone high surrogate then char", "", `[[0,"\ud83dx"]]`, "changes_invalid_text"},
		{"lone low surrogate", "", `[[0,"\ude00"]]`, "changes_invalid_text"},
		{"two high surrogates", "", `[[0,"\ud83d\ud83d"]]`, "changes_invalid_text"},
		{"invalid UTF-8", "", "[[0,\"\xff\"]]", "changes_invalid_text"},
		{"UTF-8 encoded surrogate", "", "[[0,\"\xed\xa0\x80\"]]", "changes_invalid_text"},
		{"too short", "abc", `[2]`, "changes_length_mismatch"},
		{"too long", "abc", `[4]`, "changes_length_mismatch"},
		{"too long by deletion", "abc", `[2,[2]]`, "changes_length_mismatch"},
		{"empty set for non-empty doc", "a", `[]`, "changes_length_mismatch"},
		{"emoji counted as one", "😀", `[1]`, "changes_length_mismatch"},
		{"huge number", "a", `[99999999999999999999999999999999999999]`, "changes_length_mismatch"},
		{"max safe integer", "a", `[9007199254740991]`, "changes_length_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, code := parseApply(t, tt.doc, tt.changes, Limits{})
			got := text
			if code != "" {
				got = code
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("doc %q changes %s (-want +got):\n%s", tt.doc, tt.changes, diff)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	limits := Limits{MaxRawBytes: 64, MaxEntries: 3, MaxInsertUnits: 4, MaxDocUnits: 6}
	tests := []struct {
		name     string
		doc      string
		changes  string
		wantCode string
		wantKind mockroom.Kind
	}{
		{"raw bytes", "", `[[0,"` + strings.Repeat("a", 60) + `"]]`, "changes_too_large", mockroom.KindTooLarge},
		{"entries", "abcd", `[1,1,1,1]`, "changes_too_large", mockroom.KindTooLarge},
		{"inserted units", "", `[[0,"abcde"]]`, "changes_too_large", mockroom.KindTooLarge},
		{"inserted units across entries", "ab", `[[1,"abc"],[1,"de"]]`, "changes_too_large", mockroom.KindTooLarge},
		{"inserted emoji units", "", `[[0,"😀😀x"]]`, "changes_too_large", mockroom.KindTooLarge},
		{"inserted line breaks count", "", `[[0,"ab","","",""]]`, "changes_too_large", mockroom.KindTooLarge},
		{"resulting document", "abcde", `[5,[0,"ab"]]`, "document_too_large", mockroom.KindTooLarge},
		{"length error is invalid", "abc", `[2]`, "changes_length_mismatch", mockroom.KindInvalid},
		{"malformed is invalid", "abc", `[x]`, "changes_malformed", mockroom.KindInvalid},
		{"at the limits", "abc", `[1,[1,"abcd"],1]`, "", ""},
		{"resulting document exactly at the limit", "abcd", `[4,[0,"ab"]]`, "", ""},
		{"oversized document may shrink", "abcdefgh", `[[1],7]`, "", ""},
		{"oversized document may not grow", "abcdefgh", `[[1,"xy"],7]`, "document_too_large", mockroom.KindTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseChangeSet([]byte(tt.changes), Len16(tt.doc), limits)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if got := mockroom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q, want %q (err %v)", got, tt.wantCode, err)
			}
			if got := mockroom.ErrorKind(err); got != tt.wantKind {
				t.Errorf("kind = %q, want %q", got, tt.wantKind)
			}
		})
	}
}

func TestParseNormalises(t *testing.T) {
	tests := []struct {
		changes         string
		doc             string
		want            string
		wantLen, newLen int
		empty           bool
	}{
		{`[]`, "", "", 0, 0, true},
		{`[3]`, "abc", "3", 3, 3, true},
		{`[1,0,2,[0]]`, "abc", "3", 3, 3, true},
		{`[[0,"a"],[1,"b","c"],2]`, "abc", `[1:4 "ab\nc"] 2`, 3, 6, false},
		{`[2,[0,"😀"]]`, "ab", `2 [0:2 "😀"]`, 2, 4, false},
		{`[[2]]`, "ab", `[2:0 ""]`, 2, 0, false},
		{`[[1,""],[1]]`, "ab", `[2:0 ""]`, 2, 0, false},
	}
	for _, tt := range tests {
		cs, err := ParseChangeSet([]byte(tt.changes), Len16(tt.doc), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tt.changes, err)
		}
		got := struct {
			S           string
			Len, NewLen int
			Empty       bool
		}{cs.String(), cs.Len(), cs.NewLen(), cs.Empty()}
		want := struct {
			S           string
			Len, NewLen int
			Empty       bool
		}{tt.want, tt.wantLen, tt.newLen, tt.empty}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.changes, diff)
		}
	}
}

func TestApplyChecksLength(t *testing.T) {
	cs, err := ParseChangeSet([]byte(`[2]`), 2, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(mustDocument(t, "abc"), cs); mockroom.ErrorCode(err) != CodeChangesLengthMismatch {
		t.Errorf("Apply to a longer document: err = %v, want %s", err, CodeChangesLengthMismatch)
	}
}

func TestApplyLeavesInputAlone(t *testing.T) {
	doc := mustDocument(t, "hello")
	cs, err := ParseChangeSet([]byte(`[[5,"bye"]]`), 5, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Apply(doc, cs)
	if err != nil {
		t.Fatal(err)
	}
	if doc.String() != "hello" || doc.Len16() != 5 || out.String() != "bye" {
		t.Errorf("doc = %q (%d), out = %q", doc.String(), doc.Len16(), out.String())
	}
}

func TestNewDocument(t *testing.T) {
	tests := []struct {
		text string
		len  int
		ok   bool
	}{
		{"", 0, true},
		{"abc\ndef", 7, true},
		{"é中😀", 4, true},
		{"a\r\nb", 0, false},
		{"a\rb", 0, false},
		{"\xff", 0, false},
		{"\xed\xa0\x80", 0, false},
	}
	for _, tt := range tests {
		d, err := NewDocument(tt.text)
		if (err == nil) != tt.ok {
			t.Errorf("NewDocument(%q) err = %v, want ok %v", tt.text, err, tt.ok)
			continue
		}
		if err != nil {
			if code := mockroom.ErrorCode(err); code != CodeDocumentInvalidText {
				t.Errorf("NewDocument(%q) code = %q", tt.text, code)
			}
			continue
		}
		if d.Len16() != tt.len || d.String() != tt.text {
			t.Errorf("NewDocument(%q) = %q, %d; want length %d", tt.text, d.String(), d.Len16(), tt.len)
		}
	}
}
