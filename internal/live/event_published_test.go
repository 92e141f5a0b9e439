package live

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// published renders e as the append script stores and publishes it: the log's JSON, and the
// published form (the header the script writes before it, when the event has one).
func published(e EncodedEvent, off mockroom.EventOffset, id, epoch string, at int64) (stored, pub []byte) {
	stored = []byte(`{"offset":` + strconv.FormatUint(uint64(off), 10) + `,"id":"` + id + `","epoch":"` + epoch +
		`","at":` + strconv.FormatInt(at, 10) + `,` + e.Body())
	if e.Header() == "" {
		return stored, stored
	}
	return stored, append([]byte(e.Header()), stored...)
}

func mustEncode(t testing.TB, ne NewEvent) EncodedEvent {
	t.Helper()
	e, err := ne.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDecodePublishedMatchesTheLog: what a node reads from the published header and the slices
// of the JSON is exactly what decoding the log's copy of the event gives, for every shape of
// event: with and without actor, data, private part, interviewer-only flag and addressee, and
// data whose strings look like the fields around them.
func TestDecodePublishedMatchesTheLog(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ne       NewEvent
		withHead bool
	}{
		{"editor update", NewEvent{Type: TypeEditorUpdate, Actor: "u-cand", Data: json.RawMessage(`{"version":3,"updates":[{"clientID":"cm1","changes":[1,["}"]]}]}`)}, true},
		{"no actor, no data", NewEvent{Type: TypeTimerExpired}, true},
		{"private and for", NewEvent{Type: TypeQuestionStarted, Actor: "u-int", Data: map[string]any{"index": 0, "title": `"data":{}`},
			Private: map[string]any{"guide": map[string]string{"looks_for": `,"private":{"x":1}}`}}, For: "u-int"}, true},
		{"interviewer only", NewEvent{Type: TypeNoteAdded, Actor: "u-int", Data: map[string]string{"text": "fine"}, InterviewerOnly: true, For: "u-int"}, true},
		{"private without data", NewEvent{Type: TypeNoteAdded, Actor: "u-int", Private: map[string]string{"text": "x"}}, true},
		{"actor that needs escaping", NewEvent{Type: TypeChatMessage, Actor: "u \"odd\"", Data: map[string]string{"text": "hi"}}, false},
		{"data that is not an object", NewEvent{Type: TypeChatMessage, Actor: "u-cand", Data: json.RawMessage(`[1,2]`)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEncode(t, tc.ne)
			if (e.Header() != "") != tc.withHead {
				t.Fatalf("header %q, want one: %v", e.Header(), tc.withHead)
			}
			stored, pub := published(e, 42, "01JID", "ep-7", 1764979200123)
			want, err := DecodeEvent(stored)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodePublished(pub)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("published %q\ngot  %+v\nwant %+v", pub, got, want)
			}
			if tc.withHead {
				if _, ok := decodeHeader(pub); !ok && json.Valid(e.data) && len(e.data) > 0 && e.data[0] == '{' {
					t.Fatal("the header did not take the fast path")
				}
			}
		})
	}
}

// TestDecodePublishedFallsBackToTheJSON: a header that does not fit the JSON after it (a part's
// position or length off, a missing field) is not trusted; the event is decoded from its JSON.
func TestDecodePublishedFallsBackToTheJSON(t *testing.T) {
	e := mustEncode(t, NewEvent{Type: TypeQuestionStarted, Actor: "u-int", Data: map[string]int{"index": 1}, Private: map[string]int{"secret": 2}, For: "u-int"})
	stored, _ := published(e, 5, "01JID", "ep-1", 1000)
	want, err := DecodeEvent(stored)
	if err != nil {
		t.Fatal(err)
	}
	for _, hdr := range []string{
		"#question.started 0 u-int u-int 999 13 17 12", // data end out of range
		"#question.started 0 u-int u-int 0 13 0 0",     // private left out, data misplaced
		"#question.started 0 u-int u-int",              // fields missing
		"#question.started 0 u-int u-int 0 x 0 0",      // not a number
	} {
		got, err := DecodePublished(append([]byte(hdr+"\n"), stored...))
		if err != nil {
			t.Fatalf("%s: %v", hdr, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %+v, want %+v", hdr, got, want)
		}
	}
	if _, err := DecodePublished([]byte("#chat.message 0 - - 0 0 0 0")); err == nil {
		t.Fatal("a header with no event after it was accepted")
	}
	// A JSON whose beginning is not the script's: the header is not trusted either.
	odd := []byte(`{"id":"01JID","offset":5,"epoch":"ep-1","at":1000,` + e.Body())
	want, err = DecodeEvent(odd)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePublished(append([]byte(e.Header()), odd...))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("fields in another order: got %+v (%v), want %+v", got, err, want)
	}
}

// TestDecodePublishedProperty: for any text in an event's data and private part (random, from a
// fixed seed, with quotes, braces, backslashes, control and non-ASCII characters over-represented),
// the published form decodes to the log's event.
func TestDecodePublishedProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 42))
	alphabet := []rune(`ab "{}[]:,\/` + "\n\t\x00\u2028é€😀<>&")
	randText := func() string {
		r := make([]rune, rng.IntN(40))
		for i := range r {
			if rng.IntN(3) == 0 {
				r[i] = rune(rng.IntN(0x3000))
			} else {
				r[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		return string(r)
	}
	for i := range 2000 {
		ne := NewEvent{Type: TypeChatMessage, Actor: mockroom.UserID("u-" + strconv.Itoa(rng.IntN(1000))), Data: map[string]string{"text": randText()}}
		if rng.IntN(2) == 0 {
			ne.Private, ne.For = map[string]string{"s": randText()}, "u-int"
		}
		ne.InterviewerOnly = rng.IntN(2) == 0
		e := mustEncode(t, ne)
		stored, pub := published(e, mockroom.EventOffset(rng.Uint32()), "01JID", "ep", time.Now().UnixMilli())
		want, err := DecodeEvent(stored)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := decodeHeader(pub); !ok {
			t.Fatalf("case %d: no fast path for %q", i, pub)
		}
		got, err := DecodePublished(pub)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: got %+v (%v), want %+v", i, got, err, want)
		}
	}
}

// BenchmarkDecodePublished compares the fan-out's reading of an editor update with and without
// the published header.
func BenchmarkDecodePublished(b *testing.B) {
	e := mustEncode(b, NewEvent{Type: TypeEditorUpdate, Actor: "u-0123456789abcdef", Data: json.RawMessage(
		`{"version":41,"updates":[{"clientID":"cm-0123456789","changes":[120,[0,"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123"]]}]}`)})
	stored, pub := published(e, 1234, "01JDR5K3QZ8W3F6Y2N0A7B9C1D", "01JDR5K0000000000000000000", time.Now().UnixMilli())
	b.Run("header", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := DecodePublished(pub); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := DecodeEvent(stored); err != nil {
				b.Fatal(err)
			}
		}
	})
}
