package editor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestParseSelection(t *testing.T) {
	many := `{"ranges":[` + strings.Repeat(`{"anchor":0,"head":0},`, MaxSelectionRanges) + `{"anchor":0,"head":0}],"main":0}`
	tests := []struct {
		name string
		raw  string
		len  int
		want Selection
		code string
	}{
		{name: "cursor", raw: `{"ranges":[{"anchor":3,"head":3}],"main":0}`, len: 5,
			want: Selection{Ranges: []SelectionRange{{3, 3}}, Main: 0}},
		{name: "backward selection at the ends", raw: `{"ranges":[{"anchor":5,"head":0}],"main":0}`, len: 5,
			want: Selection{Ranges: []SelectionRange{{5, 0}}}},
		{name: "several ranges", raw: `{"main":1,"ranges":[{"head":1,"anchor":0},{"anchor":4,"head":2}]}`, len: 5,
			want: Selection{Ranges: []SelectionRange{{0, 1}, {4, 2}}, Main: 1}},
		{name: "empty document", raw: `{"ranges":[{"anchor":0,"head":0}],"main":0}`, len: 0,
			want: Selection{Ranges: []SelectionRange{{0, 0}}}},
		{name: "past the end", raw: `{"ranges":[{"anchor":6,"head":0}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "negative", raw: `{"ranges":[{"anchor":0,"head":-1}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "fraction", raw: `{"ranges":[{"anchor":0.5,"head":0}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "exponent", raw: `{"ranges":[{"anchor":1e18,"head":0}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "string position", raw: `{"ranges":[{"anchor":"1","head":0}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "missing head", raw: `{"ranges":[{"anchor":1}],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "null range", raw: `{"ranges":[null],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "missing main", raw: `{"ranges":[{"anchor":1,"head":1}]}`, len: 5, code: CodeSelectionMalformed},
		{name: "main out of range", raw: `{"ranges":[{"anchor":1,"head":1}],"main":1}`, len: 5, code: CodeSelectionMalformed},
		{name: "negative main", raw: `{"ranges":[{"anchor":1,"head":1}],"main":-1}`, len: 5, code: CodeSelectionMalformed},
		{name: "no ranges", raw: `{"ranges":[],"main":0}`, len: 5, code: CodeSelectionMalformed},
		{name: "unknown field", raw: `{"ranges":[{"anchor":1,"head":1}],"main":0,"x":1}`, len: 5, code: CodeSelectionMalformed},
		{name: "trailing data", raw: `{"ranges":[{"anchor":1,"head":1}],"main":0} {}`, len: 5, code: CodeSelectionMalformed},
		{name: "null", raw: `null`, len: 5, code: CodeSelectionMalformed},
		{name: "array", raw: `[]`, len: 5, code: CodeSelectionMalformed},
		{name: "too many ranges", raw: many, len: 5, code: CodeSelectionTooLarge},
		{name: "too many bytes", raw: `{"ranges":[{"anchor":1,"head":1}],"main":0}` + strings.Repeat(" ", MaxSelectionBytes), len: 5, code: CodeSelectionTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSelection([]byte(tt.raw), tt.len)
			if tt.code != "" {
				if code := mockroom.ErrorCode(err); code != tt.code {
					t.Fatalf("code = %q, want %q (err %v)", code, tt.code, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
