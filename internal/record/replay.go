package record

import (
	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Replay gives the document after the first n edits (all of them for n >= len(edits)), starting
// from the empty document, as the server accepted them: a reset replaces the whole text, an
// update applies its change set. The web page's replay does the same with CodeMirror; this one
// is the reference it is tested against.
func Replay(edits []Edit, n int) (string, error) {
	d := newDoc()
	n = min(max(n, 0), len(edits))
	for i, e := range edits[:n] {
		if e.Reset {
			if err := d.Reset(e.Text); err != nil {
				return "", mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor reset does not replay")
			}
			continue
		}
		if _, err := d.Push(i, []editor.Update{{ClientID: "replay", Changes: e.Changes}}); err != nil {
			return "", mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor update does not replay")
		}
	}
	return d.Document().String(), nil
}

// EditsThrough counts the edits at or before offset: the replay's position at that moment of
// the log.
func EditsThrough(edits []Edit, offset mockroom.EventOffset) int {
	n := 0
	for _, e := range edits {
		if e.Offset > offset {
			break
		}
		n++
	}
	return n
}
