package room

import (
	"context"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Peer is one of the two people of a peer room.
type Peer struct {
	UserID mockroom.UserID
	Name   string
	Guest  bool
	// Categories are the kinds of question this person asked to practise, most wanted first.
	// They shape the half in which this person is the candidate (see preferCategories); empty
	// means the plan as it is.
	Categories []mockroom.Category
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
// half plan at the peers' level, re-pointed to the preferred categories of that half's candidate
// (B in the first half, A in the second), avoiding questions either was already asked while the
// bank has others, and never repeating a question within the room. Creating the same id twice
// returns the existing room.
func (s *Service) CreatePeer(ctx context.Context, spec PeerSpec) (Room, error) {
	if r, err := s.Get(ctx, spec.ID); err == nil {
		return r, nil
	} else if mockroom.ErrorKind(err) != mockroom.KindNotFound {
		return Room{}, err
	}
	if spec.A.UserID == "" || spec.B.UserID == "" || spec.A.UserID == spec.B.UserID {
		return Room{}, invalid("invalid_peers", "a peer room needs two different people")
	}
	for _, p := range []Peer{spec.A, spec.B} {
		if len(p.Categories) > len(mockroom.Categories) {
			return Room{}, invalid("too_many_categories", "at most %d preferred categories", len(mockroom.Categories))
		}
		for _, c := range p.Categories {
			if !c.Valid() {
				return Room{}, invalid("unknown_category", "unknown category %q", c)
			}
		}
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
	// What both were asked, and how recently: fresh questions first, then the ones asked
	// longest ago.
	var histories [][]mockroom.QuestionID
	for _, u := range []mockroom.UserID{spec.A.UserID, spec.B.UserID} {
		asked, err := s.store.Asked(ctx, u)
		if err != nil {
			return Room{}, err
		}
		histories = append(histories, asked)
	}
	exclude := bank.AskedFrom(histories...)
	// A interviews B first, so the first half is B's practice.
	first, err := s.drawHalf(ctx, plan, spec.B.Categories, exclude)
	if err != nil {
		return Room{}, err
	}
	// The second half avoids the first half's questions too. A bank too small for that repeats
	// one rather than refusing the pair a room: the draw only falls back to a repeat when
	// nothing fresh is left in the category.
	exclude2 := maps.Clone(exclude)
	latest := int64(len(exclude2)) + 1 // the first half is the most recent of all
	for _, id := range questionIDs(first) {
		exclude2[id] = latest
	}
	second, err := s.drawHalf(ctx, plan, spec.A.Categories, exclude2)
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

// drawHalf draws one half for a candidate who prefers prefs. When the bank cannot fill every
// re-pointed slot (a category with fewer questions than the slots pointed at it), the last
// re-pointed slots go back to the plan's own categories one by one until the draw succeeds, so
// the candidate gets as much of what they asked for as the bank holds rather than nothing.
func (s *Service) drawHalf(ctx context.Context, plan mockroom.Plan, prefs []mockroom.Category, exclude bank.Asked) ([]PlannedQuestion, error) {
	for n := categorySlots(plan.Slots); ; n-- {
		p := plan
		p.Slots = preferCategories(plan.Slots, prefs, n)
		out, err := s.instantiate(ctx, "", p, exclude)
		if err == nil || len(prefs) == 0 || n == 0 || mockroom.ErrorCode(err) != "not_enough_questions" {
			return out, err
		}
	}
}

// isCategorySlot reports whether a slot is drawn from a bank category: not a fixed question and
// not the candidate's own questions.
func isCategorySlot(s mockroom.Slot) bool {
	return s.QuestionID == "" && s.Category != "" && s.Category != mockroom.CategoryOwnQuestions
}

func categorySlots(slots []mockroom.Slot) int {
	n := 0
	for _, s := range slots {
		if isCategorySlot(s) {
			n++
		}
	}
	return n
}

// preferCategories returns a copy of slots in which the first limit category slots take the
// preferred categories in turn, cycling through prefs in order (prefs [a, b] over three
// category slots gives a, b, a). Each re-pointed slot keeps its time budget and difficulty, so
// the half lasts as long and stays at the level the peers queued for. Fixed questions and the
// candidate's-own-questions slot never change; with no preferences the plan stays as it is.
//
// Preferences shape the questions, never the pairing: the queue stays first come, first paired
// per track and level (see package match).
func preferCategories(slots []mockroom.Slot, prefs []mockroom.Category, limit int) []mockroom.Slot {
	out := slices.Clone(slots)
	if len(prefs) == 0 {
		return out
	}
	k := 0
	for i := range out {
		if k >= limit {
			break
		}
		if isCategorySlot(out[i]) {
			out[i].Category = prefs[k%len(prefs)]
			k++
		}
	}
	return out
}
