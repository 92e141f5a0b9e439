package ws_test

import (
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestJoinGivesSnapshotForRole(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r1")
	iv := h.join(interviewer, "r1")
	snap := iv.raw[len(iv.raw)-1]
	_ = snap
	f := iv.lastOf("snapshot")
	if f.str("reason") != "fresh" || f["recovered"] != false {
		t.Errorf("snapshot reason=%q recovered=%v, want fresh/false", f.str("reason"), f["recovered"])
	}
	if got := f.obj("you").str("role"); got != string(mockroom.RoleInterviewer) {
		t.Errorf("you.role = %q, want interviewer", got)
	}
	if f.str("server_time") == "" {
		t.Error("snapshot has no server_time")
	}
	cand := h.join(candidate, "r1")
	if got := cand.lastOf("snapshot").obj("you").str("role"); got != string(mockroom.RoleCandidate) {
		t.Errorf("candidate you.role = %q", got)
	}
	pong := cand.command("ping", nil)
	_ = pong
	checkServerFrames(t, iv)
	checkServerFrames(t, cand)
}
