package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Options configures a Service. Store, Counter and Tokens are required.
type Options struct {
	Store   Store
	Counter Counter
	Tokens  AccessIssuer
	// RefreshTTL is how long a refresh session lives without being used; every rotation renews
	// it. Default 30 days.
	RefreshTTL time.Duration
	// Hash is the argon2id cost for new passwords; default DefaultHashParams.
	Hash *HashParams
	// Limits are the login and signup limits; default DefaultLimits.
	Limits *Limits
	// MaxConcurrentHashes bounds simultaneous password hashings (default 2×GOMAXPROCS).
	MaxConcurrentHashes int
	Now                 func() time.Time
	Logger              *slog.Logger
	// Eraser deletes a person's data when they delete their account; without one, deleting an
	// account is refused.
	Eraser Eraser
}

// Service applies the account rules. It is safe for concurrent use.
type Service struct {
	store      Store
	counter    Counter
	tokens     AccessIssuer
	eraser     Eraser
	refreshTTL time.Duration
	hash       HashParams
	limits     Limits
	now        func() time.Time
	log        *slog.Logger
	// hashSlots bounds concurrent argon2 runs: each takes Hash.MemoryKiB of memory, so a burst
	// of logins must queue rather than exhaust the machine's memory.
	hashSlots chan struct{}
	// dummyHash is verified against when a login names an unknown email, so such a login costs
	// as much time as a wrong password and timing does not reveal which emails exist.
	dummyHash string
}

// NewService checks opts and builds a Service.
func NewService(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Counter == nil || opts.Tokens == nil {
		return nil, errors.New("account: Store, Counter and Tokens are required")
	}
	s := &Service{
		store: opts.Store, counter: opts.Counter, tokens: opts.Tokens, eraser: opts.Eraser,
		refreshTTL: opts.RefreshTTL, hash: DefaultHashParams, limits: DefaultLimits,
		now: opts.Now, log: opts.Logger,
	}
	if s.refreshTTL <= 0 {
		s.refreshTTL = 30 * 24 * time.Hour
	}
	if opts.Hash != nil {
		s.hash = *opts.Hash
	}
	if opts.Limits != nil {
		s.limits = *opts.Limits
	}
	if s.limits.Window <= 0 {
		s.limits.Window = time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	slots := opts.MaxConcurrentHashes
	if slots <= 0 {
		slots = 2 * runtime.GOMAXPROCS(0)
	}
	s.hashSlots = make(chan struct{}, slots)
	dummy, err := hashPassword("no account has this password", s.hash)
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy
	return s, nil
}

// SignupInput is a new account's details. ClientAddr is the caller's network address (no port),
// used for rate limiting; empty means unknown.
type SignupInput struct {
	Email, Password, Name string
	ClientAddr            string
}

// Signup creates an account and logs it in.
func (s *Service) Signup(ctx context.Context, in SignupInput) (User, Pair, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return User{}, Pair{}, err
	}
	if err := CheckPassword(in.Password); err != nil {
		return User{}, Pair{}, err
	}
	name, err := NormalizeName(in.Name)
	if err != nil {
		return User{}, Pair{}, err
	}
	if err := s.limit(ctx, scopeSignupAddress, in.ClientAddr, s.limits.SignupPerAddress); err != nil {
		return User{}, Pair{}, err
	}
	hash, err := s.hashNew(ctx, in.Password)
	if err != nil {
		return User{}, Pair{}, err
	}
	u := User{ID: mockroom.UserID(uuid.NewString()), Email: email, Name: name, PasswordHash: hash, CreatedAt: s.now().UTC()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, Pair{}, err
	}
	pair, err := s.startSession(ctx, u)
	if err != nil {
		return User{}, Pair{}, err
	}
	s.log.InfoContext(ctx, "account created", "user_id", u.ID)
	return u, pair, nil
}

// LoginInput is a login attempt.
type LoginInput struct {
	Email, Password string
	ClientAddr      string
}

// errInvalidCredentials is the one answer to every failed login, whatever failed.
func errInvalidCredentials() error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "invalid_credentials", "email or password is wrong")
}

