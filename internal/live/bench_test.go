package live_test

import (
	"encoding/json"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
)

// BenchmarkEditorPush measures accepted edits through the engine on real Redis: validation,
// one script call (check version, append, publish), cache update. Each edit replaces the ten
// characters of the document, so the document stays small however long it runs.
func BenchmarkEditorPush(b *testing.B) {
	e := newEnv(b)
	eng := e.quiet()
	ctx := b.Context()
	e.mustExec(eng, candidate, 1, live.CmdEditorPush, push(0, "0123456789", 0))
	edits := make([]json.RawMessage, b.N)
	for i := range edits {
		edits[i], _ = json.Marshal(map[string]any{"version": i + 1, "updates": []map[string]any{{"clientID": "cm1", "changes": []any{[]any{10, "abcdefghij"}}}}})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := eng.Execute(ctx, e.room, candidate, live.Command{ClientID: "cm1", Seq: uint64(i + 2), Type: live.CmdEditorPush, Data: edits[i]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "edits/s")
}
