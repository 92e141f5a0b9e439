package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// A room's feedback lives in one hash, {room:<id>}:feedback, one field per piece:
//
//	m:<form>           who wrote it about whom, {"author","about"}
//	d:<form>           the author's draft, feedback.Draft as JSON
//	n:<form>           the number of the latest version
//	v:<form>:<n>       version n, as JSON (its number is the field's)
//	q:<form>:<request> the version a request id stored, so a retry takes effect once
//	r:<form>           when the form was released (ms)
//	rt:<form>          the rating of the form by the person it is about
//	rel, reason        when and why the room's feedback was released
//
// One hash keeps every write about a room one atomic step in its slot. A person's standing and
// the rooms they have feedback in are separate keys in their own slot, written after the room's
// hash with idempotent commands.

var (
	//go:embed scripts/feedback_submit.lua
	feedbackSubmitLua string
	//go:embed scripts/feedback_release.lua
	feedbackReleaseLua string
	//go:embed scripts/feedback_erase.lua
	feedbackEraseLua string

	feedbackSubmit  = redis.NewScript(feedbackSubmitLua)
	feedbackRelease = redis.NewScript(feedbackReleaseLua)
	feedbackErase   = redis.NewScript(feedbackEraseLua)
)

// FeedbackStore implements feedback.Store.
type FeedbackStore struct {
	client redis.UniversalClient
	keys   Keys
}

// NewFeedbackStore returns a store on client under keys.
func NewFeedbackStore(client redis.UniversalClient, keys Keys) *FeedbackStore {
	return &FeedbackStore{client: client, keys: keys}
}

var _ feedback.Store = (*FeedbackStore)(nil)

type formMeta struct {
	Author mockroom.UserID `json:"author"`
	About  mockroom.UserID `json:"about"`
}

// storedVersion is a version as kept: its number is in the field name.
type storedVersion struct {
	RubricVersion int              `json:"rubric_version"`
	SubmittedAt   time.Time        `json:"submitted_at"`
	Content       feedback.Content `json:"content"`
}

func feedbackDown(err error, what string) error {
	return unavailable(err, what)
}

// index records that both people of a form have feedback in the room, before the room's hash
// is written, so erasing a person never misses a room.
func (s *FeedbackStore) index(ctx context.Context, id mockroom.RoomID, form feedback.FormRef) error {
	for _, u := range []mockroom.UserID{form.Author, form.About} {
		if err := s.client.SAdd(ctx, s.keys.UserFeedbackRooms(u), string(id)).Err(); err != nil {
			return feedbackDown(err, "index feedback rooms")
		}
	}
	return nil
}

func metaJSON(form feedback.FormRef) (string, error) {
	b, err := json.Marshal(formMeta{Author: form.Author, About: form.About})
	return string(b), err
}

// SaveDraft implements feedback.Store.
func (s *FeedbackStore) SaveDraft(ctx context.Context, id mockroom.RoomID, form feedback.FormRef, d feedback.Draft) error {
	if err := s.index(ctx, id, form); err != nil {
		return err
	}
	meta, err := metaJSON(form)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	if err := s.client.HSet(ctx, s.keys.Feedback(id), "d:"+string(form.ID), raw, "m:"+string(form.ID), meta).Err(); err != nil {
		return feedbackDown(err, "save the draft")
	}
	return s.keepWithRoom(ctx, id)
}

// feedbackKeep gives the feedback hash the room's expiry when the room has one (its record's
// retention, set when the session ended) and the hash has none (it was created after the end).
var feedbackKeep = redis.NewScript(`
local left = redis.call('PTTL', KEYS[2])
if left > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], left)
end
return 0`)

func (s *FeedbackStore) keepWithRoom(ctx context.Context, id mockroom.RoomID) error {
	if err := feedbackKeep.Run(ctx, s.client, []string{s.keys.Feedback(id), s.keys.Room(id)}).Err(); err != nil {
		return feedbackDown(err, "keep the feedback with its session")
	}
	return nil
}

