package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/editor"
)

func TestEditLine(t *testing.T) {
	for _, v := range []int{0, 7, 123456789} {
		line := string(editLine(v))
		if len(line) != editLen-1 {
			t.Errorf("editLine(%d) has %d bytes, want %d", v, len(line), editLen-1)
		}
		if strings.Count(line, "@") != 2 || !strings.Contains(line, fmt.Sprintf("@%d@", v)) {
			t.Errorf("editLine(%d) = %q: want exactly its nonce between two @", v, line)
		}
	}
}

// The generated change sets must be what the server's own validator accepts, and must leave
// the document the generator believes it left: a growing list of lines until maxDoc, then a
// sliding window of the latest lines.
func TestChangesAcceptedByEditor(t *testing.T) {
	const maxDoc = 500
	doc, err := editor.NewDoc(editor.Snapshot{}, editor.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	docLen := 0
	for v := range 20 {
		var raw []byte
		raw, docLen = appendChanges(nil, docLen, maxDoc, v)
		if !json.Valid(raw) {
			t.Fatalf("version %d: invalid JSON %s", v, raw)
		}
		if _, err := doc.Push(v, []editor.Update{{ClientID: "load", Changes: raw}}); err != nil {
			t.Fatalf("version %d: editor refused %s: %v", v, raw, err)
		}
		text := doc.Document().String()
		if got := doc.Document().Len16(); got != docLen {
			t.Fatalf("version %d: document is %d units, generator thinks %d", v, got, docLen)
		}
		if docLen > maxDoc {
			t.Fatalf("version %d: document grew to %d units past max %d", v, docLen, maxDoc)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		first := max(0, v+1-maxDoc/editLen)
		if len(lines) != v+1-first {
			t.Fatalf("version %d: %d lines, want %d", v, len(lines), v+1-first)
		}
		for i, l := range lines {
			if want := string(editLine(first + i)); l != want {
				t.Fatalf("version %d line %d = %q, want %q", v, i, l, want)
			}
		}
	}
}
