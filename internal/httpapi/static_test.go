package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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

func TestStaticCompressionCachingAndSecurityHeaders(t *testing.T) {
	script := strings.Repeat("export const greeting = 'hello from the room bundle';\n", 200)
	s := New(Options{})
	s.MountStatic(fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html><title>app</title><script type=module src=/assets/room-abc123.js></script>" + strings.Repeat("<p>padding</p>", 50))},
		"assets/room-abc123.js":  {Data: []byte(script)},
		"assets/tiny-0a1b2c.css": {Data: []byte("a{}")},
		"favicon.svg":            {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
	})
	get := func(path, acceptEncoding string, extra ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			req.Header.Set(extra[i], extra[i+1])
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Result()
	}

	t.Run("gzip when accepted, identical after decompression", func(t *testing.T) {
		res := get("/assets/room-abc123.js", "br, gzip;q=0.8")
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", res.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("no Vary: Accept-Encoding: a shared cache could serve gzip to a client without it")
		}
		sent, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Length") != strconv.Itoa(len(sent)) {
			t.Errorf("Content-Length %q for %d bytes sent", res.Header.Get("Content-Length"), len(sent))
		}
		if len(sent) == 0 || len(sent) > len(script)/4 {
			t.Errorf("sent %d compressed bytes for a %d-byte repetitive script", len(sent), len(script))
		}
		zr, err := gzip.NewReader(bytes.NewReader(sent))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != script {
			t.Errorf("decompressed body differs from the file (%d vs %d bytes)", len(plain), len(script))
		}
	})
	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		t.Run("plain for Accept-Encoding "+ae, func(t *testing.T) {
			res := get("/assets/room-abc123.js", ae)
			body, _ := io.ReadAll(res.Body)
			if res.Header.Get("Content-Encoding") != "" || string(body) != script {
				t.Errorf("Content-Encoding %q, body %d bytes; want the plain file", res.Header.Get("Content-Encoding"), len(body))
			}
		})
	}
	t.Run("a file that does not shrink is sent as is", func(t *testing.T) {
		if res := get("/assets/tiny-0a1b2c.css", "gzip"); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("a 3-byte file was gzipped")
		}
	})

	cacheTests := []struct{ path, want string }{
		{"/assets/room-abc123.js", "public, max-age=31536000, immutable"},
		{"/", "no-cache"},
		{"/index.html", "no-cache"},
		{"/rooms/abc", "no-cache"}, // the app, for a client-side route
		{"/favicon.svg", "no-cache"},
	}
	for _, tt := range cacheTests {
		t.Run("Cache-Control "+tt.path, func(t *testing.T) {
			res := get(tt.path, "gzip")
			if got := res.Header.Get("Cache-Control"); got != tt.want || res.StatusCode != 200 {
				t.Errorf("GET %s = %d with Cache-Control %q, want 200 with %q", tt.path, res.StatusCode, got, tt.want)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
				if res.Header.Get(h) == "" {
					t.Errorf("GET %s has no %s", tt.path, h)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			scriptSrc, _, _ := strings.Cut(strings.SplitN(csp, "script-src", 2)[1], ";")
			if strings.Contains(scriptSrc, "'unsafe-inline'") || strings.Contains(scriptSrc, "'unsafe-eval'") {
				t.Errorf("CSP allows inline or evaluated script: %q", scriptSrc)
			}
		})
	}

	t.Run("a missing built asset is 404, not the app", func(t *testing.T) {
		res := get("/assets/room-old999.js", "gzip")
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
			t.Errorf("GET a missing asset = %d, Cache-Control %q; want 404, not cached", res.StatusCode, res.Header.Get("Cache-Control"))
		}
	})
	t.Run("revalidation by ETag, per encoding", func(t *testing.T) {
		gz, plain := get("/", "gzip"), get("/", "")
		if gz.Header.Get("ETag") == "" || gz.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Fatalf("ETags gzip %q and plain %q: want both set and different", gz.Header.Get("ETag"), plain.Header.Get("ETag"))
		}
		if res := get("/", "gzip", "If-None-Match", gz.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match with the current ETag = %d, want 304", res.StatusCode)
		}
	})
}
