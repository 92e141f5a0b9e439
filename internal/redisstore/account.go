package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/redis/go-redis/v9"
)

var (
	//go:embed scripts/account_rotate.lua
	accountRotateLua    string
	accountRotateScript = redis.NewScript(accountRotateLua)

	//go:embed scripts/account_claim.lua
	accountClaimLua    string
	accountClaimScript = redis.NewScript(accountClaimLua)

	//go:embed scripts/account_release_email.lua
	accountReleaseEmailLua    string
	accountReleaseEmailScript = redis.NewScript(accountReleaseEmailLua)

	//go:embed scripts/account_ratelimit.lua
	accountRateLimitLua    string
	accountRateLimitScript = redis.NewScript(accountRateLimitLua)
)

// AccountStore keeps users, their email index and refresh sessions.
//
// Layout: a user is the hash {user:<id>}:profile; the email index is one string key per email,
// {email:<email>}:user → user id; a refresh session is the hash {user:<id>}:session:<sid> with
// the hash of its current token; each issued refresh token has a key {rt:<sha256>} → "<user id>
// <sid>" that lives as long as the session would, so a rotated token is still recognised (and
// its reuse detected) until then.
//
// Users and emails live in different Cluster slots, so creating an account is ordered rather
// than transactional: the user hash is written first (nothing can reach it yet), then the email
// is claimed with SET NX, which is the atomic uniqueness check; if that fails the user hash is
// deleted. A crash between the two steps leaves an unreachable user hash, never a visible
// half-account. Lookups by email also check that the user really has that email.
type AccountStore struct {
	client  redis.UniversalClient
	keys    Keys
	lookups *Lookups
}

// WithLookups sends the session check every socket's hand-shake makes (SessionActive) through
// l, to share round trips with other callers' (see Lookups).
func (s *AccountStore) WithLookups(l *Lookups) *AccountStore {
	s.lookups = l
	return s
}

// NewAccountStore returns a store using client and keys.
func NewAccountStore(client redis.UniversalClient, keys Keys) *AccountStore {
	return &AccountStore{client: client, keys: keys}
}

var _ account.Store = (*AccountStore)(nil)

func accountUnavailable(err error) error {
	return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "the store is unavailable; try again shortly")
}

func errUserNotFound() error {
	return mockroom.Errorf(mockroom.KindNotFound, "user_not_found", "no such user")
}

func errEmailTaken() error {
	return mockroom.Errorf(mockroom.KindConflict, "email_taken", "an account with this email already exists")
}

func errRefreshInvalid() error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "refresh_invalid", "refresh token is not valid; log in again")
}

