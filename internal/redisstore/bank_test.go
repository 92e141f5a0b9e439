package redisstore_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/redis/go-redis/v9"
)

const pyTrack = mockroom.TrackID("python-developer")

func customQuestion(id string, author mockroom.UserID, created time.Time) bank.Question {
	return bank.Question{
		ID: bank.QuestionID(id), Track: pyTrack, Author: author, CreatedAt: created,
		Category: mockroom.CategoryPractical, Difficulty: mockroom.Mid, Minutes: 10,
		Title: "Flatten a nested list", Prompt: "Write flatten(items).",
		Coding: &bank.Coding{Language: "python", Starter: "def flatten(items):\n    ...\n",
			Examples: []bank.Example{{Input: "flatten([1, [2]])", Output: "[1, 2]"}, {Input: "flatten([])", Output: "[]"}}},
		Guide: &bank.Guidance{
			LooksFor: []string{"recursion"}, RedFlags: []string{"one level only"}, StrongAnswer: []string{"yield from"},
			FollowUps: []string{"deep nesting?", "strings?"}, Qualities: []bank.Quality{"problem_solving"},
		},
	}
}

func TestBankStore(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t)
	newStore := func(t *testing.T) (*redisstore.BankStore, redisstore.Keys) {
		keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
		return redisstore.NewBankStore(client, keys), keys
	}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	t.Run("question round trip, order and privacy", func(t *testing.T) {
		ctx := t.Context()
		s, keys := newStore(t)
		// Added out of order; listed oldest first.
		qs := []bank.Question{
			customQuestion("custom-b", "alice", base.Add(2*time.Minute)),
			customQuestion("custom-a", "alice", base),
			customQuestion("custom-c", "alice", base.Add(time.Minute)),
		}
		for _, q := range qs {
			if err := s.AddQuestion(ctx, q); err != nil {
				t.Fatalf("AddQuestion %s: %v", q.ID, err)
			}
		}
		got, err := s.Question(ctx, "alice", pyTrack, "custom-a")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(qs[1], got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		list, err := s.Questions(ctx, "alice", pyTrack)
		if err != nil {
			t.Fatal(err)
		}
		var ids []bank.QuestionID
		for _, q := range list {
			ids = append(ids, q.ID)
		}
		if diff := cmp.Diff([]bank.QuestionID{"custom-a", "custom-c", "custom-b"}, ids); diff != "" {
			t.Errorf("list order (-want +got):\n%s", diff)
		}

		if _, err := s.Question(ctx, "bob", pyTrack, "custom-a"); mockroom.ErrorCode(err) != "question_not_found" {
			t.Errorf("bob reads alice's question: %v; want question_not_found", err)
		}
		if _, err := s.Question(ctx, "alice", "go-developer", "custom-a"); mockroom.ErrorKind(err) != mockroom.KindNotFound {
			t.Errorf("question read in another track: %v; want not found", err)
		}
		if list, err := s.Questions(ctx, "bob", pyTrack); err != nil || len(list) != 0 {
			t.Errorf("bob's list: %d questions, %v", len(list), err)
		}

		dup := customQuestion("custom-a", "alice", base.Add(time.Hour))
		dup.Title = "overwritten?"
		if err := s.AddQuestion(ctx, dup); mockroom.ErrorCode(err) != "question_exists" || mockroom.ErrorKind(err) != mockroom.KindConflict {
			t.Errorf("duplicate id: %v; want conflict question_exists", err)
		}
		if again, _ := s.Question(ctx, "alice", pyTrack, "custom-a"); again.Title != qs[1].Title {
			t.Errorf("duplicate add changed the stored question to %q", again.Title)
		}

		// The author's keys carry the author's hash tag, so they live in the author's slot.
		for _, k := range []string{keys.BankQuestions("alice", pyTrack), keys.BankPlans("alice", pyTrack)} {
			if !strings.Contains(k, "{user:alice}") {
				t.Errorf("key %s lacks the {user:alice} tag", k)
			}
		}
	})

	t.Run("plan round trip and order", func(t *testing.T) {
		ctx := t.Context()
		s, _ := newStore(t)
		var want []mockroom.Plan
		for i := range 3 {
			p := mockroom.Plan{
				ID: fmt.Sprintf("plan-%d", 3-i), Track: pyTrack, Title: "Plan", Owner: "alice",
				Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Mid, Minutes: 5 + i}},
			}
			if err := s.AddPlan(ctx, p); err != nil {
				t.Fatal(err)
			}
			want = append(want, p)
		}
		got, err := s.Plans(ctx, "alice", pyTrack)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("plans, oldest first (-want +got):\n%s", diff)
		}
		one, err := s.Plan(ctx, "alice", pyTrack, "plan-2")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[1], one); diff != "" {
			t.Errorf("plan round trip (-want +got):\n%s", diff)
		}
		if _, err := s.Plan(ctx, "bob", pyTrack, "plan-2"); mockroom.ErrorCode(err) != "plan_not_found" {
			t.Errorf("bob reads alice's plan: %v; want plan_not_found", err)
		}
	})

	t.Run("cap holds under concurrent adds", func(t *testing.T) {
		ctx := t.Context()
		s, _ := newStore(t)
		plan := func(i int) mockroom.Plan {
			return mockroom.Plan{ID: fmt.Sprintf("plan-%03d", i), Track: pyTrack, Title: "P", Owner: "alice",
				Slots: []mockroom.Slot{{Category: mockroom.CategoryOwnQuestions, Minutes: 5}}}
		}
		for i := range bank.MaxCustomPlans - 5 {
			if err := s.AddPlan(ctx, plan(i)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() { errs[i] = s.AddPlan(ctx, plan(1000+i)) })
		}
		wg.Wait()
		added := 0
		for _, err := range errs {
			switch {
			case err == nil:
				added++
			case mockroom.ErrorCode(err) != "custom_limit_reached":
				t.Errorf("unexpected error: %v", err)
			}
		}
		if added != 5 {
			t.Errorf("%d concurrent adds succeeded; want exactly 5 up to the cap", added)
		}
		if all, _ := s.Plans(ctx, "alice", pyTrack); len(all) != bank.MaxCustomPlans {
			t.Errorf("%d plans stored; want %d", len(all), bank.MaxCustomPlans)
		}
	})

	t.Run("incomplete entries are refused", func(t *testing.T) {
		s, _ := newStore(t)
		q := customQuestion("custom-x", "", base)
		if err := s.AddQuestion(t.Context(), q); mockroom.ErrorKind(err) != mockroom.KindInvalid {
			t.Errorf("question without author: %v; want invalid", err)
		}
		if err := s.AddPlan(t.Context(), mockroom.Plan{ID: "plan-x", Track: pyTrack}); mockroom.ErrorKind(err) != mockroom.KindInvalid {
			t.Errorf("plan without owner: %v; want invalid", err)
		}
	})

	t.Run("catalog over the store keeps custom questions private", func(t *testing.T) {
		ctx := t.Context()
		s, _ := newStore(t)
		b, err := bank.Load()
		if err != nil {
			t.Fatal(err)
		}
		c := bank.NewCatalog(b, s)
		draft := customQuestion("ignored", "ignored", time.Time{})
		q, err := c.AddQuestion(ctx, "alice", pyTrack, draft)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := c.Question(ctx, "alice", pyTrack, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(q, stored); diff != "" {
			t.Errorf("catalog round trip (-want +got):\n%s", diff)
		}
		if _, err := c.Question(ctx, "bob", pyTrack, q.ID); mockroom.ErrorKind(err) != mockroom.KindNotFound {
			t.Errorf("bob reads alice's question through the catalog: %v", err)
		}
		found, err := c.Find(ctx, "bob", pyTrack, bank.Filter{Text: "flatten"})
		if err != nil || len(found) != 0 {
			t.Errorf("bob's search found %d questions (%v); want none", len(found), err)
		}
	})

	t.Run("store down is unavailable", func(t *testing.T) {
		dead := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
		_ = dead.Close()
		s := redisstore.NewBankStore(dead, redisstore.Keys{Prefix: redistest.Prefix(t)})
		if _, err := s.Questions(t.Context(), "alice", pyTrack); mockroom.ErrorKind(err) != mockroom.KindUnavailable {
			t.Errorf("Questions on a closed client: %v; want unavailable", err)
		}
		if err := s.AddQuestion(t.Context(), customQuestion("custom-z", "alice", base)); mockroom.ErrorKind(err) != mockroom.KindUnavailable {
			t.Errorf("AddQuestion on a closed client: %v; want unavailable", err)
		}
	})
}
