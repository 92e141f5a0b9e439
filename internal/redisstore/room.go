package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/redis/go-redis/v9"
)

var (
	//go:embed scripts/room_create.lua
	roomCreateLua string
	//go:embed scripts/room_join.lua
	roomJoinLua string
	//go:embed scripts/room_transition.lua
	roomTransitionLua string
	//go:embed scripts/room_reveal.lua
	roomRevealLua string
	//go:embed scripts/room_read.lua
	roomReadLua string

	roomCreateScript     = redis.NewScript(roomCreateLua)
	roomJoinScript       = redis.NewScript(roomJoinLua)
	roomTransitionScript = redis.NewScript(roomTransitionLua)
	roomRevealScript     = redis.NewScript(roomRevealLua)
	roomReadScript       = redis.NewScript(roomReadLua)
)

// RoomStore implements room.Store. A room is a meta hash (the fixed part as JSON, the state,
// timestamps, seat counters and the record's revision), a participants hash, the set of used
// single-use invites, the set of peers who revealed their names and the set of people who shared
// their notes — all under the room's hash tag. Every write that changes what Get returns raises
// the revision ("rev") in the same step.
type RoomStore struct {
	client    redis.UniversalClient
	keys      Keys
	retention time.Duration
	lookups   *Lookups
}

var _ room.Store = (*RoomStore)(nil)

// NewRoomStore builds a RoomStore.
func NewRoomStore(client redis.UniversalClient, keys Keys) *RoomStore {
	return &RoomStore{client: client, keys: keys}
}

// WithRecordRetention makes a finished session's record expire d after the session ended: the
// transition to wrap-up (or from live straight to closed) gives every key of the room, live and
// feedback keys included, that expiry, and later writes keep it. Zero keeps records forever.
func (s *RoomStore) WithRecordRetention(d time.Duration) *RoomStore {
	s.retention = d
	return s
}

// WithLookups sends the reads every socket's hand-shake makes (Seat, Revision) through l, to
// share round trips with other callers' (see Lookups).
func (s *RoomStore) WithLookups(l *Lookups) *RoomStore {
	s.lookups = l
	return s
}

func (s *RoomStore) roomKeys(id mockroom.RoomID) []string {
	return []string{s.keys.Room(id), s.keys.RoomParticipants(id), s.keys.RoomInvitesUsed(id), s.keys.RoomReveals(id)}
}

// roomData is the fixed part of a room, stored once at creation.
type roomData struct {
	ID          mockroom.RoomID        `json:"id"`
	Kind        mockroom.RoomKind      `json:"kind"`
	Track       mockroom.TrackID       `json:"track"`
	Title       string                 `json:"title"`
	PlanID      string                 `json:"plan_id,omitempty"`
	CreatedBy   mockroom.UserID        `json:"created_by,omitempty"`
	CreatedAt   time.Time              `json:"created_at"`
	ScheduledAt time.Time              `json:"scheduled_at,omitzero"`
	Settings    room.Settings          `json:"settings"`
	Questions   []room.PlannedQuestion `json:"questions"`
	Halves      []room.Half            `json:"halves,omitempty"`
}

func roomStoreDown(err error) error {
	return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "the store is not answering; try again")
}

func roomMissing(id mockroom.RoomID) error {
	return mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no room %q (it may have expired)", id)
}

// Create implements room.Store.
func (s *RoomStore) Create(ctx context.Context, r room.Room, ttl time.Duration) error {
	data, err := json.Marshal(roomData{
		ID: r.ID, Kind: r.Kind, Track: r.Track, Title: r.Title, PlanID: r.PlanID, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt, Settings: r.Settings, Questions: r.Questions, Halves: r.Halves,
	})
	if err != nil {
		return err
	}
	candidate := ""
	args := []any{string(data), string(r.State), ttl.Milliseconds(), ""}
	for _, p := range r.Participants {
		pj, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if p.Role == mockroom.RoleCandidate {
			candidate = string(p.UserID)
		}
		args = append(args, string(p.UserID), string(pj))
	}
	args[3] = candidate
	res, err := roomCreateScript.Run(ctx, s.client, s.roomKeys(r.ID), args...).Text()
	if err != nil {
		return roomStoreDown(err)
	}
	if res == "exists" {
		return mockroom.Errorf(mockroom.KindConflict, "room_exists", "room %q already exists", r.ID)
	}
	return nil
}