// Submit implements feedback.Store.
func (s *FeedbackStore) Submit(ctx context.Context, id mockroom.RoomID, form feedback.FormRef, requestID string, amend bool, v feedback.Version) (feedback.SubmitResult, error) {
	if err := s.index(ctx, id, form); err != nil {
		return feedback.SubmitResult{}, err
	}
	meta, err := metaJSON(form)
	if err != nil {
		return feedback.SubmitResult{}, err
	}
	raw, err := json.Marshal(storedVersion{RubricVersion: v.RubricVersion, SubmittedAt: v.SubmittedAt, Content: v.Content})
	if err != nil {
		return feedback.SubmitResult{}, fmt.Errorf("encode version: %w", err)
	}
	amendArg := "0"
	if amend {
		amendArg = "1"
	}
	res, err := feedbackSubmit.Run(ctx, s.client, []string{s.keys.Feedback(id)},
		string(form.ID), requestID, amendArg, raw, meta, v.SubmittedAt.UnixMilli()).Slice()
	if err != nil {
		return feedback.SubmitResult{}, feedbackDown(err, "submit the form")
	}
	if len(res) != 3 {
		return feedback.SubmitResult{}, fmt.Errorf("feedback submit: unexpected reply %v", res)
	}
	if err := s.keepWithRoom(ctx, id); err != nil {
		return feedback.SubmitResult{}, err
	}
	outcome, _ := res[0].(string)
	n, _ := strconv.Atoi(fmt.Sprint(res[1]))
	released, _ := res[2].(int64)
	return feedback.SubmitResult{Outcome: feedback.SubmitOutcome(outcome), Version: n, Released: released == 1}, nil
}

// Release implements feedback.Store.
func (s *FeedbackStore) Release(ctx context.Context, id mockroom.RoomID, reason feedback.Reason, at time.Time, forms []feedback.FormID) (feedback.RoomRecord, error) {
	args := []any{string(reason), at.UnixMilli()}
	for _, f := range forms {
		args = append(args, string(f))
	}
	if err := feedbackRelease.Run(ctx, s.client, []string{s.keys.Feedback(id)}, args...).Err(); err != nil {
		return feedback.RoomRecord{}, feedbackDown(err, "release feedback")
	}
	return s.Record(ctx, id)
}

// Record implements feedback.Store.
func (s *FeedbackStore) Record(ctx context.Context, id mockroom.RoomID) (feedback.RoomRecord, error) {
	fields, err := s.client.HGetAll(ctx, s.keys.Feedback(id)).Result()
	if err != nil {
		return feedback.RoomRecord{}, feedbackDown(err, "read feedback")
	}
	return decodeRecord(fields)
}

func decodeRecord(fields map[string]string) (feedback.RoomRecord, error) {
	rec := feedback.RoomRecord{Forms: map[feedback.FormID]feedback.Stored{}}
	if ms, ok := fields["rel"]; ok {
		rec.ReleasedAt = msTime(ms)
		rec.Reason = feedback.Reason(fields["reason"])
	}
	for name, value := range fields {
		kind, rest, ok := strings.Cut(name, ":")
		if !ok {
			continue
		}
		form, num, _ := strings.Cut(rest, ":")
		id := feedback.FormID(form)
		st := rec.Forms[id]
		switch kind {
		case "d":
			var d feedback.Draft
			if err := json.Unmarshal([]byte(value), &d); err != nil {
				return rec, fmt.Errorf("decode draft of %s: %w", form, err)
			}
			st.Draft = &d
		case "v":
			var sv storedVersion
			if err := json.Unmarshal([]byte(value), &sv); err != nil {
				return rec, fmt.Errorf("decode version of %s: %w", form, err)
			}
			n, err := strconv.Atoi(num)
			if err != nil {
				return rec, fmt.Errorf("version field %q: %w", name, err)
			}
			st.Versions = append(st.Versions, feedback.Version{Version: n, RubricVersion: sv.RubricVersion, SubmittedAt: sv.SubmittedAt.UTC(), Content: sv.Content})
		case "r":
			st.ReleasedAt = msTime(value)
		case "rt":
			var r feedback.Rating
			if err := json.Unmarshal([]byte(value), &r); err != nil {
				return rec, fmt.Errorf("decode rating of %s: %w", form, err)
			}
			st.Rating = &r
		default:
			continue
		}
		rec.Forms[id] = st
	}
	for id, st := range rec.Forms {
		sortVersions(st.Versions)
		rec.Forms[id] = st
	}
	return rec, nil
}

func sortVersions(vs []feedback.Version) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].Version < vs[j-1].Version; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

