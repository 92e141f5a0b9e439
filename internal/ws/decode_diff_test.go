package ws

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diffSeeds are frames of every type, valid and refused, that the differential checks start
// from and mutate.
var diffSeeds = []string{
	`{"type":"join","seq":1,"client_id":"c1","resume":null}`,
	`{"type":"join","seq":1,"client_id":"c1","resume":{"epoch":"e","offset":3,"event_id":"i"}}`,
	`{"type":"join","seq":1,"client_id":"c\u0031","resume":{"epoch":"\ud800","offset":3,"event_id":"i"}}`,
	`{"type":"editor.push","seq":2,"version":3,"updates":[{"clientID":"a","changes":[3,[0,"x","y"]]}]}`,
	`{"type":"editor.push","seq":2,"version":0,"updates":[{"clientID":"a","changes":[0,[0,"<a & b>\u2028"]]},{"changes":[1],"clientID":"b"}]}`,
	" {\"type\" : \"editor.push\" ,\n\"seq\":2,\t\"version\":3,\"updates\":[ {\"clientID\":\"a\",\"changes\":[ 3 , [0,\"x y\"] ] } ] } ",
	`{"type":"presence","selection":{"main":0,"ranges":[{"anchor":0,"head":2}]}}`,
	`{"type":"presence","seq":9,"selection":{"main":1,"ranges":[{"anchor":0,"head":2},{"head":4,"anchor":5}]}}`,
	`{"type":"chat.send","seq":4,"text":"\ud83d\ude00 hi <b>"}`,
	`{"type":"note.add","seq":4,"text":"a note"}`,
	`{"type":"allowance.set","seq":5,"user_id":"u","factor":1.5}`,
	`{"type":"allowance.set","seq":5,"user_id":"u","factor":1e0}`,
	`{"type":"auth.refresh","seq":6,"access_token":"t"}`,
	`{"type":"timer.extend","seq":7,"seconds":30}`,
	`{"type":"editor.language","seq":7,"language":"c++"}`,
	`{"type":"editor.lock","seq":7,"locked":false}`,
	`{"type":"room.start","seq":1}`, `{"type":"question.next","seq":1}`, `{"type":"question.skip","seq":1}`,
	`{"type":"timer.pause","seq":1}`, `{"type":"timer.resume","seq":1}`, `{"type":"room.end","seq":1}`,
	`{"type":"ping","seq":1,"seq":1}`,
	`{"type":"ping","seq":1,"\u0073eq":1}`,
	`{"type":null,"seq":3}`,
	`{"a":{"b":{"c":[1,2,{"d":1,"d":2}]}}}`,
	`[{"a":1,"a":2}]`,
	`{"type":"ping","seq":1} x`,
	`{"type":"ping","seq":01}`,
	`{"type":"ping","seq":-0}`,
	`{"type":"ping","seq":18446744073709551616}`,
	`{"type":"ping","seq":1,"x":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]}`,
	`{"type":"ping","seq":1,"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`,
	`{"type":"ping","seq":1,"x":` + strings.Repeat("[", 33) + strings.Repeat("]", 33) + `}`,
}

type outcome struct {
	cmd  Command
	code string
	seq  uint64
}

func decodeOutcome(t *testing.T, decode func([]byte) (Command, error), data []byte) outcome {
	t.Helper()
	cmd, err := decode(data)
	if err == nil {
		return outcome{cmd: cmd}
	}
	var fe *frameError
	if !errors.As(err, &fe) {
		t.Fatalf("refusal of %q is not a frame error: %v", data, err)
	}
	return outcome{code: fe.code, seq: fe.seq}
}

// compareDecoders checks the scanner against the reference decoder on one input. They must agree
// on every frame, with one exception that tightens the rules: the reference decoded nested
// objects (resume, selection, ranges, updates) with encoding/json, whose field names match in
// any letter case, so it accepted {"EPOCH":…}; the scanner wants the names exactly as
// documented. Even then the scanner never accepts what the reference refuses.
func compareDecoders(t *testing.T, data []byte) {
	t.Helper()
	legacy := decodeOutcome(t, legacyDecodeCommand, data)
	got := decodeOutcome(t, DecodeCommand, data)
	if hasCaseVariantKey(data) {
		if got.code == "" && legacy.code != "" {
			t.Fatalf("scanner accepts %q, reference refuses it (%s)", data, legacy.code)
		}
		if got.code == "" && legacy.code == "" {
			if diff := cmp.Diff(legacy.cmd, got.cmd); diff != "" {
				t.Fatalf("%q decodes differently (-reference +scanner)\n%s", data, diff)
			}
		}
		return
	}
	if diff := cmp.Diff(legacy, got, cmp.AllowUnexported(outcome{})); diff != "" {
		t.Fatalf("%q: decoders disagree (-reference +scanner)\n%s", data, diff)
	}
}

var nestedNames = []string{"epoch", "offset", "event_id", "main", "ranges", "anchor", "head", "clientID", "changes"}

// hasCaseVariantKey reports whether data holds a string that differs from a nested field name
// only in letter case (as encoding/json folds it). Strings that are values count too: that only
// widens the exception above, never what the scanner may accept.
func hasCaseVariantKey(data []byte) bool {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if v, ok := tok.(string); ok {
			for _, n := range nestedNames {
				if v != n && strings.EqualFold(v, n) {
					return true
				}
			}
		}
	}
}

func TestDecodersAgreeOnSeeds(t *testing.T) {
	for _, s := range diffSeeds {
		compareDecoders(t, []byte(s))
	}
}

// TestDecodersAgreeOnMutations compares the decoders on many random edits of the seeds: bytes
// replaced, inserted and deleted, and JSON fragments spliced in.
func TestDecodersAgreeOnMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fragments := []string{`"`, `\`, `{`, `}`, `[`, `]`, `,`, `:`, ` `, `null`, `true`, `0`, `-1`, `1.5e3`,
		`"seq":2`, `"x":1`, `\u0041`, `\ud800`, `"EPOCH":"e"`, `"Main":0`, `"type":"ping"`, "\u2028", `<`, `&`}
	for range 40000 {
		b := []byte(diffSeeds[rng.IntN(len(diffSeeds))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(4) {
			case 0:
				if i < len(b) {
					b[i] = byte(rng.IntN(128))
				}
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			default:
				f := fragments[rng.IntN(len(fragments))]
				b = append(b[:i], append([]byte(f), b[i:]...)...)
			}
		}
		compareDecoders(t, b)
	}
}

// FuzzDecodeDifferential compares the scanner with the reference decoder on fuzzed frames.
func FuzzDecodeDifferential(f *testing.F) {
	for _, s := range diffSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDecoders(t, data)
	})
}
