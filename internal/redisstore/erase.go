package redisstore

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Erasing a person. Their own keys (everything under {user:<id>}, the email index, refresh
// tokens, sign-in counters, socket tickets) are deleted. In every room they were in, the
// feedback written about them and their drafts go first (the feedback store's own erase), then
// one script per room replaces their user id and name by a pseudonym in every key of the room —
// meta, participants, live state, log, chat, notes, presence, feedback — so the other person's
// record still reads as a whole, with "deleted user" where they were. Their private notes lose
// their text, except in a room where they had shared them: those the other participants keep. The matching queues lose
// their ticket, and a match that named them names the pseudonym.
//
// What Redis keeps on disk: the append-only file holds every write since its last rewrite, the
// erased values included, until Redis rewrites it. After an erasure the Eraser asks for a
// rewrite (BGREWRITEAOF), at most once per rewrite interval, so erased data lingers in the AOF
// at most that long plus the rewrite's own duration. Without AOF, the next RDB save (BGSAVE,
// asked for the same way) replaces the snapshot. Copies an operator made of those files are
// outside the server's reach.

//go:embed scripts/erase_room.lua
var eraseRoomLua string

var eraseRoom = redis.NewScript(eraseRoomLua)

// PseudonymName is the name a deleted person has in other people's records.
const PseudonymName = "deleted user"

// roomParts are the keys of a room the erasure rewrites with names replaced, by the part after
// the room's tag; the document comes last and has only the id replaced.
var roomParts = []func(Keys, mockroom.RoomID) string{
	Keys.Room, Keys.RoomParticipants, Keys.RoomInvitesUsed, Keys.RoomReveals, Keys.RoomNotesShared,
	Keys.LiveState, Keys.LiveLog, Keys.LiveClients, Keys.LiveChat, Keys.LiveNotes,
	Keys.LivePresence, Keys.Feedback,
}

// roomSharedNotesKey is the position (from 1, as the script counts) of Keys.RoomNotesShared in
// roomParts: the script keeps the text of notes the person shared there.
const roomSharedNotesKey = 5

// Eraser deletes a person's data and pseudonymises them in other people's records. It
// implements account.Eraser.
type Eraser struct {
	client   redis.UniversalClient
	keys     Keys
	feedback *FeedbackStore
	rewriter *Rewriter
	newID    func() string
}

// NewEraser returns an eraser over client and keys. rewriter may be nil (the embedded store has
// no files to rewrite).
func NewEraser(client redis.UniversalClient, keys Keys, rewriter *Rewriter) *Eraser {
	return &Eraser{client: client, keys: keys, feedback: NewFeedbackStore(client, keys), rewriter: rewriter,
		newID: func() string {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return "deleted-" + hex.EncodeToString(b[:])
		}}
}

func eraseDown(err error, what string) error {
	return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "could not "+what+"; try again")
}

// EraseUser implements account.Eraser. It may be run again after a failure: every step finds
// what is left and does the rest.
func (e *Eraser) EraseUser(ctx context.Context, u account.User) error {
	uid := u.ID
	if uid == "" {
		return errors.New("redisstore: erase needs a user id")
	}
	rooms, err := e.client.ZRange(ctx, e.keys.UserRooms(uid), 0, -1).Result()
	if err != nil {
		return eraseDown(err, "list the rooms")
	}
	fbRooms, err := e.client.SMembers(ctx, e.keys.UserFeedbackRooms(uid)).Result()
	if err != nil {
		return eraseDown(err, "list the rooms")
	}
	seen := map[string]bool{}
	pid := e.newID()
	args := e.nameArgs(uid, pid, u.Name)
	for _, r := range append(rooms, fbRooms...) {
		if seen[r] {
			continue
		}
		seen[r] = true
		id := mockroom.RoomID(r)
		if err := e.feedback.EraseUser(ctx, id, uid); err != nil {
			return err
		}
		keys := make([]string, 0, len(roomParts)+1)
		for _, part := range roomParts {
			keys = append(keys, part(e.keys, id))
		}
		keys = append(keys, e.keys.LiveDoc(id))
		if err := eraseRoom.Run(ctx, e.client, keys, append([]any{string(uid), pid, args[0], len(roomParts), roomSharedNotesKey}, args[1:]...)...).Err(); err != nil {
			return eraseDown(err, "erase a room")
		}
		// After the rewrite: a reader in between pairs the old revision with the new names,
		// and reads the room again at its next look.
		if err := roomRevise.Run(ctx, e.client, []string{e.keys.Room(id)}).Err(); err != nil {
			return eraseDown(err, "erase a room")
		}
	}
	if err := e.feedback.EraseStanding(ctx, uid); err != nil {
		return err
	}
	if err := e.eraseMatching(ctx, uid, pid, args); err != nil {
		return err
	}
	if err := e.eraseOwnKeys(ctx, u); err != nil {
		return err
	}
	if e.rewriter != nil {
		e.rewriter.Request()
	}
	return nil
}

// nameArgs returns the pseudonym's name as JSON, then the person's name in each JSON encoding
// a writer may have used.
func (e *Eraser) nameArgs(uid mockroom.UserID, pid, name string) []any {
	pseudo, _ := json.Marshal(PseudonymName)
	out := []any{string(pseudo)}
	if name == "" {
		return out
	}
	plain, _ := json.Marshal(name)
	out = append(out, string(plain))
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(name)
	if raw := strings.TrimSuffix(b.String(), "\n"); raw != string(plain) {
		out = append(out, raw)
	}
	return out
}

