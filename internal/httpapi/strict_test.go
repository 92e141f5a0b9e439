package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestDecodeJSONIsStrict(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type body struct {
		Track   string            `json:"track"`
		Inner   *inner            `json:"inner,omitempty"`
		Tags    map[string]string `json:"tags,omitempty"`
		List    []inner           `json:"list,omitempty"`
		Minutes int               `json:"minutes,omitempty"`
		Limit   *int8             `json:"limit,omitempty"`
		Factor  float64           `json:"factor,omitempty"`
		On      bool              `json:"on,omitempty"`
		Count   int               `json:"count,string,omitempty"`
		Any     any               `json:"any,omitempty"`
	}
	s := New(Options{})
	// field is the member the error names; every refusal of a member names it by its path.
	for _, tt := range []struct{ name, in, code, field string }{
		{"plain", `{"track":"python-developer"}`, "", ""},
		{"every type", `{"track":"a","minutes":3,"limit":-128,"factor":1.5,"on":true,"count":"4","any":[1,"x"],"list":[{"name":"n"}],"tags":{"k":"v"},"inner":null}`, "", ""},
		{"duplicate key", `{"track":"nope","track":"python-developer"}`, "bad_json", "track"},
		{"nested duplicate key", `{"track":"a","inner":{"name":"x","name":"y"}}`, "bad_json", "inner.name"},
		{"duplicate in a list", `{"track":"a","list":[{"name":"w"},{"name":"x","name":"y"}]}`, "bad_json", "list[1].name"},
		{"duplicate map key", `{"track":"a","tags":{"k":"1","k":"2"}}`, "bad_json", "tags.k"},
		{"case-changed key", `{"TRACK":"python-developer"}`, "bad_json", "TRACK"},
		{"nested case-changed key", `{"track":"a","inner":{"Name":"x"}}`, "bad_json", "inner.Name"},
		{"unknown field", `{"track":"a","extra":1}`, "bad_json", "extra"},
		{"a number for a string", `{"track":7}`, "bad_json", "track"},
		{"a string for a number", `{"track":"a","minutes":"ten"}`, "bad_json", "minutes"},
		{"a fraction for a whole number", `{"track":"a","minutes":10.5}`, "bad_json", "minutes"},
		{"out of range", `{"track":"a","limit":200}`, "bad_json", "limit"},
		{"a string for a bool", `{"track":"a","on":"yes"}`, "bad_json", "on"},
		{"an object for a list", `{"track":"a","list":{"name":"x"}}`, "bad_json", "list"},
		{"a list for an object", `{"track":"a","inner":[]}`, "bad_json", "inner"},
		{"a number in a list of objects", `{"track":"a","list":[{"name":"x"},3]}`, "bad_json", "list[1]"},
		{"a number for a name in a list", `{"track":"a","list":[{"name":"x"},{"name":3}]}`, "bad_json", "list[1].name"},
		{"not an object", `["track"]`, "bad_json", ""},
		{"trailing data", `{"track":"a"} {}`, "bad_json", ""},
		{"trailing garbage", `{"track":"a"}}`, "bad_json", ""},
		{"trailing space", "{\"track\":\"a\"}\n ", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
			var b body
			err := s.decodeJSON(httptest.NewRecorder(), r, &b)
			got := ""
			if err != nil {
				got = mockroom.ErrorCode(err)
			}
			if got != tt.code || (tt.code != "" && b.Track != "" && tt.name != "trailing data" && tt.name != "trailing garbage") {
				t.Errorf("decode %s: %v, want code %q", tt.in, err, tt.code)
			}
			if got := mockroom.ErrorField(err); got != tt.field {
				t.Errorf("decode %s: %v names field %q, want %q", tt.in, err, got, tt.field)
			}
		})
	}
}
