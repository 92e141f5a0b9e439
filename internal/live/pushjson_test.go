package live

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// checkDecodePush fails t unless decodePush gives exactly what json.Unmarshal gives, error
// included.
func checkDecodePush(t interface {
	Helper()
	Fatalf(string, ...any)
}, data []byte, clientID string) {
	t.Helper()
	got, gotErr := decodePush(data, clientID)
	var want pushData
	wantErr := json.Unmarshal(data, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("decodePush(%q): error %v, json.Unmarshal: %v", data, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodePush(%q) = %#v, json.Unmarshal: %#v", data, got, want)
	}
}

// checkEncodeUpdateData fails t unless encodeUpdateData writes exactly what json.Marshal
// writes, or fails as it does.
func checkEncodeUpdateData(t interface {
	Helper()
	Fatalf(string, ...any)
}, d updateData) {
	t.Helper()
	got, gotErr := encodeUpdateData(d)
	want, wantErr := json.Marshal(d)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("encodeUpdateData(%#v): error %v, json.Marshal: %v", d, gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encodeUpdateData(%#v):\n got %s\nwant %s", d, got, want)
	}
}

// The forms the socket layer writes, and json.Marshal of a map, are read without falling back.
func TestScanPushCanonical(t *testing.T) {
	for _, data := range []string{
		`{"updates":[{"clientID":"cm1","changes":[[10,"abcdefghij"]]}],"version":1}`,
		`{"updates":[{"changes":[[10,"abcdefghij"]],"clientID":"cm1"}],"version":1}`,
		`{"version":7,"updates":[{"clientID":"cm1","changes":[3,[0,"x\n\"y\u00e9"],-0.5e+3]},{"clientID":"cm2","changes":[]}]}`,
		`{"updates":[{"clientID":"cm1","changes":[1,[0,"<a & b>","",""]]}],"version":0}`,
	} {
		if _, ok := scanPush([]byte(data), "cm1"); !ok {
			t.Errorf("scanPush(%s) fell back", data)
		}
		checkDecodePush(t, []byte(data), "cm1")
	}
	for _, data := range []string{
		`{"updates":[{"clientID":"cm1","changes":[]}],"version":1} `,
		`{"updates":[{"clientID":"cm1","changes":[]}],"version":1,"version":2}`,
		`{"updates":[{"clientID":"cm1","changes":[]}],"Version":1}`,
		`{"updates":[{"clientID":"c\u006d1","changes":[]}],"version":1}`,
		`{"updates":[{"clientID":"cm1","changes":[01]}],"version":1}`,
		`{"updates":[{"clientID":"cm1","changes":[1,]}],"version":1}`,
		`{"updates":[{"clientID":"cm1","changes":[1]}],"version":1.0}`,
		`{"updates":[{"clientID":"cm1","changes":[1]}],"version":01}`,
		`{"updates":[{"clientID":"cm1","changes":[1]}],"version":-}`,
		`{"updates":[{"clientID":"cm1","changes":[1]}],"version":99999999999999999999}`,
		`{"updates":[{"clientID":"cm1","changes":{"a":1}}],"version":1}`,
		`{"updates":[{"clientID":"cm1","changes":[1],"author":"u"}],"version":1}`,
		`{"updates":null,"version":1}`,
	} {
		if _, ok := scanPush([]byte(data), "cm1"); ok {
			t.Errorf("scanPush(%s) did not fall back", data)
		}
		checkDecodePush(t, []byte(data), "cm1")
	}
}

// TestPushJSONMatchesEncodingJSON checks both hand-written paths against encoding/json on
// generated input: push data near the canonical form with every kind of deviation mixed in,
// and update data with hostile strings, change sets and times.
func TestPushJSONMatchesEncodingJSON(t *testing.T) {
	// Both outcomes have to be common, or the comparison would prove little.
	fastShare := func(t *testing.T, fast, all int) {
		if fast*5 < all || (all-fast)*10 < all {
			t.Errorf("the fast path took %d of %d inputs: the generator misses one side", fast, all)
		}
	}
	t.Run("decode", func(t *testing.T) {
		fast, all := 0, 0
		rapid.Check(t, func(t *rapid.T) {
			data := genPushData(t)
			clientID := rapid.SampledFrom([]string{"cm1", "c", ""}).Draw(t, "clientID")
			if _, ok := scanPush(data, clientID); ok {
				fast++
			}
			all++
			checkDecodePush(t, data, clientID)
		})
		fastShare(t, fast, all)
	})
	t.Run("encode", func(t *testing.T) {
		fast, all := 0, 0
		rapid.Check(t, func(t *rapid.T) {
			d := genUpdateData(t)
			if _, ok := appendUpdateData(nil, d); ok {
				fast++
			}
			all++
			checkEncodeUpdateData(t, d)
		})
		fastShare(t, fast, all)
	})
}

func FuzzDecodePush(f *testing.F) {
	for _, s := range []string{
		`{"updates":[{"clientID":"cm1","changes":[[10,"abcdefghij"]]}],"version":1}`,
		`{"version":3,"updates":[{"changes":[0,[0,"a\\b\u2028"],-1e9],"clientID":"x"}]}`,
		`{"updates":[],"version":-0}`,
		`{"updates":[{"clientID":"cm1","changes":null}],"version":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodePush(t, data, "cm1")
	})
}

func FuzzEncodeUpdateData(f *testing.F) {
	f.Add(1, "cm1", []byte(`[[10,"abc<d>"]]`), "u1", int64(1_700_000_000_123), 0)
	f.Add(-5, "a\u2028\"\xff", []byte(` [1, 2] `), "", int64(-62_200_000_000_000), 3600*25)
	f.Fuzz(func(t *testing.T, version int, clientID string, changes []byte, author string, atMS int64, offset int) {
		at := time.UnixMilli(atMS).In(time.FixedZone("z", offset%(48*3600)))
		checkEncodeUpdateData(t, updateData{Version: version, Updates: []editor.Update{
			{ClientID: clientID, Changes: changes, Author: mockroom.UserID(author), At: at},
			{ClientID: author, Changes: changes},
		}})
	})
}

// genString draws a string for a JSON value: mostly plain, sometimes with everything that
// needs escaping or replacing.
func genString(t *rapid.T, label string) string {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"cm1", "", "abc", "a b", "x-y_z.9"}),
		rapid.StringOf(rapid.SampledFrom([]rune{'a', 'Z', '0', ' ', '"', '\\', '/', '<', '>', '&', '\n', '\t', 0, 0x1f, 0x7f, 'é', '€', 0x2028, 0x2029, 0x1F600, 0xFFFD})),
		rapid.String(),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
	).Draw(t, label)
}

// genStringJSON writes a string as JSON, sometimes escaped other than json.Marshal would (or
// wrongly).
func genStringJSON(t *rapid.T, s string, hostile bool) string {
	form := 9
	if hostile {
		form = rapid.IntRange(0, 29).Draw(t, "stringForm")
	}
	switch form {
	case 0:
		return strconv.QuoteToASCII(s) // \x and \U escapes: not JSON
	case 1:
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			if r < 0x10000 {
				b.WriteString(`\u` + strings.ToUpper(strconv.FormatInt(int64(r)+0x10000, 16)[1:]))
			} else {
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
		return b.String()
	case 2:
		return `"` + s + `"` // raw: control characters, quotes and backslashes unescaped
	}
	b, _ := json.Marshal(s)
	if !hostile || rapid.Bool().Draw(t, "unescapeHTML") {
		b = []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b)))
	}
	return string(b)
}

var numberLiterals = []string{
	"0", "1", "-1", "10", "-0", "01", "-01", "1.5", "-2.25e+3", "1e400", "1E-7", "99999999999999999999",
	"123456789012345678", "-123456789012345678", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "1.", ".5", "+1", "0x10", "1e", "--1", "Infinity", "NaN",
}

// genJSONValue writes a JSON value in the shape of a change set; a hostile one takes wrong
// turns.
func genJSONValue(t *rapid.T, depth int, hostile bool) string {
	kind := rapid.IntRange(0, 9).Draw(t, "valueKind") // arrays, integers, strings
	if hostile && rapid.IntRange(0, 19).Draw(t, "oddValue") == 0 {
		kind = rapid.IntRange(10, 11).Draw(t, "oddKind")
	}
	if depth > 3 && kind < 4 {
		kind = 4
	}
	switch kind {
	case 0, 1, 2, 3:
		n := rapid.IntRange(0, 4).Draw(t, "len")
		parts := make([]string, n)
		for i := range parts {
			parts[i] = genJSONValue(t, depth+1, hostile)
		}
		sep := ","
		if hostile && rapid.IntRange(0, 19).Draw(t, "oddSep") == 0 {
			sep = rapid.SampledFrom([]string{",", ",", ",", ", ", "", ",,"}).Draw(t, "sep")
		}
		return "[" + strings.Join(parts, sep) + "]"
	case 4, 5, 6:
		return strconv.Itoa(rapid.IntRange(-1000, 1000).Draw(t, "n"))
	case 7:
		return rapid.SampledFrom(numberLiterals).Draw(t, "number")
	case 8, 9:
		return genStringJSON(t, genString(t, "text"), hostile)
	case 10:
		return rapid.SampledFrom([]string{"true", "false", "null", "tru", "nul", `{}`, `{"a":[1]}`, ""}).Draw(t, "literal")
	}
	return strings.Repeat("[", rapid.IntRange(30, 40).Draw(t, "deep")) + strings.Repeat("]", rapid.IntRange(29, 40).Draw(t, "deepEnd"))
}

type member struct{ key, value string }

// genObject writes members as a JSON object, in any order; a hostile one with members
// duplicated, dropped, renamed or added, and whitespace.
func genObject(t *rapid.T, ms []member, extra []string, hostile bool) string {
	if rapid.IntRange(0, 3).Draw(t, "shuffle") == 0 {
		ms = rapid.Permutation(ms).Draw(t, "order")
	}
	if !hostile {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = `"` + m.key + `":` + m.value
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	switch rapid.IntRange(0, 29).Draw(t, "memberChange") {
	case 0:
		if len(ms) > 0 {
			i := rapid.IntRange(0, len(ms)-1).Draw(t, "dup")
			ms = append(ms, member{ms[i].key, genJSONValue(t, 1, true)})
		}
	case 1:
		if len(ms) > 0 {
			i := rapid.IntRange(0, len(ms)-1).Draw(t, "drop")
			ms = append(ms[:i:i], ms[i+1:]...)
		}
	case 2:
		if len(ms) > 0 {
			i := rapid.IntRange(0, len(ms)-1).Draw(t, "rename")
			ms[i].key = rapid.SampledFrom([]string{strings.ToUpper(ms[i].key), strings.ToLower(ms[i].key), ms[i].key + " ", `\u0063lientID`}).Draw(t, "name")
		}
	case 3:
		ms = append(ms, member{rapid.SampledFrom(extra).Draw(t, "extra"), genJSONValue(t, 1, true)})
	}
	ws := ""
	if rapid.IntRange(0, 19).Draw(t, "spaced") == 0 {
		ws = rapid.SampledFrom([]string{" ", "\n", "\t", "\r", "  "}).Draw(t, "space")
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = `"` + m.key + `":` + ws + m.value
	}
	return "{" + ws + strings.Join(parts, ","+ws) + "}"
}

// genPushData writes push data: half of it as the socket layer writes it, the rest hostile.
func genPushData(t *rapid.T) []byte {
	hostile := rapid.Bool().Draw(t, "hostile")
	var updates string
	switch rapid.IntRange(0, 9).Draw(t, "updatesKind") {
	case 0:
		if !hostile {
			updates = "[]"
			break
		}
		updates = rapid.SampledFrom([]string{"null", "[]", "{}", `"x"`, "1", "[1]", "[null]"}).Draw(t, "updatesLiteral")
	default:
		n := rapid.IntRange(1, 4).Draw(t, "updates")
		us := make([]string, n)
		for i := range us {
			id := rapid.SampledFrom([]string{`"cm1"`, `"cm1"`, `"c"`, `""`, "null", "1"}).Draw(t, "id")
			if !hostile {
				id = `"cm1"`
			} else if rapid.IntRange(0, 9).Draw(t, "hostileID") == 0 {
				id = genStringJSON(t, genString(t, "clientID"), true)
			}
			changes := genJSONValue(t, 0, hostile)
			if rapid.Bool().Draw(t, "typicalChanges") {
				changes = `[` + strconv.Itoa(rapid.IntRange(0, 50).Draw(t, "retain")) + `,[0,` + genStringJSON(t, genString(t, "insert"), hostile) + `]]`
			}
			us[i] = genObject(t, []member{{"clientID", id}, {"changes", changes}}, []string{"author", "at", "clientId", "x"}, hostile)
		}
		updates = "[" + strings.Join(us, ",") + "]"
	}
	version := strconv.Itoa(rapid.IntRange(0, 1<<20).Draw(t, "version"))
	if hostile && rapid.IntRange(0, 3).Draw(t, "oddVersion") == 0 {
		version = rapid.OneOf(rapid.SampledFrom(numberLiterals), rapid.SampledFrom([]string{"null", `"1"`, "true", "[1]"})).Draw(t, "versionLiteral")
	}
	data := []byte(genObject(t, []member{{"updates", updates}, {"version", version}}, []string{"seq", "type", "updates", "x"}, hostile))
	if !hostile {
		return data
	}
	switch rapid.IntRange(0, 19).Draw(t, "mutate") {
	case 0:
		data = data[:rapid.IntRange(0, len(data)).Draw(t, "cut")]
	case 1:
		i := rapid.IntRange(0, len(data)-1).Draw(t, "at")
		data[i] = rapid.Byte().Draw(t, "byte")
	case 2:
		data = append(data, rapid.SampledFrom([]string{" ", "}", "\n", "x", "{}"}).Draw(t, "trailer")...)
	}
	return data
}

func genUpdateData(t *rapid.T) updateData {
	d := updateData{Version: rapid.OneOf(rapid.IntRange(0, 1<<20), rapid.Int()).Draw(t, "version")}
	switch rapid.IntRange(0, 9).Draw(t, "updatesKind") {
	case 0:
		return d // nil updates
	case 1:
		d.Updates = []editor.Update{}
		return d
	}
	n := rapid.IntRange(1, 4).Draw(t, "updates")
	for range n {
		u := editor.Update{ClientID: genString(t, "clientID")}
		switch rapid.IntRange(0, 9).Draw(t, "changesKind") {
		case 0:
		case 1:
			u.Changes = json.RawMessage{}
		default:
			u.Changes = json.RawMessage(genJSONValue(t, 0, rapid.Bool().Draw(t, "hostile")))
		}
		if rapid.Bool().Draw(t, "author") {
			u.Author = mockroom.UserID(genString(t, "authorID"))
		}
		if rapid.IntRange(0, 4).Draw(t, "at") > 0 {
			ms := rapid.OneOf(rapid.Int64Range(0, 4_000_000_000_000), rapid.Int64Range(-70_000_000_000_000, 300_000_000_000_000)).Draw(t, "ms")
			u.At = time.UnixMilli(ms).Add(time.Duration(rapid.IntRange(0, 999_999).Draw(t, "ns")))
			switch rapid.IntRange(0, 3).Draw(t, "zone") {
			case 0:
				u.At = u.At.UTC().Truncate(time.Millisecond)
			case 1:
				u.At = u.At.UTC()
			case 2:
				u.At = u.At.In(time.FixedZone("z", rapid.IntRange(-30*3600, 30*3600).Draw(t, "offset")))
			}
		}
		d.Updates = append(d.Updates, u)
	}
	return d
}

// BenchmarkPushJSON reads a typical push's data and writes its editor.update data, by hand
// and, for comparison, by encoding/json as before.
func BenchmarkPushJSON(b *testing.B) {
	data := []byte(`{"updates":[{"clientID":"cm-7f3a9c","changes":[1204,[0,"` + strings.Repeat("x", 98) + `",""],310]}],"version":731}`)
	d, err := decodePush(data, "cm-7f3a9c")
	if err != nil {
		b.Fatal(err)
	}
	for i := range d.Updates {
		d.Updates[i].Author, d.Updates[i].At = "u-typist", time.Now().UTC().Truncate(time.Millisecond)
	}
	b.Run("op=decode/by=hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePush(data, "cm-7f3a9c"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=decode/by=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d pushData
			if err := json.Unmarshal(data, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=encode/by=hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeUpdateData(updateData(d)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=encode/by=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(updateData(d)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
