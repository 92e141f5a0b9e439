package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/redis/go-redis/v9"
)

var (
	//go:embed scripts/match_lib.lua
	matchLibLua string
	//go:embed scripts/match_enqueue.lua
	matchEnqueueLua string
	//go:embed scripts/match_pair.lua
	matchPairLua string
	//go:embed scripts/match_confirm.lua
	matchConfirmLua string
	//go:embed scripts/match_leave.lua
	matchLeaveLua string
	//go:embed scripts/match_sweep.lua
	matchSweepLua string
	//go:embed scripts/match_mark.lua
	matchMarkLua string
	//go:embed scripts/match_unmark.lua
	matchUnmarkLua string

	matchEnqueueScript = redis.NewScript(matchLibLua + matchEnqueueLua)
	matchPairScript    = redis.NewScript(matchLibLua + matchPairLua)
	matchConfirmScript = redis.NewScript(matchLibLua + matchConfirmLua)
	matchLeaveScript   = redis.NewScript(matchLibLua + matchLeaveLua)
	matchSweepScript   = redis.NewScript(matchLibLua + matchSweepLua)
	matchMarkScript    = redis.NewScript(matchMarkLua)
	matchUnmarkScript  = redis.NewScript(matchUnmarkLua)
)

// sweepBatch bounds the deadlines one sweep script handles, so a backlog never blocks Redis for
// long; the next sweep takes the rest.
const sweepBatch = 200

// MatchStore implements match.Store. Each queue is four keys under its own hash tag (see
// Keys.MatchQueue); a person's marker and no-show count live under the person's tag.
type MatchStore struct {
	client redis.UniversalClient
	keys   Keys
}

var _ match.Store = (*MatchStore)(nil)

// NewMatchStore builds a MatchStore.
func NewMatchStore(client redis.UniversalClient, keys Keys) *MatchStore {
	return &MatchStore{client: client, keys: keys}
}

func (s *MatchStore) queueKeys(q match.Queue) []string {
	return []string{
		s.keys.MatchQueue(q.Track, q.Level), s.keys.MatchTickets(q.Track, q.Level),
		s.keys.MatchPairs(q.Track, q.Level), s.keys.MatchDue(q.Track, q.Level),
	}
}

// ticketRecord is a ticket as the scripts read and write it. Numbers are float64 because Lua's
// JSON encoder writes every number as a double.
type ticketRecord struct {
	User   string  `json:"user"`
	Name   string  `json:"name"`
	Guest  bool    `json:"guest"`
	Ticket string  `json:"ticket"`
	Status string  `json:"status"`
	Cats   string  `json:"cats"`
	Enq    float64 `json:"enq"`
	Exp    float64 `json:"exp"`
	Match  string  `json:"match"`
	Reason string  `json:"reason"`
	Room   string  `json:"room,omitempty"`
}

type matchRecord struct {
	ID      string  `json:"id"`
	Room    string  `json:"room"`
	Status  string  `json:"status"`
	By      float64 `json:"by"`
	Created float64 `json:"created"`
	A       string  `json:"a"`
	AName   string  `json:"an"`
	AGuest  bool    `json:"ag"`
	AOK     bool    `json:"aok"`
	B       string  `json:"b"`
	BName   string  `json:"bn"`
	BGuest  bool    `json:"bg"`
	BOK     bool    `json:"bok"`
	// ACats and BCats are each side's preferred categories, copied from the tickets at pairing.
	ACats string `json:"ac,omitempty"`
	BCats string `json:"bc,omitempty"`
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v float64) time.Time { return time.UnixMilli(int64(math.Round(v))).UTC() }

func matchStoreDown(err error) error {
	return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "the store is not answering; try again")
}

// splitCats reads a comma-separated category list as the scripts store it.
func splitCats(v string) []mockroom.Category {
	var cats []mockroom.Category
	for _, c := range strings.Split(v, ",") {
		if c != "" {
			cats = append(cats, mockroom.Category(c))
		}
	}
	return cats
}

func (r ticketRecord) entry(q match.Queue) match.Entry {
	return match.Entry{
		Ticket: match.Ticket{
			ID: r.Ticket, User: mockroom.UserID(r.User), Name: r.Name, Guest: r.Guest, Queue: q,
			Categories: splitCats(r.Cats), EnqueuedAt: fromMS(r.Enq), ExpiresAt: fromMS(r.Exp),
		},
		Status: match.Status(r.Status), MatchID: r.Match, Reason: r.Reason,
	}
}

