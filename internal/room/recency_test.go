package room_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// TestPeerRoomRepeatsTheQuestionAskedLongestAgo: once Ada was asked every behavioral question,
// the peer room brings back the mid-level one she was asked longest ago (first half), then the
// next oldest (second half) — never one from her latest sessions.
func TestPeerRoomRepeatsTheQuestionAskedLongestAgo(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// When Ada was last asked each behavioral question (unix ms): mid-1 longest ago, then mid-2.
	when := map[string]float64{
		"behavioral_communication-mid-1": 1000, "behavioral_communication-mid-2": 2000,
		"behavioral_communication-junior-0": 3000, "behavioral_communication-junior-1": 3100, "behavioral_communication-junior-2": 3200,
		"behavioral_communication-senior-0": 4000, "behavioral_communication-senior-1": 4100, "behavioral_communication-senior-2": 4200,
		"behavioral_communication-mid-0": 9000,
	}
	for id, ms := range when {
		f.client.SAdd(ctx, f.keys.UserAsked("ada"), id)
		f.client.ZAdd(ctx, f.keys.UserAskedAt("ada"), redis.Z{Score: ms, Member: id})
	}
	r := peerRoom(t, f, "peer-recency")
	var behavioral []mockroom.QuestionID
	for _, q := range r.Questions {
		if q.Category == mockroom.CategoryBehavioral {
			behavioral = append(behavioral, q.QuestionID)
		}
	}
	want := []mockroom.QuestionID{"behavioral_communication-mid-1", "behavioral_communication-mid-2"}
	if len(behavioral) != 2 || behavioral[0] != want[0] || behavioral[1] != want[1] {
		t.Fatalf("behavioral questions %v; want %v (the two asked longest ago, in that order)", behavioral, want)
	}
	// The room's questions are now Ada's latest, and the store lists her history oldest first.
	history, err := redisstore.NewRoomStore(f.client, f.keys).Asked(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if len(history) < len(when)+2 || history[0] != "behavioral_communication-junior-0" {
		t.Fatalf("history %v; want junior-0 (now the oldest) first", history)
	}
	pos := map[mockroom.QuestionID]int{}
	for i, id := range history {
		pos[id] = i
	}
	if pos[want[0]] < pos["behavioral_communication-mid-0"] {
		t.Errorf("history %v: the repeated %s is listed before mid-0, asked earlier", history, want[0])
	}
}
