package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// TestParseOwnAgreesWithTheGenericParser signs bodies and headers of every shape with the
// issuer's secret and checks parseOwn against golang-jwt's parser as the issuer configures it:
// parseOwn must accept nothing the generic parser refuses and read what it accepts the same way,
// and ParseAccess must give the generic parser's verdict on every one. parseOwn must accept the
// tokens IssueAccess signs, or it would be dead weight.
func TestParseOwnAgreesWithTheGenericParser(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	iss, err := NewIssuer(secret, "mockroom", 15*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	issued, _, err := iss.IssueAccess(mockroom.Principal{UserID: "u1", Name: "Ann", Guest: true}, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if header, _, _ := strings.Cut(issued, "."); header != ownHeader {
		t.Fatalf("IssueAccess's header %q is not parseOwn's %q", header, ownHeader)
	}
	if _, ok := iss.parseOwn(issued); !ok {
		t.Fatal("parseOwn refused a token IssueAccess signed")
	}

	sign := func(header, body string) string {
		enc := base64.RawURLEncoding
		signed := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(body))
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(signed))
		return signed + "." + enc.EncodeToString(mac.Sum(nil))
	}
	const hs256 = `{"alg":"HS256","typ":"JWT"}`
	exp, iat := now.Add(10*time.Minute).Unix(), now.Unix()
	body := func(extra string) string {
		return fmt.Sprintf(`{"iss":"mockroom","sub":"u1","aud":["mockroom-api"],"exp":%d,"iat":%d,"name":"Ann","guest":false,"sid":"s1"%s}`, exp, iat, extra)
	}
	tokens := map[string]string{
		"issued":                   issued,
		"plain":                    sign(hs256, body("")),
		"aud as a string":          sign(hs256, strings.Replace(body(""), `["mockroom-api"]`, `"mockroom-api"`, 1)),
		"aud among others":         sign(hs256, strings.Replace(body(""), `["mockroom-api"]`, `["x","mockroom-api"]`, 1)),
		"aud of another, a string": sign(hs256, strings.Replace(body(""), `["mockroom-api"]`, `"x"`, 1)),
		"aud of another":           sign(hs256, strings.Replace(body(""), `["mockroom-api"]`, `["x"]`, 1)),
		"aud with a number":        sign(hs256, strings.Replace(body(""), `["mockroom-api"]`, `["mockroom-api",1]`, 1)),
		"no aud":                   sign(hs256, strings.Replace(body(""), `"aud":["mockroom-api"],`, ``, 1)),
		"other issuer":             sign(hs256, strings.Replace(body(""), `"iss":"mockroom"`, `"iss":"other"`, 1)),
		"no exp":                   sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d,`, exp), ``, 1)),
		"exp null":                 sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d`, exp), `"exp":null`, 1)),
		"exp as a string":          sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":"%d"`, exp), 1)),
		"exp with a fraction":      sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":%d.5`, exp), 1)),
		"expired":                  sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":%d`, now.Add(-time.Minute).Unix()), 1)),
		"expired within leeway":    sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":%d`, now.Add(-5*time.Second).Unix()), 1)),
		"issued in the future":     sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"iat":%d`, iat), fmt.Sprintf(`"iat":%d`, now.Add(time.Minute).Unix()), 1)),
		"issued just ahead":        sign(hs256, strings.Replace(body(""), fmt.Sprintf(`"iat":%d`, iat), fmt.Sprintf(`"iat":%d`, now.Add(5*time.Second).Unix()), 1)),
		"not yet valid":            sign(hs256, body(fmt.Sprintf(`,"nbf":%d`, now.Add(time.Minute).Unix()))),
		"valid from now":           sign(hs256, body(fmt.Sprintf(`,"nbf":%d`, now.Unix()))),
		"jti as a number":          sign(hs256, body(`,"jti":7`)),
		"jti":                      sign(hs256, body(`,"jti":"x"`)),
		"guest as a string":        sign(hs256, strings.Replace(body(""), `"guest":false`, `"guest":"true"`, 1)),
		"claims in capitals":       sign(hs256, strings.Replace(body(""), `"iss"`, `"ISS"`, 1)),
		"no sid":                   sign(hs256, strings.Replace(body(""), `,"sid":"s1"`, ``, 1)),
		"no sub":                   sign(hs256, strings.Replace(body(""), `"sub":"u1",`, ``, 1)),
		"body not an object":       sign(hs256, `["mockroom"]`),
		"body with trailing bytes": sign(hs256, body("")+` {}`),
		"alg none":                 sign(`{"alg":"none","typ":"JWT"}`, body("")),
		"header reordered":         sign(`{"typ":"JWT","alg":"HS256"}`, body("")),
		"header with a kid":        sign(`{"alg":"HS256","kid":"k","typ":"JWT"}`, body("")),
		"alg HS512":                sign(`{"alg":"HS512","typ":"JWT"}`, body("")),
	}
	tokens["bad signature"] = tokens["plain"][:len(tokens["plain"])-2] + "AA"
	tokens["signature cut"] = tokens["plain"][:len(tokens["plain"])-4]
	tokens["four parts"] = tokens["plain"] + ".x"
	tokens["unsigned"] = tokens["plain"][:strings.LastIndexByte(tokens["plain"], '.')+1]

	for name, raw := range tokens {
		var generic accessClaims
		_, genericErr := iss.parser.ParseWithClaims(raw, &generic, func(*jwt.Token) (any, error) { return iss.secret, nil })
		if genericErr == nil && (generic.Subject == "" || generic.SID == "") {
			genericErr = errors.New("no subject or session")
		}
		own, ok := iss.parseOwn(raw)
		if ok && genericErr != nil {
			t.Errorf("%s: parseOwn accepted what the generic parser refuses (%v)", name, genericErr)
		}
		if ok {
			want := Claims{
				Principal: mockroom.Principal{UserID: mockroom.UserID(generic.Subject), Name: generic.Name, Guest: generic.Guest},
				SessionID: generic.SID, ExpiresAt: generic.ExpiresAt.Time,
			}
			if diff := cmp.Diff(want, own); diff != "" {
				t.Errorf("%s: parseOwn read it otherwise (-generic +own):\n%s", name, diff)
			}
		}
		if _, err := iss.ParseAccess(raw); (err == nil) != (genericErr == nil) {
			t.Errorf("%s: ParseAccess said %v, the generic parser %v", name, err, genericErr)
		}
	}
	for _, name := range []string{"issued", "plain", "exp with a fraction", "aud as a string", "aud among others", "expired within leeway", "issued just ahead", "valid from now", "jti"} {
		if _, ok := iss.parseOwn(tokens[name]); !ok {
			t.Errorf("%s: parseOwn refused it", name)
		}
	}
}

// BenchmarkParseAccess is an access token's verification as every socket's authentication
// makes it.
func BenchmarkParseAccess(b *testing.B) {
	iss, err := NewIssuer(secret, "mockroom", 15*time.Minute, nil)
	if err != nil {
		b.Fatal(err)
	}
	raw, _, err := iss.IssueAccess(mockroom.Principal{UserID: "u-123456789", Name: "Ann Example"}, "session-0123456789")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.ParseAccess(raw); err != nil {
			b.Fatal(err)
		}
	}
}