func (r matchRecord) match(q match.Queue) match.Match {
	return match.Match{
		ID: r.ID, Queue: q, RoomID: mockroom.RoomID(r.Room), Status: match.Status(r.Status), ConfirmBy: fromMS(r.By),
		A: match.Side{User: mockroom.UserID(r.A), Name: r.AName, Guest: r.AGuest, Confirmed: r.AOK, Categories: splitCats(r.ACats)},
		B: match.Side{User: mockroom.UserID(r.B), Name: r.BName, Guest: r.BGuest, Confirmed: r.BOK, Categories: splitCats(r.BCats)},
	}
}

func decodeMatch(raw string, q match.Queue) (match.Match, error) {
	var r matchRecord
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return match.Match{}, fmt.Errorf("decode match: %w", err)
	}
	return r.match(q), nil
}

// Mark implements match.Store.
func (s *MatchStore) Mark(ctx context.Context, user mockroom.UserID, expect, value string, ttl time.Duration) (bool, error) {
	res, err := matchMarkScript.Run(ctx, s.client, []string{s.keys.UserMatchMarker(user)}, expect, value, ttl.Milliseconds()).Text()
	if err != nil {
		return false, matchStoreDown(err)
	}
	return res == "ok", nil
}

// Marker implements match.Store.
func (s *MatchStore) Marker(ctx context.Context, user mockroom.UserID) (string, error) {
	v, err := s.client.Get(ctx, s.keys.UserMatchMarker(user)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", matchStoreDown(err)
	}
	return v, nil
}

// Unmark implements match.Store.
func (s *MatchStore) Unmark(ctx context.Context, user mockroom.UserID, expect string) error {
	if err := matchUnmarkScript.Run(ctx, s.client, []string{s.keys.UserMatchMarker(user)}, expect).Err(); err != nil {
		return matchStoreDown(err)
	}
	return nil
}

// TouchMarker implements match.Store.
func (s *MatchStore) TouchMarker(ctx context.Context, user mockroom.UserID, ttl time.Duration) error {
	if err := s.client.PExpire(ctx, s.keys.UserMatchMarker(user), ttl).Err(); err != nil {
		return matchStoreDown(err)
	}
	return nil
}

// Enqueue implements match.Store.
func (s *MatchStore) Enqueue(ctx context.Context, t match.Ticket) error {
	cats := make([]string, len(t.Categories))
	for i, c := range t.Categories {
		cats[i] = string(c)
	}
	raw, err := json.Marshal(ticketRecord{
		User: string(t.User), Name: t.Name, Guest: t.Guest, Ticket: t.ID, Status: string(match.StatusWaiting),
		Cats: strings.Join(cats, ","), Enq: float64(ms(t.EnqueuedAt)), Exp: float64(ms(t.ExpiresAt)),
	})
	if err != nil {
		return err
	}
	res, err := matchEnqueueScript.Run(ctx, s.client, s.queueKeys(t.Queue), string(t.User), string(raw), ms(t.EnqueuedAt), ms(t.ExpiresAt)).Text()
	if err != nil {
		return matchStoreDown(err)
	}
	if res == "already_queued" {
		return mockroom.Errorf(mockroom.KindConflict, "already_queued", "you are already waiting for a peer; leave that queue first")
	}
	return nil
}

// Pair implements match.Store.
func (s *MatchStore) Pair(ctx context.Context, q match.Queue, id string, roomID mockroom.RoomID, now, confirmBy time.Time, prefer mockroom.UserID) (match.Match, bool, error) {
	raw, err := matchPairScript.Run(ctx, s.client, s.queueKeys(q), id, string(roomID), ms(now), ms(confirmBy), string(prefer), match.TieWindow.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return match.Match{}, false, nil
	}
	if err != nil {
		return match.Match{}, false, matchStoreDown(err)
	}
	m, err := decodeMatch(raw, q)
	return m, err == nil, err
}

// Waiting implements match.Store.
func (s *MatchStore) Waiting(ctx context.Context, q match.Queue, n int) ([]mockroom.UserID, error) {
	ids, err := s.client.ZRange(ctx, s.keys.MatchQueue(q.Track, q.Level), 0, int64(n-1)).Result()
	if err != nil {
		return nil, matchStoreDown(err)
	}
	out := make([]mockroom.UserID, len(ids))
	for i, id := range ids {
		out[i] = mockroom.UserID(id)
	}
	return out, nil
}