func userFields(u account.User) []any {
	guest := "0"
	if u.Guest {
		guest = "1"
	}
	return []any{
		"id", string(u.ID), "email", u.Email, "name", u.Name, "guest", guest,
		"password", u.PasswordHash, "created_at", u.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// CreateUser implements account.Store.
func (s *AccountStore) CreateUser(ctx context.Context, u account.User) error {
	userKey := s.keys.User(u.ID)
	if err := s.client.HSet(ctx, userKey, userFields(u)...).Err(); err != nil {
		return accountUnavailable(err)
	}
	if u.Email == "" {
		return nil
	}
	ok, err := s.client.SetNX(ctx, s.keys.UserEmail(u.Email), string(u.ID), 0).Result()
	if err != nil || !ok {
		// Best effort: if this fails too, the hash is unreachable garbage, not an account.
		_ = s.client.Del(ctx, userKey).Err()
		if err != nil {
			return accountUnavailable(err)
		}
		return errEmailTaken()
	}
	return nil
}

// ClaimGuest implements account.Store: the email is claimed first (SET NX, the uniqueness
// check), then the user hash is changed by a script that checks it is still a guest; if that
// fails the email claim is released by compare-and-delete.
func (s *AccountStore) ClaimGuest(ctx context.Context, id mockroom.UserID, email, name, passwordHash string) (account.User, error) {
	emailKey := s.keys.UserEmail(email)
	ok, err := s.client.SetNX(ctx, emailKey, string(id), 0).Result()
	if err != nil {
		return account.User{}, accountUnavailable(err)
	}
	if !ok {
		return account.User{}, errEmailTaken()
	}
	res, err := accountClaimScript.Run(ctx, s.client, []string{s.keys.User(id)}, email, passwordHash, name).Text()
	if err == nil && res == "ok" {
		return s.UserByID(ctx, id)
	}
	_ = accountReleaseEmailScript.Run(ctx, s.client, []string{emailKey}, string(id)).Err()
	switch {
	case err != nil:
		return account.User{}, accountUnavailable(err)
	case res == "missing":
		return account.User{}, errUserNotFound()
	default:
		return account.User{}, mockroom.Errorf(mockroom.KindConflict, "already_claimed", "this identity is already a full account")
	}
}

// UserByID implements account.Store.
func (s *AccountStore) UserByID(ctx context.Context, id mockroom.UserID) (account.User, error) {
	m, err := s.client.HGetAll(ctx, s.keys.User(id)).Result()
	if err != nil {
		return account.User{}, accountUnavailable(err)
	}
	if len(m) == 0 || m["id"] != string(id) {
		return account.User{}, errUserNotFound()
	}
	created, err := time.Parse(time.RFC3339Nano, m["created_at"])
	if err != nil {
		return account.User{}, mockroom.Wrap(err, mockroom.KindInternal, "internal", "internal error")
	}
	return account.User{
		ID: id, Email: m["email"], Name: m["name"], Guest: m["guest"] == "1",
		PasswordHash: m["password"], CreatedAt: created,
	}, nil
}

// StillGuest implements account.Store: one HMGET, which the hand-shake batching carries
// (WithLookups), since every socket of a guest checks it.
func (s *AccountStore) StillGuest(ctx context.Context, id mockroom.UserID) (bool, error) {
	reply, err := s.lookups.do(ctx, s.client, nil, "hmget", s.keys.User(id), "id", "guest")
	if err != nil {
		return false, accountUnavailable(err)
	}
	fields := replyStrings(reply)
	if len(fields) != 2 || fields[0] != string(id) {
		return false, errUserNotFound()
	}
	return fields[1] == "1", nil
}

// UserByEmail implements account.Store.
func (s *AccountStore) UserByEmail(ctx context.Context, email string) (account.User, error) {
	id, err := s.client.Get(ctx, s.keys.UserEmail(email)).Result()
	if errors.Is(err, redis.Nil) {
		return account.User{}, errUserNotFound()
	}
	if err != nil {
		return account.User{}, accountUnavailable(err)
	}
	u, err := s.UserByID(ctx, mockroom.UserID(id))
	if err != nil {
		return account.User{}, err
	}
	// An email claimed by a claim that has not finished (or crashed) points at a user without
	// that email: not an account yet.
	if u.Email != email || u.Guest {
		return account.User{}, errUserNotFound()
	}
	return u, nil
}

// CreateSession implements account.Store.
func (s *AccountStore) CreateSession(ctx context.Context, ref account.SessionRef, refreshHash string, ttl time.Duration) error {
	sessionKey := s.keys.Session(ref.UserID, ref.SessionID)
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, sessionKey, "current", refreshHash)
		p.PExpire(ctx, sessionKey, ttl)
		p.Set(ctx, s.keys.RefreshToken(refreshHash), sessionValue(ref), ttl)
		return nil
	})
	if err != nil {
		return accountUnavailable(err)
	}
	return nil
}

