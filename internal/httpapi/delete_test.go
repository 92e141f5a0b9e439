package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestDeleteAccount: a wrong or missing password deletes nothing; the right one deletes the
// account, after which the email no longer logs in and the token finds no user.
func TestDeleteAccount(t *testing.T) {
	env := newTestEnv(t)
	u := env.signup(t)

	res, body := env.do(t, "POST", "/api/v1/me/delete", u.AccessToken, map[string]string{"password": "not the password"})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "wrong_password") {
		t.Fatalf("wrong password: status %d: %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/me/delete", u.AccessToken, map[string]string{})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "field_missing") {
		t.Fatalf("no password: status %d: %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": u.Password})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("after refused deletions the account must still log in: status %d: %s", res.StatusCode, body)
	}

	res, body = env.do(t, "POST", "/api/v1/me/delete", u.AccessToken, map[string]string{"password": u.Password})
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: status %d: %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": u.Password})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("login after deletion: status %d: %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", u.AccessToken, nil); res.StatusCode == http.StatusOK {
		t.Errorf("GET /me after deletion: status %d: %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.RefreshToken}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh after deletion: status %d: %s", res.StatusCode, body)
	}
}

func init() {
	driftScenarios = append(driftScenarios, driftScenario{Name: "delete account", Run: driftDeleteAccount})
}

func driftDeleteAccount(t *testing.T, c *driftClient) {
	var s authSession
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/auth/signup", WantStatus: 201,
		Body: map[string]string{"email": "leaving@example.org", "password": "time to go now", "name": "Leaving"}}, &s)
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/me/delete", Token: s.AccessToken, WantStatus: 403,
		Body: map[string]string{"password": "not it at all"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/me/delete", Token: s.AccessToken, WantStatus: 400,
		Body: map[string]string{}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/me/delete", Token: s.AccessToken, WantStatus: 204,
		Body: map[string]string{"password": "time to go now"}})
}

// TestDeleteGuestAccount: a guest has no password and confirms with the fixed phrase; anything
// else deletes nothing.
func TestDeleteGuestAccount(t *testing.T) {
	env := newTestEnv(t)
	_, pair, err := env.Accounts.CreateGuest(t.Context(), "Passing Visitor")
	if err != nil {
		t.Fatal(err)
	}
	res, body := env.do(t, "POST", "/api/v1/me/delete", pair.AccessToken, map[string]string{"confirm": "yes"})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "confirmation_required") {
		t.Fatalf("wrong confirmation: status %d: %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", pair.AccessToken, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("after a refused deletion the guest must still be there: status %d: %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/me/delete", pair.AccessToken, map[string]string{"confirm": "delete my account"})
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: status %d: %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "GET", "/api/v1/me", pair.AccessToken, nil); res.StatusCode == http.StatusOK {
		t.Errorf("GET /me after deletion: status %d: %s", res.StatusCode, body)
	}
}
