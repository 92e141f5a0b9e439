package live_test

import (
	"context"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// gatedSaves is a store whose document materialisations wait for the test: each SaveDoc reports
// its document on started, then waits for a value on release.
type gatedSaves struct {
	live.Store
	started chan live.DocSnapshot
	release chan struct{}
}

func (g gatedSaves) SaveDoc(ctx context.Context, room mockroom.RoomID, doc live.DocSnapshot) error {
	g.started <- doc
	<-g.release
	return g.Store.SaveDoc(ctx, room, doc)
}

// TestDocumentIsMaterialisedOffThePushPath: the push that crosses a multiple of SnapshotEvery is
// acknowledged while its document is still being written, later pushes go on meanwhile, and a
// newer document waiting replaces an older one rather than queueing behind it; once released,
// the store holds the newest document, and the pushes made meanwhile are all in the log.
func TestDocumentIsMaterialisedOffThePushPath(t *testing.T) {
	e := newEnv(t)
	g := gatedSaves{Store: redisstore.NewLiveStore(e.client, e.keys, true), started: make(chan live.DocSnapshot, 4), release: make(chan struct{})}
	eng := live.NewEngine(live.Config{Store: g, Rooms: e.rooms, Questions: fakeQuestions{}, Now: e.clock.Now})
	seq := uint64(0)
	type1 := func(v int) {
		seq++
		e.mustExec(eng, candidate, seq, live.CmdEditorPush, push(v, "x", v))
	}
	for v := range live.SnapshotEvery {
		type1(v) // the last one reaches version SnapshotEvery: its document is handed over
	}
	first := <-g.started // being written, held by the test
	if first.Version != live.SnapshotEvery {
		t.Fatalf("first document at version %d, want %d", first.Version, live.SnapshotEvery)
	}
	// Two more multiples of SnapshotEvery while the first write is held: the pushes are not held
	// with it, and the second document waiting is replaced by the third.
	for v := live.SnapshotEvery; v < 3*live.SnapshotEvery; v++ {
		type1(v)
	}
	g.release <- struct{}{} // the first write goes on
	next := <-g.started
	if next.Version != 3*live.SnapshotEvery {
		t.Fatalf("after the held write, the document at version %d was written, want the newest, %d", next.Version, 3*live.SnapshotEvery)
	}
	g.release <- struct{}{}
	eng.SavedDocs()
	select {
	case doc := <-g.started:
		t.Fatalf("a further document was written: version %d", doc.Version)
	default:
	}
	v, err := g.View(t.Context(), e.room, false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Doc.Version != 3*live.SnapshotEvery || len(v.Doc.Text) != 3*live.SnapshotEvery || v.State.DocVersion != 3*live.SnapshotEvery {
		t.Fatalf("store holds the document at version %d (%d characters), the room at version %d; want %d",
			v.Doc.Version, len(v.Doc.Text), v.State.DocVersion, 3*live.SnapshotEvery)
	}
}
