package room

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func TestPreferCategories(t *testing.T) {
	const (
		tech   = mockroom.CategoryTechnical
		beh    = mockroom.CategoryBehavioral
		prob   = mockroom.CategoryProblemSolve
		design = mockroom.CategorySystemDesign
		conc   = mockroom.CategoryConceptual
		own    = mockroom.CategoryOwnQuestions
	)
	// The shape of the peer half plan: three category slots of different lengths and the
	// candidate's own questions.
	half := []mockroom.Slot{
		{Category: beh, Difficulty: mockroom.Senior, Minutes: 5},
		{Category: tech, Difficulty: mockroom.Senior, Minutes: 7},
		{Category: prob, Difficulty: mockroom.Senior, Minutes: 15},
		{Category: own, Minutes: 3},
	}
	withCats := func(slots []mockroom.Slot, cats ...mockroom.Category) []mockroom.Slot {
		out := append([]mockroom.Slot(nil), slots...)
		for i, c := range cats {
			out[i].Category = c
		}
		return out
	}
	tests := []struct {
		name  string
		slots []mockroom.Slot
		prefs []mockroom.Category
		limit int
		want  []mockroom.Slot
	}{
		{"no preference keeps the plan", half, nil, 3, half},
		{"one preference fills every category slot", half, []mockroom.Category{design}, 3, withCats(half, design, design, design)},
		{"two preferences cycle in order", half, []mockroom.Category{design, conc}, 3, withCats(half, design, conc, design)},
		{"as many preferences as slots", half, []mockroom.Category{conc, design, tech}, 3, withCats(half, conc, design, tech)},
		{"more preferences than slots uses the first ones", half, []mockroom.Category{tech, conc, design, beh}, 3, withCats(half, tech, conc, design)},
		{"a limit leaves the later slots as planned", half, []mockroom.Category{design}, 2, withCats(half, design, design, prob)},
		{"limit zero is the plan", half, []mockroom.Category{design}, 0, half},
		{
			"fixed questions and own questions are skipped",
			[]mockroom.Slot{
				{QuestionID: "fixed-1", Minutes: 8},
				{Category: beh, Difficulty: mockroom.Mid, Minutes: 5},
				{Category: own, Minutes: 4},
				{Category: tech, Difficulty: mockroom.Mid, Seconds: 90},
			},
			[]mockroom.Category{design, conc}, 9,
			[]mockroom.Slot{
				{QuestionID: "fixed-1", Minutes: 8},
				{Category: design, Difficulty: mockroom.Mid, Minutes: 5},
				{Category: own, Minutes: 4},
				{Category: conc, Difficulty: mockroom.Mid, Seconds: 90},
			},
		},
		{"a plan of only own questions is unchanged", []mockroom.Slot{{Category: own, Minutes: 5}}, []mockroom.Category{design}, 1, []mockroom.Slot{{Category: own, Minutes: 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]mockroom.Slot(nil), tt.slots...)
			got := preferCategories(tt.slots, tt.prefs, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("slots (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.slots); diff != "" {
				t.Errorf("the plan's own slots changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestCategorySlots(t *testing.T) {
	slots := []mockroom.Slot{
		{QuestionID: "q", Minutes: 5},
		{Category: mockroom.CategoryTechnical, Minutes: 5},
		{Category: mockroom.CategoryOwnQuestions, Minutes: 5},
		{Category: mockroom.CategorySystemDesign, Minutes: 5},
	}
	if n := categorySlots(slots); n != 2 {
		t.Errorf("categorySlots = %d, want 2", n)
	}
}
