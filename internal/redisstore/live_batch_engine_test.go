package redisstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// typingEngine is an engine (without its Run loop) over a pipelined store, with rooms r0…rN-1
// in which clusterCandidate may type.
func typingEngine(t *testing.T, rooms int) (*live.Engine, *roundHook) {
	t.Helper()
	e := newBatchEnv(t, redistest.Shared(t))
	infos := make([]live.RoomInfo, rooms)
	for i := range infos {
		infos[i] = live.RoomInfo{
			ID: mockroom.RoomID(fmt.Sprintf("r%d", i)), Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting,
			Questions: []live.PlannedQuestion{{QuestionID: "q1", Minutes: 5}},
			Participants: []live.Participant{
				{UserID: clusterInterviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Ida"},
				{UserID: clusterCandidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Carl"},
			},
		}
	}
	eng := live.NewEngine(live.Config{Store: e.store, Rooms: livetest.NewRooms(infos...), Questions: clusterQuestions{}})
	return eng, e.hook
}

// typeOne pushes the character c at the end of a document of version ver (one character per
// version), as seq of the candidate's client.
func typeOne(t *testing.T, eng *live.Engine, room mockroom.RoomID, ver int, c string) error {
	t.Helper()
	changes := []any{[]any{0, c}}
	if ver > 0 {
		changes = []any{ver, []any{0, c}}
	}
	raw, _ := json.Marshal(map[string]any{"version": ver, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}})
	_, err := eng.Execute(t.Context(), room, clusterCandidate, live.Command{ClientID: "cm1", Seq: uint64(ver + 1), Type: live.CmdEditorPush, Data: raw})
	return err
}

func TestPipelinedEditorPushIsOneRoundTrip(t *testing.T) {
	eng, hook := typingEngine(t, 1)
	if err := typeOne(t, eng, "r0", 0, "a"); err != nil { // loads the room and the script
		t.Fatal(err)
	}
	for ver := 1; ver < 20; ver++ {
		before := hook.n.Load()
		if err := typeOne(t, eng, "r0", ver, "a"); err != nil {
			t.Fatal(err)
		}
		if n := hook.n.Load() - before; n != 1 {
			t.Fatalf("push %d took %d round trips, want 1", ver, n)
		}
	}
}

func TestPipelinedTypingInManyRooms(t *testing.T) {
	const rooms, each = 30, 20
	eng, hook := typingEngine(t, rooms)
	for r := range rooms { // load every room, so what follows is pushes only
		if err := typeOne(t, eng, mockroom.RoomID(fmt.Sprintf("r%d", r)), 0, "a"); err != nil {
			t.Fatal(err)
		}
	}
	before := hook.n.Load()
	var wg sync.WaitGroup
	errs := make(chan error, rooms)
	for r := range rooms {
		room := mockroom.RoomID(fmt.Sprintf("r%d", r))
		wg.Go(func() {
			for ver := 1; ver <= each; ver++ {
				if err := typeOne(t, eng, room, ver, string(rune('a'+ver%26))); err != nil {
					errs <- fmt.Errorf("%s push %d: %w", room, ver, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := hook.n.Load() - before; n >= rooms*each {
		t.Errorf("%d pushes took %d round trips, want fewer", rooms*each, n)
	} else {
		t.Logf("%d pushes in %d rooms took %d round trips", rooms*each, rooms, n)
	}
	var want strings.Builder
	want.WriteString("a")
	for ver := 1; ver <= each; ver++ {
		want.WriteRune(rune('a' + ver%26))
	}
	for r := range rooms {
		snap, err := eng.Snapshot(t.Context(), mockroom.RoomID(fmt.Sprintf("r%d", r)), clusterCandidate.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Doc.Text != want.String() || snap.Doc.Version != each+1 {
			t.Errorf("room r%d: document %q at version %d, want %q at %d", r, snap.Doc.Text, snap.Doc.Version, want.String(), each+1)
		}
	}
}
