package ws

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// ackByMarshal is an ack as encoding/json renders it, with the result as a map of what is
// known: the reference encodeAck must match byte for byte.
func ackByMarshal(now time.Time, seq uint64, r live.Result) []byte {
	result := map[string]any{}
	if r.Position.Offset > 0 {
		result["position"] = r.Position
	}
	if r.Version > 0 {
		result["version"] = r.Version
	}
	if r.Duplicate {
		result["duplicate"] = true
	}
	return mustJSON(ackFrame{Type: FrameAck, ServerTime: serverTime(now), Seq: seq, Result: mustJSON(result)})
}

func TestEncodeAckMatchesMarshal(t *testing.T) {
	now := time.Date(2026, 12, 6, 20, 1, 2, 345_678_901, time.FixedZone("x", -7*3600))
	for _, r := range []live.Result{
		{},
		{Position: mockroom.Position{Epoch: "ep-1", Offset: 42, EventID: "01JH5Q"}, Version: 731},
		{Position: mockroom.Position{Epoch: "ep-1", Offset: 42, EventID: "01JH5Q"}, Duplicate: true},
		{Duplicate: true},
		{Version: 1},
		{Position: mockroom.Position{Epoch: "odd \"<&>\"\x01\xff\u2028", Offset: 1<<64 - 1, EventID: "é"}, Version: -1},
	} {
		want := ackByMarshal(now, 4182, r)
		if diff := cmp.Diff(string(want), string(encodeAck(now, 4182, r))); diff != "" {
			t.Errorf("%+v (-json.Marshal +encodeAck)\n%s", r, diff)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		str := rapid.OneOf(rapid.StringMatching(`[a-zA-Z0-9_-]{0,26}`), rapid.String(),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }))
		r := live.Result{
			Position: mockroom.Position{
				Epoch:   str.Draw(t, "epoch"),
				Offset:  mockroom.EventOffset(rapid.OneOf(rapid.Uint64Range(0, 3), rapid.Uint64()).Draw(t, "offset")),
				EventID: str.Draw(t, "eventID"),
			},
			Duplicate: rapid.Bool().Draw(t, "duplicate"),
			Version:   rapid.OneOf(rapid.IntRange(-2, 3), rapid.Int()).Draw(t, "version"),
		}
		now := time.UnixMilli(rapid.Int64Range(0, 1<<42).Draw(t, "now")).In(time.FixedZone("z", rapid.IntRange(-12*3600, 14*3600).Draw(t, "offset")))
		seq := rapid.OneOf(rapid.Uint64Range(0, 10), rapid.Uint64()).Draw(t, "seq")
		if want, got := ackByMarshal(now, seq, r), encodeAck(now, seq, r); string(want) != string(got) {
			t.Fatalf("encodeAck:\n got %s\nwant %s", got, want)
		}
		var v map[string]json.RawMessage
		if err := json.Unmarshal(encodeAck(now, seq, r), &v); err != nil {
			t.Fatalf("encodeAck wrote invalid JSON: %v", err)
		}
	})
}

// BenchmarkEncodeAck is the ack of an accepted editor push, written by hand and, for
// comparison, by encoding/json as it was before.
func BenchmarkEncodeAck(b *testing.B) {
	now := time.Now()
	r := live.Result{Position: mockroom.Position{Epoch: "ep-1", Offset: 73100, EventID: "01JH5Q0000000000000000"}, Version: 731}
	b.Run("by=hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = encodeAck(now, 4182, r)
		}
	})
	b.Run("by=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = ackByMarshal(now, 4182, r)
		}
	})
}

// TestAppendTimeMatchesFormat checks the hand-written time against time.Format's, the years it
// does not write by hand included.
func TestAppendTimeMatchesFormat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ns := rapid.OneOf(rapid.Int64Range(0, 5e18), rapid.Int64()).Draw(t, "ns")
		sec := rapid.OneOf(rapid.Int64Range(-1e9, 4e9), rapid.Int64Range(-1e12, 1e12)).Draw(t, "sec")
		at := time.Unix(sec, ns%1e9).In(time.FixedZone("z", rapid.IntRange(-26*3600, 26*3600).Draw(t, "offset")))
		want := `"` + at.UTC().Format(timeLayout) + `"`
		if got := string(appendTime(nil, at)); got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", at, got, want)
		}
	})
}
