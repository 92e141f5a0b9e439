package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// The live engine times questions from roomInfo: a budget given in seconds must reach it as
// seconds, not as a zero-minute question.
func TestRoomInfoCarriesBudgets(t *testing.T) {
	r := room.Room{ID: "r1", Questions: []room.PlannedQuestion{
		{QuestionID: "q1", Title: "One", Category: mockroom.CategoryTechnical, Minutes: 10},
		{QuestionID: "q2", Title: "Two", Category: mockroom.CategoryTechnical, Seconds: 3},
	}}
	want := []live.PlannedQuestion{
		{QuestionID: "q1", Title: "One", Category: mockroom.CategoryTechnical, Minutes: 10},
		{QuestionID: "q2", Title: "Two", Category: mockroom.CategoryTechnical, Seconds: 3},
	}
	if diff := cmp.Diff(want, roomInfo(r).Questions); diff != "" {
		t.Errorf("planned questions (-want +got):\n%s", diff)
	}
}

// An announcer without an engine fails loudly rather than leaving the room unannounced in
// silence.
func TestAnnouncerWithoutEngineFails(t *testing.T) {
	var a liveAnnouncer
	if err := a.NamesRevealed(t.Context(), "r1", []room.Participant{{UserID: "u1", DisplayName: "Ada"}}); err == nil {
		t.Fatal("an announcer without an engine reported success")
	}
}
