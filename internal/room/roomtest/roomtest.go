// Package roomtest gives tests a small, fixed question bank that satisfies room.Bank, so room,
// match and HTTP tests do not depend on the content of the real bank.
package roomtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Track is the only track the fake bank knows.
const Track mockroom.TrackID = "test-track"

// Bank is an in-memory bank: PerCell questions for every category and difficulty, and two plans,
// "mentor-20" (two technical questions and the candidate's own questions) and "peer-half-30"
// (one question of each of three categories).
type Bank struct {
	questions map[mockroom.QuestionID]bank.Question
	pool      []bank.Question
	plans     map[string]mockroom.Plan
}

// NewBank builds a Bank with perCell questions for each category and difficulty.
func NewBank(perCell int) *Bank {
	b := &Bank{questions: map[mockroom.QuestionID]bank.Question{}, plans: map[string]mockroom.Plan{}}
	for _, c := range mockroom.Categories {
		for _, d := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			for i := range perCell {
				q := bank.Question{
					ID: mockroom.QuestionID(fmt.Sprintf("%s-%s-%d", c, d, i)), Track: Track, Category: c, Difficulty: d,
					Minutes: 10, Title: fmt.Sprintf("Question %d on %s (%s)", i, c, d), Prompt: "Explain.",
					Guide: &bank.Guidance{LooksFor: []string{"SECRET GUIDANCE"}, StrongAnswer: []string{"SECRET OUTLINE"}},
				}
				b.questions[q.ID] = q
				b.pool = append(b.pool, q)
			}
		}
	}
	b.plans["mentor-20"] = mockroom.Plan{ID: "mentor-20", Track: Track, Title: "Twenty minutes", Slots: []mockroom.Slot{
		{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Mid, Minutes: 8},
		{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Mid, Minutes: 8},
		{Category: mockroom.CategoryOwnQuestions, Minutes: 4},
	}}
	b.plans["peer-half-30"] = mockroom.Plan{ID: "peer-half-30", Track: Track, Title: "Peer half", Slots: []mockroom.Slot{
		{Category: mockroom.CategoryBehavioral, Difficulty: mockroom.Mid, Minutes: 10},
		{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Mid, Minutes: 10},
		{Category: mockroom.CategoryProblemSolve, Difficulty: mockroom.Mid, Minutes: 10},
	}}
	return b
}

func (b *Bank) track(t mockroom.TrackID) error {
	if t != Track {
		return mockroom.Errorf(mockroom.KindNotFound, "track_not_found", "no track %q", t)
	}
	return nil
}

// Plan implements room.Bank.
func (b *Bank) Plan(_ context.Context, _ mockroom.UserID, track mockroom.TrackID, id string) (mockroom.Plan, error) {
	if err := b.track(track); err != nil {
		return mockroom.Plan{}, err
	}
	p, ok := b.plans[id]
	if !ok {
		return mockroom.Plan{}, mockroom.Errorf(mockroom.KindNotFound, "plan_not_found", "no plan %q", id)
	}
	p.Slots = slices.Clone(p.Slots)
	return p, nil
}

// Draw implements room.Bank with the bank's own drawing rules.
func (b *Bank) Draw(_ context.Context, _ mockroom.UserID, plan mockroom.Plan, exclude bank.Asked, rng *rand.Rand) ([]bank.Drawn, error) {
	if err := b.track(plan.Track); err != nil {
		return nil, err
	}
	return bank.Draw(plan, b.pool, exclude, rng)
}

// Question implements room.Bank.
func (b *Bank) Question(_ context.Context, _ mockroom.UserID, track mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	if err := b.track(track); err != nil {
		return bank.Question{}, err
	}
	q, ok := b.questions[id]
	if !ok {
		return bank.Question{}, mockroom.Errorf(mockroom.KindNotFound, "question_not_found", "no question %q", id)
	}
	return q, nil
}