// eraseMatching takes the person out of every matching queue and pseudonymises matches that
// name them.
func (e *Eraser) eraseMatching(ctx context.Context, uid mockroom.UserID, pid string, args []any) error {
	suffix := "}:tickets"
	keys, err := e.scan(ctx, e.keys.Prefix+":{mq:*"+suffix)
	if err != nil {
		return err
	}
	for _, tickets := range keys {
		base := strings.TrimSuffix(tickets, "tickets")
		if _, err := e.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ZRem(ctx, base+"queue", string(uid))
			p.HDel(ctx, base+"tickets", string(uid))
			return nil
		}); err != nil {
			return eraseDown(err, "leave the matching queue")
		}
		qkeys := []string{base + "queue", base + "tickets", base + "matches", base + "due"}
		if err := eraseRoom.Run(ctx, e.client, qkeys, append([]any{string(uid), pid, args[0], len(qkeys), 0}, args[1:]...)...).Err(); err != nil {
			return eraseDown(err, "erase a match")
		}
	}
	return nil
}

// eraseOwnKeys deletes every key that belongs to the person: their {user:<id>} keys, the email
// index, refresh tokens (current and rotated), sign-in counters and socket tickets.
func (e *Eraser) eraseOwnKeys(ctx context.Context, u account.User) error {
	own, err := e.scan(ctx, e.keys.Prefix+":{user:"+string(u.ID)+"}:*")
	if err != nil {
		return err
	}
	if u.Email != "" {
		v, err := e.client.Get(ctx, e.keys.UserEmail(u.Email)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return eraseDown(err, "read the email index")
		}
		if v == string(u.ID) {
			own = append(own, e.keys.UserEmail(u.Email))
		}
	}
	limits, err := e.scan(ctx, e.keys.Prefix+":{rl:*")
	if err != nil {
		return err
	}
	for _, k := range limits {
		if (u.Email != "" && strings.Contains(k, u.Email)) || strings.Contains(k, string(u.ID)) {
			own = append(own, k)
		}
	}
	for _, pattern := range []string{e.keys.Prefix + ":{rt:*", e.keys.Prefix + ":{ticket:*"} {
		keys, err := e.scan(ctx, pattern)
		if err != nil {
			return err
		}
		for _, k := range keys {
			v, err := e.client.Get(ctx, k).Result()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				return eraseDown(err, "read a token")
			}
			if strings.Contains(v, string(u.ID)) {
				own = append(own, k)
			}
		}
	}
	for _, k := range own {
		if err := e.client.Del(ctx, k).Err(); err != nil {
			return eraseDown(err, "delete the account")
		}
	}
	return nil
}

// scan lists the keys matching pattern, on every master of a cluster.
func (e *Eraser) scan(ctx context.Context, pattern string) ([]string, error) {
	var (
		mu  sync.Mutex
		out []string
	)
	each := func(ctx context.Context, c *redis.Client) error {
		it := c.Scan(ctx, 0, pattern, 500).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			out = append(out, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	switch c := e.client.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, each)
	case *redis.Client:
		err = each(ctx, c)
	default:
		err = fmt.Errorf("redisstore: cannot scan with a %T", e.client)
	}
	if err != nil {
		return nil, eraseDown(err, "find the keys")
	}
	return out, nil
}

// Rewriter asks Redis to rewrite its files after an erasure, at most once per interval: the
// append-only file when AOF is on (BGREWRITEAOF), otherwise a new RDB snapshot (BGSAVE) when
// snapshots are configured. A request inside the interval is served when the interval ends.
type Rewriter struct {
	client redis.UniversalClient
	every  time.Duration
	log    *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	last   time.Time
	timer  *time.Timer
	closed bool
}

// NewRewriter returns a rewriter that rewrites at most once per every.
func NewRewriter(client redis.UniversalClient, every time.Duration, log *slog.Logger) *Rewriter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Rewriter{client: client, every: every, log: log, now: time.Now}
}

// Request asks for a rewrite: now if the last one is at least the interval ago, else once the
// interval has passed (one pending rewrite covers every request made meanwhile).
func (r *Rewriter) Request() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.timer != nil {
		return
	}
	wait := r.last.Add(r.every).Sub(r.now())
	if wait < 0 {
		wait = 0
	}
	r.timer = time.AfterFunc(wait, r.fire)
}

func (r *Rewriter) fire() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.timer = nil
	r.last = r.now()
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Rewrite(ctx); err != nil {
		r.log.Warn("rewriting Redis' files after an erasure failed; it is tried again at the next erasure", "err", err)
	}
}

// Rewrite starts the rewrite now, on every master of a cluster.
func (r *Rewriter) Rewrite(ctx context.Context) error {
	each := func(ctx context.Context, c *redis.Client) error {
		aof, err := c.ConfigGet(ctx, "appendonly").Result()
		if err == nil && aof["appendonly"] != "yes" {
			save, err := c.ConfigGet(ctx, "save").Result()
			if err == nil && save["save"] == "" {
				return nil // no files to rewrite
			}
			return c.BgSave(ctx).Err()
		}
		return c.BgRewriteAOF(ctx).Err()
	}
	switch c := r.client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, each)
	case *redis.Client:
		return each(ctx, c)
	default:
		return fmt.Errorf("redisstore: cannot rewrite with a %T", r.client)
	}
}

// Close cancels a pending rewrite.
func (r *Rewriter) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}
