package editor

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func upd(client, changes string) Update {
	return Update{ClientID: client, Changes: json.RawMessage(changes), Author: "u1", At: time.Unix(1700000000, 0)}
}

func newDoc(t *testing.T, s Snapshot) *Doc {
	t.Helper()
	d, err := NewDoc(s, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPush(t *testing.T) {
	tests := []struct {
		name     string
		start    Snapshot
		version  int
		updates  []Update
		wantCode string
		want     Snapshot
	}{
		{
			name:    "one update",
			start:   Snapshot{Text: "ab", Version: 3},
			version: 3,
			updates: []Update{upd("c1", `[1,[0,"x"],1]`)},
			want:    Snapshot{Text: "axb", Version: 4, Language: LanguagePython},
		},
		{
			name:    "each update against the length left by the previous",
			start:   Snapshot{Text: "ab", Version: 0},
			version: 0,
			updates: []Update{upd("c1", `[2,[0,"😀"]]`), upd("c1", `[4,[0,"c","d"]]`), upd("c2", `[[1],6]`)},
			want:    Snapshot{Text: "b😀c\nd", Version: 3, Language: LanguagePython},
		},
		{
			name:    "no updates is a no-op",
			start:   Snapshot{Text: "ab", Version: 2},
			version: 2,
			want:    Snapshot{Text: "ab", Version: 2, Language: LanguagePython},
		},
		{
			name:     "stale version",
			start:    Snapshot{Text: "ab", Version: 5},
			version:  4,
			updates:  []Update{upd("c1", `[2]`)},
			wantCode: CodeVersionStale,
		},
		{
			name:     "version from the future",
			start:    Snapshot{Text: "ab", Version: 5},
			version:  6,
			updates:  []Update{upd("c1", `[2]`)},
			wantCode: CodeVersionAhead,
		},
		{
			name:     "negative version",
			start:    Snapshot{Text: "ab"},
			version:  -1,
			updates:  []Update{upd("c1", `[2]`)},
			wantCode: CodeVersionInvalid,
		},
		{
			name:     "second update has the first's starting length: nothing applies",
			start:    Snapshot{Text: "ab", Version: 1},
			version:  1,
			updates:  []Update{upd("c1", `[2,[0,"x"]]`), upd("c1", `[2,[0,"y"]]`)},
			wantCode: CodeChangesLengthMismatch,
		},
		{
			name:     "malformed last update: nothing applies",
			start:    Snapshot{Text: "ab", Version: 1},
			version:  1,
			updates:  []Update{upd("c1", `[2,[0,"x"]]`), upd("c1", `[3,]`)},
			wantCode: CodeChangesMalformed,
		},
		{
			name:     "split surrogate: nothing applies",
			start:    Snapshot{Text: "😀", Version: 0},
			version:  0,
			updates:  []Update{upd("c1", `[[0,"a"],2]`), upd("c1", `[2,[0,"b"],1]`)},
			wantCode: CodeChangesSplitSurrogate,
		},
		{
			name:     "missing client id",
			start:    Snapshot{Text: "ab"},
			updates:  []Update{upd("", `[2]`)},
			wantCode: CodeClientIDInvalid,
		},
		{
			name:     "oversized client id",
			start:    Snapshot{Text: "ab"},
			updates:  []Update{upd(string(make([]byte, MaxClientIDBytes+1)), `[2]`)},
			wantCode: CodeClientIDInvalid,
		},
		{
			name:     "too many updates",
			start:    Snapshot{Text: "ab"},
			updates:  make([]Update, MaxUpdatesPerPush+1),
			wantCode: CodeUpdatesTooMany,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDoc(t, tt.start)
			before := d.Snapshot()
			accepted, err := d.Push(tt.version, tt.updates)
			if tt.wantCode != "" {
				if got := mockroom.ErrorCode(err); got != tt.wantCode {
					t.Fatalf("code = %q, want %q (err %v)", got, tt.wantCode, err)
				}
				if accepted != nil {
					t.Errorf("accepted = %v on error", accepted)
				}
				if diff := cmp.Diff(before, d.Snapshot()); diff != "" {
					t.Errorf("rejected push changed the document (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.updates, accepted); diff != "" {
				t.Errorf("accepted (-pushed +accepted):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, d.Snapshot()); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			if d.Document().Len16() != Len16(d.Snapshot().Text) {
				t.Errorf("Len16 %d out of step with text", d.Document().Len16())
			}
		})
	}
}

func TestPushStaleCarriesCurrentVersion(t *testing.T) {
	d := newDoc(t, Snapshot{Text: "", Version: 7})
	_, err := d.Push(2, []Update{upd("c1", `[]`)})
	if mockroom.ErrorKind(err) != mockroom.KindConflict {
		t.Fatalf("kind = %q, want conflict", mockroom.ErrorKind(err))
	}
	var ve *VersionError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v carries no *VersionError", err)
	}
	if diff := cmp.Diff(&VersionError{Got: 2, Current: 7}, ve); diff != "" {
		t.Errorf("VersionError (-want +got):\n%s", diff)
	}
}

func TestPushErrorNamesTheUpdate(t *testing.T) {
	d := newDoc(t, Snapshot{Text: "ab"})
	_, err := d.Push(0, []Update{upd("c1", `[2]`), upd("c1", `[9]`)})
	var e *mockroom.Error
	if !errors.As(err, &e) || e.Code != CodeChangesLengthMismatch || e.Kind != mockroom.KindInvalid {
		t.Fatalf("err = %#v", err)
	}
	if want := "update 1: "; len(e.Message) < len(want) || e.Message[:len(want)] != want {
		t.Errorf("message %q does not name the update", e.Message)
	}
}

// Replaying the log on a snapshot reaches the same document as the live authority did.
func TestReplayFromSnapshot(t *testing.T) {
	live := newDoc(t, Snapshot{})
	var log []Update
	pushes := [][]Update{
		{upd("a", `[[0,"def f():"]]`)},
		{upd("b", `[8,[0,"","    return 1"]]`), upd("b", `[21,[0,"😀"]]`)},
		{upd("a", `[[3,"async def"],20]`)},
	}
	var mid Snapshot
	for i, p := range pushes {
		accepted, err := live.Push(live.Version(), p)
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		log = append(log, accepted...)
		if i == 0 {
			mid = live.Snapshot()
		}
	}
	replayed := newDoc(t, mid)
	if _, err := replayed.Push(mid.Version, log[mid.Version:]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live.Snapshot(), replayed.Snapshot()); diff != "" {
		t.Errorf("replayed (-live +replayed):\n%s", diff)
	}
	if want := "async def f():\n    return 1😀"; live.Snapshot().Text != want {
		t.Errorf("text = %q, want %q", live.Snapshot().Text, want)
	}
}

func TestNewDocRejects(t *testing.T) {
	tests := []struct {
		s    Snapshot
		code string
	}{
		{Snapshot{Text: "a\r\n"}, CodeDocumentInvalidText},
		{Snapshot{Version: -1}, CodeVersionInvalid},
		{Snapshot{Language: "cobol"}, CodeLanguageUnknown},
	}
	for _, tt := range tests {
		if _, err := NewDoc(tt.s, Limits{}); mockroom.ErrorCode(err) != tt.code {
			t.Errorf("NewDoc(%+v) err = %v, want %s", tt.s, err, tt.code)
		}
	}
}

func TestLanguage(t *testing.T) {
	d := newDoc(t, Snapshot{Text: "x", Version: 1})
	if d.Language() != LanguagePython {
		t.Errorf("default language %q", d.Language())
	}
	for _, l := range Languages {
		if got, err := ParseLanguage(string(l)); err != nil || got != l {
			t.Errorf("ParseLanguage(%q) = %q, %v", l, got, err)
		}
	}
	for _, bad := range []string{"Python", "py", "c++", " go"} {
		if _, err := ParseLanguage(bad); mockroom.ErrorCode(err) != CodeLanguageUnknown {
			t.Errorf("ParseLanguage(%q) err = %v", bad, err)
		}
	}
	if err := d.SetLanguage(LanguageGo); err != nil || d.Language() != LanguageGo || d.Version() != 1 {
		t.Errorf("SetLanguage(go): err %v, language %q, version %d", err, d.Language(), d.Version())
	}
	if err := d.SetLanguage("rust"); mockroom.ErrorCode(err) != CodeLanguageUnknown || d.Language() != LanguageGo {
		t.Errorf("SetLanguage(rust): err %v, language %q", err, d.Language())
	}
}

func TestResetReplacesTheDocumentAndRefusesOlderPushes(t *testing.T) {
	d := newDoc(t, Snapshot{Text: "old", Version: 4})
	if err := d.Reset("def f():\n    pass\n"); err != nil {
		t.Fatal(err)
	}
	want := Snapshot{Text: "def f():\n    pass\n", Version: 5, Language: LanguagePython, Base: 5}
	if diff := cmp.Diff(want, d.Snapshot()); diff != "" {
		t.Fatalf("after reset (-want +got):\n%s", diff)
	}
	for _, v := range []int{0, 3, 4} {
		_, err := d.Push(v, []Update{upd("c1", `[18]`)})
		if mockroom.ErrorCode(err) != CodeDocReplaced || mockroom.ErrorKind(err) != mockroom.KindConflict {
			t.Fatalf("push at %d after the reset: %v, want %s", v, err, CodeDocReplaced)
		}
	}
	if d.Version() != 5 || d.Document().String() != want.Text {
		t.Fatalf("a refused push changed the document: %+v", d.Snapshot())
	}
	if _, err := d.Push(5, []Update{upd("c1", `[18,[0,"# x"]]`)}); err != nil {
		t.Fatalf("push at the reset's version: %v", err)
	}
	if _, err := d.Push(5, []Update{upd("c1", `[21]`)}); mockroom.ErrorCode(err) != CodeVersionStale {
		t.Fatalf("push at the new document's old version: %v, want %s", err, CodeVersionStale)
	}

	// A snapshot keeps the base, so a restored authority refuses the same pushes.
	again := newDoc(t, d.Snapshot())
	if _, err := again.Push(4, []Update{upd("c1", `[21]`)}); mockroom.ErrorCode(err) != CodeDocReplaced {
		t.Fatalf("restored: push at 4: %v, want %s", err, CodeDocReplaced)
	}
}

func TestResetRefusesTextTheDocumentCannotHold(t *testing.T) {
	tests := []struct {
		name, text, code string
	}{
		{"too long", string(make([]byte, 9)), CodeDocumentTooLarge},
		{"invalid UTF-8", "\xff", CodeDocumentInvalidText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDoc(Snapshot{Text: "keep", Version: 2}, Limits{MaxDocUnits: 8})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Reset(tt.text); mockroom.ErrorCode(err) != tt.code {
				t.Fatalf("Reset: %v, want %s", err, tt.code)
			}
			if got := d.Snapshot(); got.Text != "keep" || got.Version != 2 || got.Base != 0 {
				t.Fatalf("a refused reset changed the document: %+v", got)
			}
		})
	}
}

func TestNewDocRefusesABaseBeyondTheVersion(t *testing.T) {
	if _, err := NewDoc(Snapshot{Version: 2, Base: 3}, Limits{}); mockroom.ErrorCode(err) != CodeVersionInvalid {
		t.Fatalf("NewDoc: %v, want %s", err, CodeVersionInvalid)
	}
}
