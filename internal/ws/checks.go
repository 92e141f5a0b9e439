package ws

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/live"
)

// The checks below validate one field's raw JSON, as the scanner found it: well-formed, without
// whitespace around it. They are strict about JSON types: 1.0 is not an integer, "true" is not a
// boolean. Nested objects refuse unknown fields too, and their keys match exactly.

var (
	errNotObject = errors.New("must be an object")
	errNotArray  = errors.New("must be an array")
)

func checkSeq(raw []byte) error { return checkUint(1, maxSeq)(raw) }

func checkUint(lo, hi uint64) func([]byte) error {
	return func(raw []byte) error {
		n, err := parseUint(raw)
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d", lo, hi)
		}
		return nil
	}
}

var errNotUint = errors.New("must be a non-negative integer")

// parseUint reads a JSON integer in 0..2^64-1 written without a sign, fraction or exponent.
func parseUint(raw []byte) (uint64, error) {
	if len(raw) == 0 || len(raw) > 20 || len(raw) > 1 && raw[0] == '0' {
		return 0, errNotUint
	}
	var n uint64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, errNotUint
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, errNotUint
		}
		n = n*10 + d
	}
	return n, nil
}

func checkBool(raw []byte) error {
	if s := string(raw); s != "true" && s != "false" {
		return errors.New("must be true or false")
	}
	return nil
}

func decodeString(raw []byte) ([]byte, error) {
	s, ok := stringBytes(raw)
	if !ok {
		return nil, errors.New("must be a string")
	}
	return s, nil
}

// checkString bounds a string's length, in runes when runes is set (what a person typed) and in
// bytes otherwise (identifiers and tokens).
func checkString(lo, hi int, runes bool) func([]byte) error {
	return func(raw []byte) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		n := len(s)
		if runes {
			n = utf8.RuneCount(s)
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be %d to %d characters long", lo, hi)
		}
		if !utf8.Valid(s) {
			return errors.New("must be valid UTF-8 (no lone surrogates)")
		}
		return nil
	}
}

