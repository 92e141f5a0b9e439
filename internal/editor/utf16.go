package editor

import "unicode/utf8"

// Positions in the protocol are UTF-16 code units because that is how JavaScript strings, and so
// CodeMirror, count. The server keeps text as UTF-8 and converts on the fly. The helpers here
// assume valid UTF-8 (every Document is validated on the way in), which lets them classify a
// rune by its leading byte alone instead of decoding it.

// units16 returns how many UTF-16 code units the UTF-8 rune starting with lead byte b takes:
// runes of four UTF-8 bytes are exactly those outside the Basic Multilingual Plane, which
// JavaScript stores as a surrogate pair.
func units16(b byte) int {
	if b >= 0xF0 {
		return 2
	}
	return 1
}

// runeBytes returns the UTF-8 length of the rune starting with lead byte b.
func runeBytes(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 3
	}
	return 4
}

// Len16 returns the length of s in UTF-16 code units, as JavaScript's String.length would.
// s must be valid UTF-8.
func Len16(s string) int {
	n := 0
	i := 0
	for i < len(s) {
		if j, ok := asciiRun(s, i); ok {
			n += j - i
			i = j
			continue
		}
		b := s[i]
		n += units16(b)
		i += runeBytes(b)
	}
	return n
}

// asciiRun skips eight bytes at a time while they are all ASCII, because most program text is
// ASCII and this makes walking a large document several times faster than rune by rune. It
// reports false if not even one full word could be skipped.
func asciiRun(s string, i int) (int, bool) {
	start := i
	for i+8 <= len(s) {
		if load64(s, i)&0x8080808080808080 != 0 {
			break
		}
		i += 8
	}
	return i, i > start
}

// text is what the scanning helpers read: a Document's string, or a Doc's buffer.
type text interface{ ~string | ~[]byte }

// load64 reads eight bytes of s at i; written out so the compiler merges it into one load
// without converting the string to a byte slice.
func load64[T text](s T, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// seek16 advances from byte offset i in s by n UTF-16 units and returns the new byte offset.
// ok is false if the target falls between the two halves of a surrogate pair, a place that has
// no UTF-8 byte offset, or if s ends first.
func seek16[T text](s T, i, n int) (int, bool) {
	for n > 0 {
		if i >= len(s) {
			return i, false
		}
		if n >= 8 {
			// Only take whole words while they cannot overshoot n.
			if i+8 <= len(s) && load64(s, i)&0x8080808080808080 == 0 {
				i += 8
				n -= 8
				continue
			}
		}
		b := s[i]
		u := units16(b)
		if u > n {
			return i, false
		}
		n -= u
		i += runeBytes(b)
	}
	return i, true
}

// validText reports whether s is valid UTF-8 with no carriage return. CodeMirror splits
// documents on "\r\n", "\r" and "\n" and joins lines with "\n", so a "\r" can never be part of
// a document's content: accepting one would let the server's copy drift from every client's.
func validText(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}
