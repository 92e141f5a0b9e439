package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// checkStrict refuses what encoding/json lets through: a key that appears twice in one object
// (at any depth), and a key that names a field only by a different case ("TRACK" for "track").
// The WebSocket decoder is as strict; one rule for every JSON a client sends. It also refuses,
// before the decoder would, a key that names no field and a value of the wrong type, so that the
// error names the member at fault by its path ("slots[2].minutes") in its Field, as the rules of
// the domain packages do.
func checkStrict(raw []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return strictValue(dec, t, "")
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// badMember is the error for the member at path.
func badMember(path, format string, args ...any) error {
	e := mockroom.Errorf(mockroom.KindInvalid, "bad_json", format, args...)
	e.Field = path
	return e
}

// wrongType is the error for a value at path that its Go type cannot hold, or nil if it can.
// tok is the value's first token. encoding/json refuses the same values; this says where.
func wrongType(t reflect.Type, tok json.Token, path string) error {
	want := ""
	switch k := t.Kind(); {
	case tok == nil:
		return nil // null leaves the field as it is
	case k == reflect.Struct || k == reflect.Map:
		want = "an object"
		if tok == json.Delim('{') {
			return nil
		}
	case k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return nil // bytes: a base64 string, or a list of numbers
	case k == reflect.Slice || k == reflect.Array:
		want = "a list"
		if tok == json.Delim('[') {
			return nil
		}
	case k == reflect.String:
		want = "a string"
		if _, ok := tok.(string); ok {
			return nil
		}
	case k == reflect.Bool:
		want = "true or false"
		if _, ok := tok.(bool); ok {
			return nil
		}
	case k >= reflect.Int && k <= reflect.Int64:
		want = "a whole number"
		if n, ok := tok.(json.Number); ok {
			if v, err := strconv.ParseInt(string(n), 10, 64); err == nil && !reflect.Zero(t).OverflowInt(v) {
				return nil
			}
		}
	case k >= reflect.Uint && k <= reflect.Uintptr:
		want = "a whole number, 0 or more"
		if n, ok := tok.(json.Number); ok {
			if v, err := strconv.ParseUint(string(n), 10, 64); err == nil && !reflect.Zero(t).OverflowUint(v) {
				return nil
			}
		}
	case k == reflect.Float32 || k == reflect.Float64:
		want = "a number"
		if _, ok := tok.(json.Number); ok {
			return nil
		}
	default:
		return nil // nothing a client sends decodes into it; the decoder says so
	}
	if path == "" {
		return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "the body must be %s", want)
	}
	return badMember(path, "%s must be %s", path, want)
}

func strictValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) || t.Kind() == reflect.Interface) {
		t = nil // decoded by its own rules: only duplicate keys are checked
	}
	tok, err := dec.Token()
	if err != nil {
		return nil // the decoder proper reports malformed JSON
	}
	if t != nil {
		if err := wrongType(t, tok, path); err != nil {
			return err
		}
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			at := strings.TrimPrefix(path+"."+key, ".")
			if seen[key] {
				return badMember(at, "%s appears twice in one object", at)
			}
			seen[key] = true
			var child reflect.Type
			if t != nil {
				switch t.Kind() {
				case reflect.Map:
					child = t.Elem()
				case reflect.Struct:
					f, ok := fieldByJSONName(t, key)
					if !ok {
						return badMember(at, "%s is not a field here (names match exactly, case included)", at)
					}
					child = f
				}
			}
			if err := strictValue(dec, child, at); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := strictValue(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	}
	return nil
}

// fieldByJSONName finds the type of the struct field whose JSON name is exactly name, looking
// into embedded structs as encoding/json does.
func fieldByJSONName(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		n, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && n == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if c, ok := fieldByJSONName(ft, name); ok {
					return c, true
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		if n == name {
			if slices.Contains(strings.Split(opts, ","), "string") {
				return nil, true // a number or bool sent as a string: the decoder's rules
			}
			return f.Type, true
		}
	}
	return nil, false
}
