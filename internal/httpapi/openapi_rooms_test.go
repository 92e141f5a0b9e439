package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// Drift scenarios for the room, invite and matching endpoints.
func init() {
	driftEnvOptions = append(driftEnvOptions, withMount(withMatch))
	driftScenarios = append(driftScenarios,
		driftScenario{Name: "rooms", Run: driftRooms},
		driftScenario{Name: "match", Run: driftMatch},
	)
}

func driftRooms(t *testing.T, c *driftClient) {
	mentor, stranger := c.Env.signup(t), c.Env.signup(t)
	var created roomCreated
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/rooms", Token: mentor.AccessToken, WantStatus: 201, Body: map[string]any{
		"track": roomtest.Track, "plan_id": "mentor-20", "title": "Drift room", "scheduled_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"settings": map[string]any{"auto_advance": false, "feedback_release": "on_submit", "candidate_allowance": 1.5},
	}}, &created)
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms", Token: mentor.AccessToken, WantStatus: 201, Body: map[string]any{
		"track": roomtest.Track, "plan": map[string]any{"slots": []map[string]any{{"category": "candidate_questions", "minutes": 5}}},
	}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms", Token: mentor.AccessToken, WantStatus: 404, Body: map[string]any{"track": "nope", "plan_id": "x"}})
	_, guest, err := c.Env.Accounts.CreateGuest(t.Context(), "Drifting guest")
	if err != nil {
		t.Fatal(err)
	}
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/rooms", Token: guest.AccessToken, WantStatus: 403, Body: map[string]any{"track": roomtest.Track, "plan_id": "mentor-20"}})
	path := "/api/v1/rooms/" + string(created.Room.ID)
	inv := created.Invites

	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/preview", WantStatus: 200, Body: map[string]string{"invite": inv.CandidateInvite}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/preview", WantStatus: 401, Body: map[string]string{"invite": inv.CandidateInvite + "x"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/preview", WantStatus: 400, Body: map[string]string{"invite": "not an invite"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/accept", WantStatus: 200, Body: map[string]string{"invite": inv.CandidateInvite, "display_name": "Drift guest"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/preview", WantStatus: 409, Body: map[string]string{"invite": inv.CandidateInvite}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/accept", WantStatus: 409, Body: map[string]string{"invite": inv.CandidateInvite, "display_name": "Again"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/accept", WantStatus: 401, Body: map[string]string{"invite": inv.CandidateInvite + "x", "display_name": "Forger"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/accept", WantStatus: 400, Body: map[string]string{"invite": "not an invite", "display_name": "X"}})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/invites/accept", Token: stranger.AccessToken, WantStatus: 200, Body: map[string]string{"invite": inv.ObserverInvite}})

	c.Do(t, driftRequest{Method: "GET", Path: path, Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/rooms/no-such-room", Token: mentor.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/invites", Token: mentor.AccessToken, WantStatus: 201})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/invites", Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/reveal", Token: mentor.AccessToken, WantStatus: 409})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/rooms", Token: stranger.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/close", Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/close", Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: path, Token: c.Env.signup(t).AccessToken, WantStatus: 403})
}

func driftMatch(t *testing.T, c *driftClient) {
	a, b := c.Env.signup(t), c.Env.signup(t)
	join := map[string]any{"track": roomtest.Track, "level": "senior", "categories": []string{"problem_solving"}}
	c.Do(t, driftRequest{Method: "DELETE", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 404})
	_, guest, err := c.Env.Accounts.CreateGuest(t.Context(), "Queueing guest")
	if err != nil {
		t.Fatal(err)
	}
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: guest.AccessToken, WantStatus: 403, Body: join})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 202, Body: join})
	c.Do(t, driftRequest{Method: "DELETE", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 204})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 202, Body: join})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 409, Body: join})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: a.AccessToken, WantStatus: 400, Body: map[string]any{"track": roomtest.Track, "level": "guru"}, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/match/wait?timeout=0", Token: a.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/match/wait?timeout=10ms", Token: a.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/match/wait?timeout=2h", Token: a.AccessToken, WantStatus: 400})
	var matched match.View
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/match/queue", Token: b.AccessToken, WantStatus: 202, Body: join}, &matched)
	if matched.Match == nil {
		t.Fatalf("b was not matched: %+v", matched)
	}
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/match/status", Token: a.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/nope/confirm", Token: a.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/match/" + matched.Match.ID + "/confirm", Token: a.AccessToken, WantStatus: 200})
	var done match.View
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/match/" + matched.Match.ID + "/confirm", Token: b.AccessToken, WantStatus: 200}, &done)
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/match/wait", Token: a.AccessToken, WantStatus: 200})
	path := "/api/v1/rooms/" + string(done.Match.RoomID)
	c.Do(t, driftRequest{Method: "POST", Path: path + "/reveal", Token: a.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "POST", Path: path + "/reveal", Token: b.AccessToken, WantStatus: http.StatusOK})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/rooms", Token: b.AccessToken, WantStatus: 200})
}
