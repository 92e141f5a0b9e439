// Package token is the JWT adapter: it signs and verifies the short-lived access tokens that
// carry a caller's identity and refresh-session id. Tokens are HS256 with one shared secret, so
// every node of a deployment accepts every other node's tokens. The verifier pins the algorithm
// and requires expiry, issuer and audience, so a token minted for anything else — or with
// "alg":"none", or signed with a public key posing as an HMAC secret — is refused.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Claims is what a verified access token says: the caller, its refresh-session id and when the
// token expires.
type Claims = account.AccessClaims

// Pair is an access token with its refresh token, as signup, login and refresh return them.
type Pair = account.Pair

const (
	// MinSecretLen is the shortest accepted signing secret: HS256 keys shorter than the hash
	// output weaken it.
	MinSecretLen = 32
	// MaxAccessTTL bounds access-token lifetime; revocation is also checked per request, but a
	// short lifetime limits what a leaked token is worth to someone who can bypass that check.
	MaxAccessTTL = time.Hour
	// leeway tolerates small clock differences between nodes.
	leeway = 10 * time.Second
)

// Issuer signs and verifies access tokens. It is safe for concurrent use.
type Issuer struct {
	secret    []byte
	issuer    string
	audience  string
	accessTTL time.Duration
	now       func() time.Time
	parser    *jwt.Parser
	macs      sync.Pool // of HMAC-SHA256 with secret, for parseOwn
}

// NewIssuer builds an Issuer signing with secret (at least MinSecretLen bytes). Tokens carry iss
// = issuer and aud = issuer+"-api". now may be nil for the wall clock.
func NewIssuer(secret []byte, issuer string, accessTTL time.Duration, now func() time.Time) (*Issuer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("token: secret must be at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	if issuer == "" {
		return nil, errors.New("token: issuer must not be empty")
	}
	if accessTTL <= 0 || accessTTL > MaxAccessTTL {
		return nil, fmt.Errorf("token: access token lifetime must be in (0, %s], got %s", MaxAccessTTL, accessTTL)
	}
	if now == nil {
		now = time.Now
	}
	i := &Issuer{
		secret:    append([]byte(nil), secret...),
		issuer:    issuer,
		audience:  issuer + "-api",
		accessTTL: accessTTL,
		now:       now,
	}
	i.macs.New = func() any { return hmac.New(sha256.New, i.secret) }
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(i.issuer),
		jwt.WithAudience(i.audience),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
	)
	return i, nil
}

// Audience is the aud every access token carries.
func (i *Issuer) Audience() string { return i.audience }

// accessClaims is the token body: the registered claims plus the caller's name, guest flag and
// session id.
type accessClaims struct {
	jwt.RegisteredClaims
	Name  string `json:"name"`
	Guest bool   `json:"guest"`
	SID   string `json:"sid"`
}

