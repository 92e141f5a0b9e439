package editor

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codemirrorCase is one document, change set and result produced by CodeMirror itself
// (testdata/gen.mjs). Error names the code the server must give instead of a result.
type codemirrorCase struct {
	Doc     string `json:"doc"`
	Changes string `json:"changes"`
	Result  string `json:"result"`
	Error   string `json:"error"`
}

// TestCodeMirrorCases proves the server reads and applies change sets exactly as the editor
// does, on the JSON the editor really produces.
func TestCodeMirrorCases(t *testing.T) {
	raw, err := os.ReadFile("testdata/codemirror_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []codemirrorCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 200 {
		t.Fatalf("only %d cases in the golden file", len(cases))
	}
	errors := 0
	for i, c := range cases {
		text, code := parseApply(t, c.Doc, c.Changes, Limits{})
		want, got := c.Result, text
		if c.Error != "" {
			errors++
			want, got = c.Error, code
		} else if code != "" {
			got = code
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("case %d: doc %q changes %s (-codemirror +server):\n%s", i, c.Doc, c.Changes, diff)
		}
	}
	if errors == 0 || errors == len(cases) {
		t.Errorf("golden file should mix results and refusals, has %d refusals of %d", errors, len(cases))
	}
}
