package ws_test

import (
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// TestPeerRoomSwapsFiltering: at half time the roles swap, and each socket is filtered by its
// new role from the roles.swapped event on.
func TestPeerRoomSwapsFiltering(t *testing.T) {
	h := newHarness(t)
	var qs []live.PlannedQuestion
	var guides [][]string
	for _, q := range h.track.Questions() {
		if q.Guide != nil && len(q.Guide.StrongAnswer) > 0 && len(qs) < 2 {
			qs = append(qs, live.PlannedQuestion{QuestionID: q.ID, Title: q.Title, Category: q.Category, Minutes: 5})
			guides = append(guides, q.Guide.StrongAnswer)
		}
	}
	h.rooms.Put(live.RoomInfo{ID: "r-peer", Kind: mockroom.RoomPeer, Track: "python-developer", State: mockroom.StateWaiting, Allowance: 1,
		Questions: qs,
		Halves: []live.Half{
			{Interviewer: interviewer.UserID, Candidate: candidate.UserID, FirstQuestion: 0, QuestionCount: 1},
			{Interviewer: candidate.UserID, Candidate: interviewer.UserID, FirstQuestion: 1, QuestionCount: 1},
		},
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Peer A"},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Peer B"},
		}})
	a := h.join(interviewer, "r-peer")
	b := h.join(candidate, "r-peer")
	a.command("room.start", nil)
	b.waitEvent("question.started")
	a.command("question.next", nil)
	a.waitEvent("roles.swapped")
	second := b.waitFor("second question", func(f frame) bool {
		return f.str("event") == "question.started" && f.obj("data").num("index") == 1
	})
	if second.obj("private") == nil {
		t.Errorf("the new interviewer did not get the second question's guidance")
	}
	a.waitFor("second question", func(f frame) bool {
		return f.str("event") == "question.started" && f.obj("data").num("index") == 1
	})
	// The first half's interviewer is now the candidate: commands of the interviewer are refused.
	if r := a.refused("question.next", nil); r.str("code") != "role_forbidden" {
		t.Errorf("old interviewer after the swap: %q", r.str("code"))
	}
	aText, bText := decodedText(t, a), decodedText(t, b)
	for _, s := range guides[1] {
		if strings.Contains(aText, s) {
			t.Errorf("the new candidate received the second question's guidance %q", s)
		}
	}
	for _, s := range guides[0] {
		if strings.Contains(bText, s) {
			t.Errorf("the first half's candidate received the first question's guidance %q", s)
		}
	}
	checkServerFrames(t, a)
	checkServerFrames(t, b)
}
