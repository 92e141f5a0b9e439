package httpapi

import (
	"encoding/json"
	"testing"
)

// A claim keeps the guest's session going, so a room socket the guest opened (bound to that
// session, re-checked every few seconds) is not closed by the claim; what says "guest" stops
// working all the same. Before, the claim ended the session and the next sweep closed the
// guest's socket with 4001 "session ended", before the client could hand it the new token.
func TestGuestClaimKeepsTheSessionItsSocketsUse(t *testing.T) {
	env := newTestEnv(t)
	guest, pair, err := env.Accounts.CreateGuest(t.Context(), "Sam")
	if err != nil {
		t.Fatal(err)
	}
	res, body := env.do(t, "POST", "/api/v1/auth/claim", pair.AccessToken, map[string]string{"email": "sam@example.org", "password": "a fine password"})
	if res.StatusCode != 200 {
		t.Fatalf("claim: %d %s", res.StatusCode, body)
	}
	var claimed authSession
	if err := json.Unmarshal(body, &claimed); err != nil {
		t.Fatal(err)
	}

	// The session a socket checks is still active, and the claimed tokens continue it.
	active, err := env.Accounts.SessionActive(t.Context(), guest.UserID, pair.SessionID)
	if err != nil || !active {
		t.Errorf("the guest's session after the claim: active %v, %v; want active", active, err)
	}
	after, err := env.Accounts.Verify(t.Context(), claimed.AccessToken)
	if err != nil {
		t.Fatalf("claimed access token: %v", err)
	}
	if after.SessionID != pair.SessionID || after.Principal.Guest {
		t.Errorf("claimed token: session %q guest %v, want session %q, not a guest", after.SessionID, after.Principal.Guest, pair.SessionID)
	}

	// The guest's tokens no longer work: the access token is refused, the refresh token is
	// replaced (presenting it counts as reuse).
	if res, body := env.do(t, "GET", "/api/v1/me", pair.AccessToken, nil); res.StatusCode != 401 || errorCode(t, body) != "session_revoked" {
		t.Errorf("guest access token after the claim: %d %s, want 401 session_revoked", res.StatusCode, body)
	}
	if res, body := env.do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}); res.StatusCode != 401 {
		t.Errorf("guest refresh token after the claim: %d %s, want 401", res.StatusCode, body)
	}
}