// QueueLength counts the people waiting in a queue, for the operator's metric.
func (s *MatchStore) QueueLength(ctx context.Context, q match.Queue) (int64, error) {
	n, err := s.client.ZCard(ctx, s.keys.MatchQueue(q.Track, q.Level)).Result()
	if err != nil {
		return 0, matchStoreDown(err)
	}
	return n, nil
}

// Confirm implements match.Store.
func (s *MatchStore) Confirm(ctx context.Context, q match.Queue, id string, user mockroom.UserID, now time.Time, keep time.Duration) (match.Match, error) {
	res, err := matchConfirmScript.Run(ctx, s.client, s.queueKeys(q), id, string(user), ms(now), keep.Milliseconds()).StringSlice()
	if err != nil {
		return match.Match{}, matchStoreDown(err)
	}
	if len(res) != 2 {
		return match.Match{}, fmt.Errorf("match confirm: unexpected reply %q", res)
	}
	if res[0] == "ok" {
		return decodeMatch(res[1], q)
	}
	switch res[1] {
	case "match_not_found":
		return match.Match{}, mockroom.Errorf(mockroom.KindNotFound, "match_not_found", "no such match for you")
	case "match_expired":
		return match.Match{}, mockroom.Errorf(mockroom.KindConflict, "match_expired", "the time to confirm this match has passed")
	}
	return match.Match{}, mockroom.Errorf(mockroom.KindConflict, "match_cancelled", "this match was cancelled")
}

// Leave implements match.Store.
func (s *MatchStore) Leave(ctx context.Context, q match.Queue, user mockroom.UserID, now time.Time, keep time.Duration, requeueUntil time.Time) (mockroom.UserID, error) {
	other, err := matchLeaveScript.Run(ctx, s.client, s.queueKeys(q), string(user), ms(now), keep.Milliseconds(), ms(requeueUntil)).Text()
	if err != nil {
		return "", matchStoreDown(err)
	}
	return mockroom.UserID(other), nil
}

// Sweep implements match.Store.
func (s *MatchStore) Sweep(ctx context.Context, q match.Queue, now time.Time, keep time.Duration, requeueUntil time.Time) (match.SweepResult, error) {
	res, err := matchSweepScript.Run(ctx, s.client, s.queueKeys(q), ms(now), keep.Milliseconds(), ms(requeueUntil), sweepBatch).Slice()
	if err != nil {
		return match.SweepResult{}, matchStoreDown(err)
	}
	if len(res) != 3 {
		return match.SweepResult{}, fmt.Errorf("match sweep: unexpected reply %v", res)
	}
	users := func(v any) []mockroom.UserID {
		list, _ := v.([]any)
		out := make([]mockroom.UserID, 0, len(list))
		for _, u := range list {
			if s, ok := u.(string); ok {
				out = append(out, mockroom.UserID(s))
			}
		}
		return out
	}
	return match.SweepResult{NoShows: users(res[0]), Requeued: users(res[1]), Expired: users(res[2])}, nil
}

// Entry implements match.Store.
func (s *MatchStore) Entry(ctx context.Context, q match.Queue, user mockroom.UserID) (match.Entry, bool, error) {
	raw, err := s.client.HGet(ctx, s.keys.MatchTickets(q.Track, q.Level), string(user)).Result()
	if errors.Is(err, redis.Nil) {
		return match.Entry{}, false, nil
	}
	if err != nil {
		return match.Entry{}, false, matchStoreDown(err)
	}
	var r ticketRecord
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return match.Entry{}, false, fmt.Errorf("decode ticket: %w", err)
	}
	return r.entry(q), true, nil
}

// Match implements match.Store.
func (s *MatchStore) Match(ctx context.Context, q match.Queue, id string) (match.Match, bool, error) {
	raw, err := s.client.HGet(ctx, s.keys.MatchPairs(q.Track, q.Level), id).Result()
	if errors.Is(err, redis.Nil) {
		return match.Match{}, false, nil
	}
	if err != nil {
		return match.Match{}, false, matchStoreDown(err)
	}
	m, err := decodeMatch(raw, q)
	return m, err == nil, err
}

// CountNoShow implements match.Store.
func (s *MatchStore) CountNoShow(ctx context.Context, user mockroom.UserID) error {
	if err := s.client.Incr(ctx, s.keys.UserNoShows(user)).Err(); err != nil {
		return matchStoreDown(err)
	}
	return nil
}

// NoShows implements match.Store.
func (s *MatchStore) NoShows(ctx context.Context, user mockroom.UserID) (int64, error) {
	v, err := s.client.Get(ctx, s.keys.UserNoShows(user)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, matchStoreDown(err)
	}
	return strconv.ParseInt(v, 10, 64)
}
