package editor

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parser is a minimal strict JSON scanner for the two shapes a change set uses: arrays of
// numbers and strings, nested one level. It exists instead of encoding/json because a generic
// decoder would build an interface value and a float64 for every entry and would accept
// fractions and exponents that have to be rejected here anyway; this one allocates nothing
// beyond the inserted text.
type parser struct {
	raw []byte
	pos int
}

func (p *parser) malformed(msg string) error {
	return errMalformed("%s at byte %d", msg, p.pos)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.raw) {
		switch p.raw[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) eat(c byte) bool {
	if p.pos < len(p.raw) && p.raw[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// peekDigit also admits '-' so that a negative length gets its own message from number.
func (p *parser) peekDigit() bool {
	if p.pos >= len(p.raw) {
		return false
	}
	c := p.raw[p.pos]
	return c == '-' || (c >= '0' && c <= '9')
}

// number reads a non-negative integer in plain decimal, saturating at maxNumber so that any
// number of digits costs neither memory nor overflow; a saturated value can never match a real
// document length.
func (p *parser) number() (int, error) {
	if p.raw[p.pos] == '-' {
		return 0, p.malformed("lengths must not be negative")
	}
	start := p.pos
	n := 0
	for p.pos < len(p.raw) && p.raw[p.pos] >= '0' && p.raw[p.pos] <= '9' {
		if n <= maxNumber {
			n = n*10 + int(p.raw[p.pos]-'0')
		}
		p.pos++
	}
	if p.raw[start] == '0' && p.pos-start > 1 {
		return 0, p.malformed("numbers must not have leading zeros")
	}
	if p.pos < len(p.raw) {
		switch p.raw[p.pos] {
		case '.', 'e', 'E':
			return 0, p.malformed("lengths must be whole numbers without fraction or exponent")
		}
	}
	return min(n, maxNumber+1), nil
}

// lines reads the rest of a replacement after its deleted length: zero or more strings and the
// closing bracket. It writes them to ins joined by "\n" and returns their UTF-16 length.
func (p *parser) lines(ins *strings.Builder) (int, error) {
	units, count := 0, 0
	for {
		p.skipSpace()
		if p.eat(']') {
			break
		}
		if !p.eat(',') {
			return 0, p.malformed("expected ',' or ']' in a replacement")
		}
		p.skipSpace()
		if p.pos >= len(p.raw) || p.raw[p.pos] != '"' {
			return 0, p.malformed("inserted lines must be strings")
		}
		if ins.Cap() == 0 {
			// Inserted text is never longer than the JSON that carries it: one allocation.
			ins.Grow(len(p.raw) - p.pos)
		}
		if count > 0 {
			ins.WriteByte('\n')
			units++
		}
		n, err := p.str(ins)
		if err != nil {
			return 0, err
		}
		units += n
		count++
	}
	return units, nil
}

// str decodes one JSON string into ins and returns its UTF-16 length.
func (p *parser) str(ins *strings.Builder) (int, error) {
	p.pos++ // the opening quote
	units := 0
	for {
		if p.pos >= len(p.raw) {
			return 0, p.malformed("unterminated string")
		}
		c := p.raw[p.pos]
		switch {
		case c == '"':
			p.pos++
			return units, nil
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return 0, err
			}
			ins.WriteRune(r)
			units += utf16.RuneLen(r)
		case c < 0x20:
			return 0, p.malformed("control character in a string must be escaped")
		case c < utf8.RuneSelf:
			j := p.pos + 1
			for j < len(p.raw) {
				c := p.raw[j]
				if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
					break
				}
				j++
			}
			ins.Write(p.raw[p.pos:j])
			units += j - p.pos
			p.pos = j
		default:
			r, size := utf8.DecodeRune(p.raw[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return 0, errInvalidText("invalid UTF-8 at byte %d", p.pos)
			}
			ins.Write(p.raw[p.pos : p.pos+size])
			units += utf16.RuneLen(r)
			p.pos += size
		}
	}
}

// escape decodes the escape sequence at p.pos. Line breaks are refused because CodeMirror keeps
// them only between lines; a lone surrogate is refused because no Go string can carry it.
func (p *parser) escape() (rune, error) {
	if p.pos+1 >= len(p.raw) {
		return 0, p.malformed("unterminated escape")
	}
	c := p.raw[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 't':
		return '\t', nil
	case 'n', 'r':
		p.pos -= 2
		return 0, errInvalidText("a line cannot contain a line break (byte %d); lines are separate strings", p.pos)
	case 'u':
	default:
		p.pos -= 2
		return 0, p.malformed("invalid escape")
	}
	r, ok := p.hex4()
	if !ok {
		return 0, p.malformed("invalid \\u escape")
	}
	switch {
	case r == '\n' || r == '\r':
		return 0, errInvalidText("a line cannot contain a line break (byte %d); lines are separate strings", p.pos-6)
	case utf16.IsSurrogate(r):
		if r >= 0xDC00 || p.pos+6 > len(p.raw) || p.raw[p.pos] != '\\' || p.raw[p.pos+1] != 'u' {
			return 0, errInvalidText("lone surrogate at byte %d", p.pos-6)
		}
		p.pos += 2
		lo, ok := p.hex4()
		if !ok {
			return 0, p.malformed("invalid \\u escape")
		}
		r = utf16.DecodeRune(r, lo)
		if r == utf8.RuneError {
			return 0, errInvalidText("lone surrogate at byte %d", p.pos-12)
		}
	}
	return r, nil
}

func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > len(p.raw) {
		return 0, false
	}
	var r rune
	for _, c := range p.raw[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}
