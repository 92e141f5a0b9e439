package room

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

var testKey = DeriveInviteKey([]byte("0123456789abcdef0123456789abcdef"))

func mustSign(t *testing.T, s signer, inv Invite) string {
	t.Helper()
	raw, err := s.sign(inv)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestInviteRoundTrip(t *testing.T) {
	s := signer{key: testKey}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	want := Invite{ID: "abc", Room: "r1", Role: mockroom.RoleObserver, ExpiresAt: now.Add(time.Hour)}
	got, err := s.verify(mustSign(t, s, want), now)
	if err != nil {
		t.Fatal(err)
	}
	want.Exp = want.ExpiresAt.Unix()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verified invite (-want +got):\n%s", diff)
	}
}

func TestInviteRefusals(t *testing.T) {
	s := signer{key: testKey}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	good := mustSign(t, s, Invite{ID: "abc", Room: "r1", Role: mockroom.RoleObserver, ExpiresAt: now.Add(time.Hour)})
	body, mac, _ := strings.Cut(strings.TrimPrefix(good, invitePrefix), ".")

	// Swap the role in the payload but keep the observer link's signature.
	payload, _ := base64.RawURLEncoding.DecodeString(body)
	promoted := invitePrefix + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"observer"`), []byte(`"candidate"`), 1)) + "." + mac
	flipped := []byte(mac)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}

	tests := []struct {
		name string
		raw  string
		at   time.Time
		kind mockroom.Kind
		code string
	}{
		{"role changed in payload", promoted, now, mockroom.KindUnauthorized, "invite_invalid"},
		{"signature altered", invitePrefix + body + "." + string(flipped), now, mockroom.KindUnauthorized, "invite_invalid"},
		{"signed with another key", mustSign(t, signer{key: DeriveInviteKey([]byte("another secret, also 32 bytes long"))}, Invite{ID: "abc", Room: "r1", Role: mockroom.RoleObserver, ExpiresAt: now.Add(time.Hour)}), now, mockroom.KindUnauthorized, "invite_invalid"},
		{"expired", good, now.Add(time.Hour), mockroom.KindUnauthorized, "invite_expired"},
		{"long expired", good, now.Add(30 * 24 * time.Hour), mockroom.KindUnauthorized, "invite_expired"},
		{"empty", "", now, mockroom.KindInvalid, "invite_malformed"},
		{"no prefix", strings.TrimPrefix(good, invitePrefix), now, mockroom.KindInvalid, "invite_malformed"},
		{"no signature", invitePrefix + body, now, mockroom.KindInvalid, "invite_malformed"},
		{"signature not base64", invitePrefix + body + ".!!!", now, mockroom.KindInvalid, "invite_malformed"},
		{"huge", invitePrefix + strings.Repeat("a", 2000) + "." + mac, now, mockroom.KindInvalid, "invite_malformed"},
		{"interviewer role", mustSign(t, s, Invite{ID: "abc", Room: "r1", Role: mockroom.RoleInterviewer, ExpiresAt: now.Add(time.Hour)}), now, mockroom.KindInvalid, "invite_malformed"},
		{"no room", mustSign(t, s, Invite{ID: "abc", Role: mockroom.RoleCandidate, ExpiresAt: now.Add(time.Hour)}), now, mockroom.KindInvalid, "invite_malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.verify(tt.raw, tt.at)
			if mockroom.ErrorKind(err) != tt.kind || mockroom.ErrorCode(err) != tt.code {
				t.Fatalf("verify = %v, want kind %s code %s", err, tt.kind, tt.code)
			}
		})
	}
}

func TestDeriveInviteKeyDiffersFromSecret(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	k := DeriveInviteKey(secret)
	if len(k) != 32 || bytes.Equal(k, secret) {
		t.Fatalf("derived key %x must be 32 bytes and differ from the secret", k)
	}
	if !bytes.Equal(k, DeriveInviteKey(secret)) {
		t.Fatal("derivation is not deterministic; nodes would disagree")
	}
}
