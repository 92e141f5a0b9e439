// Package account holds the rules for identities: signing up, logging in, guests and claiming
// them, refresh-token rotation with theft detection, session revocation and login rate limits.
// It speaks only in the shared domain types and declares the small interfaces it needs — a
// store, an attempt counter and an access-token issuer — which the adapters (redisstore, token)
// implement. It never sees HTTP, Redis or JWT.
package account

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// User is one identity: a full account with email and password, or a guest created by an invite
// link. A guest keeps its id when it is claimed, so its room history stays with it.
type User struct {
	ID    mockroom.UserID
	Email string // normalised; empty for guests
	Name  string
	Guest bool
	// PasswordHash is the encoded argon2id hash; empty for guests. It never leaves this package
	// and the store.
	PasswordHash string
	CreatedAt    time.Time
}

// Principal is the identity a token carries.
func (u User) Principal() mockroom.Principal {
	return mockroom.Principal{UserID: u.ID, Name: u.Name, Guest: u.Guest}
}

// SessionRef names one refresh session (a token family): every refresh token obtained by
// rotating from one login belongs to the same session, and access tokens carry its id so a
// revoked session refuses them too.
type SessionRef struct {
	UserID    mockroom.UserID
	SessionID string
}

// Pair is what a successful signup, login, refresh, guest creation or claim returns.
type Pair struct {
	AccessToken string
	// RefreshToken is opaque to clients; only its SHA-256 is stored. Never log it.
	RefreshToken    string
	AccessExpiresAt time.Time
	// ExpiresIn is the access token's lifetime from now.
	ExpiresIn time.Duration
	SessionID string
}

// AccessClaims is what a verified access token says.
type AccessClaims struct {
	Principal mockroom.Principal
	SessionID string
	ExpiresAt time.Time
}

// AccessIssuer signs and verifies access tokens. ParseAccess returns a KindUnauthorized error
// with code "token_expired" or "token_invalid" for any token it does not accept.
type AccessIssuer interface {
	IssueAccess(p mockroom.Principal, sessionID string) (token string, expiresAt time.Time, err error)
	ParseAccess(raw string) (AccessClaims, error)
}

// Store keeps users and refresh sessions. Implementations return *mockroom.Error values with the
// codes named below and must make each method atomic as far as callers can observe.
type Store interface {
	// CreateUser stores u and claims u.Email for it; KindConflict "email_taken" if the email
	// belongs to someone else, in which case nothing is left behind. Guests have no email.
	CreateUser(ctx context.Context, u User) error
	// ClaimGuest gives the guest id an email, a name and a password hash and clears its guest
	// flag. KindConflict "email_taken", KindConflict "already_claimed" if id is not a guest,
	// KindNotFound "user_not_found".
	ClaimGuest(ctx context.Context, id mockroom.UserID, email, name, passwordHash string) (User, error)
	// UserByID and UserByEmail answer KindNotFound "user_not_found".
	UserByID(ctx context.Context, id mockroom.UserID) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	// StillGuest reports whether the user id is a guest (false once claimed): the one thing
	// a guest token's every check needs of the user, read more cheaply than the whole user.
	// KindNotFound "user_not_found".
	StillGuest(ctx context.Context, id mockroom.UserID) (bool, error)

	// CreateSession starts a refresh session whose current token has the given hash.
	CreateSession(ctx context.Context, ref SessionRef, refreshHash string, ttl time.Duration) error
	// RotateSession replaces the session's current token hash oldHash by newHash and renews the
	// session's lifetime. KindUnauthorized "refresh_invalid" when oldHash is unknown or its
	// session is gone; when oldHash belongs to a live session but is no longer its current
	// token, the session is revoked and the error is KindUnauthorized "refresh_reused".
	RotateSession(ctx context.Context, oldHash, newHash string, ttl time.Duration) (SessionRef, error)
	// LookupSession finds the session a refresh token hash belongs to; KindUnauthorized
	// "refresh_invalid" if none.
	LookupSession(ctx context.Context, refreshHash string) (SessionRef, error)
	// RevokeSession ends a session; revoking one that is already gone is not an error.
	RevokeSession(ctx context.Context, ref SessionRef) error
	// SessionActive reports whether the session exists and has not been revoked.
	SessionActive(ctx context.Context, ref SessionRef) (bool, error)
}

// Counter limits attempts with a generic cell rate algorithm. Allow counts one attempt of
// (scope, subject) at now when the limit has room for it and reports whether it did; when not,
// it also returns how long until an attempt would be allowed (a refused attempt is not counted).
type Counter interface {
	Allow(ctx context.Context, scope, subject string, limit Limit, now time.Time) (allowed bool, retryAfter time.Duration, err error)
}

// Eraser deletes everything that names a person: their own keys, and their id and name in
// other people's records (replaced by a pseudonym). It may be run again after a failure.
type Eraser interface {
	EraseUser(ctx context.Context, u User) error
}