// Get implements room.Store.
func (s *RoomStore) Get(ctx context.Context, id mockroom.RoomID) (room.Room, error) {
	// One script reads every part (scripts/room_read.lua), so they belong to one revision, and
	// it goes through the lookups: the sockets joining a node at once (each join reads its room)
	// share round trips instead of each sending a pipeline of its own.
	keys := []string{s.keys.Room(id), s.keys.RoomParticipants(id), s.keys.RoomReveals(id), s.keys.RoomNotesShared(id)}
	reply, err := s.lookups.do(ctx, s.client, roomReadScript, evalShaCommand(roomReadScript, keys)...)
	if err != nil {
		return room.Room{}, roomStoreDown(err)
	}
	read, _ := reply.([]any)
	if len(read) != 4 {
		return room.Room{}, fmt.Errorf("room %s: unexpected read reply %v", id, reply)
	}
	m := replyPairs(read[0])
	if m["data"] == "" {
		return room.Room{}, roomMissing(id)
	}
	var d roomData
	if err := json.Unmarshal([]byte(m["data"]), &d); err != nil {
		return room.Room{}, fmt.Errorf("room %s: decode: %w", id, err)
	}
	r := room.Room{
		ID: d.ID, Kind: d.Kind, Track: d.Track, State: mockroom.RoomState(m["state"]), Title: d.Title,
		PlanID: d.PlanID, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, ScheduledAt: d.ScheduledAt, Settings: d.Settings,
		Questions: d.Questions, Halves: d.Halves,
	}
	r.Revision, _ = strconv.ParseUint(m["rev"], 10, 64)
	r.StartedAt, _ = time.Parse(time.RFC3339Nano, m["started_at"])
	r.EndedAt, _ = time.Parse(time.RFC3339Nano, m["ended_at"])
	for _, u := range replyStrings(read[3]) {
		r.NotesSharedBy = append(r.NotesSharedBy, mockroom.UserID(u))
	}
	revealed := map[string]bool{}
	for _, u := range replyStrings(read[2]) {
		revealed[u] = true
	}
	for uid, raw := range replyPairs(read[1]) {
		var p room.Participant
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return room.Room{}, fmt.Errorf("room %s: decode participant %s: %w", id, uid, err)
		}
		p.Revealed = revealed[uid]
		r.Participants = append(r.Participants, p)
	}
	slices.SortFunc(r.Participants, func(a, b room.Participant) int {
		if c := a.JoinedAt.Compare(b.JoinedAt); c != 0 {
			return c
		}
		return roomRoleOrder(a.Role) - roomRoleOrder(b.Role)
	})
	return r, nil
}

// Revision reads the revision of the room's record alone (room.Room.Revision): one HGET. 0 for a
// room that does not exist, or one stored before rooms were numbered and not written since.
func (s *RoomStore) Revision(ctx context.Context, id mockroom.RoomID) (uint64, error) {
	reply, err := s.lookups.do(ctx, s.client, nil, "hget", s.keys.Room(id), "rev")
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, roomStoreDown(err)
	}
	text, _ := reply.(string)
	rev, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, nil // not a number (see roomRevise): unknown, so the room is read whole
	}
	return rev, nil
}

// Seat reads one participant of the room without the rest of it: ok=false if user has no seat,
// KindNotFound if the room does not exist. One HGET when they have a seat; an EXISTS besides
// only on a refusal, to tell a missing room from a stranger. The participants' hash is written
// and expires with the room's own key, so a seat is never found for a room that is gone.
func (s *RoomStore) Seat(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (room.Participant, bool, error) {
	reply, err := s.lookups.do(ctx, s.client, nil, "hget", s.keys.RoomParticipants(id), string(user))
	raw, _ := reply.(string)
	if errors.Is(err, redis.Nil) {
		n, err := s.client.Exists(ctx, s.keys.Room(id)).Result()
		if err != nil {
			return room.Participant{}, false, roomStoreDown(err)
		}
		if n == 0 {
			return room.Participant{}, false, roomMissing(id)
		}
		return room.Participant{}, false, nil
	}
	if err != nil {
		return room.Participant{}, false, roomStoreDown(err)
	}
	var p room.Participant
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return room.Participant{}, false, fmt.Errorf("room %s: decode participant %s: %w", id, user, err)
	}
	return p, true, nil
}

