package room

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func mentorRoom() Room {
	return Room{
		Kind: mockroom.RoomMentor,
		Questions: []PlannedQuestion{
			{QuestionID: "q1", Title: "First", Category: mockroom.CategoryTechnical, Minutes: 10},
			{Category: mockroom.CategoryOwnQuestions, Title: "Your questions for the interviewer", Minutes: 5},
		},
		Participants: []Participant{
			{UserID: "mentor", Role: mockroom.RoleInterviewer},
			{UserID: "cand", Role: mockroom.RoleCandidate},
			{UserID: "obs", Role: mockroom.RoleObserver},
		},
	}
}

func TestViewForHidesQuestionsFromThoseWhoAnswer(t *testing.T) {
	hidden := []PlannedQuestion{
		{Category: mockroom.CategoryTechnical, Minutes: 10},
		{Category: mockroom.CategoryOwnQuestions, Minutes: 5},
	}
	tests := []struct {
		viewer mockroom.UserID
		want   []PlannedQuestion
	}{
		{"mentor", mentorRoom().Questions},
		{"cand", hidden},
		{"obs", hidden},
		{"stranger", hidden},
	}
	for _, tt := range tests {
		t.Run(string(tt.viewer), func(t *testing.T) {
			r := mentorRoom()
			got := ViewFor(r, tt.viewer).Questions
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("questions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(mentorRoom().Questions, r.Questions); diff != "" {
				t.Errorf("ViewFor changed the room it was given:\n%s", diff)
			}
		})
	}
}

func TestViewForPeerHalves(t *testing.T) {
	r := Room{
		Kind: mockroom.RoomPeer,
		Questions: []PlannedQuestion{
			{QuestionID: "a1", Title: "A asks"}, {QuestionID: "b1", Title: "B asks"},
		},
		Halves: []Half{{Interviewer: "a", Candidate: "b", FirstQuestion: 0, QuestionCount: 1}, {Interviewer: "b", Candidate: "a", FirstQuestion: 1, QuestionCount: 1}},
	}
	got := func(u mockroom.UserID) []mockroom.QuestionID {
		var ids []mockroom.QuestionID
		for _, q := range ViewFor(r, u).Questions {
			ids = append(ids, q.QuestionID)
		}
		return ids
	}
	if diff := cmp.Diff([]mockroom.QuestionID{"a1", ""}, got("a")); diff != "" {
		t.Errorf("a sees (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]mockroom.QuestionID{"", "b1"}, got("b")); diff != "" {
		t.Errorf("b sees (-want +got):\n%s", diff)
	}
}

func TestNamesShownOnlyWhenBothReveal(t *testing.T) {
	base := Room{Kind: mockroom.RoomPeer, Participants: []Participant{
		{UserID: "a", DisplayName: "Ada", Pseudonym: "Peer Otter"},
		{UserID: "b", DisplayName: "Bo", Pseudonym: "Peer Heron"},
	}}
	names := func(r Room) []string {
		return []string{r.Participants[0].DisplayName, r.Participants[1].DisplayName}
	}
	tests := []struct {
		name     string
		revealed [2]bool
		want     []string
		both     bool
	}{
		{"nobody", [2]bool{false, false}, []string{"Peer Otter", "Peer Heron"}, false},
		{"only a", [2]bool{true, false}, []string{"Peer Otter", "Peer Heron"}, false},
		{"only b", [2]bool{false, true}, []string{"Peer Otter", "Peer Heron"}, false},
		{"both", [2]bool{true, true}, []string{"Ada", "Bo"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.Participants = []Participant{base.Participants[0], base.Participants[1]}
			r.Participants[0].Revealed, r.Participants[1].Revealed = tt.revealed[0], tt.revealed[1]
			got := r.maskNames()
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if got.Revealed != tt.both {
				t.Errorf("Revealed = %v, want %v", got.Revealed, tt.both)
			}
		})
	}
	mentor := Room{Kind: mockroom.RoomMentor, Participants: []Participant{{UserID: "m", DisplayName: "Mentor"}}}
	if got := mentor.maskNames().Participants[0].DisplayName; got != "Mentor" {
		t.Errorf("mentor room names are never masked, got %q", got)
	}
}

func TestPseudonymsDiffer(t *testing.T) {
	for i := range 500 {
		id := mockroom.RoomID(fmt.Sprintf("room-%d", i))
		a, b := Pseudonyms(id)
		if a == b || a == "" || b == "" {
			t.Fatalf("room %s: pseudonyms %q and %q", id, a, b)
		}
		if a2, b2 := Pseudonyms(id); a2 != a || b2 != b {
			t.Fatalf("room %s: pseudonyms not stable", id)
		}
	}
}

func TestSettingsValidation(t *testing.T) {
	tests := []struct {
		in   Settings
		code string
		want Settings
	}{
		{Settings{}, "", Settings{FeedbackRelease: ReleaseOnSubmit, Allowance: 1}},
		{Settings{FeedbackRelease: ReleaseHeld, Allowance: 1.25, AutoAdvance: true}, "", Settings{FeedbackRelease: ReleaseHeld, Allowance: 1.25, AutoAdvance: true}},
		{Settings{FeedbackRelease: "later"}, "invalid_feedback_release", Settings{}},
		{Settings{Allowance: 0.5}, "invalid_allowance", Settings{}},
		{Settings{Allowance: 2.5}, "invalid_allowance", Settings{}},
	}
	for _, tt := range tests {
		s := tt.in
		err := s.normalize()
		if mockroom.ErrorCode(err) != tt.code && !(err == nil && tt.code == "") {
			t.Errorf("%+v: err %v, want code %q", tt.in, err, tt.code)
			continue
		}
		if err == nil {
			if diff := cmp.Diff(tt.want, s); diff != "" {
				t.Errorf("%+v normalised (-want +got):\n%s", tt.in, diff)
			}
		}
	}
}
