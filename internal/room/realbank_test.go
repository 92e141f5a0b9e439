package room_test

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

// TestWithTheRealBank checks that the rooms work with the shipped bank: its catalog satisfies
// room.Bank, its plans instantiate, and it has the peer half plan.
func TestWithTheRealBank(t *testing.T) {
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	client := redistest.Shared(t).Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	catalog := bank.NewCatalog(b, redisstore.NewBankStore(client, keys))
	svc, err := room.NewService(redisstore.NewRoomStore(client, keys), catalog, room.Config{
		InviteKey: room.DeriveInviteKey([]byte("real bank test secret, 32 bytes!")), WaitingTTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range b.Tracks() {
		for _, p := range tr.Plans() {
			r, _, err := svc.Create(t.Context(), person("mentor"), room.CreateRequest{Track: tr.ID, PlanID: p.ID})
			if err != nil {
				t.Fatalf("track %s plan %s: %v", tr.ID, p.ID, err)
			}
			if len(r.Questions) != len(p.Slots) {
				t.Errorf("plan %s: %d questions for %d slots", p.ID, len(r.Questions), len(p.Slots))
			}
		}
		for _, level := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			r, err := svc.CreatePeer(t.Context(), room.PeerSpec{ID: mockroom.RoomID("peer-" + string(tr.ID) + "-" + string(level)), Track: tr.ID, Level: level,
				A: room.Peer{UserID: "a-" + mockroom.UserID(level), Name: "A"}, B: room.Peer{UserID: "b-" + mockroom.UserID(level), Name: "B"}})
			if err != nil {
				t.Fatalf("track %s peer room at %s: %v", tr.ID, level, err)
			}
			if len(r.Halves) != 2 || r.Halves[1].QuestionCount == 0 {
				t.Errorf("peer room halves = %+v", r.Halves)
			}
		}
	}
}
