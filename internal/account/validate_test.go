package account

import (
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"ann@example.org", "ann@example.org"},
		{"  Ann@Example.ORG\t", "ann@example.org"},
		{"a.b+tag@sub.example.co", "a.b+tag@sub.example.co"},
		{"", ""},
		{"   ", ""},
		{"ann", ""},
		{"ann@", ""},
		{"@example.org", ""},
		{"ann@@example.org", ""},
		{"ann@example@org.com", ""},
		{"ann@localhost", ""},
		{"ann@.example.org", ""},
		{"ann@example.org.", ""},
		{"ann@example..org", ""},
		{"an n@example.org", ""},
		{"ann\x00@example.org", ""},
		{strings.Repeat("a", 65) + "@example.org", ""},
		{"a@" + strings.Repeat("b", 250) + ".org", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeEmail(tc.in)
		if tc.want == "" {
			if err == nil || mockroom.ErrorCode(err) != "email_invalid" || mockroom.ErrorKind(err) != mockroom.KindInvalid {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want email_invalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Ann", "Ann"},
		{"  Ann Lee  ", "Ann Lee"},
		{"Zoë 李", "Zoë 李"},
		{strings.Repeat("é", 80), strings.Repeat("é", 80)},
		{strings.Repeat("é", 81), ""},
		{"", ""},
		{"   ", ""},
		{"Ann\nLee", ""},
		{"Ann\x7f", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeName(tc.in)
		if tc.want == "" {
			if mockroom.ErrorCode(err) != "name_invalid" {
				t.Errorf("NormalizeName(%q) = %q, %v; want name_invalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		in   string
		code string
	}{
		{"123456789", "password_too_short"},
		{"1234567890", ""},
		{"ééééééééé", "password_too_short"}, // 9 characters, 18 bytes
		{"éééééééééé", ""},
		{strings.Repeat("x", 256), ""},
		{strings.Repeat("x", 257), "password_too_long"},
	}
	for _, tc := range tests {
		err := CheckPassword(tc.in)
		if got := codeOf(err); got != tc.code {
			t.Errorf("CheckPassword(%d bytes) = %v, want code %q", len(tc.in), err, tc.code)
		}
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return mockroom.ErrorCode(err)
}
