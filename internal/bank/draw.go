package bank

import (
	"fmt"
	"math/rand/v2"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Asked says what the people in a room were asked before, and how recently: a question's value
// is larger the more recently it was asked (a position in the history, oldest first from 1, or
// a time); a question absent (or 0) was never asked.
type Asked map[QuestionID]int64

// AskedFrom builds Asked from histories listed oldest first: the later a question comes in any
// of them, the more recent it counts.
func AskedFrom(histories ...[]QuestionID) Asked {
	out := Asked{}
	for _, h := range histories {
		for i, id := range h {
			out[id] = max(out[id], int64(i+1))
		}
	}
	return out
}

// Drawn is one slot of a plan made concrete for a room.
type Drawn struct {
	Slot mockroom.Slot `json:"slot"`
	// QuestionID is empty for the candidate's-own-questions slot.
	QuestionID QuestionID `json:"question_id,omitempty"`
	// Repeat is set when the question is one the people in the room were asked before: the bank
	// had nothing fresh left for the slot (or the plan fixes that question).
	Repeat bool `json:"repeat,omitempty"`
	// Substitute is set when the slot's difficulty had nothing left and the question comes from
	// the nearest other difficulty of the same category.
	Substitute bool `json:"substitute,omitempty"`
}

// Draw instantiates a plan for the track's built-in questions; see the package function Draw.
func (t *Track) Draw(plan mockroom.Plan, asked Asked, rng *rand.Rand) ([]Drawn, error) {
	return Draw(plan, t.questions, asked, rng)
}

// Draw makes a plan concrete: fixed slots keep their question, and each category slot gets a
// question of its category drawn at random from pool. It never uses one question twice in a
// plan. It prefers, in order: a fresh question (not in asked) at the slot's difficulty, a
// fresh one at the nearest other difficulty, and only then a repeat — so people who practise
// often see new questions for as long as the bank has any. A repeat is the question asked
// longest ago (at the nearest difficulty first), so once the bank is used up a person goes
// through all of it before any question comes back. A nil rng uses the global source.
func Draw(plan mockroom.Plan, pool []Question, asked Asked, rng *rand.Rand) ([]Drawn, error) {
	intN := rand.IntN
	if rng != nil {
		intN = rng.IntN
	}
	byID := make(map[QuestionID]*Question, len(pool))
	for i := range pool {
		byID[pool[i].ID] = &pool[i]
	}
	out := make([]Drawn, len(plan.Slots))
	used := map[QuestionID]bool{}
	var open []int // category slots still to fill
	for i, s := range plan.Slots {
		out[i].Slot = s
		switch {
		case s.QuestionID != "":
			if _, ok := byID[s.QuestionID]; !ok {
				e := mockroom.Errorf(mockroom.KindNotFound, "question_not_found", "slot %d names question %q, which is not available", i+1, s.QuestionID)
				e.Field = fmt.Sprintf("slots[%d].question_id", i)
				return nil, e
			}
			if used[s.QuestionID] {
				return nil, fieldInvalid(fmt.Sprintf("slots[%d].question_id", i), "duplicate_slot_question", "question %q is in the plan twice", s.QuestionID)
			}
			used[s.QuestionID] = true
			out[i].QuestionID = s.QuestionID
			out[i].Repeat = asked[s.QuestionID] > 0
		case s.Category == mockroom.CategoryOwnQuestions:
		default:
			open = append(open, i)
		}
	}

	// Fill slots in passes from the most to the least wanted kind of match, so that an
	// early slot's fallback never takes a question a later slot matches exactly.
	for _, repeat := range []bool{false, true} {
		for dist := 0; dist <= 2; dist++ {
			for _, i := range open {
				if out[i].QuestionID != "" {
					continue
				}
				s := plan.Slots[i]
				var candidates []QuestionID
				oldest := int64(0)
				for _, q := range pool {
					if q.Category != s.Category || used[q.ID] || (asked[q.ID] > 0) != repeat || distance(q.Difficulty, s.Difficulty) != dist {
						continue
					}
					// Among repeats only those asked longest ago are candidates.
					if when := asked[q.ID]; repeat && (len(candidates) == 0 || when < oldest) {
						candidates, oldest = candidates[:0], when
					} else if repeat && when > oldest {
						continue
					}
					candidates = append(candidates, q.ID)
				}
				if len(candidates) == 0 {
					continue
				}
				id := candidates[intN(len(candidates))]
				used[id] = true
				out[i].QuestionID, out[i].Repeat, out[i].Substitute = id, repeat, dist > 0
			}
		}
	}
	for _, i := range open {
		if out[i].QuestionID == "" {
			return nil, mockroom.Errorf(mockroom.KindConflict, "not_enough_questions", "slot %d: no question of category %q is left to draw", i+1, plan.Slots[i].Category)
		}
	}
	return out, nil
}

func level(d mockroom.Difficulty) int {
	switch d {
	case mockroom.Junior:
		return 0
	case mockroom.Mid:
		return 1
	}
	return 2
}

func distance(a, b mockroom.Difficulty) int {
	d := level(a) - level(b)
	if d < 0 {
		return -d
	}
	return d
}