// Login checks an email and password. Unknown emails, guests and wrong passwords all fail the
// same way, in about the same time.
func (s *Service) Login(ctx context.Context, in LoginInput) (User, Pair, error) {
	if err := s.limit(ctx, scopeLoginAddress, in.ClientAddr, s.limits.LoginPerAddress); err != nil {
		return User{}, Pair{}, err
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil || len(in.Password) > MaxPasswordLen {
		return User{}, Pair{}, errInvalidCredentials()
	}
	if err := s.limit(ctx, scopeLoginAccount, email, s.limits.LoginPerAccount); err != nil {
		return User{}, Pair{}, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case mockroom.ErrorKind(err) == mockroom.KindNotFound:
		_, _ = s.verifyHash(ctx, in.Password, s.dummyHash)
		return User{}, Pair{}, errInvalidCredentials()
	case err != nil:
		return User{}, Pair{}, err
	}
	ok, err := s.verifyHash(ctx, in.Password, u.PasswordHash)
	if mockroom.ErrorKind(err) == mockroom.KindUnavailable {
		return User{}, Pair{}, err
	}
	if err != nil {
		return User{}, Pair{}, mockroom.Wrap(fmt.Errorf("user %s: %w", u.ID, err), mockroom.KindInternal, "internal", "internal error")
	}
	if !ok {
		return User{}, Pair{}, errInvalidCredentials()
	}
	pair, err := s.startSession(ctx, u)
	if err != nil {
		return User{}, Pair{}, err
	}
	return u, pair, nil
}

// CreateGuest makes a guest identity with a display name, for someone joining through an invite
// link without an account, and logs it in. Rate limiting invite joins is the caller's business.
func (s *Service) CreateGuest(ctx context.Context, displayName string) (mockroom.Principal, Pair, error) {
	name, err := NormalizeName(displayName)
	if err != nil {
		return mockroom.Principal{}, Pair{}, err
	}
	u := User{ID: mockroom.UserID(uuid.NewString()), Name: name, Guest: true, CreatedAt: s.now().UTC()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return mockroom.Principal{}, Pair{}, err
	}
	pair, err := s.startSession(ctx, u)
	if err != nil {
		return mockroom.Principal{}, Pair{}, err
	}
	return u.Principal(), pair, nil
}

// ClaimInput turns a guest into an account; an empty Name keeps the guest's display name.
type ClaimInput struct {
	Email, Password, Name string
	ClientAddr            string
}

// Claim turns the guest that accessToken identifies into a full account with the same user id.
// The session goes on under a new refresh token instead of ending: a room socket the guest has
// open is bound to this session, and ending it would let the next session sweep close that
// socket before the client could hand it the new access token. What says "guest" stops working
// all the same: the guest's refresh token is replaced (presenting it again counts as reuse), and
// verify refuses access tokens that still say guest.
func (s *Service) Claim(ctx context.Context, accessToken string, in ClaimInput) (User, Pair, error) {
	claims, err := s.verify(ctx, accessToken)
	if err != nil {
		return User{}, Pair{}, err
	}
	if !claims.Principal.Guest {
		return User{}, Pair{}, mockroom.Errorf(mockroom.KindConflict, "already_claimed", "this identity is already a full account")
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return User{}, Pair{}, err
	}
	if err := CheckPassword(in.Password); err != nil {
		return User{}, Pair{}, err
	}
	name := ""
	if in.Name != "" {
		if name, err = NormalizeName(in.Name); err != nil {
			return User{}, Pair{}, err
		}
	}
	if err := s.limit(ctx, scopeSignupAddress, in.ClientAddr, s.limits.SignupPerAddress); err != nil {
		return User{}, Pair{}, err
	}
	hash, err := s.hashNew(ctx, in.Password)
	if err != nil {
		return User{}, Pair{}, err
	}
	u, err := s.store.ClaimGuest(ctx, claims.Principal.UserID, email, name, hash)
	if err != nil {
		return User{}, Pair{}, err
	}
	refresh, refreshHash, err := newRefreshToken()
	if err != nil {
		return User{}, Pair{}, err
	}
	if err := s.store.CreateSession(ctx, SessionRef{UserID: u.ID, SessionID: claims.SessionID}, refreshHash, s.refreshTTL); err != nil {
		return User{}, Pair{}, err
	}
	pair, err := s.issue(u, claims.SessionID, refresh)
	if err != nil {
		return User{}, Pair{}, err
	}
	s.log.InfoContext(ctx, "guest claimed", "user_id", u.ID)
	return u, pair, nil
}

// Refresh exchanges a refresh token for a new pair. The old refresh token stops working; if it
// is ever presented again the whole session is revoked, because then two parties hold tokens of
// one session and we cannot tell which is the rightful one.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (User, Pair, error) {
	oldHash, err := hashRefresh(refreshToken)
	if err != nil {
		return User{}, Pair{}, err
	}
	newToken, newHash, err := newRefreshToken()
	if err != nil {
		return User{}, Pair{}, err
	}
	ref, err := s.store.RotateSession(ctx, oldHash, newHash, s.refreshTTL)
	if err != nil {
		if mockroom.ErrorCode(err) == "refresh_reused" {
			s.log.WarnContext(ctx, "refresh token reused; session revoked", "user_id", ref.UserID, "session_id", ref.SessionID)
		}
		return User{}, Pair{}, err
	}
	u, err := s.store.UserByID(ctx, ref.UserID)
	if err != nil {
		return User{}, Pair{}, err
	}
	pair, err := s.issue(u, ref.SessionID, newToken)
	return u, pair, err
}

