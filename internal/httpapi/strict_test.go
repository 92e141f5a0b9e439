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
		Track string            `json:"track"`
		Inner *inner            `json:"inner,omitempty"`
		Tags  map[string]string `json:"tags,omitempty"`
		List  []inner           `json:"list,omitempty"`
	}
	s := New(Options{})
	for _, tt := range []struct{ name, in, code string }{
		{"plain", `{"track":"python-developer"}`, ""},
		{"duplicate key", `{"track":"nope","track":"python-developer"}`, "bad_json"},
		{"nested duplicate key", `{"track":"a","inner":{"name":"x","name":"y"}}`, "bad_json"},
		{"duplicate in a list", `{"track":"a","list":[{"name":"x","name":"y"}]}`, "bad_json"},
		{"duplicate map key", `{"track":"a","tags":{"k":"1","k":"2"}}`, "bad_json"},
		{"case-changed key", `{"TRACK":"python-developer"}`, "bad_json"},
		{"nested case-changed key", `{"track":"a","inner":{"Name":"x"}}`, "bad_json"},
		{"unknown field", `{"track":"a","extra":1}`, "bad_json"},
		{"trailing data", `{"track":"a"} {}`, "bad_json"},
		{"trailing garbage", `{"track":"a"}}`, "bad_json"},
		{"trailing space", "{\"track\":\"a\"}\n ", ""},
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
		})
	}
}