func roomRoleOrder(r mockroom.Role) int {
	switch r {
	case mockroom.RoleInterviewer:
		return 0
	case mockroom.RoleCandidate:
		return 1
	}
	return 2
}

// Join implements room.Store.
func (s *RoomStore) Join(ctx context.Context, id mockroom.RoomID, p room.Participant, rule room.JoinRule) (room.Participant, error) {
	pj, err := json.Marshal(p)
	if err != nil {
		return room.Participant{}, err
	}
	single := "0"
	if rule.SingleUse {
		single = "1"
	}
	res, err := roomJoinScript.Run(ctx, s.client, s.roomKeys(id),
		string(p.UserID), string(p.Role), string(pj), rule.InviteID, single, rule.MaxObservers, rule.TTL.Milliseconds()).StringSlice()
	if err != nil {
		return room.Participant{}, roomStoreDown(err)
	}
	if len(res) != 2 {
		return room.Participant{}, fmt.Errorf("room join: unexpected reply %q", res)
	}
	if res[0] == "ok" {
		var out room.Participant
		if err := json.Unmarshal([]byte(res[1]), &out); err != nil {
			return room.Participant{}, err
		}
		return out, nil
	}
	switch res[1] {
	case "room_not_found":
		return room.Participant{}, roomMissing(id)
	case "room_closed":
		return room.Participant{}, mockroom.Errorf(mockroom.KindConflict, "room_closed", "the room has ended")
	case "already_participant":
		return room.Participant{}, mockroom.Errorf(mockroom.KindConflict, "already_participant", "you are already in this room in another role")
	case "invite_used":
		return room.Participant{}, mockroom.Errorf(mockroom.KindConflict, "invite_used", "this candidate invite has already been used; ask the interviewer for a new one")
	case "candidate_taken":
		return room.Participant{}, mockroom.Errorf(mockroom.KindConflict, "candidate_taken", "this room already has a candidate")
	case "observers_full":
		return room.Participant{}, mockroom.Errorf(mockroom.KindConflict, "observers_full", "this room has no seat left for another observer")
	}
	return room.Participant{}, fmt.Errorf("room join: unexpected code %q", res[1])
}

// Transition implements room.Store.
func (s *RoomStore) Transition(ctx context.Context, id mockroom.RoomID, from, to mockroom.RoomState, at time.Time) error {
	stamp := ""
	switch to {
	case mockroom.StateLive:
		stamp = "started_at"
	case mockroom.StateWrapUp:
		stamp = "ended_at"
	case mockroom.StateClosed:
		if from == mockroom.StateWaiting {
			stamp = "ended_at"
		}
	}
	keys := append(s.roomKeys(id), s.keys.LiveState(id), s.keys.LiveLog(id), s.keys.LiveClients(id),
		s.keys.LiveChat(id), s.keys.LiveNotes(id), s.keys.LiveDoc(id), s.keys.LivePresence(id), s.keys.Feedback(id))
	res, err := roomTransitionScript.Run(ctx, s.client, keys, string(from), string(to), at.Format(time.RFC3339Nano), stamp,
		s.retention.Milliseconds()).Text()
	if err != nil {
		return roomStoreDown(err)
	}
	switch {
	case res == "ok":
		return nil
	case res == "missing":
		return roomMissing(id)
	}
	return mockroom.Errorf(mockroom.KindConflict, "state_stale", "the room is %s, not %s", res[len("stale:"):], from)
}

// roomShareNotes adds an author to the room's shared notes; the set takes the room's expiry (the
// record's retention once the session ended), and the record's revision moves.
var roomShareNotes = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[2])
if left > 0 then
  redis.call('PEXPIRE', KEYS[1], left)
end
if left ~= -2 then
  redis.call('HINCRBY', KEYS[2], 'rev', 1)
end
return 0`)

// roomRevise moves the revision of a room's record written by a script that does not know it
// is one (the erasure's), unless the room is gone. An erasure of an earlier release replaced
// every raw value equal to the person's name, so a person named like the revision's number left
// a field that is not a number: it becomes one no copy can hold (Redis's clock in microseconds,
// above any count).
var roomRevise = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if not pcall(redis.call, 'HINCRBY', KEYS[1], 'rev', 1) then
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'rev', now[1] .. string.format('%06d', tonumber(now[2])))
end
return 0`)