// RotateSession implements account.Store. The new token's index key is written before the
// session is switched to it, so the new token works the moment the switch is visible; if the
// switch is refused the index key is removed again (it names a token nobody received).
func (s *AccountStore) RotateSession(ctx context.Context, oldHash, newHash string, ttl time.Duration) (account.SessionRef, error) {
	ref, err := s.LookupSession(ctx, oldHash)
	if err != nil {
		return account.SessionRef{}, err
	}
	newKey := s.keys.RefreshToken(newHash)
	if err := s.client.Set(ctx, newKey, sessionValue(ref), ttl).Err(); err != nil {
		return account.SessionRef{}, accountUnavailable(err)
	}
	res, err := accountRotateScript.Run(ctx, s.client, []string{s.keys.Session(ref.UserID, ref.SessionID)},
		oldHash, newHash, ttl.Milliseconds()).Text()
	if err == nil && res == "ok" {
		return ref, nil
	}
	_ = s.client.Del(ctx, newKey).Err()
	switch {
	case err != nil:
		return account.SessionRef{}, accountUnavailable(err)
	case res == "reused":
		return ref, mockroom.Errorf(mockroom.KindUnauthorized, "refresh_reused",
			"this refresh token was already used; the session has been ended for safety, log in again")
	default:
		return account.SessionRef{}, errRefreshInvalid()
	}
}

// LookupSession implements account.Store.
func (s *AccountStore) LookupSession(ctx context.Context, refreshHash string) (account.SessionRef, error) {
	v, err := s.client.Get(ctx, s.keys.RefreshToken(refreshHash)).Result()
	if errors.Is(err, redis.Nil) {
		return account.SessionRef{}, errRefreshInvalid()
	}
	if err != nil {
		return account.SessionRef{}, accountUnavailable(err)
	}
	user, sid, ok := strings.Cut(v, " ")
	if !ok || user == "" || sid == "" {
		return account.SessionRef{}, errRefreshInvalid()
	}
	return account.SessionRef{UserID: mockroom.UserID(user), SessionID: sid}, nil
}

// RevokeSession implements account.Store.
func (s *AccountStore) RevokeSession(ctx context.Context, ref account.SessionRef) error {
	if err := s.client.Del(ctx, s.keys.Session(ref.UserID, ref.SessionID)).Err(); err != nil {
		return accountUnavailable(err)
	}
	return nil
}

// SessionActive implements account.Store.
func (s *AccountStore) SessionActive(ctx context.Context, ref account.SessionRef) (bool, error) {
	reply, err := s.lookups.do(ctx, s.client, nil, "exists", s.keys.Session(ref.UserID, ref.SessionID))
	if err != nil {
		return false, accountUnavailable(err)
	}
	n, _ := reply.(int64)
	return n == 1, nil
}

// SessionsActive checks many sessions in one pipeline of EXISTS.
func (s *AccountStore) SessionsActive(ctx context.Context, refs []account.SessionRef) ([]bool, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.IntCmd, len(refs))
	for i, ref := range refs {
		cmds[i] = pipe.Exists(ctx, s.keys.Session(ref.UserID, ref.SessionID))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, accountUnavailable(err)
	}
	out := make([]bool, len(refs))
	for i, c := range cmds {
		out[i] = c.Val() == 1
	}
	return out, nil
}

func sessionValue(ref account.SessionRef) string { return string(ref.UserID) + " " + ref.SessionID }

// RateCounter counts attempts for the account rate limits.
type RateCounter struct {
	client redis.UniversalClient
	keys   Keys
}

// NewRateCounter returns a counter using client and keys.
func NewRateCounter(client redis.UniversalClient, keys Keys) *RateCounter {
	return &RateCounter{client: client, keys: keys}
}

var _ account.Counter = (*RateCounter)(nil)

// Allow implements account.Counter with one GCRA script (account_ratelimit.lua).
func (c *RateCounter) Allow(ctx context.Context, scope, subject string, limit account.Limit, now time.Time) (bool, time.Duration, error) {
	interval := limit.Period.Milliseconds() / int64(limit.Burst)
	res, err := accountRateLimitScript.Run(ctx, c.client, []string{c.keys.RateLimit(scope, subject)},
		now.UnixMilli(), max(interval, 1), limit.Burst).Int64Slice()
	if err != nil {
		return false, 0, accountUnavailable(err)
	}
	if len(res) != 2 {
		return false, 0, mockroom.Errorf(mockroom.KindInternal, "internal", "rate limit script returned %d values", len(res))
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}
