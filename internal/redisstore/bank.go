package redisstore

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/redis/go-redis/v9"
)

var (
	//go:embed scripts/bank_add.lua
	bankAddLua    string
	bankAddScript = redis.NewScript(bankAddLua)
)

// BankStore keeps the questions and plans interviewers add, implementing bank.CustomStore.
//
// Layout: per author and track, one hash of questions ({user:<id>}:bank:<track>:questions,
// question id → question JSON) and one of plans ({user:<id>}:bank:<track>:plans, plan id →
// {"added_at", "plan"} JSON). Every read names the author, so one author's entries cannot be
// reached through another's keys.
type BankStore struct {
	client redis.UniversalClient
	keys   Keys
	now    func() time.Time
}

// NewBankStore returns a store using client and keys.
func NewBankStore(client redis.UniversalClient, keys Keys) *BankStore {
	return &BankStore{client: client, keys: keys, now: time.Now}
}

var _ bank.CustomStore = (*BankStore)(nil)

// storedPlan records when a plan was added, since mockroom.Plan has no time of its own and
// lists come back oldest first.
type storedPlan struct {
	AddedAt time.Time     `json:"added_at"`
	Plan    mockroom.Plan `json:"plan"`
}

func bankUnavailable(err error) error {
	return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "the store is unavailable; try again shortly")
}

func bankCorrupt(err error, what string) error {
	return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored "+what+" could not be read")
}

// AddQuestion stores a custom question under its author.
func (s *BankStore) AddQuestion(ctx context.Context, q bank.Question) error {
	if q.Author == "" || q.Track == "" || q.ID == "" {
		return mockroom.Errorf(mockroom.KindInvalid, "missing_field", "a custom question needs an id, a track and an author")
	}
	data, err := json.Marshal(q)
	if err != nil {
		return bankCorrupt(err, "question")
	}
	return s.add(ctx, s.keys.BankQuestions(q.Author, q.Track), string(q.ID), data, bank.MaxCustomQuestions, "question")
}

// AddPlan stores a custom plan under its owner.
func (s *BankStore) AddPlan(ctx context.Context, p mockroom.Plan) error {
	if p.Owner == "" || p.Track == "" || p.ID == "" {
		return mockroom.Errorf(mockroom.KindInvalid, "missing_field", "a custom plan needs an id, a track and an owner")
	}
	data, err := json.Marshal(storedPlan{AddedAt: s.now().UTC(), Plan: p})
	if err != nil {
		return bankCorrupt(err, "plan")
	}
	return s.add(ctx, s.keys.BankPlans(p.Owner, p.Track), p.ID, data, bank.MaxCustomPlans, "plan")
}

func (s *BankStore) add(ctx context.Context, key, id string, data []byte, max int, what string) error {
	res, err := bankAddScript.Run(ctx, s.client, []string{key}, id, data, strconv.Itoa(max)).Int()
	if err != nil {
		return bankUnavailable(err)
	}
	switch res {
	case -1:
		return mockroom.Errorf(mockroom.KindConflict, what+"_exists", "a %s with id %q already exists", what, id)
	case -2:
		return mockroom.Errorf(mockroom.KindConflict, "custom_limit_reached", "you already have %d custom %ss in this track; that is the limit", max, what)
	}
	return nil
}

// Questions lists an author's custom questions in a track, oldest first.
func (s *BankStore) Questions(ctx context.Context, author mockroom.UserID, track mockroom.TrackID) ([]bank.Question, error) {
	all, err := s.client.HGetAll(ctx, s.keys.BankQuestions(author, track)).Result()
	if err != nil {
		return nil, bankUnavailable(err)
	}
	out := make([]bank.Question, 0, len(all))
	for _, raw := range all {
		var q bank.Question
		if err := json.Unmarshal([]byte(raw), &q); err != nil {
			return nil, bankCorrupt(err, "question")
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b bank.Question) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Question returns one of an author's custom questions.
func (s *BankStore) Question(ctx context.Context, author mockroom.UserID, track mockroom.TrackID, id bank.QuestionID) (bank.Question, error) {
	raw, err := s.client.HGet(ctx, s.keys.BankQuestions(author, track), string(id)).Result()
	if errors.Is(err, redis.Nil) {
		return bank.Question{}, mockroom.Errorf(mockroom.KindNotFound, "question_not_found", "no question %q in this track", id)
	}
	if err != nil {
		return bank.Question{}, bankUnavailable(err)
	}
	var q bank.Question
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		return bank.Question{}, bankCorrupt(err, "question")
	}
	return q, nil
}

// Plans lists an owner's custom plans in a track, oldest first.
func (s *BankStore) Plans(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID) ([]mockroom.Plan, error) {
	all, err := s.client.HGetAll(ctx, s.keys.BankPlans(owner, track)).Result()
	if err != nil {
		return nil, bankUnavailable(err)
	}
	stored := make([]storedPlan, 0, len(all))
	for _, raw := range all {
		var sp storedPlan
		if err := json.Unmarshal([]byte(raw), &sp); err != nil {
			return nil, bankCorrupt(err, "plan")
		}
		stored = append(stored, sp)
	}
	slices.SortFunc(stored, func(a, b storedPlan) int {
		return cmp.Or(a.AddedAt.Compare(b.AddedAt), cmp.Compare(a.Plan.ID, b.Plan.ID))
	})
	out := make([]mockroom.Plan, len(stored))
	for i, sp := range stored {
		out[i] = sp.Plan
	}
	return out, nil
}

// Plan returns one of an owner's custom plans.
func (s *BankStore) Plan(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID, id string) (mockroom.Plan, error) {
	raw, err := s.client.HGet(ctx, s.keys.BankPlans(owner, track), id).Result()
	if errors.Is(err, redis.Nil) {
		return mockroom.Plan{}, mockroom.Errorf(mockroom.KindNotFound, "plan_not_found", "no plan %q in this track", id)
	}
	if err != nil {
		return mockroom.Plan{}, bankUnavailable(err)
	}
	var sp storedPlan
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		return mockroom.Plan{}, bankCorrupt(err, "plan")
	}
	return sp.Plan, nil
}