// Logout revokes the session a refresh token belongs to. Logging out twice, or with a token that
// is already unknown, succeeds: the caller's goal — that the token no longer works — holds.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	hash, err := hashRefresh(refreshToken)
	if err != nil {
		return err
	}
	ref, err := s.store.LookupSession(ctx, hash)
	if mockroom.ErrorKind(err) == mockroom.KindUnauthorized {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.RevokeSession(ctx, ref)
}

// Authenticate verifies an access token and checks that its session is still active, so a
// logout or a detected token theft takes effect on the next request rather than when the access
// token expires. The check is one store read per request.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (mockroom.Principal, error) {
	claims, err := s.verify(ctx, accessToken)
	return claims.Principal, err
}

// Verify is Authenticate returning the whole claims, for callers that need the session id or
// the expiry (e.g. to bind a socket ticket to them).
func (s *Service) Verify(ctx context.Context, accessToken string) (AccessClaims, error) {
	return s.verify(ctx, accessToken)
}

func (s *Service) verify(ctx context.Context, accessToken string) (AccessClaims, error) {
	claims, err := s.tokens.ParseAccess(accessToken)
	if err != nil {
		return AccessClaims{}, err
	}
	active, err := s.SessionActive(ctx, claims.Principal.UserID, claims.SessionID)
	if err != nil {
		return AccessClaims{}, err
	}
	if !active {
		return AccessClaims{}, mockroom.Errorf(mockroom.KindUnauthorized, "session_revoked", "this session has ended; log in again")
	}
	if claims.Principal.Guest {
		// A claimed guest keeps its session (see Claim) but not its guest tokens. Only guest
		// tokens pay for this read.
		guest, err := s.store.StillGuest(ctx, claims.Principal.UserID)
		if mockroom.ErrorKind(err) == mockroom.KindNotFound || (err == nil && !guest) {
			return AccessClaims{}, mockroom.Errorf(mockroom.KindUnauthorized, "session_revoked", "this guest identity became an account; use the tokens it was given, or log in")
		}
		if err != nil {
			return AccessClaims{}, err
		}
	}
	return claims, nil
}

// SessionActive reports whether the session sid of user is still active: false once it was
// logged out, revoked by theft detection, or expired. A claim does not end it.
func (s *Service) SessionActive(ctx context.Context, user mockroom.UserID, sid string) (bool, error) {
	if user == "" || sid == "" {
		return false, nil
	}
	return s.store.SessionActive(ctx, SessionRef{UserID: user, SessionID: sid})
}

// sessionsStore is what a Store may offer besides: many sessions checked in one round trip.
type sessionsStore interface {
	SessionsActive(ctx context.Context, refs []SessionRef) ([]bool, error)
}

