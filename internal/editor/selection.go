package editor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Presence (where each person's cursor is) is relayed to the others and never stored, so the
// server only checks that it is well formed and fits the document: a position outside the
// document would make CodeMirror throw on the receiving side.

// MaxSelectionRanges bounds the ranges in one selection. Editors allow many cursors, but
// showing the other person more than a few dozen is noise, and presence is sent often.
const MaxSelectionRanges = 32

// MaxSelectionBytes bounds the JSON of one selection: 32 ranges of two large numbers fit easily.
const MaxSelectionBytes = 4 << 10

// SelectionRange is one cursor (Anchor == Head) or selected span, in UTF-16 units.
type SelectionRange struct {
	Anchor int `json:"anchor"`
	Head   int `json:"head"`
}

// Selection is CodeMirror's EditorSelection JSON: {"ranges":[{"anchor":a,"head":h}],"main":i}.
type Selection struct {
	Ranges []SelectionRange `json:"ranges"`
	Main   int              `json:"main"`
}

// The wire shape with pointers, so that a missing field is told apart from a zero.
type wireRange struct {
	Anchor *int `json:"anchor"`
	Head   *int `json:"head"`
}

type wireSelection struct {
	Ranges []wireRange `json:"ranges"`
	Main   *int        `json:"main"`
}

// ParseSelection decodes a selection and checks it against a document of docLen16 units: at
// least one and at most MaxSelectionRanges ranges, every position within the document, main an
// index into ranges. Like EditorSelection.fromJSON it does not require ranges to be sorted.
// Numbers must be integers; unknown fields are refused.
func ParseSelection(raw []byte, docLen16 int) (Selection, error) {
	if len(raw) > MaxSelectionBytes {
		return Selection{}, mockroom.Errorf(mockroom.KindTooLarge, CodeSelectionTooLarge,
			"selection is %d bytes, limit %d", len(raw), MaxSelectionBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var w wireSelection
	if err := dec.Decode(&w); err != nil {
		return Selection{}, mockroom.Wrap(err, mockroom.KindInvalid, CodeSelectionMalformed,
			"not an EditorSelection JSON object with integer positions")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Selection{}, selectionMalformed("unexpected data after the selection")
	}
	if w.Ranges == nil || w.Main == nil {
		return Selection{}, selectionMalformed("a selection needs ranges and main")
	}
	if len(w.Ranges) == 0 {
		return Selection{}, selectionMalformed("a selection needs at least one range")
	}
	if len(w.Ranges) > MaxSelectionRanges {
		return Selection{}, mockroom.Errorf(mockroom.KindTooLarge, CodeSelectionTooLarge,
			"selection has %d ranges, limit %d", len(w.Ranges), MaxSelectionRanges)
	}
	if *w.Main < 0 || *w.Main >= len(w.Ranges) {
		return Selection{}, selectionMalformed("main %d is not one of the %d ranges", *w.Main, len(w.Ranges))
	}
	sel := Selection{Ranges: make([]SelectionRange, len(w.Ranges)), Main: *w.Main}
	for i, r := range w.Ranges {
		if r.Anchor == nil || r.Head == nil {
			return Selection{}, selectionMalformed("range %d needs anchor and head", i)
		}
		for _, pos := range [2]int{*r.Anchor, *r.Head} {
			if pos < 0 || pos > docLen16 {
				return Selection{}, selectionMalformed("range %d position %d is outside the document of %d units", i, pos, docLen16)
			}
		}
		sel.Ranges[i] = SelectionRange{Anchor: *r.Anchor, Head: *r.Head}
	}
	return sel, nil
}

func selectionMalformed(format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindInvalid, CodeSelectionMalformed, format, args...)
}
