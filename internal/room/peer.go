package room

import (
	"context"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Peer is one of the two people of a peer room.
type Peer struct {
	UserID mockroom.UserID
	Name   string
	Guest  bool
}

// PeerSpec describes a peer room to create after a match: A interviews B in the first half, then
// they swap.
type PeerSpec struct {
	ID    mockroom.RoomID // chosen by the matcher, so creating twice is harmless
	Track mockroom.TrackID
	Level mockroom.Difficulty
	A, B  Peer
}

// pseudonyms are the names peers go by until both reveal.
var pseudonyms = []string{
	"Peer Otter", "Peer Heron", "Peer Lynx", "Peer Marten", "Peer Puffin", "Peer Ibex",
	"Peer Kestrel", "Peer Badger", "Peer Gecko", "Peer Walrus", "Peer Finch", "Peer Tapir",
}

// Pseudonyms returns two different pseudonyms for a room, stable for its id.
func Pseudonyms(id mockroom.RoomID) (string, string) {
	h := fnv.New32a()
	h.Write([]byte(id))
	n := h.Sum32()
	i := int(n % uint32(len(pseudonyms)))
	j := (i + 1 + int((n/uint32(len(pseudonyms)))%uint32(len(pseudonyms)-1))) % len(pseudonyms)
	return pseudonyms[i], pseudonyms[j]
}

// CreatePeer makes the room for two matched peers: each half's questions come from the peer
// half plan at the peers' level, avoiding questions either was already asked while the bank
// has others, and never repeating a question within the room. Creating the same id twice returns
// the existing room.
func (s *Service) CreatePeer(ctx context.Context, spec PeerSpec) (Room, error) {
	if r, err := s.Get(ctx, spec.ID); err == nil {
		return r, nil
	} else if mockroom.ErrorKind(err) != mockroom.KindNotFound {
		return Room{}, err
	}
	if spec.A.UserID == "" || spec.B.UserID == "" || spec.A.UserID == spec.B.UserID {
		return Room{}, invalid("invalid_peers", "a peer room needs two different people")
	}
	plan, err := s.bank.Plan(ctx, "", spec.Track, s.cfg.PeerPlanID)
	if err != nil {
		return Room{}, err
	}
	plan.Track = spec.Track
	plan.Slots = slices.Clone(plan.Slots) // the level is set on a copy, never on the bank's plan
	if spec.Level.Valid() {
		for i := range plan.Slots {
			if plan.Slots[i].QuestionID == "" && plan.Slots[i].Category != mockroom.CategoryOwnQuestions {
				plan.Slots[i].Difficulty = spec.Level
			}
		}
	}
	exclude := map[mockroom.QuestionID]bool{}
	for _, u := range []mockroom.UserID{spec.A.UserID, spec.B.UserID} {
		asked, err := s.store.Asked(ctx, u)
		if err != nil {
			return Room{}, err
		}
		for _, id := range asked {
			exclude[id] = true
		}
	}
	first, err := s.instantiate(ctx, "", plan, exclude)
	if err != nil {
		return Room{}, err
	}
	// The second half avoids the first half's questions too. A bank too small for that repeats
	// one rather than refusing the pair a room: the draw only falls back to a repeat when
	// nothing fresh is left in the category.
	exclude2 := maps.Clone(exclude)
	for _, id := range questionIDs(first) {
		exclude2[id] = true
	}
	second, err := s.instantiate(ctx, "", plan, exclude2)
	if err != nil {
		return Room{}, err
	}
	now := s.cfg.Now().UTC()
	pa, pb := Pseudonyms(spec.ID)
	r := Room{
		ID: spec.ID, Kind: mockroom.RoomPeer, Track: spec.Track, State: mockroom.StateWaiting,
		Title: "Peer practice", PlanID: plan.ID, CreatedAt: now,
		Settings:  Settings{AutoAdvance: true, FeedbackRelease: ReleaseHeld, Allowance: 1.0},
		Questions: append(first, second...),
		Halves: []Half{
			{Interviewer: spec.A.UserID, Candidate: spec.B.UserID, FirstQuestion: 0, QuestionCount: len(first)},
			{Interviewer: spec.B.UserID, Candidate: spec.A.UserID, FirstQuestion: len(first), QuestionCount: len(second)},
		},
		Participants: []Participant{
			{UserID: spec.A.UserID, Role: mockroom.RoleInterviewer, DisplayName: spec.A.Name, Guest: spec.A.Guest, JoinedAt: now, Pseudonym: pa},
			{UserID: spec.B.UserID, Role: mockroom.RoleCandidate, DisplayName: spec.B.Name, Guest: spec.B.Guest, JoinedAt: now, Pseudonym: pb},
		},
	}
	if err := s.store.Create(ctx, r, s.cfg.WaitingTTL); err != nil {
		if mockroom.ErrorCode(err) == "room_exists" {
			return s.Get(ctx, spec.ID)
		}
		return Room{}, err
	}
	ids := questionIDs(r.Questions)
	for _, u := range []mockroom.UserID{spec.A.UserID, spec.B.UserID} {
		if err := s.store.AddUserRoom(ctx, u, r.ID, now); err != nil {
			return Room{}, err
		}
		if err := s.store.AddAsked(ctx, u, ids); err != nil {
			return Room{}, err
		}
	}
	return r.maskNames(), nil
}
