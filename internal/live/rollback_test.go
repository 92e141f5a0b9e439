package live_test

import (
	"testing"

	"github.com/mockroom/mockroom/internal/live"
)

// Reading the log from the last event delivered finds it there in the normal course of things:
// whether the node's position came from the head it read when the room's first listener arrived
// or from events it delivered, a catch-up never takes the log for one that went back.
func TestCatchUpFindsNoRollbackWhereThereIsNone(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	ctx := t.Context()
	for i := range 3 {
		e.mustExec(a, interviewer, uint64(i+1), live.CmdChatSend, map[string]string{"text": "before"})
	}
	w := listen(t, b, e.room) // b's position: the head it reads now
	if _, err := b.Fanout().CatchUp(ctx, e.room); err != nil {
		t.Fatal(err)
	}
	e.mustExec(a, interviewer, 4, live.CmdChatSend, map[string]string{"text": "after"})
	w.waitFor(t, live.TypeChatMessage, 1) // b's position: an event it delivered
	if _, err := b.Fanout().CatchUp(ctx, e.room); err != nil {
		t.Fatal(err)
	}
	if n := b.Fanout().Rollbacks(); n != 0 {
		t.Fatalf("rollbacks = %d on a log that never went back", n)
	}
	w.mu.Lock()
	n := countType(w.evs, live.TypeChatMessage)
	w.mu.Unlock()
	if n != 1 {
		t.Fatalf("delivered %d chat messages, want the one sent after the listener came", n)
	}
}