// ShareNotes implements room.Store.
func (s *RoomStore) ShareNotes(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error {
	if err := roomShareNotes.Run(ctx, s.client, []string{s.keys.RoomNotesShared(id), s.keys.Room(id)}, string(user)).Err(); err != nil {
		return roomStoreDown(err)
	}
	return nil
}

// Reveal implements room.Store.
func (s *RoomStore) Reveal(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error {
	res, err := roomRevealScript.Run(ctx, s.client,
		[]string{s.keys.Room(id), s.keys.RoomParticipants(id), s.keys.RoomReveals(id)}, string(user)).Text()
	if err != nil {
		return roomStoreDown(err)
	}
	switch res {
	case "ok":
		return nil
	case "missing":
		return roomMissing(id)
	}
	return mockroom.Errorf(mockroom.KindForbidden, "not_participant", "you are not a participant of this room")
}

// InviteUsed implements room.Store.
func (s *RoomStore) InviteUsed(ctx context.Context, id mockroom.RoomID, inviteID string) (bool, error) {
	used, err := s.client.SIsMember(ctx, s.keys.RoomInvitesUsed(id), inviteID).Result()
	if err != nil {
		return false, roomStoreDown(err)
	}
	return used, nil
}

// AddUserRoom implements room.Store. Joining again keeps the first time.
func (s *RoomStore) AddUserRoom(ctx context.Context, user mockroom.UserID, id mockroom.RoomID, at time.Time) error {
	err := s.client.ZAddNX(ctx, s.keys.UserRooms(user), redis.Z{Score: float64(at.UnixMilli()), Member: string(id)}).Err()
	if err != nil {
		return roomStoreDown(err)
	}
	return nil
}

// UserRooms implements room.Store.
func (s *RoomStore) UserRooms(ctx context.Context, user mockroom.UserID, max int) ([]mockroom.RoomID, error) {
	ids, err := s.client.ZRevRange(ctx, s.keys.UserRooms(user), 0, int64(max)-1).Result()
	if err != nil {
		return nil, roomStoreDown(err)
	}
	out := make([]mockroom.RoomID, len(ids))
	for i, id := range ids {
		out[i] = mockroom.RoomID(id)
	}
	return out, nil
}

// RemoveUserRoom implements room.Store.
func (s *RoomStore) RemoveUserRoom(ctx context.Context, user mockroom.UserID, id mockroom.RoomID) error {
	if err := s.client.ZRem(ctx, s.keys.UserRooms(user), string(id)).Err(); err != nil {
		return roomStoreDown(err)
	}
	return nil
}

// AddAsked implements room.Store. The set says what was asked; the sorted set beside it when,
// last, so Asked can list the history by recency.
func (s *RoomStore) AddAsked(ctx context.Context, user mockroom.UserID, ids []mockroom.QuestionID) error {
	if len(ids) == 0 {
		return nil
	}
	now := float64(time.Now().UnixMilli())
	members := make([]any, len(ids))
	scored := make([]redis.Z, len(ids))
	for i, id := range ids {
		members[i] = string(id)
		scored[i] = redis.Z{Score: now, Member: string(id)}
	}
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.keys.UserAsked(user), members...)
		p.ZAdd(ctx, s.keys.UserAskedAt(user), scored...)
		return nil
	})
	if err != nil {
		return roomStoreDown(err)
	}
	return nil
}

// Asked implements room.Store: every question the user was asked, least recently asked first.
// Questions the set holds without a time (recorded before times were kept) count as the oldest.
func (s *RoomStore) Asked(ctx context.Context, user mockroom.UserID) ([]mockroom.QuestionID, error) {
	var all *redis.StringSliceCmd
	var byTime *redis.StringSliceCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		all = p.SMembers(ctx, s.keys.UserAsked(user))
		byTime = p.ZRange(ctx, s.keys.UserAskedAt(user), 0, -1)
		return nil
	})
	if err != nil {
		return nil, roomStoreDown(err)
	}
	timed := byTime.Val()
	known := make(map[string]bool, len(timed))
	for _, id := range timed {
		known[id] = true
	}
	var untimed []string
	for _, id := range all.Val() {
		if !known[id] {
			untimed = append(untimed, id)
		}
	}
	slices.Sort(untimed)
	out := make([]mockroom.QuestionID, 0, len(untimed)+len(timed))
	for _, id := range append(untimed, timed...) {
		out = append(out, mockroom.QuestionID(id))
	}
	return out, nil
}
