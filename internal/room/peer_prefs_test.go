package room_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

func halfCategories(r room.Room, half int) []mockroom.Category {
	h := r.Halves[half]
	var out []mockroom.Category
	for _, q := range r.Questions[h.FirstQuestion : h.FirstQuestion+h.QuestionCount] {
		out = append(out, q.Category)
	}
	return out
}

func TestPeerRoomFollowsTheCandidatesPreferences(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.CreatePeer(t.Context(), room.PeerSpec{ID: "peer-prefs", Track: roomtest.Track, Level: mockroom.Mid,
		A: room.Peer{UserID: "ada", Name: "Ada", Categories: []mockroom.Category{mockroom.CategorySystemDesign}},
		B: room.Peer{UserID: "bo", Name: "Bo"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Halves[0].Candidate != "bo" || r.Halves[1].Candidate != "ada" {
		t.Fatalf("halves = %+v", r.Halves)
	}
	// Bo asked for nothing: his half (the first) is the plan as it is.
	plan := []mockroom.Category{mockroom.CategoryBehavioral, mockroom.CategoryTechnical, mockroom.CategoryProblemSolve}
	if diff := cmp.Diff(plan, halfCategories(r, 0)); diff != "" {
		t.Errorf("Bo's half (-want +got):\n%s", diff)
	}
	// Ada asked for system design: every category slot of her half draws it, at the level and
	// for the time the plan gives.
	design := []mockroom.Category{mockroom.CategorySystemDesign, mockroom.CategorySystemDesign, mockroom.CategorySystemDesign}
	if diff := cmp.Diff(design, halfCategories(r, 1)); diff != "" {
		t.Errorf("Ada's half (-want +got):\n%s", diff)
	}
	seen := map[mockroom.QuestionID]bool{}
	for _, q := range r.Questions {
		if q.Difficulty != mockroom.Mid || q.Minutes != 10 || seen[q.QuestionID] {
			t.Errorf("question %+v: want a fresh mid question of 10 minutes", q)
		}
		seen[q.QuestionID] = true
	}
}

func TestPeerRoomPreferencesAvoidAskedQuestions(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// Of the three mid system design questions Ada was asked two; Bo was asked the third. Any
	// other difficulty of system design is fresh, so the draw must prefer those over repeats.
	f.client.SAdd(ctx, f.keys.UserAsked("ada"), "system_design-mid-0", "system_design-mid-1")
	f.client.SAdd(ctx, f.keys.UserAsked("bo"), "system_design-mid-2")
	r, err := f.svc.CreatePeer(ctx, room.PeerSpec{ID: "peer-prefs-asked", Track: roomtest.Track, Level: mockroom.Mid,
		A: room.Peer{UserID: "ada", Name: "Ada", Categories: []mockroom.Category{mockroom.CategorySystemDesign}},
		B: room.Peer{UserID: "bo", Name: "Bo"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range r.Questions[r.Halves[1].FirstQuestion:] {
		if q.Category != mockroom.CategorySystemDesign || q.Difficulty == mockroom.Mid {
			t.Errorf("Ada's half has %s (%s %s); want a fresh system design question of another level", q.QuestionID, q.Category, q.Difficulty)
		}
	}
}

func TestPeerRoomRefusesUnknownPreferences(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		cats []mockroom.Category
		code string
	}{
		{[]mockroom.Category{"gossip"}, "unknown_category"},
		{[]mockroom.Category{mockroom.CategoryOwnQuestions}, "unknown_category"},
		{make([]mockroom.Category, 7), "too_many_categories"},
	}
	for _, tt := range tests {
		_, err := f.svc.CreatePeer(t.Context(), room.PeerSpec{ID: "peer-bad-prefs", Track: roomtest.Track, Level: mockroom.Mid,
			A: room.Peer{UserID: "ada", Name: "Ada"}, B: room.Peer{UserID: "bo", Name: "Bo", Categories: tt.cats}})
		wantCode(t, err, mockroom.KindInvalid, tt.code)
	}
	_, err := f.svc.Get(t.Context(), "peer-bad-prefs")
	wantCode(t, err, mockroom.KindNotFound, "room_not_found")
}

// scarceBank is the test bank with a single system design question in it.
type scarceBank struct {
	*roomtest.Bank
	pool []bank.Question
}

func newScarceBank(t *testing.T) scarceBank {
	t.Helper()
	b := scarceBank{Bank: roomtest.NewBank(3)}
	for _, c := range mockroom.Categories {
		for _, d := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			for i := range 3 {
				id := mockroom.QuestionID(fmt.Sprintf("%s-%s-%d", c, d, i))
				if c == mockroom.CategorySystemDesign && id != "system_design-mid-0" {
					continue
				}
				q, err := b.Question(t.Context(), "", roomtest.Track, id)
				if err != nil {
					t.Fatal(err)
				}
				b.pool = append(b.pool, q)
			}
		}
	}
	return b
}

func (b scarceBank) Draw(_ context.Context, _ mockroom.UserID, plan mockroom.Plan, exclude bank.Asked, rng *rand.Rand) ([]bank.Drawn, error) {
	return bank.Draw(plan, b.pool, exclude, rng)
}

func TestPeerRoomPreferencesBeyondTheBank(t *testing.T) {
	client := redistest.Shared(t).Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	svc, err := room.NewService(redisstore.NewRoomStore(client, keys), newScarceBank(t), room.Config{
		InviteKey: room.DeriveInviteKey([]byte("room tests secret, 32 bytes long!")), WaitingTTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Bo wants system design in all three slots, but the bank holds one such question: he gets
	// it in the first slot and the plan's own categories in the rest, rather than no room.
	r, err := svc.CreatePeer(t.Context(), room.PeerSpec{ID: "peer-scarce", Track: roomtest.Track, Level: mockroom.Mid,
		A: room.Peer{UserID: "ada", Name: "Ada"},
		B: room.Peer{UserID: "bo", Name: "Bo", Categories: []mockroom.Category{mockroom.CategorySystemDesign}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []mockroom.Category{mockroom.CategorySystemDesign, mockroom.CategoryTechnical, mockroom.CategoryProblemSolve}
	if diff := cmp.Diff(want, halfCategories(r, 0)); diff != "" {
		t.Errorf("Bo's half (-want +got):\n%s", diff)
	}
}
