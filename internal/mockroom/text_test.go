package mockroom_test

import (
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		name      string
		in        string
		max       int
		multiline bool
		code      string
	}{
		{"plain", "Ada Lovelace", 60, false, ""},
		{"line breaks in chat", "def f():\n\treturn 1", 100, true, ""},
		{"line break in a name", "Ada\nL", 60, false, mockroom.CodeTextInvalid},
		{"empty", "", 60, false, mockroom.CodeTextEmpty},
		{"spaces only", "   ", 60, false, mockroom.CodeTextEmpty},
		{"zero-width spaces only", "\u200B\u200B\u200B", 60, false, mockroom.CodeTextEmpty},
		{"zero-width joiner and space", "\u200D \u2060", 60, false, mockroom.CodeTextEmpty},
		{"right-to-left override", "evil\u202Etxt.exe", 60, false, mockroom.CodeTextInvalid},
		{"isolate", "a\u2067b", 60, false, mockroom.CodeTextInvalid},
		{"replacement character", "lone \uFFFD", 60, false, mockroom.CodeTextInvalid},
		{"bad utf-8", "a\xffb", 60, false, mockroom.CodeTextInvalid},
		{"control", "a\x07b", 60, true, mockroom.CodeTextInvalid},
		{"emoji counts two units", strings.Repeat("😀", 30), 60, false, ""},
		{"one unit too many", strings.Repeat("😀", 30) + "a", 60, false, mockroom.CodeTextTooLong},
		{"right-to-left text itself", "שלום", 60, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := mockroom.CheckText(tt.in, tt.max, tt.multiline)
			if got := code(err); got != tt.code {
				t.Errorf("CheckText(%q) = %v, want code %q", tt.in, err, tt.code)
			}
		})
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return mockroom.ErrorCode(err)
}
