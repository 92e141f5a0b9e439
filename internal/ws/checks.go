package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// The checks below validate one field's raw JSON. They are strict about JSON types: 1.0 is not
// an integer, "true" is not a boolean. Nested objects refuse unknown fields too.

func checkSeq(raw json.RawMessage) error { return checkUint(1, maxSeq)(raw) }

func checkUint(lo, hi uint64) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
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

func parseUint(raw json.RawMessage) (uint64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || len(s) > 20 {
		return 0, errors.New("must be a non-negative integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("must be a non-negative integer")
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("must be a non-negative integer")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errors.New("must be a non-negative integer")
	}
	return n, nil
}

func checkBool(raw json.RawMessage) error {
	var b bool
	if s := string(bytes.TrimSpace(raw)); s != "true" && s != "false" {
		return errors.New("must be true or false")
	}
	return json.Unmarshal(raw, &b)
}

func decodeString(raw json.RawMessage) (string, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' {
		return "", errors.New("must be a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, nil
}

// checkString bounds a string's length, in runes when runes is set (what a person typed) and in
// bytes otherwise (identifiers and tokens).
func checkString(lo, hi int, runes bool) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		n := len(s)
		if runes {
			n = utf8.RuneCountInString(s)
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be %d to %d characters long", lo, hi)
		}
		if !utf8.ValidString(s) {
			return errors.New("must be valid UTF-8 (no lone surrogates)")
		}
		return nil
	}
}

func checkPattern(re *regexp.Regexp) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		if !re.MatchString(s) {
			return fmt.Errorf("must match %s", re)
		}
		return nil
	}
}

func checkClientID(raw json.RawMessage) error { return checkPattern(clientIDRE)(raw) }

// strictObject decodes raw into dst refusing unknown fields and non-objects.
func strictObject(raw json.RawMessage, dst any) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return errors.New("must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("malformed: %v", err)
	}
	return nil
}

func checkResume(raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var p struct {
		Epoch   *json.RawMessage `json:"epoch"`
		Offset  *json.RawMessage `json:"offset"`
		EventID *json.RawMessage `json:"event_id"`
	}
	if err := strictObject(raw, &p); err != nil {
		return err
	}
	if p.Epoch == nil || p.Offset == nil || p.EventID == nil {
		return errors.New("must be null or {epoch, offset, event_id}")
	}
	if err := checkString(1, 128, false)(*p.Epoch); err != nil {
		return fmt.Errorf("epoch %v", err)
	}
	if err := checkUint(1, maxSeq)(*p.Offset); err != nil {
		return fmt.Errorf("offset %v", err)
	}
	if err := checkString(1, 128, false)(*p.EventID); err != nil {
		return fmt.Errorf("event_id %v", err)
	}
	return nil
}

func checkSelection(raw json.RawMessage) error {
	var s struct {
		Main   *json.RawMessage  `json:"main"`
		Ranges []json.RawMessage `json:"ranges"`
	}
	if err := strictObject(raw, &s); err != nil {
		return err
	}
	if s.Main == nil || len(s.Ranges) == 0 || len(s.Ranges) > maxRanges {
		return fmt.Errorf("must be {main, ranges} with 1 to %d ranges", maxRanges)
	}
	main, err := parseUint(*s.Main)
	if err != nil || main >= uint64(len(s.Ranges)) {
		return errors.New("main must index one of the ranges")
	}
	for _, r := range s.Ranges {
		var rg struct {
			Anchor *json.RawMessage `json:"anchor"`
			Head   *json.RawMessage `json:"head"`
		}
		if err := strictObject(r, &rg); err != nil {
			return fmt.Errorf("range %v", err)
		}
		if rg.Anchor == nil || rg.Head == nil {
			return errors.New("each range needs anchor and head")
		}
		if _, err := parseUint(*rg.Anchor); err != nil {
			return fmt.Errorf("anchor %v", err)
		}
		if _, err := parseUint(*rg.Head); err != nil {
			return fmt.Errorf("head %v", err)
		}
	}
	return nil
}

// checkUpdates checks the shape of a push's updates; whether the change sets fit the document is
// the editor's rule, checked by the engine against the current version.
func checkUpdates(raw json.RawMessage) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' {
		return errors.New("must be an array")
	}
	var ups []json.RawMessage
	if err := json.Unmarshal(raw, &ups); err != nil {
		return errors.New("must be an array")
	}
	if len(ups) == 0 || len(ups) > maxUpdates {
		return fmt.Errorf("must hold 1 to %d updates", maxUpdates)
	}
	for i, u := range ups {
		var up struct {
			ClientID *json.RawMessage `json:"clientID"`
			Changes  *json.RawMessage `json:"changes"`
		}
		if err := strictObject(u, &up); err != nil {
			return fmt.Errorf("update %d %v", i, err)
		}
		if up.ClientID == nil || up.Changes == nil {
			return fmt.Errorf("update %d needs clientID and changes", i)
		}
		if err := checkString(1, 128, false)(*up.ClientID); err != nil {
			return fmt.Errorf("update %d clientID %v", i, err)
		}
		if t := bytes.TrimSpace(*up.Changes); len(t) == 0 || t[0] != '[' {
			return fmt.Errorf("update %d changes must be a ChangeSet JSON array", i)
		}
	}
	return nil
}

func checkFactor(raw json.RawMessage) error {
	s := string(bytes.TrimSpace(raw))
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return errors.New("must be a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("must be a number")
	}
	if f < 1 || f > 2 {
		return errors.New("must be between 1 and 2")
	}
	return nil
}
