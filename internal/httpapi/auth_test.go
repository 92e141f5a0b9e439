package httpapi

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/token"
)

func TestSignupLoginMe(t *testing.T) {
	env := newTestEnv(t)
	res, body := env.do(t, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": "  Ada@Example.ORG ", "password": "analytical engine", "name": " Ada ",
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d %s", res.StatusCode, body)
	}
	var signed authSession
	if err := json.Unmarshal(body, &signed); err != nil {
		t.Fatal(err)
	}
	if signed.User.Email != "ada@example.org" || signed.User.Name != "Ada" || signed.User.Guest || signed.TokenType != "Bearer" {
		t.Errorf("signup user = %+v", signed)
	}
	if signed.ExpiresIn < 890 || signed.ExpiresIn > 900 {
		t.Errorf("expires_in = %d, want about 900", signed.ExpiresIn)
	}
	if strings.Contains(string(body), "argon2") {
		t.Fatalf("response leaks the password hash: %s", body)
	}

	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "ADA@example.org", "password": "analytical engine"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	var logged authSession
	if err := json.Unmarshal(body, &logged); err != nil {
		t.Fatal(err)
	}
	if logged.User.ID != signed.User.ID {
		t.Errorf("login user id %s, signup %s", logged.User.ID, signed.User.ID)
	}

	res, body = env.do(t, "GET", "/api/v1/me", logged.AccessToken, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("me: %d %s", res.StatusCode, body)
	}
	var me authUser
	if err := json.Unmarshal(body, &me); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(signed.User, me); diff != "" {
		t.Errorf("/me differs from the signed-up user (-signup +me):\n%s", diff)
	}
}

func TestSignupRefusals(t *testing.T) {
	env := newTestEnv(t, withMaxBody(1024))
	existing := env.signup(t)
	tests := []struct {
		name        string
		body        any
		contentType string
		status      int
		code        string
	}{
		{"duplicate email, other case and spaces", map[string]string{"email": " " + strings.ToUpper(existing.Email) + "\t", "password": "long enough pw", "name": "X"}, "", 409, "email_taken"},
		{"short password", map[string]string{"email": "short@example.org", "password": "123456789", "name": "X"}, "", 400, "password_too_short"},
		{"long password", map[string]string{"email": "long@example.org", "password": strings.Repeat("p", 257), "name": "X"}, "", 400, "password_too_long"},
		{"bad email", map[string]string{"email": "not-an-email", "password": "long enough pw", "name": "X"}, "", 400, "email_invalid"},
		{"missing name", map[string]string{"email": "noname@example.org", "password": "long enough pw"}, "", 400, "name_invalid"},
		{"bad JSON", `{"email": `, "", 400, "bad_json"},
		{"empty body", ``, "", 400, "bad_json"},
		{"unknown field", `{"email":"u@example.org","password":"long enough pw","name":"U","admin":true}`, "", 400, "bad_json"},
		{"trailing data", `{"email":"u@example.org","password":"long enough pw","name":"U"} {}`, "", 400, "bad_json"},
		{"wrong content type", `{"email":"u@example.org","password":"long enough pw","name":"U"}`, "text/plain", 400, "unsupported_media_type"},
		{"oversized body", `{"email":"u@example.org","password":"long enough pw","name":"` + strings.Repeat("n", 2000) + `"}`, "", 413, "body_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res *http.Response
			var body []byte
			if tc.contentType != "" {
				req, _ := http.NewRequestWithContext(t.Context(), "POST", env.URL+"/api/v1/auth/signup", strings.NewReader(tc.body.(string)))
				req.Header.Set("Content-Type", tc.contentType)
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				res = r
				body = readAll(t, r)
			} else {
				res, body = env.do(t, "POST", "/api/v1/auth/signup", "", tc.body)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if got := errorCode(t, body); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	// None of the refusals created an account: logging in as any of them fails.
	res, body := env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "short@example.org", "password": "123456789"})
	if res.StatusCode != 401 || errorCode(t, body) != "invalid_credentials" {
		t.Errorf("refused signup left an account: %d %s", res.StatusCode, body)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	env := newTestEnv(t)
	u := env.signup(t)
	guest, _, err := env.Accounts.CreateGuest(t.Context(), "Guest")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, creds := range []map[string]string{
		{"email": u.Email, "password": "wrong password!"},
		{"email": "nobody@example.org", "password": u.Password},
		{"email": "", "password": ""},
		{"email": string(guest.UserID), "password": "anything at all"},
	} {
		res, body := env.do(t, "POST", "/api/v1/auth/login", "", creds)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("login %v: %d %s", creds, res.StatusCode, body)
		}
		bodies = append(bodies, string(body))
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("failed logins differ, revealing which emails exist:\n%s\n%s", bodies[0], b)
		}
	}
}

