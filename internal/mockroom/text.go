package mockroom

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Error codes of CheckText.
const (
	CodeTextInvalid = "text_invalid"  // not valid text: bad UTF-8, a lone surrogate, a control or bidi control character
	CodeTextEmpty   = "text_empty"    // nothing visible: empty, or only white space and invisible characters
	CodeTextTooLong = "text_too_long" // more than the limit, counted in UTF-16 code units as JavaScript counts
)

// CheckText is the one rule for what a person writes that others read: display names, chat
// messages, notes. The text must be valid UTF-8 with no U+FFFD (what a decoder makes of a lone
// surrogate or a broken byte: the writer's text was lost, so it is refused rather than stored
// altered), no control characters except, when multiline, line feed and tab, and no bidi
// controls (they can make a text read differently from what it says); it must show at least
// one visible character, and have at most max UTF-16 code units. The text is not changed;
// callers trim it first if they want to.
func CheckText(s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(KindInvalid, CodeTextInvalid, "the text is not valid UTF-8")
	}
	units, visible := 0, false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return Errorf(KindInvalid, CodeTextInvalid, "the text contains U+FFFD (a lone surrogate or a broken character)")
		case multiline && (r == '\n' || r == '\t'):
		case unicode.IsControl(r):
			return Errorf(KindInvalid, CodeTextInvalid, "the text contains the control character U+%04X", r)
		case bidiControl(r):
			return Errorf(KindInvalid, CodeTextInvalid, "the text contains the bidirectional control U+%04X", r)
		case !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Mn, r) && r != '\u3164' && r != '\u115F' && r != '\u1160' && r != '\uFFA0':
			visible = true
		}
		units += utf16.RuneLen(r)
	}
	if !visible {
		return Errorf(KindInvalid, CodeTextEmpty, "the text has nothing visible in it")
	}
	if units > max {
		return Errorf(KindTooLarge, CodeTextTooLong, "the text is %d UTF-16 code units long, at most %d are allowed", units, max)
	}
	return nil
}

// bidiControl reports the explicit directional formatting characters: embeddings, overrides and
// isolates, and the marks (U+200E, U+200F, U+061C) are allowed as they change no order by
// themselves.
func bidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}
