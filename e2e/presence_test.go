package e2e

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/redistest"
)

// onlineInSnapshot reports whether the snapshot frame shows user online.
func onlineInSnapshot(t *testing.T, snap frame, user string) bool {
	t.Helper()
	parts, _ := snap.obj("room")["participants"].([]any)
	for _, p := range parts {
		if pf := frame(p.(map[string]any)); pf.str("user_id") == user {
			online, _ := pf["online"].(bool)
			return online
		}
	}
	t.Fatalf("%s is not among the snapshot's participants: %v", user, parts)
	return false
}

// TestPresenceSeesADeadNode: the interviewer is connected through node A, the candidate through
// node B. A is killed (SIGKILL: no goodbye to anyone); the candidate sees the interviewer go
// offline within the documented bound, on B, and a fresh snapshot agrees.
func TestPresenceSeesADeadNode(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())
	var ivSeq, candSeq uint64
	join(t, a.url, room, iv, "iv", &ivSeq, nil)
	candB := join(t, b.url, room, cand, "cand", &candSeq, nil)
	if !onlineInSnapshot(t, candB.frames[len(candB.frames)-1], iv.UserID) {
		t.Fatal("the interviewer, connected through A, is not online in the candidate's snapshot")
	}

	a.kill()
	killed := time.Now()
	// The bound is the promise; the margin is for a busy machine's scheduling, not for the lease.
	candB.until = killed.Add(live.PresenceOfflineBound + 5*time.Second)
	candB.waitFor("the interviewer offline", func(f frame) bool {
		online, ok := f["online"].(bool)
		return f.str("type") == "presence" && f.str("user_id") == iv.UserID && ok && !online
	})
	took := time.Since(killed)
	candB.until = time.Time{}
	t.Logf("the interviewer was shown offline %v after their node died (bound %v)", took.Round(time.Millisecond), live.PresenceOfflineBound)

	again := join(t, b.url, room, cand, "cand2", &candSeq, nil)
	snap := again.frames[len(again.frames)-1]
	if onlineInSnapshot(t, snap, iv.UserID) {
		t.Error("a snapshot taken after the announcement still shows the interviewer online")
	}
	if !onlineInSnapshot(t, snap, cand.UserID) {
		t.Error("the candidate, connected through B, is not online in the snapshot")
	}
}
