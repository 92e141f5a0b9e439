package frontend

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// assetRef matches the files a built page or chunk loads: "/assets/x.js" in index.html and
// "assets/x.js" or "./x.js" inside the chunks (Vite's lazy imports).
var (
	htmlRef  = regexp.MustCompile(`(?:src|href)="(/[^"]+)"`)
	chunkRef = regexp.MustCompile(`"(?:\./|/?assets/)([A-Za-z0-9_.-]+\.(?:js|css))"`)
)

func TestDistServesTheApp(t *testing.T) {
	dist := Dist()
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatalf("dist/index.html is missing; run `npm run build` in frontend/: %v", err)
	}
	refs := htmlRef.FindAllStringSubmatch(string(index), -1)
	var scripts int
	for _, m := range refs {
		path := strings.TrimPrefix(m[1], "/")
		if _, err := fs.Stat(dist, path); err != nil {
			t.Errorf("index.html references %s, which is not in dist: %v", m[1], err)
		}
		if strings.HasSuffix(path, ".js") {
			scripts++
		}
	}
	if scripts == 0 {
		t.Errorf("index.html loads no script; refs found: %v", refs)
	}
	if !strings.Contains(string(index), `id="main"`) {
		t.Errorf("index.html has no #main outlet for the app")
	}
}

func TestDistChunksReferenceExistingFiles(t *testing.T) {
	dist := Dist()
	chunks, err := fs.Glob(dist, "assets/*.js")
	if err != nil || len(chunks) == 0 {
		t.Fatalf("no JavaScript in dist/assets (err %v)", err)
	}
	for _, chunk := range chunks {
		body, err := fs.ReadFile(dist, chunk)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range chunkRef.FindAllStringSubmatch(string(body), -1) {
			if _, err := fs.Stat(dist, "assets/"+m[1]); err != nil {
				t.Errorf("%s imports %s, which is not in dist/assets", chunk, m[1])
			}
		}
	}
}

func TestDistHasNoSourceMaps(t *testing.T) {
	maps, err := fs.Glob(Dist(), "assets/*.map")
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) > 0 {
		t.Errorf("dist carries source maps %v; they only grow the binary", maps)
	}
}

// TestDistHasNoInlineScript: the server's Content-Security-Policy allows scripts from the app's
// origin only, so an inline script or event-handler attribute in index.html would not run.
func TestDistHasNoInlineScript(t *testing.T) {
	index, err := fs.ReadFile(Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(string(index), -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("index.html has an inline script, which the CSP blocks: %.80s", m[0])
		}
	}
	if handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).FindString(string(index)); handler != "" {
		t.Errorf("index.html has an inline event handler %q, which the CSP blocks", handler)
	}
}
