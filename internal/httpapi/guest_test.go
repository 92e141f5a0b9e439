package httpapi

import (
	"net/http"
	"testing"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// A guest exists to join the room they were invited to: the server, not only the page, refuses
// them the peer queue and creating rooms until they keep their identity with an account, and a
// refusal leaves nothing behind. Once they have claimed an account, both work.
func TestGuestsCannotQueueOrCreateRooms(t *testing.T) {
	env := newTestEnv(t, withMount(withMatch))
	_, pair, err := env.Accounts.CreateGuest(t.Context(), "Visiting Guest")
	if err != nil {
		t.Fatal(err)
	}
	token := pair.AccessToken
	join := map[string]any{"track": roomtest.Track, "level": "mid"}
	create := map[string]any{"track": roomtest.Track, "plan_id": "mentor-20"}

	res, body := env.do(t, "POST", "/api/v1/match/queue", token, join)
	if res.StatusCode != http.StatusForbidden || errorCode(t, body) != "account_required" {
		t.Errorf("guest joins the queue: %d %s; want 403 account_required", res.StatusCode, body)
	}
	res, body = env.do(t, "GET", "/api/v1/match/status", token, nil)
	if st := decode[match.View](t, body).Status; res.StatusCode != http.StatusOK || st == match.StatusWaiting || st == match.StatusMatched {
		t.Errorf("guest's match status after the refusal: %d %s; want not queued", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/rooms", token, create)
	if res.StatusCode != http.StatusForbidden || errorCode(t, body) != "account_required" {
		t.Errorf("guest creates a room: %d %s; want 403 account_required", res.StatusCode, body)
	}
	res, body = env.do(t, "GET", "/api/v1/me/rooms", token, nil)
	if mine := decode[room.Mine](t, body); res.StatusCode != http.StatusOK || len(mine.Upcoming)+len(mine.Live)+len(mine.Past) != 0 {
		t.Errorf("guest's rooms after the refusal: %d %s; want none", res.StatusCode, body)
	}

	res, body = env.do(t, "POST", "/api/v1/auth/claim", token, map[string]string{"email": "kept-guest@example.org", "password": "a long enough password"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("claim: %d %s", res.StatusCode, body)
	}
	token = decode[authSession](t, body).AccessToken
	if res, body := env.do(t, "POST", "/api/v1/match/queue", token, join); res.StatusCode != http.StatusAccepted {
		t.Errorf("joins the queue after keeping the identity: %d %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "POST", "/api/v1/rooms", token, create); res.StatusCode != http.StatusCreated {
		t.Errorf("creates a room after keeping the identity: %d %s", res.StatusCode, body)
	}
}
