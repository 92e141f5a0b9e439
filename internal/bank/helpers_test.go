package bank_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/mockroom/mockroom/internal/bank"
)

// goodFS copies the embedded track files into a MapFS rooted at the track directories.
func goodFS(t *testing.T) fstest.MapFS {
	t.Helper()
	sub, err := fs.Sub(bank.EmbeddedFS, "data")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	err = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, path)
		out[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
