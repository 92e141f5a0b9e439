package live_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The first join of each person is recorded once, whatever the number of sockets and nodes, so
// the session's record shows who took part and from when.
func TestFirstJoinRecordedOncePerPerson(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	ctx := t.Context()

	// Two sockets of the candidate join through two nodes at once, then rejoin.
	var wg sync.WaitGroup
	for _, eng := range []*live.Engine{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := eng.Join(ctx, e.room, candidate); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := a.Join(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, e.room, interviewer); err != nil {
		t.Fatal(err)
	}

	got := map[mockroom.UserID]int{}
	var roles []string
	for _, ev := range e.all(a) {
		if ev.Type != live.TypeJoined {
			continue
		}
		var d struct {
			UserID      mockroom.UserID `json:"user_id"`
			Role        mockroom.Role   `json:"role"`
			DisplayName string          `json:"display_name"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.UserID != ev.Actor || d.DisplayName == "" {
			t.Errorf("joined event %s", ev.Data)
		}
		got[d.UserID]++
		roles = append(roles, string(d.UserID)+"="+string(d.Role))
	}
	if got[candidate.UserID] != 1 || got[interviewer.UserID] != 1 || len(got) != 2 {
		t.Errorf("participant.joined per person = %v, want one each for the candidate and the interviewer", got)
	}
	if len(roles) != 2 || roles[0] != "u-cand=candidate" || roles[1] != "u-int=interviewer" {
		t.Errorf("joined in order %v", roles)
	}
	if _, err := a.Join(ctx, e.room, stranger); err == nil {
		t.Error("a stranger joined")
	}
	if n := countType(e.all(a), live.TypeJoined); n != 2 {
		t.Errorf("after a refused stranger: %d joined events", n)
	}
}

// A join sees the room as the room service has it now, yet reads the whole room only when the
// record's revision moved since the node's copy: more sockets and rejoins cost a revision read
// each, and so does a join after this node moved the room's lifecycle itself; a change made
// elsewhere (a new name, the room closed) is seen by the next join.
func TestJoinReadsTheRoomOnlyWhenItChanged(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	ctx := t.Context()
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	read := e.rooms.Reads()
	for _, p := range []mockroom.Principal{interviewer, candidate, observer, candidate} {
		if _, err := a.Join(ctx, e.room, p); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.rooms.Reads(); got != read {
		t.Errorf("four more joins of an unchanged room read it %d more times, want none", got-read)
	}
	// The node that moved the room to live keeps the room as the move left it.
	e.mustExec(a, interviewer, 1, live.CmdStart, nil)
	if _, err := a.Join(ctx, e.room, candidate); err != nil {
		t.Fatal(err)
	}
	if got := e.rooms.Reads(); got != read {
		t.Errorf("the join after this node started the room read it %d more times, want none", got-read)
	}

	e.rooms.Update(e.room, func(info *live.RoomInfo) { info.Participants[1].DisplayName = "Carla" })
	m, err := a.Join(ctx, e.room, candidate)
	if err != nil {
		t.Fatal(err)
	}
	if m.DisplayName != "Carla" || e.rooms.Reads() != read+1 {
		t.Errorf("after a rename, join gave %q with %d reads, want Carla with one", m.DisplayName, e.rooms.Reads()-read)
	}

	e.rooms.Update(e.room, func(info *live.RoomInfo) { info.State = mockroom.StateClosed })
	if _, err := a.Join(ctx, e.room, interviewer); mockroom.ErrorCode(err) != "room_closed" {
		t.Errorf("join of a room closed since the node's copy: %v, want room_closed", err)
	}
}

// unnumbered is a room service that does not number its versions.
type unnumbered struct{ live.Rooms }

// Without revisions from the room service, every join reads the whole room.
func TestJoinReadsAnUnnumberedRoomEveryTime(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine(func(c *live.Config) { c.Rooms = unnumbered{e.rooms} })
	ctx := t.Context()
	for i, p := range []mockroom.Principal{candidate, interviewer, candidate} {
		if _, err := a.Join(ctx, e.room, p); err != nil {
			t.Fatal(err)
		}
		if got := e.rooms.Reads(); got != i+1 {
			t.Fatalf("after %d joins the room was read %d times, want %d", i+1, got, i+1)
		}
	}
}
