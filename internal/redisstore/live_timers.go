package redisstore

import (
	"context"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Room timers: the truth is the room's state hash (generation, deadline, schedule of pending
// items). The due-sets are only an index telling pollers when to look at a room: an entry
// "<room>|<gen>" scored with the time the room's timer generation gen next has something due.
// Entries may be early or stale (the fire script then does nothing and reports what is really
// pending), never late: commands add the entry BEFORE the script that arms the timer, and a
// poller removes an entry only after putting its successor in.

// TimerShards implements live.Store.
func (s *LiveStore) TimerShards() int { return s.shards }

func (s *LiveStore) shardOf(room mockroom.RoomID) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(room))
	return int(h.Sum32() % uint32(s.shards))
}

func timerMember(ref live.TimerRef) string {
	return string(ref.Room) + "|" + strconv.FormatInt(ref.Gen, 10)
}

// ArmTimer implements live.Store. ZADD LT keeps the earliest time if the entry exists.
func (s *LiveStore) ArmTimer(ctx context.Context, ref live.TimerRef) error {
	err := s.client.ZAddLT(ctx, s.keys.LiveTimers(s.shardOf(ref.Room)), redis.Z{
		Score: float64(ref.Due.UnixMilli()), Member: timerMember(ref),
	}).Err()
	if err != nil {
		return unavailable(err, "arm the timer")
	}
	return nil
}

// DueTimers implements live.Store.
func (s *LiveStore) DueTimers(ctx context.Context, shard int, now time.Time, max int) ([]live.TimerRef, error) {
	zs, err := s.client.ZRangeByScoreWithScores(ctx, s.keys.LiveTimers(shard), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(max),
	}).Result()
	if err != nil {
		return nil, unavailable(err, "read due timers")
	}
	out := make([]live.TimerRef, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		i := strings.LastIndexByte(m, '|')
		if i < 0 {
			continue
		}
		gen, _ := strconv.ParseInt(m[i+1:], 10, 64)
		out = append(out, live.TimerRef{Room: mockroom.RoomID(m[:i]), Gen: gen, Due: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return out, nil
}

// PendingTimers counts the rooms' timer index entries over every shard: rooms with a timer item
// still to fire (and, briefly, stale entries a poll is about to drop). For the operator's metric.
func (s *LiveStore) PendingTimers(ctx context.Context) (int64, error) {
	var total int64
	for shard := range s.shards {
		n, err := s.client.ZCard(ctx, s.keys.LiveTimers(shard)).Result()
		if err != nil {
			return 0, unavailable(err, "count pending timers")
		}
		total += n
	}
	return total, nil
}

// maxFiresPerCall bounds the events one fire call may append: two warnings and the expiry.
const maxFiresPerCall = 4

// Fire implements live.Store.
func (s *LiveStore) Fire(ctx context.Context, ref live.TimerRef, now time.Time) (live.FireResult, error) {
	args := []any{strconv.FormatInt(ref.Gen, 10), now.UnixMilli()}
	for range maxFiresPerCall {
		args = append(args, s.newID())
	}
	keys := []string{s.keys.LiveState(ref.Room), s.keys.LiveLog(ref.Room), s.keys.LiveChannel(ref.Room)}
	res, err := s.fire.Run(ctx, s.client, keys, args...).StringSlice()
	if err != nil {
		return live.FireResult{}, unavailable(err, "fire the room timer")
	}
	out := live.FireResult{Advance: res[0] == "advance"}
	gen, _ := strconv.ParseInt(res[1], 10, 64)
	if due, _ := strconv.ParseInt(res[2], 10, 64); due > 0 {
		out.Next = live.TimerRef{Room: ref.Room, Gen: gen, Due: time.UnixMilli(due).UTC()}
	}
	if len(res) > 4 {
		// Fired events are read back rather than rebuilt: rare, and it keeps one source of truth.
		first, _ := strconv.ParseUint(res[4], 10, 64)
		_, evs, err := s.Read(ctx, ref.Room, mockroom.EventOffset(first), (len(res)-4)/2)
		if err != nil {
			return out, err
		}
		out.Fired = evs
	}
	return out, nil
}

// Settle implements live.Store.
func (s *LiveStore) Settle(ctx context.Context, ref live.TimerRef, next live.TimerRef) error {
	nextMember, nextDue := "", int64(0)
	if next.Room != "" {
		nextMember, nextDue = timerMember(next), next.Due.UnixMilli()
	}
	err := liveSettle.Run(ctx, s.client, []string{s.keys.LiveTimers(s.shardOf(ref.Room))}, timerMember(ref), nextMember, nextDue).Err()
	if err != nil {
		return unavailable(err, "settle the room timer")
	}
	return nil
}