func TestLoginRateLimited(t *testing.T) {
	env := newTestEnv(t, withLimits(account.Limits{LoginPerAccount: 3, LoginPerAddress: 5, SignupPerAddress: 100, Window: time.Minute}))
	u := env.signup(t)
	other := env.signup(t)
	for i := range 3 {
		res, body := env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "wrong password!"})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, res.StatusCode, body)
		}
	}
	// The fourth attempt on this account is refused even with the right password.
	res, body := env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": u.Password})
	if res.StatusCode != http.StatusTooManyRequests || errorCode(t, body) != "rate_limited" {
		t.Fatalf("4th attempt: %d %s", res.StatusCode, body)
	}
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After = %q, want 1..60 seconds", res.Header.Get("Retry-After"))
	}
	// Another account from the same address still has attempts left (5 per address; 4 used).
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": other.Email, "password": other.Password})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("other account: %d %s", res.StatusCode, body)
	}
	// Now the address is exhausted, for any account.
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": other.Email, "password": other.Password})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("address limit: %d %s", res.StatusCode, body)
	}
}

// TestForgedTokens sends tokens that must all be refused to GET /api/v1/me through the real
// handler.
func TestForgedTokens(t *testing.T) {
	env := newTestEnv(t)
	u := env.signup(t)
	claims, err := env.Tokens.ParseAccess(u.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	base := func() jwt.MapClaims {
		now := time.Now()
		return jwt.MapClaims{
			"sub": u.ID, "name": u.Name, "guest": false, "sid": claims.SessionID,
			"iss": env.Issuer, "aud": []string{env.Issuer + "-api"},
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		}
	}
	sign := func(m jwt.MapClaims, method jwt.SigningMethod, key any) string {
		t.Helper()
		s, err := jwt.NewWithClaims(method, m).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	with := func(k string, v any) jwt.MapClaims {
		m := base()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	expiredIssuer, err := token.NewIssuer(env.Secret, env.Issuer, time.Minute, func() time.Time { return time.Now().Add(-time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := expiredIssuer.IssueAccess(claims.Principal, claims.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(u.AccessToken)
	last := len(flipped) - 2 // a byte inside the signature that changes decoded bits
	if flipped[last] == 'A' {
		flipped[last] = 'B'
	} else {
		flipped[last] = 'A'
	}
	unsignedNone := func() string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, base()).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	// The valid base token must pass, or every refusal below proves nothing.
	if res, body := env.do(t, "GET", "/api/v1/me", sign(base(), jwt.SigningMethodHS256, env.Secret), nil); res.StatusCode != 200 {
		t.Fatalf("control token refused: %d %s", res.StatusCode, body)
	}

	tests := []struct {
		name  string
		token string
		code  string
	}{
		{"signature byte flipped", string(flipped), "token_invalid"},
		{"expired", expired, "token_expired"},
		{"alg none", unsignedNone, "token_invalid"},
		{"wrong audience", sign(with("aud", []string{"someone-else"}), jwt.SigningMethodHS256, env.Secret), "token_invalid"},
		{"no audience", sign(with("aud", nil), jwt.SigningMethodHS256, env.Secret), "token_invalid"},
		{"wrong issuer", sign(with("iss", "evil"), jwt.SigningMethodHS256, env.Secret), "token_invalid"},
		{"HS512", sign(base(), jwt.SigningMethodHS512, env.Secret), "token_invalid"},
		{"RS256 with a fresh key", sign(base(), jwt.SigningMethodRS256, rsaKey), "token_invalid"},
		{"missing exp", sign(with("exp", nil), jwt.SigningMethodHS256, env.Secret), "token_invalid"},
		{"missing sid", sign(with("sid", nil), jwt.SigningMethodHS256, env.Secret), "token_invalid"},
		{"unknown sid", sign(with("sid", "made-up"), jwt.SigningMethodHS256, env.Secret), "session_revoked"},
		{"other secret", sign(base(), jwt.SigningMethodHS256, []byte("another-secret-another-secret-!!")), "token_invalid"},
		{"not a JWT", "hello", "token_invalid"},
		{"payload swapped", swapPayload(t, u.AccessToken, with("sub", "someone-else")), "token_invalid"},
		{"missing", "", "token_missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := env.do(t, "GET", "/api/v1/me", tc.token, nil)
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", res.StatusCode, body)
			}
			if got := errorCode(t, body); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// swapPayload keeps a genuine token's header and signature but replaces its payload.
func swapPayload(t *testing.T, tok string, claims jwt.MapClaims) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func TestRefreshRotationAndReuse(t *testing.T) {
	env := newTestEnv(t)
	u := env.signup(t)

	res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.RefreshToken})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", res.StatusCode, body)
	}
	var second authSession
	if err := json.Unmarshal(body, &second); err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == u.RefreshToken || string(second.User.ID) != u.ID {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", second.AccessToken, nil); res.StatusCode != 200 {
		t.Fatalf("new access token refused: %d %s", res.StatusCode, body)
	}

	// The rotated-away token is presented again: theft is assumed and the whole session ends.
	res, body = env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.RefreshToken})
	if res.StatusCode != http.StatusUnauthorized || errorCode(t, body) != "refresh_reused" {
		t.Fatalf("reuse: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken})
	if res.StatusCode != http.StatusUnauthorized || errorCode(t, body) != "refresh_invalid" {
		t.Fatalf("newest token after reuse: %d %s", res.StatusCode, body)
	}
	for _, tok := range []string{u.AccessToken, second.AccessToken} {
		if res, body := env.do(t, "GET", "/api/v1/me", tok, nil); res.StatusCode != 401 || errorCode(t, body) != "session_revoked" {
			t.Fatalf("access token of a revoked session: %d %s", res.StatusCode, body)
		}
	}

	// Other sessions of the same account are untouched.
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": u.Password})
	if res.StatusCode != 200 {
		t.Fatalf("login after revocation: %d %s", res.StatusCode, body)
	}

	for name, tok := range map[string]string{"garbage": "not-a-token", "unknown": strings.Repeat("A", 43)} {
		res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		if res.StatusCode != 401 || errorCode(t, body) != "refresh_invalid" {
			t.Errorf("%s refresh token: %d %s", name, res.StatusCode, body)
		}
	}
	if res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{}); res.StatusCode != 400 || errorCode(t, body) != "field_missing" {
		t.Errorf("missing refresh_token: %d %s", res.StatusCode, body)
	}
}

func TestLogoutRevokes(t *testing.T) {
	env := newTestEnv(t)
	u := env.signup(t)
	other := env.signup(t)
	res, body := env.do(t, "POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": u.RefreshToken})
	if res.StatusCode != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("logout: %d %q", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", u.AccessToken, nil); res.StatusCode != 401 || errorCode(t, body) != "session_revoked" {
		t.Errorf("access token after logout: %d %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.RefreshToken}); res.StatusCode != 401 {
		t.Errorf("refresh after logout: %d %s", res.StatusCode, body)
	}
	// Logging out again is harmless.
	if res, _ := env.do(t, "POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": u.RefreshToken}); res.StatusCode != 204 {
		t.Errorf("second logout: %d", res.StatusCode)
	}
	// Someone else's session is untouched.
	if res, body := env.do(t, "GET", "/api/v1/me", other.AccessToken, nil); res.StatusCode != 200 {
		t.Errorf("other user after logout: %d %s", res.StatusCode, body)
	}
	claims, err := env.Tokens.ParseAccess(u.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if active, err := env.Accounts.SessionActive(t.Context(), claims.Principal.UserID, claims.SessionID); err != nil || active {
		t.Errorf("SessionActive after logout = %v, %v", active, err)
	}
	// The batched check (the socket sweep's) agrees: the ended session, the other user's, and a
	// reference without a session.
	otherClaims, err := env.Tokens.ParseAccess(other.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	refs := []account.SessionRef{
		{UserID: claims.Principal.UserID, SessionID: claims.SessionID},
		{UserID: otherClaims.Principal.UserID, SessionID: otherClaims.SessionID},
		{UserID: otherClaims.Principal.UserID},
	}
	got, err := env.Accounts.SessionsActive(t.Context(), refs)
	if err != nil || len(got) != 3 || got[0] || !got[1] || got[2] {
		t.Errorf("SessionsActive(ended, other's, no session) = %v, %v; want [false true false]", got, err)
	}
}

func TestGuestClaimKeepsID(t *testing.T) {
	env := newTestEnv(t)
	guest, pair, err := env.Accounts.CreateGuest(t.Context(), "  Visitor ")
	if err != nil {
		t.Fatal(err)
	}
	if !guest.Guest || guest.Name != "Visitor" {
		t.Fatalf("guest = %+v", guest)
	}
	res, body := env.do(t, "GET", "/api/v1/me", pair.AccessToken, nil)
	if res.StatusCode != 200 {
		t.Fatalf("guest /me: %d %s", res.StatusCode, body)
	}
	var me authUser
	_ = json.Unmarshal(body, &me)
	if me.ID != guest.UserID || !me.Guest || me.Email != "" {
		t.Errorf("guest /me = %+v", me)
	}

	taken := env.signup(t)
	res, body = env.do(t, "POST", "/api/v1/auth/claim", pair.AccessToken, map[string]string{"email": taken.Email, "password": "a fine password"})
	if res.StatusCode != 409 || errorCode(t, body) != "email_taken" {
		t.Fatalf("claim with a taken email: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/auth/claim", "", map[string]string{"email": "v@example.org", "password": "a fine password"})
	if res.StatusCode != 401 || errorCode(t, body) != "token_missing" {
		t.Fatalf("claim without a token: %d %s", res.StatusCode, body)
	}

	res, body = env.do(t, "POST", "/api/v1/auth/claim", pair.AccessToken, map[string]string{"email": "Visitor@Example.org", "password": "a fine password", "name": "Vera"})
	if res.StatusCode != 200 {
		t.Fatalf("claim: %d %s", res.StatusCode, body)
	}
	var claimed authSession
	_ = json.Unmarshal(body, &claimed)
	want := authUser{ID: guest.UserID, Email: "visitor@example.org", Name: "Vera", Guest: false, CreatedAt: me.CreatedAt}
	if diff := cmp.Diff(want, claimed.User); diff != "" {
		t.Errorf("claimed user (-want +got):\n%s", diff)
	}
	// The guest's tokens end with the claim; the new ones work, and so does a password login.
	if res, _ := env.do(t, "GET", "/api/v1/me", pair.AccessToken, nil); res.StatusCode != 401 {
		t.Errorf("guest access token after claim: %d", res.StatusCode)
	}
	if res, _ := env.do(t, "GET", "/api/v1/me", claimed.AccessToken, nil); res.StatusCode != 200 {
		t.Errorf("claimed access token: %d", res.StatusCode)
	}
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "visitor@example.org", "password": "a fine password"})
	if res.StatusCode != 200 {
		t.Fatalf("login after claim: %d %s", res.StatusCode, body)
	}
	var logged authSession
	_ = json.Unmarshal(body, &logged)
	if logged.User.ID != guest.UserID {
		t.Errorf("login after claim gives id %s, want %s", logged.User.ID, guest.UserID)
	}
	// A full account cannot claim again.
	res, body = env.do(t, "POST", "/api/v1/auth/claim", logged.AccessToken, map[string]string{"email": "again@example.org", "password": "a fine password"})
	if res.StatusCode != 409 || errorCode(t, body) != "already_claimed" {
		t.Errorf("second claim: %d %s", res.StatusCode, body)
	}
}

func readAll(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
