package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// checkStrict refuses what encoding/json lets through: a key that appears twice in one object
// (at any depth), and a key that names a field only by a different case ("TRACK" for "track").
// The WebSocket decoder is as strict; one rule for every JSON a client sends.
func checkStrict(raw []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return strictValue(dec, t, "")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func strictValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() == reflect.Interface) {
		t = nil // decoded by its own rules: only duplicate keys are checked
	}
	tok, err := dec.Token()
	if err != nil {
		return nil // the decoder proper reports malformed JSON
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
				return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "%s appears twice in one object", at)
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
						return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "%s is not a field here (names match exactly, case included)", at)
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
			if err := strictValue(dec, elem, path+"[]"); err != nil {
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
		n, _, _ := strings.Cut(tag, ",")
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
			return f.Type, true
		}
	}
	return nil, false
}