// IssueAccess signs an access token for p in session sid.
func (i *Issuer) IssueAccess(p mockroom.Principal, sid string) (string, time.Time, error) {
	if p.UserID == "" || sid == "" {
		return "", time.Time{}, errors.New("token: user id and session id are required")
	}
	now := i.now()
	// JWT times have one-second resolution; truncating here keeps ExpiresAt equal to what a
	// parser reads back.
	exp := now.Add(i.accessTTL).Truncate(time.Second)
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.issuer,
			Subject:   string(p.UserID),
			Audience:  jwt.ClaimStrings{i.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Name:  p.Name,
		Guest: p.Guest,
		SID:   sid,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(i.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: sign: %w", err)
	}
	return signed, exp, nil
}

// ParseAccess verifies raw and returns its claims. Every refusal is a KindUnauthorized error:
// "token_expired" for a well-formed token past its expiry, "token_invalid" for anything else.
// The reason is kept as the error's cause for logs, not shown to clients.
func (i *Issuer) ParseAccess(raw string) (Claims, error) {
	if c, ok := i.parseOwn(raw); ok {
		return c, nil
	}
	var c accessClaims
	_, err := i.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return i.secret, nil })
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) && !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return Claims{}, mockroom.Wrap(err, mockroom.KindUnauthorized, "token_expired", "access token has expired; refresh it")
		}
		return Claims{}, mockroom.Wrap(err, mockroom.KindUnauthorized, "token_invalid", "access token is not valid")
	}
	if c.Subject == "" || c.SID == "" {
		return Claims{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_invalid", "access token is not valid")
	}
	return Claims{
		Principal: mockroom.Principal{UserID: mockroom.UserID(c.Subject), Name: c.Name, Guest: c.Guest},
		SessionID: c.SID,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// ownHeader is the first part of every token IssueAccess signs: the HS256 header as golang-jwt
// writes it.
var ownHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// ownClaims is the token body as parseOwn reads it: every registered claim golang-jwt reads,
// with types no looser than its own (times as JSON numbers only), so that a body parseOwn decodes
// golang-jwt decodes too.
type ownClaims struct {
	Issuer    string          `json:"iss"`
	Subject   string          `json:"sub"`
	Audience  json.RawMessage `json:"aud"`
	ExpiresAt *float64        `json:"exp"`
	NotBefore *float64        `json:"nbf"`
	IssuedAt  *float64        `json:"iat"`
	ID        string          `json:"jti"`
	Name      string          `json:"name"`
	Guest     bool            `json:"guest"`
	SID       string          `json:"sid"`
}

// parseOwn accepts a token in exactly the form IssueAccess signs, valid now, at a fraction of
// the generic parser's cost (it runs on every socket's authentication): the header compared as
// text instead of decoded, the body decoded once into a plain struct. It only ever accepts;
// anything else (another header, a bad signature, a claim out of place) goes to the generic
// parser, which gives the verdict and the reason. parseOwn accepts nothing ParseWithClaims with
// i.parser refuses (TestParseOwnAgreesWithTheGenericParser).
func (i *Issuer) parseOwn(raw string) (Claims, bool) {
	header, rest, found := strings.Cut(raw, ".")
	if !found || header != ownHeader {
		return Claims{}, false
	}
	body, sig, found := strings.Cut(rest, ".")
	if !found || strings.Contains(sig, ".") {
		return Claims{}, false
	}
	var sum, given [sha256.Size]byte
	if base64.RawURLEncoding.DecodedLen(len(sig)) != len(given) {
		return Claims{}, false
	}
	if n, err := base64.RawURLEncoding.Decode(given[:], []byte(sig)); err != nil || n != len(given) {
		return Claims{}, false
	}
	mac := i.macs.Get().(hash.Hash)
	mac.Reset()
	_, _ = io.WriteString(mac, raw[:len(header)+1+len(body)])
	mac.Sum(sum[:0])
	i.macs.Put(mac)
	if !hmac.Equal(sum[:], given[:]) {
		return Claims{}, false
	}
	decoded, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Claims{}, false
	}
	var c ownClaims
	if err := json.Unmarshal(decoded, &c); err != nil {
		return Claims{}, false
	}
	if c.Issuer != i.issuer || c.Subject == "" || c.SID == "" || !i.ownAudience(c.Audience) {
		return Claims{}, false
	}
	exp, ok := jwtTime(c.ExpiresAt)
	if !ok || exp.IsZero() {
		return Claims{}, false
	}
	iat, ok := jwtTime(c.IssuedAt)
	if !ok {
		return Claims{}, false
	}
	nbf, ok := jwtTime(c.NotBefore)
	if !ok {
		return Claims{}, false
	}
	now := i.now()
	if now.After(exp.Add(leeway)) || now.Add(leeway).Before(iat) || now.Add(leeway).Before(nbf) {
		return Claims{}, false
	}
	return Claims{
		Principal: mockroom.Principal{UserID: mockroom.UserID(c.Subject), Name: c.Name, Guest: c.Guest},
		SessionID: c.SID,
		ExpiresAt: exp,
	}, true
}

// ownAudience says whether aud (a string or an array of strings, as JSON) names i's audience.
func (i *Issuer) ownAudience(aud json.RawMessage) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == i.audience
	}
	var many []string
	if json.Unmarshal(aud, &many) != nil {
		return false
	}
	for _, a := range many {
		if a == i.audience {
			return true
		}
	}
	return false
}

// jwtTime is a JWT time as golang-jwt reads it, to the second (the zero time when absent); ok
// is false for one out of range, which parseOwn leaves to the generic parser.
func jwtTime(seconds *float64) (t time.Time, ok bool) {
	if seconds == nil {
		return time.Time{}, true
	}
	if s := *seconds; s >= 0 && s < 1<<40 {
		return time.Unix(int64(s), 0), true
	}
	return time.Time{}, false
}

// Compile-time check that Issuer is what the account service needs.
var _ account.AccessIssuer = (*Issuer)(nil)
