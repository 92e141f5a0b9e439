package account

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/mockroom"
)

const (
	maxEmailLen = 254
	maxLocalLen = 64
	// MaxNameLen is the longest display name, in characters.
	MaxNameLen = 80
)

// NormalizeEmail trims and lower-cases email and checks its basic shape: one "@", a non-empty
// local part, a dotted domain, no spaces or control characters. It is deliberately loose —
// whether an address receives mail is not ours to decide — but strict enough that two spellings
// of one address map to one account. Lower-casing the local part is a choice: nearly every mail
// provider treats it case-insensitively, and users expect "Ann@x.org" to be "ann@x.org".
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	bad := func(why string) (string, error) {
		return "", mockroom.Errorf(mockroom.KindInvalid, "email_invalid", "email address is not valid: %s", why)
	}
	if e == "" {
		return bad("it is empty")
	}
	if len(e) > maxEmailLen {
		return bad("it is longer than 254 characters")
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || strings.Contains(domain, "@") {
		return bad("it needs exactly one @")
	}
	if local == "" || len(local) > maxLocalLen {
		return bad("the part before @ must have 1 to 64 characters")
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return bad("the domain must look like example.org")
	}
	for _, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return bad("it contains spaces or control characters")
		}
	}
	return e, nil
}

// NormalizeName trims a display name and checks it by the rule for every text people show one
// another (mockroom.CheckText): 1 to MaxNameLen UTF-16 units with something visible, one line,
// no control or bidi control characters.
func NormalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if err := mockroom.CheckText(n, MaxNameLen, false); err != nil {
		return "", mockroom.Errorf(mockroom.KindInvalid, "name_invalid", "name: %s", mockroom.ErrorMessage(err))
	}
	return n, nil
}

// CheckPassword enforces the length rules: at least MinPasswordLen characters, at most
// MaxPasswordLen bytes. There are no composition rules; length is what makes a password strong.
func CheckPassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return mockroom.Errorf(mockroom.KindInvalid, "password_too_short", "password must have at least %d characters", MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return mockroom.Errorf(mockroom.KindInvalid, "password_too_long", "password must have at most %d bytes", MaxPasswordLen)
	}
	return nil
}
