package bank_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// memStore is an in-memory CustomStore with the same per-author layout as the Redis one.
type memStore struct {
	mu        sync.Mutex
	questions map[string][]bank.Question
	plans     map[string][]mockroom.Plan
}

func newMemStore() *memStore {
	return &memStore{questions: map[string][]bank.Question{}, plans: map[string][]mockroom.Plan{}}
}

func key(u mockroom.UserID, t mockroom.TrackID) string { return string(u) + "|" + string(t) }

func (m *memStore) AddQuestion(_ context.Context, q bank.Question) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key(q.Author, q.Track)
	m.questions[k] = append(m.questions[k], q.Clone())
	return nil
}

func (m *memStore) Questions(_ context.Context, a mockroom.UserID, t mockroom.TrackID) ([]bank.Question, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.questions[key(a, t)]), nil
}

func (m *memStore) Question(_ context.Context, a mockroom.UserID, t mockroom.TrackID, id bank.QuestionID) (bank.Question, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.questions[key(a, t)] {
		if q.ID == id {
			return q.Clone(), nil
		}
	}
	return bank.Question{}, mockroom.Errorf(mockroom.KindNotFound, "question_not_found", "no question")
}

func (m *memStore) AddPlan(_ context.Context, p mockroom.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key(p.Owner, p.Track)
	m.plans[k] = append(m.plans[k], p)
	return nil
}

func (m *memStore) Plans(_ context.Context, o mockroom.UserID, t mockroom.TrackID) ([]mockroom.Plan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.plans[key(o, t)]), nil
}

func (m *memStore) Plan(_ context.Context, o mockroom.UserID, t mockroom.TrackID, id string) (mockroom.Plan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.plans[key(o, t)] {
		if p.ID == id {
			return p, nil
		}
	}
	return mockroom.Plan{}, mockroom.Errorf(mockroom.KindNotFound, "plan_not_found", "no plan")
}

func newCatalog(t *testing.T) *bank.Catalog {
	t.Helper()
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	return bank.NewCatalog(b, newMemStore())
}

func TestCatalogCustomQuestionsArePrivate(t *testing.T) {
	ctx := t.Context()
	c := newCatalog(t)
	const alice, bob = mockroom.UserID("alice"), mockroom.UserID("bob")

	draft := validCustom()
	draft.ID, draft.Author, draft.Track = "py-forged", "mallory", "other" // all overwritten
	q, err := c.AddQuestion(ctx, alice, python, draft)
	if err != nil {
		t.Fatalf("AddQuestion: %v", err)
	}
	if !strings.HasPrefix(string(q.ID), bank.CustomIDPrefix) || q.Author != alice || q.Track != python || q.CreatedAt.IsZero() {
		t.Fatalf("stored question has id %q author %q track %q created %v", q.ID, q.Author, q.Track, q.CreatedAt)
	}

	filter := bank.Filter{Text: "flatten"}
	mine, err := c.Find(ctx, alice, python, filter)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(mine, func(x bank.Question) bool { return x.ID == q.ID }) {
		t.Errorf("author's search lacks their own question")
	}
	theirs, err := c.Find(ctx, bob, python, filter)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(theirs, func(x bank.Question) bool { return x.ID == q.ID }) {
		t.Errorf("another user's search shows the custom question")
	}

	if got, err := c.Question(ctx, alice, python, q.ID); err != nil || got.ID != q.ID {
		t.Errorf("author's lookup: %v, %v", got.ID, err)
	}
	for _, user := range []mockroom.UserID{bob, ""} {
		if _, err := c.Question(ctx, user, python, q.ID); mockroom.ErrorKind(err) != mockroom.KindNotFound {
			t.Errorf("lookup by %q: %v; want not found", user, err)
		}
	}
	if got, err := c.Question(ctx, bob, python, "py-concept-gil"); err != nil || got.ID != "py-concept-gil" {
		t.Errorf("built-in lookup: %v", err)
	}

	// Bob cannot plan with Alice's question; Alice can.
	plan := mockroom.Plan{Title: "Mine", Slots: []mockroom.Slot{{QuestionID: q.ID, Minutes: 10}}}
	if _, err := c.AddPlan(ctx, bob, python, plan); mockroom.ErrorCode(err) != "slot_question_unknown" {
		t.Errorf("bob's plan with alice's question: %v; want slot_question_unknown", err)
	}
	p, err := c.AddPlan(ctx, alice, python, plan)
	if err != nil {
		t.Fatalf("AddPlan: %v", err)
	}
	if p.Owner != alice || !strings.HasPrefix(p.ID, bank.CustomPlanPrefix) {
		t.Errorf("plan owner %q id %q", p.Owner, p.ID)
	}
	if _, err := c.Plan(ctx, bob, python, p.ID); mockroom.ErrorKind(err) != mockroom.KindNotFound {
		t.Errorf("bob reads alice's plan: %v; want not found", err)
	}
	alicePlans, err := c.Plans(ctx, alice, python)
	if err != nil {
		t.Fatal(err)
	}
	bobPlans, err := c.Plans(ctx, bob, python)
	if err != nil {
		t.Fatal(err)
	}
	if len(alicePlans) != len(bobPlans)+1 {
		t.Errorf("alice sees %d plans, bob %d; want one more for alice", len(alicePlans), len(bobPlans))
	}

	got, err := c.Plan(ctx, alice, python, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	drawn, err := c.Draw(ctx, alice, got, nil, rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(drawn) != 1 || drawn[0].QuestionID != q.ID {
		t.Errorf("Draw of alice's plan: %+v, %v", drawn, err)
	}
	if _, err := c.Draw(ctx, bob, got, nil, nil); mockroom.ErrorKind(err) != mockroom.KindNotFound {
		t.Errorf("Draw of alice's plan for bob: %v; want not found", err)
	}
}

func TestCatalogRejectsBadCustomInput(t *testing.T) {
	ctx := t.Context()
	c := newCatalog(t)
	bad := validCustom()
	bad.Guide.FollowUps = nil
	if _, err := c.AddQuestion(ctx, "alice", python, bad); mockroom.ErrorCode(err) != "too_few_follow_ups" {
		t.Errorf("AddQuestion: %v; want too_few_follow_ups", err)
	}
	if _, err := c.AddQuestion(ctx, "alice", "cobol", validCustom()); mockroom.ErrorCode(err) != "track_not_found" {
		t.Errorf("AddQuestion on unknown track: %v", err)
	}
	// Nothing was stored by the failed calls.
	got, err := c.Find(ctx, "alice", python, bank.Filter{Text: "flatten"})
	if err != nil || len(got) != 0 {
		t.Errorf("after rejected adds, search found %d questions (%v)", len(got), err)
	}
	if _, err := c.AddPlan(ctx, "", python, mockroom.Plan{Title: "x"}); mockroom.ErrorKind(err) != mockroom.KindInvalid {
		t.Errorf("plan without owner: %v", err)
	}
}
