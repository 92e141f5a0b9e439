package bank

import (
	"slices"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Track is a named question bank with its rubric, the closing questions a candidate may ask,
// the preparation areas and the built-in plans. A loaded Track is read-only; accessors return
// copies.
type Track struct {
	ID          mockroom.TrackID
	Title       string
	Description string
	Categories  []CategoryInfo
	// ClosingQuestions are the questions a candidate is encouraged to ask at the end.
	ClosingQuestions []ClosingQuestion
	Preparation      []PrepArea
	// Topics is the list questions draw their topics from.
	Topics []Topic
	// Rubric is the current edition; oldRubrics the earlier ones, oldest first.
	Rubric     Rubric
	oldRubrics []Rubric

	questions []Question
	byID      map[QuestionID]int
	plans     []mockroom.Plan
}

// CategoryInfo describes one of the six kinds of question.
type CategoryInfo struct {
	ID          mockroom.Category `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
}

// ClosingQuestion is a question the candidate may put to the interviewer, with what its answer
// tells the candidate.
type ClosingQuestion struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Reveals  string `json:"reveals"`
}

// PrepArea is one area of interview preparation, mapped to the evidence that a session gives of
// practice in it: questions of some categories, scores on some rubric qualities, or (for the
// practice of interviewing itself) every completed session.
type PrepArea struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Categories  []mockroom.Category `json:"categories,omitempty"`
	Qualities   []Quality           `json:"qualities,omitempty"`
	AllSessions bool                `json:"all_sessions,omitempty"`
}

// Category returns the description of category c.
func (t *Track) Category(c mockroom.Category) (CategoryInfo, bool) {
	i := slices.IndexFunc(t.Categories, func(ci CategoryInfo) bool { return ci.ID == c })
	if i < 0 {
		return CategoryInfo{}, false
	}
	return t.Categories[i], true
}

// Questions returns a copy of every built-in question, in file order.
func (t *Track) Questions() []Question {
	out := make([]Question, len(t.questions))
	for i, q := range t.questions {
		out[i] = q.Clone()
	}
	return out
}

// Question returns the built-in question with the given id.
func (t *Track) Question(id QuestionID) (Question, error) {
	i, ok := t.byID[id]
	if !ok {
		return Question{}, errQuestionNotFound(id)
	}
	return t.questions[i].Clone(), nil
}

func errQuestionNotFound(id QuestionID) *mockroom.Error {
	return mockroom.Errorf(mockroom.KindNotFound, "question_not_found", "no question %q in this track", id)
}

// Plans returns the built-in plans.
func (t *Track) Plans() []mockroom.Plan {
	out := make([]mockroom.Plan, len(t.plans))
	for i, p := range t.plans {
		out[i] = clonePlan(p)
	}
	return out
}

// Plan returns the built-in plan with the given id.
func (t *Track) Plan(id string) (mockroom.Plan, error) {
	for _, p := range t.plans {
		if p.ID == id {
			return clonePlan(p), nil
		}
	}
	return mockroom.Plan{}, errPlanNotFound(id)
}

func errPlanNotFound(id string) *mockroom.Error {
	return mockroom.Errorf(mockroom.KindNotFound, "plan_not_found", "no plan %q in this track", id)
}

func clonePlan(p mockroom.Plan) mockroom.Plan {
	p.Slots = slices.Clone(p.Slots)
	return p
}

// Filter narrows a search of the bank. Zero fields match everything.
type Filter struct {
	Category   mockroom.Category
	Difficulty mockroom.Difficulty
	// Text matches, case-insensitively, anywhere in the title or the prompt.
	Text string
}

// Validate reports a filter naming an unknown category or difficulty.
func (f Filter) Validate() error {
	if f.Category != "" && !f.Category.Valid() {
		return mockroom.Errorf(mockroom.KindInvalid, "unknown_category", "unknown category %q", f.Category)
	}
	if f.Difficulty != "" && !f.Difficulty.Valid() {
		return mockroom.Errorf(mockroom.KindInvalid, "unknown_difficulty", "unknown difficulty %q; use junior, mid or senior", f.Difficulty)
	}
	if len(f.Text) > 200 {
		return mockroom.Errorf(mockroom.KindInvalid, "field_too_long", "search text is longer than 200 bytes")
	}
	return nil
}

// Match reports whether q passes the filter.
func (f Filter) Match(q Question) bool {
	if f.Category != "" && q.Category != f.Category {
		return false
	}
	if f.Difficulty != "" && q.Difficulty != f.Difficulty {
		return false
	}
	if text := strings.TrimSpace(f.Text); text != "" {
		needle := strings.ToLower(text)
		if !strings.Contains(strings.ToLower(q.Title), needle) && !strings.Contains(strings.ToLower(q.Prompt), needle) {
			return false
		}
	}
	return true
}

// Find returns copies of the built-in questions that match f, in file order.
func (t *Track) Find(f Filter) []Question {
	var out []Question
	for _, q := range t.questions {
		if f.Match(q) {
			out = append(out, q.Clone())
		}
	}
	return out
}
