package bank

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Per author and track, so one account cannot fill the store.
const (
	MaxCustomQuestions = 500
	MaxCustomPlans     = 100
)

// CustomStore keeps the questions and plans interviewers add. Everything is stored per author:
// there is no way to ask the store for another author's question, which is what keeps custom
// questions private.
//
// AddQuestion and AddPlan fail with a conflict error when the id exists or the author already
// has the maximum number (MaxCustomQuestions, MaxCustomPlans). Lookups of a missing item fail
// with a not-found error. Lists come back oldest first.
type CustomStore interface {
	AddQuestion(ctx context.Context, q Question) error
	Questions(ctx context.Context, author mockroom.UserID, track mockroom.TrackID) ([]Question, error)
	Question(ctx context.Context, author mockroom.UserID, track mockroom.TrackID, id QuestionID) (Question, error)
	AddPlan(ctx context.Context, p mockroom.Plan) error
	Plans(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID) ([]mockroom.Plan, error)
	Plan(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID, id string) (mockroom.Plan, error)
}

// Catalog is the bank as a user sees it: the built-in questions and plans of a track plus the
// ones that user added. Nobody sees another user's custom questions or plans.
type Catalog struct {
	bank  *Bank
	store CustomStore
	now   func() time.Time
	newID func() string
}

// NewCatalog combines the built-in bank with a store of custom questions and plans.
func NewCatalog(b *Bank, store CustomStore) *Catalog {
	return &Catalog{bank: b, store: store, now: time.Now, newID: uuid.NewString}
}

// Bank returns the built-in bank.
func (c *Catalog) Bank() *Bank { return c.bank }

// Find returns the questions of a track matching f that user may use: the built-in ones first,
// then the user's own custom questions, oldest first.
func (c *Catalog) Find(ctx context.Context, user mockroom.UserID, track mockroom.TrackID, f Filter) ([]Question, error) {
	out, err := c.bank.Find(track, f)
	if err != nil {
		return nil, err
	}
	custom, err := c.store.Questions(ctx, user, track)
	if err != nil {
		return nil, err
	}
	for _, q := range custom {
		if f.Match(q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// Question returns one question of a track. A custom question is found only by its author;
// for anyone else it does not exist.
func (c *Catalog) Question(ctx context.Context, user mockroom.UserID, track mockroom.TrackID, id QuestionID) (Question, error) {
	t, err := c.bank.Track(track)
	if err != nil {
		return Question{}, err
	}
	if !strings.HasPrefix(string(id), CustomIDPrefix) {
		return t.Question(id)
	}
	if user == "" {
		return Question{}, errQuestionNotFound(id)
	}
	return c.store.Question(ctx, user, track, id)
}

// AddQuestion stores a new custom question by author. The question's ID, Track, Author and
// CreatedAt are set here, whatever the caller put in them; the rest is validated with the same
// rules as the built-in questions.
func (c *Catalog) AddQuestion(ctx context.Context, author mockroom.UserID, track mockroom.TrackID, q Question) (Question, error) {
	t, err := c.bank.Track(track)
	if err != nil {
		return Question{}, err
	}
	q = q.Clone()
	q.ID = QuestionID(CustomIDPrefix + c.newID())
	q.Track = track
	q.Author = author
	q.CreatedAt = c.now().UTC().Truncate(time.Millisecond)
	if err := t.ValidateCustom(q); err != nil {
		return Question{}, err
	}
	if err := c.store.AddQuestion(ctx, q); err != nil {
		return Question{}, err
	}
	return q, nil
}

// Plans returns the built-in plans of a track followed by the user's own.
func (c *Catalog) Plans(ctx context.Context, user mockroom.UserID, track mockroom.TrackID) ([]mockroom.Plan, error) {
	t, err := c.bank.Track(track)
	if err != nil {
		return nil, err
	}
	out := t.Plans()
	if user == "" {
		return out, nil
	}
	own, err := c.store.Plans(ctx, user, track)
	if err != nil {
		return nil, err
	}
	return append(out, own...), nil
}

// Plan returns a built-in plan, or one of the user's own.
func (c *Catalog) Plan(ctx context.Context, user mockroom.UserID, track mockroom.TrackID, id string) (mockroom.Plan, error) {
	t, err := c.bank.Track(track)
	if err != nil {
		return mockroom.Plan{}, err
	}
	if !strings.HasPrefix(id, CustomPlanPrefix) || user == "" {
		return t.Plan(id)
	}
	return c.store.Plan(ctx, user, track, id)
}

// AddPlan stores a new plan owned by owner. ID, Track and Owner are set here. Fixed slots may
// name built-in questions or the owner's own custom questions.
func (c *Catalog) AddPlan(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID, p mockroom.Plan) (mockroom.Plan, error) {
	t, err := c.bank.Track(track)
	if err != nil {
		return mockroom.Plan{}, err
	}
	if owner == "" {
		return mockroom.Plan{}, invalid("missing_field", "a custom plan needs an owner")
	}
	p = clonePlan(p)
	p.ID = CustomPlanPrefix + c.newID()
	p.Track = track
	p.Owner = owner
	own, err := c.store.Questions(ctx, owner, track)
	if err != nil {
		return mockroom.Plan{}, err
	}
	if err := t.ValidatePlan(p, own); err != nil {
		return mockroom.Plan{}, err
	}
	if err := c.store.AddPlan(ctx, p); err != nil {
		return mockroom.Plan{}, err
	}
	return p, nil
}

// Draw makes a plan concrete for a room run by user: category slots are drawn from the
// built-in questions and the user's own, avoiding what was asked while the bank allows (see Draw).
func (c *Catalog) Draw(ctx context.Context, user mockroom.UserID, plan mockroom.Plan, asked Asked, rng *rand.Rand) ([]Drawn, error) {
	t, err := c.bank.Track(plan.Track)
	if err != nil {
		return nil, err
	}
	pool := t.questions
	if user != "" {
		own, err := c.store.Questions(ctx, user, plan.Track)
		if err != nil {
			return nil, err
		}
		pool = append(append(make([]Question, 0, len(pool)+len(own)), pool...), own...)
	}
	return Draw(plan, pool, asked, rng)
}
