// Package frontend carries the built web app (Vite output in dist/, committed to the repository)
// so the server binary can serve it without Node installed. Rebuild with `npm run build` in this
// directory after changing anything under src/.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app rooted at dist/, ready for httpapi.(*Server).MountStatic.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "dist" is a constant.
		panic(err)
	}
	return sub
}

//go:embed src/live/harness.py
var pythonHarness []byte

// PythonHarness returns the test harness of coding questions (src/live/harness.py): the room's
// Python worker loads the same file, so the bank's check of reference solutions and a run in the
// browser judge tests alike.
func PythonHarness() []byte { return pythonHarness }