func msTime(v string) time.Time {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func standingField(id mockroom.RoomID, form feedback.FormID) string {
	return string(id) + "|" + string(form)
}

// Rate implements feedback.Store. The rating goes into the room's hash first, then into the
// author's standing: both writes are idempotent, so a retry after a failure in between fixes it.
func (s *FeedbackStore) Rate(ctx context.Context, id mockroom.RoomID, form feedback.FormRef, r feedback.Rating) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode rating: %w", err)
	}
	if err := s.client.HSet(ctx, s.keys.Feedback(id), "rt:"+string(form.ID), raw).Err(); err != nil {
		return feedbackDown(err, "store the rating")
	}
	if err := s.client.HSet(ctx, s.keys.UserStanding(form.Author), standingField(id, form.ID), r.Score).Err(); err != nil {
		return feedbackDown(err, "count the rating")
	}
	return nil
}

// Standing implements feedback.Store.
func (s *FeedbackStore) Standing(ctx context.Context, user mockroom.UserID) (feedback.Standing, error) {
	vals, err := s.client.HVals(ctx, s.keys.UserStanding(user)).Result()
	if err != nil {
		return feedback.Standing{}, feedbackDown(err, "read the standing")
	}
	st := feedback.Standing{User: user}
	for _, v := range vals {
		if n, err := strconv.Atoi(v); err == nil {
			st.Sum += n
			st.Count++
		}
	}
	return st, nil
}

func deadlineMember(id mockroom.RoomID, due time.Time) string {
	return string(id) + "|" + strconv.FormatInt(due.UnixMilli(), 10)
}

// ArmDeadline implements feedback.Store.
func (s *FeedbackStore) ArmDeadline(ctx context.Context, id mockroom.RoomID, due time.Time) error {
	err := s.client.ZAdd(ctx, s.keys.FeedbackDeadlines(), redis.Z{Score: float64(due.UnixMilli()), Member: deadlineMember(id, due)}).Err()
	if err != nil {
		return feedbackDown(err, "arm the release deadline")
	}
	return nil
}

// DueDeadlines implements feedback.Store.
func (s *FeedbackStore) DueDeadlines(ctx context.Context, now time.Time, max int) ([]feedback.Deadline, error) {
	ms, err := s.client.ZRangeByScore(ctx, s.keys.FeedbackDeadlines(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(max),
	}).Result()
	if err != nil {
		return nil, feedbackDown(err, "read due release deadlines")
	}
	out := make([]feedback.Deadline, 0, len(ms))
	for _, m := range ms {
		i := strings.LastIndexByte(m, '|')
		if i < 0 {
			continue
		}
		out = append(out, feedback.Deadline{Room: mockroom.RoomID(m[:i]), Due: msTime(m[i+1:])})
	}
	return out, nil
}

// SettleDeadline implements feedback.Store.
func (s *FeedbackStore) SettleDeadline(ctx context.Context, d feedback.Deadline) error {
	if err := s.client.ZRem(ctx, s.keys.FeedbackDeadlines(), deadlineMember(d.Room, d.Due)).Err(); err != nil {
		return feedbackDown(err, "settle the release deadline")
	}
	return nil
}

// UserRooms implements feedback.Store.
func (s *FeedbackStore) UserRooms(ctx context.Context, user mockroom.UserID) ([]mockroom.RoomID, error) {
	ids, err := s.client.SMembers(ctx, s.keys.UserFeedbackRooms(user)).Result()
	if err != nil {
		return nil, feedbackDown(err, "list feedback rooms")
	}
	out := make([]mockroom.RoomID, len(ids))
	for i, id := range ids {
		out[i] = mockroom.RoomID(id)
	}
	return out, nil
}

// EraseUser implements feedback.Store.
func (s *FeedbackStore) EraseUser(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) error {
	rated, err := feedbackErase.Run(ctx, s.client, []string{s.keys.Feedback(id)}, string(user)).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return feedbackDown(err, "erase feedback")
	}
	for _, r := range rated {
		author, form, _ := strings.Cut(r, "|")
		if err := s.client.HDel(ctx, s.keys.UserStanding(mockroom.UserID(author)), standingField(id, feedback.FormID(form))).Err(); err != nil {
			return feedbackDown(err, "take the rating out of the standing")
		}
	}
	return nil
}

// EraseStanding implements feedback.Store.
func (s *FeedbackStore) EraseStanding(ctx context.Context, user mockroom.UserID) error {
	if err := s.client.Del(ctx, s.keys.UserStanding(user), s.keys.UserFeedbackRooms(user)).Err(); err != nil {
		return feedbackDown(err, "erase the standing")
	}
	return nil
}
