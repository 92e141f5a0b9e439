package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Headers every response of the web app carries.
//
// The policy allows scripts from the app's own origin only: no inline script, no eval. WebAssembly
// may compile ('wasm-unsafe-eval' permits WebAssembly only, never JavaScript eval) so code can run
// in the browser. Styles allow 'unsafe-inline' because the editor writes its theme and the cursor
// colours as inline styles; a style cannot run code. The page may not be framed (clickjacking),
// and no page sends a Referer: invite links carry their token in the URL.
const (
	contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; " +
		"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	referrerPolicy = "no-referrer"
	// Built assets under /assets/ carry a hash of their content in their name, so a name never
	// changes meaning: a year, and no revalidation.
	cacheImmutable = "public, max-age=31536000, immutable"
	// Everything else (index.html above all, which names the current assets) is revalidated on
	// every use, so a new release is picked up at the next load.
	cacheRevalidate = "no-cache"
)

// staticFile is one file of the web app, read once at start with its compressed form.
type staticFile struct {
	body  []byte
	etag  string // strong ETag of body; the gzipped form's is etag with a suffix
	ctype string

	// The compressed form is made on the first request that accepts it, not at start-up: the
	// Python runtime alone is 13 MB, and every server start (each test's included) would pay for
	// compressing files most runs never serve.
	gzipOnce sync.Once
	gzipped  []byte // nil when compressing does not make it smaller
}

// compressed returns the gzipped body, or nil when gzip does not make it at least 10% smaller.
func (f *staticFile) compressed() []byte {
	f.gzipOnce.Do(func() {
		if gz := gzipBytes(f.body); len(gz) < len(f.body)*9/10 {
			f.gzipped = gz
		}
	})
	return f.gzipped
}

// setSecurityHeaders sets the headers every page of the web app carries.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", referrerPolicy)
	h.Set("X-Frame-Options", "DENY")
}

// MountStatic serves the web app from files at "/": files read and compressed once, served gzipped
// to clients that accept it, with strong ETags; hashed assets cached for a year, everything else
// revalidated. A path that names no file gets index.html, so a reload on /rooms/abc still loads
// the app, except under /assets/: a missing built asset is a 404, never an HTML page cached as
// script.
func (s *Server) MountStatic(files fs.FS) {
	site := loadStatic(files, s)
	// The pattern is "/" with no method: "GET /" would conflict with the "/api/" catch-all (neither
	// is more specific than the other), while "/" loses to it, so unknown API paths still get JSON.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Code: "method_not_allowed", Message: r.Method + " is not allowed here; the web app answers GET and HEAD"})
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		f, ok := site[name]
		immutable := strings.HasPrefix(name, "assets/")
		if !ok {
			if immutable {
				w.Header().Set("Cache-Control", cacheRevalidate)
				http.Error(w, "no such asset: "+name, http.StatusNotFound)
				return
			}
			name, f, immutable = "index.html", site["index.html"], false
			if f == nil {
				http.NotFound(w, r)
				return
			}
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Add("Vary", "Accept-Encoding")
		if immutable {
			h.Set("Cache-Control", cacheImmutable)
		} else {
			h.Set("Cache-Control", cacheRevalidate)
		}
		body, etag := f.body, f.etag
		if gz := f.compressed(); gz != nil && acceptsGzip(r) {
			body, etag = gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
			// ServeContent sets no length on an encoded body; ranges of it are not offered.
			h.Set("Content-Length", strconv.Itoa(len(body)))
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	})
}

// loadStatic reads every file. A file that cannot be read is
// logged and left out.
func loadStatic(files fs.FS, s *Server) map[string]*staticFile {
	site := map[string]*staticFile{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &staticFile{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
		f.ctype = mime.TypeByExtension(path.Ext(name))
		if f.ctype == "" {
			f.ctype = http.DetectContentType(body)
		}
		site[name] = f
		return nil
	})
	if err != nil {
		s.log.Error("reading the web app's files", "err", err)
	}
	return site
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = zw.Write(b)                                       // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip (and does not give it q=0).
func acceptsGzip(r *http.Request) bool {
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(header, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
		}
	}
	return false
}
