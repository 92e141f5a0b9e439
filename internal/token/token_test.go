package token

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestNewIssuerRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		issuer string
		ttl    time.Duration
	}{
		{"short secret", secret[:31], "mockroom", time.Minute},
		{"empty issuer", secret, "", time.Minute},
		{"zero ttl", secret, "mockroom", 0},
		{"ttl over an hour", secret, "mockroom", time.Hour + time.Second},
	}
	for _, tc := range tests {
		if _, err := NewIssuer(tc.secret, tc.issuer, tc.ttl, nil); err == nil {
			t.Errorf("%s: NewIssuer accepted it", tc.name)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 500, time.UTC)
	clock := func() time.Time { return now }
	iss, err := NewIssuer(secret, "mockroom", 15*time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Audience() != "mockroom-api" {
		t.Errorf("audience = %q", iss.Audience())
	}
	p := mockroom.Principal{UserID: "u1", Name: "Ann", Guest: true}
	raw, exp, err := iss.IssueAccess(p, "s1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := iss.ParseAccess(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{Principal: p, SessionID: "s1", ExpiresAt: exp}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if !exp.Equal(time.Date(2026, 3, 1, 12, 15, 0, 0, time.UTC)) {
		t.Errorf("exp = %s", exp)
	}

	// Inside the leeway the token still works; past it, it is expired.
	now = exp.Add(5 * time.Second)
	if _, err := iss.ParseAccess(raw); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	now = exp.Add(11 * time.Second)
	if _, err := iss.ParseAccess(raw); mockroom.ErrorCode(err) != "token_expired" || mockroom.ErrorKind(err) != mockroom.KindUnauthorized {
		t.Errorf("after expiry: %v", err)
	}
}

func TestParseRefusesOtherIssuersAndSecrets(t *testing.T) {
	a, _ := NewIssuer(secret, "mockroom", time.Minute, nil)
	other, _ := NewIssuer(secret, "elsewhere", time.Minute, nil)
	otherSecret, _ := NewIssuer([]byte(strings.Repeat("z", 32)), "mockroom", time.Minute, nil)
	p := mockroom.Principal{UserID: "u1", Name: "Ann"}
	for name, iss := range map[string]*Issuer{"other issuer and audience": other, "other secret": otherSecret} {
		raw, _, err := iss.IssueAccess(p, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ParseAccess(raw); mockroom.ErrorCode(err) != "token_invalid" {
			t.Errorf("%s: err = %v, want token_invalid", name, err)
		}
	}
	// An expired token with a bad signature is invalid, not merely expired.
	past, _ := NewIssuer([]byte(strings.Repeat("z", 32)), "mockroom", time.Minute, func() time.Time { return time.Now().Add(-time.Hour) })
	raw, _, _ := past.IssueAccess(p, "s1")
	if _, err := a.ParseAccess(raw); mockroom.ErrorCode(err) != "token_invalid" {
		t.Errorf("expired forgery: err = %v, want token_invalid", err)
	}
	if _, _, err := a.IssueAccess(mockroom.Principal{}, "s1"); err == nil {
		t.Error("issued a token without a user")
	}
}
