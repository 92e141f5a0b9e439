package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// Drift scenarios for the operations and auth endpoints.
func init() {
	driftScenarios = append(driftScenarios,
		driftScenario{Name: "operations", Run: driftOperations},
		driftScenario{Name: "auth", Run: driftAuth},
		driftScenario{Name: "auth errors", Run: driftAuthErrors},
	)
}

func driftOperations(t *testing.T, c *driftClient) {
	c.Do(t, driftRequest{Method: "GET", Path: "/healthz", WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/readyz", WantStatus: 200})
}

func driftAuth(t *testing.T, c *driftClient) {
	var signed authSession
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/auth/signup", WantStatus: 201,
		Body: map[string]string{"email": "Drift@Example.org", "password": "drifting along", "name": "Drift"}}, &signed)
	var logged authSession
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/auth/login", WantStatus: 200,
		Body: map[string]string{"email": "drift@example.org", "password": "drifting along"}}, &logged)
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me", Token: logged.AccessToken, WantStatus: 200})

	var refreshed authSession
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/auth/refresh", WantStatus: 200,
		Body: map[string]string{"refresh_token": logged.RefreshToken}}, &refreshed)
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/refresh", WantStatus: 401,
		Body: map[string]string{"refresh_token": logged.RefreshToken}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/logout", WantStatus: 204,
		Body: map[string]string{"refresh_token": signed.RefreshToken}})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me", Token: signed.AccessToken, WantStatus: 401})

	_, guest, err := c.Env.Accounts.CreateGuest(t.Context(), "Drifting guest")
	if err != nil {
		t.Fatal(err)
	}
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/claim", Token: guest.AccessToken, WantStatus: 409,
		Body: map[string]string{"email": "drift@example.org", "password": "drifting along"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/claim", Token: guest.AccessToken, WantStatus: 200,
		Body: map[string]string{"email": "drift-guest@example.org", "password": "drifting along", "name": "Drifter"}})
}

func driftAuthErrors(t *testing.T, c *driftClient) {
	signup := func(body any, status int) {
		t.Helper()
		c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/signup", Body: body, WantStatus: status, SkipRequestValidation: true})
	}
	signup(map[string]string{"email": "short@example.org", "password": "short", "name": "S"}, 400)
	signup(`{"email": `, 400)
	signup(`{"email":"x@example.org","password":"long enough!","name":"X","role":"admin"}`, 400)
	signup(`{"email":"x@example.org","password":"long enough!","name":"`+strings.Repeat("x", 70<<10)+`"}`, http.StatusRequestEntityTooLarge)

	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/refresh", Body: map[string]string{}, WantStatus: 400, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/logout", Body: `[]`, WantStatus: 400, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/claim", WantStatus: 401, SkipRequestValidation: true,
		Body: map[string]string{"email": "nobody@example.org", "password": "long enough!"}})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me", Token: "forged.token.here", WantStatus: 401})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me", WantStatus: 401, SkipRequestValidation: true})

	// Per-account login limit (5 in the drift server): the sixth attempt is refused.
	for range 5 {
		c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/login", WantStatus: 401,
			Body: map[string]string{"email": "limited@example.org", "password": "not the password"}})
	}
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/auth/login", WantStatus: 429,
		Body: map[string]string{"email": "limited@example.org", "password": "not the password"}})
}