// checkChars checks a string of 1 to max bytes, every one of them allowed by ok: the identifier
// patterns of the protocol, without a regular expression on the hot path.
func checkChars(max int, pattern string, ok func(c byte) bool) func([]byte) error {
	return func(raw []byte) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		valid := len(s) >= 1 && len(s) <= max
		for i := 0; valid && i < len(s); i++ {
			valid = ok(s[i])
		}
		if !valid {
			return fmt.Errorf("must match %s", pattern)
		}
		return nil
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkClientID: ^[A-Za-z0-9_.:-]{1,64}$
var checkClientID = checkChars(maxClientIDChars, `^[A-Za-z0-9_.:-]{1,64}$`, func(c byte) bool {
	return isAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-'
})

// checkLanguage: ^[a-z0-9+#-]{1,32}$
var checkLanguage = checkChars(32, `^[a-z0-9+#-]{1,32}$`, func(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '#' || c == '-'
})

// checkRunID: ^[A-Za-z0-9_-]{1,64}$
var checkRunID = checkChars(live.MaxRunIDBytes, `^[A-Za-z0-9_-]{1,64}$`, func(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-'
})

// checkRunStatus: one of the statuses a run may end with.
func checkRunStatus(raw []byte) error {
	s, err := decodeString(raw)
	if err != nil {
		return err
	}
	switch string(s) {
	case live.RunOK, live.RunError, live.RunTimeout, live.RunCancelled:
		return nil
	}
	return errors.New("must be ok, error, timeout or cancelled")
}

// checkRunKind: code, examples or hidden.
func checkRunKind(raw []byte) error {
	s, err := decodeString(raw)
	if err != nil {
		return err
	}
	if k := string(s); k != live.RunKindCode && k != live.RunKindExamples && k != live.RunKindHidden {
		return errors.New("must be code, examples or hidden")
	}
	return nil
}

var runTestFields = []string{"name", "passed", "expected", "actual", "error"}

// checkRunTests checks the shape of a run's test results; the engine checks their sizes.
func checkRunTests(raw []byte) error {
	n := 0
	if err := eachElement(raw, func([]byte) error { n++; return nil }); err != nil {
		return err
	}
	if n > live.MaxRunTests {
		return fmt.Errorf("must hold at most %d results", live.MaxRunTests)
	}
	i := 0
	return eachElement(raw, func(el []byte) error {
		defer func() { i++ }()
		var v [5][]byte
		if err := strictMembers(el, runTestFields, v[:]); err != nil {
			return fmt.Errorf("test %d %v", i, err)
		}
		if v[0] == nil || v[1] == nil || v[2] == nil || v[3] == nil {
			return fmt.Errorf("test %d needs name, passed, expected and actual", i)
		}
		if err := checkBool(v[1]); err != nil {
			return fmt.Errorf("test %d passed %v", i, err)
		}
		for _, f := range []int{0, 2, 3, 4} {
			if v[f] == nil {
				continue
			}
			if err := checkString(0, 64<<10, false)(v[f]); err != nil {
				return fmt.Errorf("test %d %s %v", i, runTestFields[f], err)
			}
		}
		return nil
	})
}

// strictMembers reads a JSON object whose members are all named in names (exactly), into vals
// by position. A member whose value is null counts as absent, as it did when these objects were
// decoded into pointer fields.
func strictMembers(raw []byte, names []string, vals [][]byte) error {
	return eachMember(raw, func(key, val []byte) error {
		for i, n := range names {
			if string(key) == n {
				if string(val) != "null" {
					vals[i] = val
				}
				return nil
			}
		}
		return fmt.Errorf("malformed: unknown field %q", key)
	})
}

var positionFields = []string{"epoch", "offset", "event_id"}

func checkResume(raw []byte) error {
	if string(raw) == "null" {
		return nil
	}
	var v [3][]byte
	if err := strictMembers(raw, positionFields, v[:]); err != nil {
		return err
	}
	if v[0] == nil || v[1] == nil || v[2] == nil {
		return errors.New("must be null or {epoch, offset, event_id}")
	}
	if err := checkString(1, 128, false)(v[0]); err != nil {
		return fmt.Errorf("epoch %v", err)
	}
	if err := checkUint(1, maxSeq)(v[1]); err != nil {
		return fmt.Errorf("offset %v", err)
	}
	if err := checkString(1, 128, false)(v[2]); err != nil {
		return fmt.Errorf("event_id %v", err)
	}
	return nil
}

var (
	selectionFields = []string{"main", "ranges"}
	rangeFields     = []string{"anchor", "head"}
)

func checkSelection(raw []byte) error {
	var v [2][]byte
	if err := strictMembers(raw, selectionFields, v[:]); err != nil {
		return err
	}
	ranges := 0
	if v[1] != nil {
		if err := eachElement(v[1], func([]byte) error { ranges++; return nil }); err != nil {
			return fmt.Errorf("malformed: ranges %v", err)
		}
	}
	if v[0] == nil || ranges == 0 || ranges > maxRanges {
		return fmt.Errorf("must be {main, ranges} with 1 to %d ranges", maxRanges)
	}
	main, err := parseUint(v[0])
	if err != nil || main >= uint64(ranges) {
		return errors.New("main must index one of the ranges")
	}
	return eachElement(v[1], func(r []byte) error {
		var rg [2][]byte
		if err := strictMembers(r, rangeFields, rg[:]); err != nil {
			return fmt.Errorf("range %v", err)
		}
		if rg[0] == nil || rg[1] == nil {
			return errors.New("each range needs anchor and head")
		}
		if _, err := parseUint(rg[0]); err != nil {
			return fmt.Errorf("anchor %v", err)
		}
		if _, err := parseUint(rg[1]); err != nil {
			return fmt.Errorf("head %v", err)
		}
		return nil
	})
}

var updateFields = []string{"clientID", "changes"}

// checkUpdates checks the shape of a push's updates; whether the change sets fit the document is
// the editor's rule, checked by the engine against the current version. The change sets stay
// raw JSON: the editor parses them once, there.
func checkUpdates(raw []byte) error {
	n := 0
	if err := eachElement(raw, func([]byte) error { n++; return nil }); err != nil {
		return err
	}
	if n == 0 || n > maxUpdates {
		return fmt.Errorf("must hold 1 to %d updates", maxUpdates)
	}
	i := 0
	return eachElement(raw, func(u []byte) error {
		defer func() { i++ }()
		var v [2][]byte
		if err := strictMembers(u, updateFields, v[:]); err != nil {
			return fmt.Errorf("update %d %v", i, err)
		}
		if v[0] == nil || v[1] == nil {
			return fmt.Errorf("update %d needs clientID and changes", i)
		}
		if err := checkString(1, 128, false)(v[0]); err != nil {
			return fmt.Errorf("update %d clientID %v", i, err)
		}
		if v[1][0] != '[' {
			return fmt.Errorf("update %d changes must be a ChangeSet JSON array", i)
		}
		return nil
	})
}

func checkFactor(raw []byte) error {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return errors.New("must be a number")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return errors.New("must be a number")
	}
	if f < 1 || f > 2 {
		return errors.New("must be between 1 and 2")
	}
	return nil
}
