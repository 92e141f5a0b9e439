package room

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// An invite is "mri1.<payload>.<mac>": the payload is base64url JSON naming the room, the role
// and the expiry; the mac is HMAC-SHA256 over "mri1.<payload>" with the invite key. The link
// carries everything needed to check it, so any node can verify it without a store lookup; only
// single use of a candidate invite needs the store.
const invitePrefix = "mri1."

// maxInviteLen keeps a hostile invite from costing more than a small decode.
const maxInviteLen = 1024

// Invite is a verified invite link's content.
type Invite struct {
	ID        string          `json:"id"`
	Room      mockroom.RoomID `json:"room"`
	Role      mockroom.Role   `json:"role"`
	ExpiresAt time.Time       `json:"-"`
	Exp       int64           `json:"exp"`
}

// Invites are the links handed to the room's creator.
type Invites struct {
	Candidate string    `json:"candidate"`
	Observer  string    `json:"observer"`
	ExpiresAt time.Time `json:"expires_at"`
}

// DeriveInviteKey derives the invite-signing key from the token secret, so one configured secret
// serves both without an invite ever being accepted as a token or the other way round.
func DeriveInviteKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("mockroom invite key v1"))
	return m.Sum(nil)
}

// signer signs and verifies invites.
type signer struct {
	key []byte
}

func (s signer) sign(inv Invite) (string, error) {
	inv.Exp = inv.ExpiresAt.Unix()
	raw, err := json.Marshal(inv)
	if err != nil {
		return "", err
	}
	body := invitePrefix + base64.RawURLEncoding.EncodeToString(raw)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body)), nil
}

func (s signer) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// verify checks the signature before it looks at the content, then the expiry.
func (s signer) verify(raw string, now time.Time) (Invite, error) {
	malformed := mockroom.Errorf(mockroom.KindInvalid, "invite_malformed", "this is not an invite link; copy the whole link you were sent")
	raw = strings.TrimSpace(raw)
	if len(raw) > maxInviteLen || !strings.HasPrefix(raw, invitePrefix) {
		return Invite{}, malformed
	}
	dot := strings.LastIndexByte(raw, '.')
	if dot <= len(invitePrefix) {
		return Invite{}, malformed
	}
	body, sig := raw[:dot], raw[dot+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Invite{}, malformed
	}
	if !hmac.Equal(got, s.mac(body)) {
		return Invite{}, mockroom.Errorf(mockroom.KindUnauthorized, "invite_invalid", "this invite link is not valid; ask for a new one")
	}
	payload, err := base64.RawURLEncoding.DecodeString(body[len(invitePrefix):])
	if err != nil {
		return Invite{}, malformed
	}
	var inv Invite
	if err := json.Unmarshal(payload, &inv); err != nil || inv.Room == "" || inv.ID == "" {
		return Invite{}, malformed
	}
	if inv.Role != mockroom.RoleCandidate && inv.Role != mockroom.RoleObserver {
		return Invite{}, malformed
	}
	inv.ExpiresAt = time.Unix(inv.Exp, 0).UTC()
	if !now.Before(inv.ExpiresAt) {
		return Invite{}, mockroom.Errorf(mockroom.KindUnauthorized, "invite_expired", "this invite link expired on %s; ask for a new one", inv.ExpiresAt.Format(time.RFC3339))
	}
	return inv, nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
