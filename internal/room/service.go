package room

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Store keeps rooms. Implementations make each method atomic and return *mockroom.Error values:
// KindNotFound "room_not_found" for a missing or expired room, KindConflict with the codes named
// on each method.
type Store interface {
	// Create stores a new room with its first participants; its keys expire after ttl unless it
	// goes live. KindConflict "room_exists" if the id is taken.
	Create(ctx context.Context, r Room, ttl time.Duration) error
	// Get returns the room with every participant, names unmasked.
	Get(ctx context.Context, id mockroom.RoomID) (Room, error)
	// Join adds p in one atomic step that checks, in order: the room is still open
	// ("room_closed"), p is not already there in another role ("already_participant"; the same
	// role is a no-op that returns the stored participant), a single-use invite is unused
	// ("invite_used"), the candidate seat is free ("candidate_taken"), there is room for one more
	// observer ("observers_full"). A waiting room's expiry is pushed back to rule.TTL.
	Join(ctx context.Context, id mockroom.RoomID, p Participant, rule JoinRule) (Participant, error)
	// Transition moves the room from one state to another only if it is still in from
	// ("state_stale" otherwise), stamping at. Leaving waiting makes the record permanent.
	Transition(ctx context.Context, id mockroom.RoomID, from, to mockroom.RoomState, at time.Time) error
	// Reveal records that user agreed to show their name.
	Reveal(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error
	// ShareNotes records that user shares the notes they wrote in the room.
	ShareNotes(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error
	// InviteUsed reports whether a single-use invite was accepted in the room.
	InviteUsed(ctx context.Context, id mockroom.RoomID, inviteID string) (bool, error)

	AddUserRoom(ctx context.Context, user mockroom.UserID, id mockroom.RoomID, at time.Time) error
	// UserRooms returns up to max of the user's rooms, newest first.
	UserRooms(ctx context.Context, user mockroom.UserID, max int) ([]mockroom.RoomID, error)
	RemoveUserRoom(ctx context.Context, user mockroom.UserID, id mockroom.RoomID) error
	// AddAsked and Asked keep, per user, the questions they have been asked in any room; Asked
	// lists them least recently asked first.
	AddAsked(ctx context.Context, user mockroom.UserID, ids []mockroom.QuestionID) error
	Asked(ctx context.Context, user mockroom.UserID) ([]mockroom.QuestionID, error)
}

// JoinRule is what Store.Join enforces besides the seat rules.
type JoinRule struct {
	InviteID     string
	SingleUse    bool
	MaxObservers int
	TTL          time.Duration
}

// Bank is the part of the question bank a room needs; *bank.Catalog implements it.
type Bank interface {
	Plan(ctx context.Context, user mockroom.UserID, track mockroom.TrackID, id string) (mockroom.Plan, error)
	Draw(ctx context.Context, user mockroom.UserID, plan mockroom.Plan, asked bank.Asked, rng *rand.Rand) ([]bank.Drawn, error)
	Question(ctx context.Context, user mockroom.UserID, track mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error)
}

// Config tunes a Service. Zero values take the defaults in brackets.
type Config struct {
	// InviteKey signs invite links (see DeriveInviteKey); required, at least 32 bytes.
	InviteKey []byte
	// InviteTTL is how long an invite link works [7 days].
	InviteTTL time.Duration
	// WaitingTTL is how long a room that never goes live is kept after its last activity [7 days].
	WaitingTTL time.Duration
	// MaxObservers caps observers per room [5].
	MaxObservers int
	// PeerPlanID names the built-in plan drawn for each half of a peer room ["peer-half-30"].
	PeerPlanID string
	// Announcer, if set, tells a peer room in session that both people revealed their names.
	Announcer Announcer
	Now       func() time.Time
}

// Announcer tells the people in a room, as they sit in it, what the room service decided. The
// live engine implements it (cmd adapts it), so this package does not depend on the engine.
type Announcer interface {
	// NamesRevealed tells the room the real names of its participants. It may be called more
	// than once for one room (two reveals completing the pair at once, a retry); the room
	// hears it once.
	NamesRevealed(ctx context.Context, id mockroom.RoomID, participants []Participant) error
	// RoomClosed tells everyone connected to the room that it is closed. It may be called
	// more than once for one room (a retry); the room hears it once.
	RoomClosed(ctx context.Context, id mockroom.RoomID) error
}

// Service is the rooms use cases.
type Service struct {
	store  Store
	bank   Bank
	cfg    Config
	signer signer
}

// NewService builds a Service.
func NewService(store Store, b Bank, cfg Config) (*Service, error) {
	if len(cfg.InviteKey) < 32 {
		return nil, errors.New("room: invite key must be at least 32 bytes")
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 7 * 24 * time.Hour
	}
	if cfg.WaitingTTL == 0 {
		cfg.WaitingTTL = 7 * 24 * time.Hour
	}
	if cfg.MaxObservers == 0 {
		cfg.MaxObservers = 5
	}
	if cfg.PeerPlanID == "" {
		cfg.PeerPlanID = "peer-half-30"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, bank: b, cfg: cfg, signer: signer{key: cfg.InviteKey}}, nil
}

// CreateRequest asks for a mentor-led room: either a plan id or custom slots.
type CreateRequest struct {
	Track    mockroom.TrackID
	PlanID   string
	Slots    []mockroom.Slot
	Title    string
	Settings Settings
	// ScheduledAt is when the session is meant to start (optional): not in the past, and not
	// after the room would expire unused.
	ScheduledAt time.Time
}

const maxTitleLen = 120

// scheduleSlack forgives a scheduled time a little in the past: a form filled in at 10:00 for
// "10:00" reaches the server a moment later.
const scheduleSlack = 5 * time.Minute

func (s *Service) checkSchedule(at time.Time) error {
	if at.IsZero() {
		return nil
	}
	now := s.cfg.Now()
	if at.Before(now.Add(-scheduleSlack)) {
		return fieldInvalid("scheduled_at", "invalid_schedule", "scheduled_at is in the past")
	}
	if at.After(now.Add(s.cfg.WaitingTTL)) {
		return fieldInvalid("scheduled_at", "invalid_schedule", "scheduled_at is more than %s away; a room that is not used expires before then", s.cfg.WaitingTTL)
	}
	return nil
}

// Create makes a mentor-led room with creator as its interviewer, instantiates the plan and
// issues the invite links. A guest cannot create one (KindForbidden "account_required"): guests
// exist to join the room they were invited to.
func (s *Service) Create(ctx context.Context, creator mockroom.Principal, req CreateRequest) (Room, Invites, error) {
	if creator.UserID == "" {
		return Room{}, Invites{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_missing", "sign in to create a room")
	}
	if creator.Guest {
		return Room{}, Invites{}, mockroom.Errorf(mockroom.KindForbidden, "account_required", "keep your guest identity with an email and password before creating a room")
	}
	if req.Track == "" {
		return Room{}, Invites{}, fieldInvalid("track", "missing_field", "track is required")
	}
	title := strings.TrimSpace(req.Title)
	if utf8.RuneCountInString(title) > maxTitleLen {
		return Room{}, Invites{}, fieldInvalid("title", "field_too_long", "title is longer than %d characters", maxTitleLen)
	}
	if err := req.Settings.normalize(); err != nil {
		return Room{}, Invites{}, err
	}
	if err := s.checkSchedule(req.ScheduledAt); err != nil {
		return Room{}, Invites{}, err
	}
	var plan mockroom.Plan
	switch {
	case req.PlanID != "" && len(req.Slots) > 0:
		return Room{}, Invites{}, fieldInvalid("plan", "plan_ambiguous", "send either plan_id or plan, not both")
	case req.PlanID != "":
		p, err := s.bank.Plan(ctx, creator.UserID, req.Track, req.PlanID)
		if err != nil {
			return Room{}, Invites{}, asField(err, "plan_id")
		}
		plan = p
	case len(req.Slots) > 0:
		slots, err := checkSlots(req.Slots)
		if err != nil {
			return Room{}, Invites{}, err
		}
		plan = mockroom.Plan{Track: req.Track, Title: "Custom plan", Slots: slots}
	default:
		return Room{}, Invites{}, fieldInvalid("plan_id", "missing_field", "send plan_id or plan (a list of slots)")
	}
	plan.Track = req.Track
	questions, err := s.instantiate(ctx, creator.UserID, plan, nil)
	if err != nil {
		// A slot the bank cannot fill is the request's own slot when the plan came inline; in a
		// saved plan it is the plan the request named.
		if len(req.Slots) > 0 {
			return Room{}, Invites{}, prefixField(err, "plan.")
		}
		return Room{}, Invites{}, asField(err, "plan_id")
	}
	if title == "" {
		title = plan.Title
	}
	now := s.cfg.Now().UTC()
	r := Room{
		ID: mockroom.RoomID(uuid.NewString()), Kind: mockroom.RoomMentor, Track: req.Track,
		State: mockroom.StateWaiting, Title: title, PlanID: plan.ID, CreatedBy: creator.UserID,
		CreatedAt: now, ScheduledAt: req.ScheduledAt.UTC(), Settings: req.Settings, Questions: questions,
		Participants: []Participant{{UserID: creator.UserID, Role: mockroom.RoleInterviewer, DisplayName: creator.Name, Guest: creator.Guest, JoinedAt: now}},
	}
	if err := s.store.Create(ctx, r, s.cfg.WaitingTTL); err != nil {
		return Room{}, Invites{}, err
	}
	if err := s.store.AddUserRoom(ctx, creator.UserID, r.ID, now); err != nil {
		return Room{}, Invites{}, err
	}
	inv, err := s.issue(r.ID, now)
	if err != nil {
		return Room{}, Invites{}, err
	}
	return r, inv, nil
}

// checkSlots validates a custom plan against the bank's limits; the bank's Draw checks that
// fixed questions exist. A refusal names its field as the room request's body has it
// ("plan.slots[2].minutes").
func checkSlots(in []mockroom.Slot) ([]mockroom.Slot, error) {
	if len(in) > bank.MaxPlanSlots {
		return nil, fieldInvalid("plan.slots", "too_many_slots", "a plan has at most %d slots", bank.MaxPlanSlots)
	}
	out := make([]mockroom.Slot, len(in))
	var total time.Duration
	for i, sl := range in {
		slot := fmt.Sprintf("plan.slots[%d].", i)
		if err := bank.CheckSlotBudget(sl); err != nil {
			return nil, fieldInvalid(slot+mockroom.ErrorField(err), mockroom.ErrorCode(err), "slot %d: %s", i+1, mockroom.ErrorMessage(err))
		}
		total += sl.Budget()
		switch {
		case sl.QuestionID != "" && sl.Category != "":
			return nil, fieldInvalid(slot+"category", "slot_ambiguous", "slot %d: name a question_id or a category, not both", i+1)
		case sl.QuestionID != "":
		case sl.Category == mockroom.CategoryOwnQuestions:
		case sl.Category.Valid():
			if sl.Difficulty == "" {
				sl.Difficulty = mockroom.Mid
			}
			if !sl.Difficulty.Valid() {
				return nil, fieldInvalid(slot+"difficulty", "unknown_difficulty", "slot %d: unknown difficulty %q; use junior, mid or senior", i+1, sl.Difficulty)
			}
		case sl.Category == "":
			return nil, fieldInvalid(slot+"question_id", "missing_field", "slot %d: name a question_id or a category", i+1)
		default:
			return nil, fieldInvalid(slot+"category", "unknown_category", "slot %d: unknown category %q", i+1, sl.Category)
		}
		out[i] = sl
	}
	if total > bank.MaxPlanMinutes*time.Minute {
		return nil, fieldInvalid("plan.slots", "plan_too_long", "a plan lasts at most %d minutes, this one %v", bank.MaxPlanMinutes, total)
	}
	return out, nil
}

// instantiate draws the plan's questions and keeps, for each, only what anyone in the room may
// see.
func (s *Service) instantiate(ctx context.Context, user mockroom.UserID, plan mockroom.Plan, asked bank.Asked) ([]PlannedQuestion, error) {
	drawn, err := s.bank.Draw(ctx, user, plan, asked, nil)
	if err != nil {
		return nil, err
	}
	out := make([]PlannedQuestion, len(drawn))
	for i, d := range drawn {
		pq := PlannedQuestion{Category: d.Slot.Category, Difficulty: d.Slot.Difficulty, Minutes: d.Slot.Minutes, Seconds: d.Slot.Seconds}
		if d.QuestionID == "" {
			pq.Category, pq.Title = mockroom.CategoryOwnQuestions, "Your questions for the interviewer"
			out[i] = pq
			continue
		}
		q, err := s.bank.Question(ctx, user, plan.Track, d.QuestionID)
		if err != nil {
			return nil, err
		}
		pq.QuestionID, pq.Title, pq.Category, pq.Difficulty = q.ID, q.Title, q.Category, q.Difficulty
		if pq.Minutes == 0 && pq.Seconds == 0 {
			pq.Minutes = q.Minutes
		}
		out[i] = pq
	}
	return out, nil
}

// IssueInvites signs a fresh pair of invite links; only the room's interviewer may ask.
func (s *Service) IssueInvites(ctx context.Context, id mockroom.RoomID, by mockroom.UserID) (Invites, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Invites{}, err
	}
	if r.Kind != mockroom.RoomMentor || r.CreatedBy != by {
		return Invites{}, mockroom.Errorf(mockroom.KindForbidden, "not_room_owner", "only the room's interviewer can invite people")
	}
	if r.State == mockroom.StateWrapUp || r.State == mockroom.StateClosed {
		return Invites{}, mockroom.Errorf(mockroom.KindConflict, "room_closed", "the room has ended")
	}
	return s.issue(id, s.cfg.Now())
}

func (s *Service) issue(id mockroom.RoomID, now time.Time) (Invites, error) {
	exp := now.Add(s.cfg.InviteTTL).UTC().Truncate(time.Second)
	cand, err := s.signer.sign(Invite{ID: randomID(), Room: id, Role: mockroom.RoleCandidate, ExpiresAt: exp})
	if err != nil {
		return Invites{}, err
	}
	obs, err := s.signer.sign(Invite{ID: randomID(), Room: id, Role: mockroom.RoleObserver, ExpiresAt: exp})
	if err != nil {
		return Invites{}, err
	}
	return Invites{Candidate: cand, Observer: obs, ExpiresAt: exp}, nil
}

// CheckInvite verifies an invite and that it could be accepted now. The answer may change before
// AcceptInvite (which decides atomically); its use is to refuse a dead invite before creating a
// guest identity for it.
func (s *Service) CheckInvite(ctx context.Context, raw string) (Invite, error) {
	inv, _, err := s.checkInvite(ctx, raw)
	return inv, err
}

func (s *Service) checkInvite(ctx context.Context, raw string) (Invite, Room, error) {
	inv, err := s.signer.verify(raw, s.cfg.Now())
	if err != nil {
		return Invite{}, Room{}, err
	}
	r, err := s.store.Get(ctx, inv.Room)
	if err != nil {
		return Invite{}, Room{}, err
	}
	if r.State == mockroom.StateWrapUp || r.State == mockroom.StateClosed {
		return Invite{}, Room{}, mockroom.Errorf(mockroom.KindConflict, "room_closed", "the room has ended")
	}
	seated := 0
	for _, p := range r.Participants {
		if p.Role == inv.Role {
			seated++
		}
	}
	switch inv.Role {
	case mockroom.RoleCandidate:
		used, err := s.store.InviteUsed(ctx, inv.Room, inv.ID)
		if err != nil {
			return Invite{}, Room{}, err
		}
		if used {
			return Invite{}, Room{}, errInviteUsed()
		}
		if seated > 0 {
			return Invite{}, Room{}, mockroom.Errorf(mockroom.KindConflict, "candidate_taken", "this room already has a candidate")
		}
	case mockroom.RoleObserver:
		if seated >= s.cfg.MaxObservers {
			return Invite{}, Room{}, mockroom.Errorf(mockroom.KindConflict, "observers_full", "this room has no seat left for another observer")
		}
	}
	return inv, r, nil
}

// InvitePreview is what someone holding an invite learns before accepting it: whose room it is,
// what it is for and when. It carries nothing of the plan's questions.
type InvitePreview struct {
	Role        mockroom.Role      `json:"role"`
	RoomTitle   string             `json:"room_title"`
	Track       mockroom.TrackID   `json:"track"`
	State       mockroom.RoomState `json:"state"`
	Interviewer string             `json:"interviewer"`
	ScheduledAt time.Time          `json:"scheduled_at,omitzero"`
	Plan        PlanOutline        `json:"plan"`
	ExpiresAt   time.Time          `json:"expires_at"`
}

// PlanOutline is the shape of a room's plan: how many questions and how long, not which.
type PlanOutline struct {
	Title         string `json:"title,omitempty"`
	QuestionCount int    `json:"question_count"`
	Minutes       int    `json:"minutes"`
}

// PreviewInvite tells the holder of an invite what they are invited to, refusing exactly what
// AcceptInvite would refuse now (a forged, expired or used link, a taken seat, an ended room).
// It changes nothing.
func (s *Service) PreviewInvite(ctx context.Context, raw string) (InvitePreview, error) {
	inv, r, err := s.checkInvite(ctx, raw)
	if err != nil {
		return InvitePreview{}, err
	}
	r = r.maskNames()
	out := InvitePreview{
		Role: inv.Role, RoomTitle: r.Title, Track: r.Track, State: r.State,
		ScheduledAt: r.ScheduledAt, ExpiresAt: inv.ExpiresAt,
		Plan: PlanOutline{QuestionCount: len(r.Questions)},
	}
	for _, p := range r.Participants {
		if p.Role == mockroom.RoleInterviewer {
			out.Interviewer = p.DisplayName
			break
		}
	}
	var total time.Duration
	for _, q := range r.Questions {
		total += time.Duration(q.Minutes)*time.Minute + time.Duration(q.Seconds)*time.Second
	}
	out.Plan.Minutes = int((total + time.Minute - 1) / time.Minute)
	if r.PlanID == "" {
		out.Plan.Title = "Custom plan"
	} else if plan, err := s.bank.Plan(ctx, r.CreatedBy, r.Track, r.PlanID); err == nil {
		out.Plan.Title = plan.Title
	} else if mockroom.ErrorKind(err) != mockroom.KindNotFound {
		return InvitePreview{}, err
	}
	return out, nil
}

// AcceptInvite adds p to the invite's room in the invite's role. displayName overrides p.Name.
func (s *Service) AcceptInvite(ctx context.Context, raw string, p mockroom.Principal, displayName string) (Room, Participant, error) {
	inv, err := s.signer.verify(raw, s.cfg.Now())
	if err != nil {
		return Room{}, Participant{}, err
	}
	name := strings.TrimSpace(displayName)
	if name == "" {
		name = p.Name
	}
	if err := mockroom.CheckText(name, 60, false); err != nil {
		return Room{}, Participant{}, invalid("invalid_display_name", "display_name must be 1–60 characters, visible, on one line: %s", mockroom.ErrorMessage(err))
	}
	now := s.cfg.Now().UTC()
	part := Participant{UserID: p.UserID, Role: inv.Role, DisplayName: name, Guest: p.Guest, JoinedAt: now}
	part, err = s.store.Join(ctx, inv.Room, part, JoinRule{
		InviteID: inv.ID, SingleUse: inv.Role == mockroom.RoleCandidate, MaxObservers: s.cfg.MaxObservers, TTL: s.cfg.WaitingTTL,
	})
	if err != nil {
		return Room{}, Participant{}, err
	}
	if err := s.store.AddUserRoom(ctx, p.UserID, inv.Room, now); err != nil {
		return Room{}, Participant{}, err
	}
	r, err := s.Get(ctx, inv.Room)
	if err != nil {
		return Room{}, Participant{}, err
	}
	if part.Role == mockroom.RoleCandidate {
		// Good enough for avoiding repeats: a candidate has "been asked" every question of a
		// room they joined, even if the session ends early.
		if err := s.store.AddAsked(ctx, p.UserID, questionIDs(r.Questions)); err != nil {
			return Room{}, Participant{}, err
		}
	}
	return r, part, nil
}

// Get returns a room with names masked as its kind requires. KindNotFound if missing or expired.
func (s *Service) Get(ctx context.Context, id mockroom.RoomID) (Room, error) {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Room{}, err
	}
	return r.maskNames(), nil
}

// View returns the room as the participant viewer may see it; KindForbidden for anyone else.
func (s *Service) View(ctx context.Context, id mockroom.RoomID, viewer mockroom.UserID) (Room, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if _, ok := r.Participant(viewer); !ok {
		return Room{}, errNotParticipant()
	}
	return ViewFor(r, viewer), nil
}

// revisionStore is what a Store may offer besides Get: the revision of a room's record alone.
type revisionStore interface {
	Revision(ctx context.Context, id mockroom.RoomID) (uint64, error)
}

// Revision returns the revision of the room's record (Room.Revision) without reading the rest
// of it: a copy whose Revision equals it is current. 0 when the store does not number its
// versions or the room does not exist; a copy is then never taken as current.
func (s *Service) Revision(ctx context.Context, id mockroom.RoomID) (uint64, error) {
	if st, ok := s.store.(revisionStore); ok {
		return st.Revision(ctx, id)
	}
	return 0, nil
}

// seatStore is what a Store may offer besides Get: one person's seat alone.
type seatStore interface {
	Seat(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Participant, bool, error)
}

// Seat returns user's role at the start of the room (see Room.Halves for a peer room's swap) and
// whether they have a seat in it; KindNotFound if the room does not exist. With a store that
// can, it reads that one seat rather than the whole room.
func (s *Service) Seat(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (mockroom.Role, bool, error) {
	if st, ok := s.store.(seatStore); ok {
		p, ok, err := st.Seat(ctx, id, user)
		return p.Role, ok, err
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return "", false, err
	}
	p, ok := r.Participant(user)
	return p.Role, ok, nil
}

// Member returns user's place in the room; KindForbidden if they are not in it.
func (s *Service) Member(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Participant, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Participant{}, err
	}
	p, ok := r.Participant(user)
	if !ok {
		return Participant{}, errNotParticipant()
	}
	return p, nil
}

func errInviteUsed() error {
	return mockroom.Errorf(mockroom.KindConflict, "invite_used", "this candidate invite has already been used; ask the interviewer for a new one")
}

func errNotParticipant() error {
	return mockroom.Errorf(mockroom.KindForbidden, "not_participant", "you are not a participant of this room")
}

// Transition moves the room from one state to another as one compare-and-set: KindConflict
// "illegal_transition" if the lifecycle forbids it, "state_stale" if the room is no longer in
// from.
func (s *Service) Transition(ctx context.Context, id mockroom.RoomID, from, to mockroom.RoomState) (Room, error) {
	if !from.CanMoveTo(to) {
		return Room{}, mockroom.Errorf(mockroom.KindConflict, "illegal_transition", "a room cannot go from %q to %q", from, to)
	}
	if err := s.store.Transition(ctx, id, from, to, s.cfg.Now().UTC()); err != nil {
		return Room{}, err
	}
	return s.Get(ctx, id)
}

// Close ends a room that is waiting (cancelled before it started) or in wrap-up; only its
// interviewer may. A live room ends through the live engine first.
func (s *Service) Close(ctx context.Context, id mockroom.RoomID, by mockroom.UserID) (Room, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if r.CreatedBy != by {
		return Room{}, mockroom.Errorf(mockroom.KindForbidden, "not_room_owner", "only the room's interviewer can close it")
	}
	// A closed room is closed again without error, so a close whose announcement failed can
	// be retried.
	if r.State != mockroom.StateClosed {
		if r, err = s.Transition(ctx, id, r.State, mockroom.StateClosed); err != nil {
			return Room{}, err
		}
	}
	if s.cfg.Announcer != nil {
		if err := s.cfg.Announcer.RoomClosed(ctx, id); err != nil {
			return Room{}, err
		}
	}
	return r, nil
}

// Reveal records that user agrees to show their name to the other person of a peer room. Names
// are shown only once both have agreed.
func (s *Service) Reveal(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Room, error) {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if r.Kind != mockroom.RoomPeer {
		return Room{}, mockroom.Errorf(mockroom.KindConflict, "not_peer_room", "names are only hidden in peer rooms")
	}
	if _, ok := r.Participant(user); !ok {
		return Room{}, errNotParticipant()
	}
	if err := s.store.Reveal(ctx, id, user); err != nil {
		return Room{}, err
	}
	after, err := s.Get(ctx, id)
	if err != nil {
		return Room{}, err
	}
	// Every reveal that finds both agreed announces, not only the one that completed the pair:
	// the announcer keeps it to once, and a reveal retried after a failed announcement heals it.
	if after.Revealed && s.cfg.Announcer != nil {
		if err := s.cfg.Announcer.NamesRevealed(ctx, id, after.Participants); err != nil {
			return Room{}, err
		}
	}
	return ViewFor(after, user), nil
}

// maxMine bounds the rooms listed for one user.
const maxMine = 100

// Mine lists user's rooms by state, each as user may see it. Rooms that expired are dropped from
// the user's list as they are found.
func (s *Service) Mine(ctx context.Context, user mockroom.UserID) (Mine, error) {
	ids, err := s.store.UserRooms(ctx, user, maxMine)
	if err != nil {
		return Mine{}, err
	}
	out := Mine{Upcoming: []Room{}, Live: []Room{}, Past: []Room{}}
	for _, id := range ids {
		r, err := s.View(ctx, id, user)
		switch {
		case mockroom.ErrorKind(err) == mockroom.KindNotFound:
			if err := s.store.RemoveUserRoom(ctx, user, id); err != nil {
				return Mine{}, err
			}
			continue
		case mockroom.ErrorKind(err) == mockroom.KindForbidden:
			continue
		case err != nil:
			return Mine{}, err
		}
		switch r.State {
		case mockroom.StateWaiting:
			out.Upcoming = append(out.Upcoming, r)
		case mockroom.StateLive:
			out.Live = append(out.Live, r)
		default:
			out.Past = append(out.Past, r)
		}
	}
	return out, nil
}

func questionIDs(qs []PlannedQuestion) []mockroom.QuestionID {
	var ids []mockroom.QuestionID
	for _, q := range qs {
		if q.QuestionID != "" {
			ids = append(ids, q.QuestionID)
		}
	}
	return ids
}

func invalid(code, format string, args ...any) *mockroom.Error {
	return mockroom.Errorf(mockroom.KindInvalid, code, format, args...)
}

// fieldInvalid is invalid for one field of the request, named by its path in the JSON body as
// api/openapi.yaml documents it, so a form can point at the input to change.
func fieldInvalid(field, code, format string, args ...any) *mockroom.Error {
	e := invalid(code, format, args...)
	e.Field = field
	return e
}

// asField names field on a refusal of a saved plan: the request's plan_id is what to change
// (or its track, when there is no such track), whatever part of the plan the bank found at fault.
func asField(err error, field string) error {
	var e *mockroom.Error
	if !errors.As(err, &e) || e.Kind == mockroom.KindInternal || e.Kind == mockroom.KindUnavailable {
		return err
	}
	named := *e
	named.Field = field
	if e.Code == "track_not_found" {
		named.Field = "track"
	}
	return &named
}

// prefixField puts prefix before the field err names: the bank names a slot's field as a plan
// body has it ("slots[1].question_id"), a room request holds the plan under "plan". A track the
// bank does not know is the request's track.
func prefixField(err error, prefix string) error {
	var e *mockroom.Error
	if !errors.As(err, &e) || (e.Field == "" && e.Code != "track_not_found") {
		return err
	}
	named := *e
	named.Field = prefix + e.Field
	if e.Code == "track_not_found" {
		named.Field = "track"
	}
	return &named
}

// ShareNotes lets the author of interviewer notes show them to the other participants once the
// session has ended: from then on the session's record includes them for everyone in it but
// observers. Sharing twice is the same as once.
func (s *Service) ShareNotes(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	p, ok := r.Participant(user)
	if !ok {
		return errNotParticipant()
	}
	if p.Role == mockroom.RoleObserver {
		return mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "observers write no notes")
	}
	if r.StartedAt.IsZero() || (r.State != mockroom.StateWrapUp && r.State != mockroom.StateClosed) {
		return mockroom.Errorf(mockroom.KindConflict, "session_not_finished", "notes are shared once the session has ended")
	}
	return s.store.ShareNotes(ctx, id, user)
}