// SessionsActive is SessionActive for many sessions at once (the socket layer's periodic
// sweep): with a store that can, one round trip for all of them.
func (s *Service) SessionsActive(ctx context.Context, refs []SessionRef) ([]bool, error) {
	out := make([]bool, len(refs))
	var ask []SessionRef
	var at []int
	for i, r := range refs {
		if r.UserID != "" && r.SessionID != "" {
			ask = append(ask, r)
			at = append(at, i)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	var got []bool
	if st, ok := s.store.(sessionsStore); ok {
		var err error
		if got, err = st.SessionsActive(ctx, ask); err != nil {
			return nil, err
		}
	} else {
		got = make([]bool, len(ask))
		for i, r := range ask {
			active, err := s.store.SessionActive(ctx, r)
			if err != nil {
				return nil, err
			}
			got[i] = active
		}
	}
	for i, active := range got {
		out[at[i]] = active
	}
	return out, nil
}

// User returns the account or guest with the given id.
func (s *Service) User(ctx context.Context, id mockroom.UserID) (User, error) {
	return s.store.UserByID(ctx, id)
}

// hashNew hashes a new password once a hashing slot is free.
func (s *Service) hashNew(ctx context.Context, password string) (string, error) {
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSlots }()
	return hashPassword(password, s.hash)
}

// verifyHash checks a password once a hashing slot is free.
func (s *Service) verifyHash(ctx context.Context, password, encoded string) (bool, error) {
	if err := s.acquireHash(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashSlots }()
	return verifyPassword(password, encoded)
}

func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return mockroom.Wrap(ctx.Err(), mockroom.KindUnavailable, "busy", "the server is busy; try again")
	}
}

// startSession opens a new refresh session for u and issues its first pair.
func (s *Service) startSession(ctx context.Context, u User) (Pair, error) {
	token, hash, err := newRefreshToken()
	if err != nil {
		return Pair{}, err
	}
	sid, err := randomString(16)
	if err != nil {
		return Pair{}, err
	}
	if err := s.store.CreateSession(ctx, SessionRef{UserID: u.ID, SessionID: sid}, hash, s.refreshTTL); err != nil {
		return Pair{}, err
	}
	return s.issue(u, sid, token)
}

func (s *Service) issue(u User, sid, refreshToken string) (Pair, error) {
	access, exp, err := s.tokens.IssueAccess(u.Principal(), sid)
	if err != nil {
		return Pair{}, mockroom.Wrap(err, mockroom.KindInternal, "internal", "internal error")
	}
	return Pair{AccessToken: access, RefreshToken: refreshToken, AccessExpiresAt: exp, ExpiresIn: exp.Sub(s.now()), SessionID: sid}, nil
}

// refreshTokenBytes is the entropy of a refresh token; its text form is 43 base64url characters.
const refreshTokenBytes = 32

func newRefreshToken() (token, hash string, err error) {
	token, err = randomString(refreshTokenBytes)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:]), nil
}

// hashRefresh checks a presented refresh token's shape before it reaches the store and returns
// the hash it is stored under.
func hashRefresh(token string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != refreshTokenBytes {
		return "", mockroom.Errorf(mockroom.KindUnauthorized, "refresh_invalid", "refresh token is not valid; log in again")
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:]), nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("account: read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// DeleteConfirmation is what a guest (who has no password) sends to confirm deleting their
// account.
const DeleteConfirmation = "delete my account"

// DeleteAccount deletes the account id and everything that names its owner; see Eraser. A full
// account confirms with its password (KindForbidden "wrong_password" otherwise), a guest with
// DeleteConfirmation (KindInvalid "confirmation_required" otherwise). Nothing is erased when the
// confirmation fails.
func (s *Service) DeleteAccount(ctx context.Context, id mockroom.UserID, password, confirm string) error {
	if s.eraser == nil {
		return mockroom.Errorf(mockroom.KindUnavailable, "erase_unavailable", "this server cannot delete accounts")
	}
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if u.Guest || u.PasswordHash == "" {
		if confirm != DeleteConfirmation {
			return mockroom.Errorf(mockroom.KindInvalid, "confirmation_required",
				"to delete a guest account send confirm: %q", DeleteConfirmation)
		}
	} else {
		if password == "" {
			return mockroom.Errorf(mockroom.KindInvalid, "field_missing", "password is required to delete the account")
		}
		ok, err := s.verifyHash(ctx, password, u.PasswordHash)
		if err != nil {
			return err
		}
		if !ok {
			return mockroom.Errorf(mockroom.KindForbidden, "wrong_password", "the password is not right; nothing was deleted")
		}
	}
	if err := s.eraser.EraseUser(ctx, u); err != nil {
		return err
	}
	s.log.Info("account deleted", "user", string(u.ID))
	return nil
}
