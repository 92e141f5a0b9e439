package live

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// storedForm is an event as the append script writes it: its position and time, then the body
// EncodedEvent renders.
func storedForm(t testing.TB, off uint64, id, epoch string, atMS int64, ne NewEvent) []byte {
	t.Helper()
	enc, err := ne.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{"offset":` + strconv.FormatUint(off, 10) + `,"id":"` + id + `","epoch":"` + epoch +
		`","at":` + strconv.FormatInt(atMS, 10) + `,` + enc.Body())
}

// agreeWithJSON fails t when decodeStored accepts raw and encoding/json does not, or reads it
// otherwise; it reports whether decodeStored accepted.
func agreeWithJSON(t *testing.T, raw []byte) bool {
	t.Helper()
	fast, ok := decodeStored(raw)
	if !ok {
		return false
	}
	want, err := decodeEventJSON(raw)
	if err != nil {
		t.Fatalf("decodeStored accepted what encoding/json refuses (%v):\n%s", err, raw)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("decodeStored read\n%#v\nencoding/json read\n%#v\nfrom %s", fast, want, raw)
	}
	return true
}

// TestDecodeStoredAgreesWithEncodingJSON: every event the store writes takes the fast path and
// reads as encoding/json reads it; every variation of the form the fast path does not know,
// and every cut of a stored event, is either refused by it or read the same way.
func TestDecodeStoredAgreesWithEncodingJSON(t *testing.T) {
	datas := []any{
		nil,
		map[string]int{"version": 51},
		json.RawMessage(`{"updates":[{"clientID":"cm1","changes":[50,[0,"a \"quoted\" }] brace \\ and \u00e9"]]}]}`),
		json.RawMessage(`[1, [2, {"x": "]"}], "}"]`),
		json.RawMessage(`"just a string with \" and \\"`),
		json.RawMessage(`12.5e3`), json.RawMessage(`-7`), json.RawMessage(`true`), json.RawMessage(`null`),
		map[string]string{"text": "<b>ünïcödé</b> 🙂 & \u2028"},
	}
	var events []NewEvent
	for _, data := range datas {
		for _, private := range []any{nil, map[string]string{"note": "only for the interviewer"}, json.RawMessage(`"p"`)} {
			for _, actor := range []mockroom.UserID{"", "u-cand"} {
				for _, io := range []bool{false, true} {
					for _, forWhom := range []mockroom.UserID{"", "u-int"} {
						events = append(events, NewEvent{Type: TypeEditorUpdate, Actor: actor, Data: data, Private: private, InterviewerOnly: io, For: forWhom})
					}
				}
			}
		}
	}
	fast := 0
	for i, ne := range events {
		raw := storedForm(t, uint64(i), "NiuaysIsRNDA1j", "1796699374302000", 1796699374302+int64(i), ne)
		if !agreeWithJSON(t, raw) {
			t.Errorf("the stored form of event %d did not take the fast path:\n%s", i, raw)
			continue
		}
		fast++
		// As EncodeEvent writes it too.
		ev, _ := decodeEventJSON(raw)
		again, err := EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !agreeWithJSON(t, again) {
			t.Errorf("EncodeEvent's form of event %d did not take the fast path:\n%s", i, again)
		}
		// Every cut of it is refused, or read as encoding/json reads it.
		for n := range raw {
			agreeWithJSON(t, raw[:n])
		}
	}
	if fast != len(events) {
		t.Fatalf("%d of %d stored events took the fast path", fast, len(events))
	}

	base := `{"offset":7,"id":"i1","epoch":"e1","at":1700000000000,"type":"chat.message","actor":"u1","data":{"text":"hi"}}`
	if !agreeWithJSON(t, []byte(base)) {
		t.Fatalf("the base event did not take the fast path: %s", base)
	}
	variants := []string{
		` ` + base, base + ` `, base + `x`, base + `}`,
		`{"offset": 7,"id":"i1","epoch":"e1","at":1700000000000,"type":"chat.message"}`,
		`{"offset":07,"id":"i1","epoch":"e1","at":1700000000000,"type":"t"}`,
		`{"offset":-7,"id":"i1","epoch":"e1","at":1700000000000,"type":"t"}`,
		`{"offset":7.0,"id":"i1","epoch":"e1","at":1700000000000,"type":"t"}`,
		`{"offset":18446744073709551615,"id":"i1","epoch":"e1","at":1,"type":"t"}`,
		`{"offset":7,"id":"i\"1","epoch":"e1","at":1,"type":"t"}`,
		`{"offset":7,"id":"i\u00e91","epoch":"e1","at":1,"type":"t"}`,
		"{\"offset\":7,\"id\":\"i\xc3\xa91\",\"epoch\":\"e1\",\"at\":1,\"type\":\"t\"}",
		"{\"offset\":7,\"id\":\"i\xff1\",\"epoch\":\"e1\",\"at\":1,\"type\":\"t\"}",
		"{\"offset\":7,\"id\":\"i\t1\",\"epoch\":\"e1\",\"at\":1,\"type\":\"t\"}",
		`{"offset":7,"epoch":"e1","id":"i1","at":1,"type":"t"}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":1},"actor":"u1"}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":1},"data":{"b":2}}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data": {"a":1}}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":1} }`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":5 }`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":1 }}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":}}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"a":1]}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":[1,2}}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":"open}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":tru}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":01}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":"a\qb"}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","io":false}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","io":true,"io":true}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","extra":1}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","for":"u\\2"}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","actor":"","for":""}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":""}`,
		`{"offset":0,"id":"","epoch":"","at":0,"type":"t","data":{}}`,
		`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":{"k":"v\"}"},"private":[{"n":"\\"}]}`,
	}
	for _, v := range variants {
		agreeWithJSON(t, []byte(v))
	}
}

func FuzzDecodeStored(f *testing.F) {
	f.Add([]byte(`{"offset":7,"id":"i1","epoch":"e1","at":1700000000000,"type":"chat.message","actor":"u1","data":{"text":"hi"}}`))
	f.Add([]byte(`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":[1,"]"],"private":"p","io":true,"for":"u2"}`))
	f.Add([]byte(`{"offset":7,"id":"i1","epoch":"e1","at":1,"type":"t","data":-1.5e2}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		agreeWithJSON(t, raw)
	})
}

// BenchmarkDecodeEvent compares the fast path with encoding/json on a typed edit as the log
// keeps it.
func BenchmarkDecodeEvent(b *testing.B) {
	raw := storedForm(b, 1234, "NiuaysIsRNDA1j", "1796699374302000", time.Now().UnixMilli(), NewEvent{
		Type: TypeEditorUpdate, Actor: "u-cand",
		Data: json.RawMessage(`{"version":51,"updates":[{"clientID":"cm1","changes":[50,[0,"the quick brown fox jumps over the lazy dog 0123456789"]],"author":"u-cand","at":"2026-12-08T03:09:34.302Z"}]}`),
	})
	for _, impl := range []struct {
		name string
		fn   func([]byte) (Event, error)
	}{{"stored", DecodeEvent}, {"json", decodeEventJSON}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.fn(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
