package bank_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func poolQuestion(id string, c mockroom.Category, d mockroom.Difficulty) bank.Question {
	return bank.Question{ID: bank.QuestionID(id), Category: c, Difficulty: d, Minutes: 5}
}

func TestDraw(t *testing.T) {
	tech, behav := mockroom.CategoryTechnical, mockroom.CategoryBehavioral
	pool := []bank.Question{
		poolQuestion("t1", tech, mockroom.Junior),
		poolQuestion("t2", tech, mockroom.Junior),
		poolQuestion("t3", tech, mockroom.Mid),
		poolQuestion("b1", behav, mockroom.Mid),
	}
	slot := func(c mockroom.Category, d mockroom.Difficulty) mockroom.Slot {
		return mockroom.Slot{Category: c, Difficulty: d, Minutes: 5}
	}
	fixed := func(id string) mockroom.Slot { return mockroom.Slot{QuestionID: bank.QuestionID(id), Minutes: 5} }
	own := mockroom.Slot{Category: mockroom.CategoryOwnQuestions, Minutes: 5}

	type pick struct {
		ID         bank.QuestionID
		Repeat     bool
		Substitute bool
	}
	tests := []struct {
		name    string
		slots   []mockroom.Slot
		exclude []bank.QuestionID
		// want lists, per slot, every acceptable pick; the test runs many seeds.
		want [][]pick
		code string
	}{
		{
			name: "fresh question preferred", slots: []mockroom.Slot{slot(tech, mockroom.Junior)}, exclude: []bank.QuestionID{"t1"},
			want: [][]pick{{{ID: "t2"}}},
		},
		{
			name: "nearest difficulty before a repeat", slots: []mockroom.Slot{slot(tech, mockroom.Junior)}, exclude: []bank.QuestionID{"t1", "t2"},
			want: [][]pick{{{ID: "t3", Substitute: true}}},
		},
		{
			name: "repeat only when nothing fresh is left", slots: []mockroom.Slot{slot(tech, mockroom.Junior)}, exclude: []bank.QuestionID{"t1", "t2", "t3"},
			want: [][]pick{{{ID: "t1", Repeat: true}, {ID: "t2", Repeat: true}}},
		},
		{
			name:  "never the same question twice",
			slots: []mockroom.Slot{slot(tech, mockroom.Junior), slot(tech, mockroom.Junior), slot(tech, mockroom.Junior)},
			want: [][]pick{
				{{ID: "t1"}, {ID: "t2"}},
				{{ID: "t1"}, {ID: "t2"}},
				{{ID: "t3", Substitute: true}},
			},
		},
		{
			name:  "an early fallback does not take a later exact match",
			slots: []mockroom.Slot{slot(tech, mockroom.Senior), slot(tech, mockroom.Mid)},
			want: [][]pick{
				{{ID: "t1", Substitute: true}, {ID: "t2", Substitute: true}},
				{{ID: "t3"}},
			},
		},
		{
			name:    "fixed slots keep their question and are never drawn again",
			slots:   []mockroom.Slot{slot(tech, mockroom.Junior), fixed("t1"), own, slot(behav, mockroom.Mid)},
			exclude: []bank.QuestionID{"t1"},
			want: [][]pick{
				{{ID: "t2"}},
				{{ID: "t1", Repeat: true}},
				{{}},
				{{ID: "b1"}},
			},
		},
		{
			name:  "not enough questions",
			slots: []mockroom.Slot{slot(behav, mockroom.Mid), slot(behav, mockroom.Mid)},
			code:  "not_enough_questions",
		},
		{name: "unknown fixed question", slots: []mockroom.Slot{fixed("zz")}, code: "question_not_found"},
		{name: "fixed question twice", slots: []mockroom.Slot{fixed("t1"), fixed("t1")}, code: "duplicate_slot_question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exclude := bank.Asked{}
			for _, id := range tt.exclude {
				exclude[id] = 1
			}
			plan := mockroom.Plan{ID: "p", Track: python, Title: "P", Slots: tt.slots}
			for seed := range uint64(50) {
				got, err := bank.Draw(plan, pool, exclude, rand.New(rand.NewPCG(seed, 1)))
				if tt.code != "" {
					if mockroom.ErrorCode(err) != tt.code {
						t.Fatalf("error %v; want code %s", err, tt.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.slots) {
					t.Fatalf("%d drawn slots; want %d", len(got), len(tt.slots))
				}
				seen := map[bank.QuestionID]bool{}
				for i, d := range got {
					if d.Slot != tt.slots[i] {
						t.Errorf("slot %d: %+v; want the plan's slot %+v", i, d.Slot, tt.slots[i])
					}
					p := pick{d.QuestionID, d.Repeat, d.Substitute}
					ok := false
					for _, w := range tt.want[i] {
						ok = ok || p == w
					}
					if !ok {
						t.Errorf("seed %d, slot %d: drew %+v; want one of %+v", seed, i, p, tt.want[i])
					}
					if d.QuestionID != "" && seen[d.QuestionID] {
						t.Errorf("seed %d: %s drawn twice", seed, d.QuestionID)
					}
					seen[d.QuestionID] = true
				}
			}
		})
	}
}

// TestDrawBuiltInPlans draws every built-in plan with many seeds and random exclusions, and
// checks the promises callers rely on.
func TestDrawBuiltInPlans(t *testing.T) {
	tr := loadTrack(t)
	all := tr.Questions()
	byID := map[bank.QuestionID]bank.Question{}
	for _, q := range all {
		byID[q.ID] = q
	}
	for _, plan := range tr.Plans() {
		t.Run(plan.ID, func(t *testing.T) {
			for seed := range uint64(200) {
				rng := rand.New(rand.NewPCG(seed, 7))
				exclude := bank.Asked{}
				for _, q := range all {
					if rng.IntN(3) > 0 { // about two thirds already asked
						exclude[q.ID] = 1
					}
				}
				fresh := map[mockroom.Category]int{}
				for _, q := range all {
					if exclude[q.ID] == 0 {
						fresh[q.Category]++
					}
				}
				slotsOf := map[mockroom.Category]int{}
				for _, s := range plan.Slots {
					if s.QuestionID != "" {
						slotsOf[byID[s.QuestionID].Category]++
					} else {
						slotsOf[s.Category]++
					}
				}

				got, err := tr.Draw(plan, exclude, rng)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				seen := map[bank.QuestionID]bool{}
				for i, d := range got {
					s := plan.Slots[i]
					if s.Category == mockroom.CategoryOwnQuestions {
						if d.QuestionID != "" {
							t.Errorf("candidate-questions slot got question %s", d.QuestionID)
						}
						continue
					}
					q, ok := byID[d.QuestionID]
					if !ok {
						t.Fatalf("seed %d slot %d: drew unknown question %q", seed, i, d.QuestionID)
					}
					if seen[q.ID] {
						t.Errorf("seed %d: %s drawn twice", seed, q.ID)
					}
					seen[q.ID] = true
					if s.QuestionID == "" && q.Category != s.Category {
						t.Errorf("seed %d slot %d: %s is %s; want %s", seed, i, q.ID, q.Category, s.Category)
					}
					if s.QuestionID == "" && d.Repeat && fresh[q.Category] >= slotsOf[q.Category] {
						t.Errorf("seed %d slot %d: repeat %s although %d fresh %s questions were left", seed, i, q.ID, fresh[q.Category], q.Category)
					}
					if d.Repeat != (exclude[q.ID] > 0) {
						t.Errorf("seed %d slot %d: Repeat=%v but excluded=%v", seed, i, d.Repeat, exclude[q.ID])
					}
				}
			}
		})
	}
}

func TestDrawIsDeterministicForASeed(t *testing.T) {
	tr := loadTrack(t)
	plan, err := tr.Plan("general-45")
	if err != nil {
		t.Fatal(err)
	}
	a, err := tr.Draw(plan, nil, rand.New(rand.NewPCG(42, 42)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.Draw(plan, nil, rand.New(rand.NewPCG(42, 42)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different draws (-first +second):\n%s", diff)
	}
}

// TestDrawRepeatsTheQuestionAskedLongestAgo checks the recency rule: once every question of a
// slot's kind was asked, the one asked longest ago comes back, at the slot's own difficulty
// before the nearest other one.
func TestDrawRepeatsTheQuestionAskedLongestAgo(t *testing.T) {
	q := func(id string, d mockroom.Difficulty) bank.Question {
		return bank.Question{ID: bank.QuestionID(id), Category: mockroom.CategoryTechnical, Difficulty: d}
	}
	pool := []bank.Question{q("a", mockroom.Mid), q("b", mockroom.Mid), q("c", mockroom.Mid), q("d", mockroom.Senior)}
	plan := mockroom.Plan{ID: "p", Track: python, Title: "P", Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Mid, Minutes: 5}}}
	asked := bank.AskedFrom([]bank.QuestionID{"d", "c", "a", "b"}) // oldest first: d, then c
	for seed := range uint64(30) {
		got, err := bank.Draw(plan, pool, asked, rand.New(rand.NewPCG(seed, 3)))
		if err != nil {
			t.Fatal(err)
		}
		if got[0].QuestionID != "c" || !got[0].Repeat {
			t.Fatalf("seed %d: drew %+v; want c, the mid question asked longest ago, as a repeat", seed, got[0])
		}
	}
	// Two people: a question either was asked recently counts as recent.
	both := bank.AskedFrom([]bank.QuestionID{"c", "a", "b"}, []bank.QuestionID{"b", "a", "c"})
	got, err := bank.Draw(plan, pool[:3], both, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].QuestionID != "a" {
		t.Fatalf("drew %s; want a (second for both, while b and c were each someone's latest)", got[0].QuestionID)
	}
}
