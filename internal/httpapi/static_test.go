package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestStaticAppBesideTheAPI(t *testing.T) {
	s := New(Options{})
	s.MountStatic(fstest.MapFS{
		"index.html":      {Data: []byte("<!doctype html><title>app</title>")},
		"assets/app.js":   {Data: []byte("console.log('app')")},
		"pyodide/py.wasm": {Data: []byte("\x00asm")},
		"pyodide/py.mjs":  {Data: []byte("export {}")},
	})
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/", 200, "<title>app</title>"},
		{"GET", "/assets/app.js", 200, "console.log"},
		{"GET", "/rooms/abc", 200, "<title>app</title>"}, // client-side route falls back to the app
		{"GET", "/join", 200, "<title>app</title>"},
		{"HEAD", "/", 200, ""},
		{"POST", "/", 405, `"code":"method_not_allowed"`},
		{"GET", "/api/v1/nothing-here", 404, `"code":"route_not_found"`}, // unknown API paths stay JSON
		{"POST", "/api/v1/nothing-here", 404, `"code":"route_not_found"`},
		{"GET", "/healthz", 200, `"status":"ok"`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, rec.Code, body, tt.wantStatus, tt.wantBody)
			}
			if strings.HasPrefix(tt.path, "/api/") && rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("API path answered with %q, want JSON", rec.Header().Get("Content-Type"))
			}
		})
	}
	for path, want := range map[string]string{"/pyodide/py.wasm": "application/wasm", "/pyodide/py.mjs": "text/javascript; charset=utf-8"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("Content-Type"); rec.Code != 200 || got != want {
			t.Errorf("GET %s = %d with Content-Type %q, want 200 with %q", path, rec.Code, got, want)
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("405 without Allow header: %v", rec.Header())
	}
}
