package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

const testPublicURL = "https://mock.example.org"

// withRooms mounts the room endpoints on the test server, with the fixed test bank.
func withRooms(t *testing.T, env *testEnv) {
	t.Helper()
	svc, err := room.NewService(redisstore.NewRoomStore(env.Client, env.Keys), roomtest.NewBank(3), room.Config{
		InviteKey: room.DeriveInviteKey(env.Secret),
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Server.MountRooms(svc, env.Accounts, testPublicURL)
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, body)
	}
	return v
}

// mustNotLeak fails if a body carries any interviewer-only material of the test bank.
func mustNotLeak(t *testing.T, body []byte) {
	t.Helper()
	if strings.Contains(string(body), "SECRET") {
		t.Fatalf("body leaks interviewer-only material: %s", body)
	}
}

func (e *testEnv) guestCount(t *testing.T) int {
	t.Helper()
	keys, err := e.Client.Keys(t.Context(), e.Keys.Prefix+":{user:*}:profile").Result()
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

func TestMentorRoomFlow(t *testing.T) {
	env := newTestEnv(t, withMount(withRooms))
	mentor := env.signup(t)

	res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{
		"track": roomtest.Track, "plan_id": "mentor-20", "title": "Practice with Sam",
		"settings": map[string]any{"auto_advance": true, "feedback_release": "held", "candidate_allowance": 1.25},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	mustNotLeak(t, body)
	created := decode[roomCreated](t, body)
	r := created.Room
	if r.State != mockroom.StateWaiting || r.Title != "Practice with Sam" || r.Settings.Allowance != 1.25 || r.Settings.FeedbackRelease != room.ReleaseHeld {
		t.Fatalf("created room = %+v", r)
	}
	if r.Questions[0].Title == "" {
		t.Error("the interviewer should see the titles of the questions they will ask")
	}
	inv := created.Invites
	if !strings.HasPrefix(inv.CandidateURL, testPublicURL+"/join#invite=") || !strings.HasPrefix(inv.ObserverURL, testPublicURL+"/join#invite=") {
		t.Fatalf("invite links = %+v", inv)
	}
	roomPath := "/api/v1/rooms/" + string(r.ID)

	// A guest follows the candidate link.
	res, body = env.do(t, "POST", "/api/v1/invites/accept", "", map[string]string{"invite": inv.CandidateInvite, "display_name": "Casey"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("guest accept: %d %s", res.StatusCode, body)
	}
	mustNotLeak(t, body)
	joined := decode[inviteAccepted](t, body)
	if joined.Session == nil || joined.Session.AccessToken == "" || joined.Session.RefreshToken == "" || !joined.Session.User.Guest {
		t.Fatalf("a guest join must return the guest's tokens: %s", body)
	}
	if joined.Participant.Role != mockroom.RoleCandidate || !joined.Participant.Guest || joined.Participant.DisplayName != "Casey" {
		t.Fatalf("participant = %+v", joined.Participant)
	}
	for _, q := range joined.Room.Questions {
		if q.Title != "" || q.QuestionID != "" {
			t.Fatalf("the candidate must not see questions before they are asked: %+v", q)
		}
	}
	casey := joined.Session.AccessToken
	res, body = env.do(t, "GET", roomPath, casey, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("candidate GET room: %d %s", res.StatusCode, body)
	}
	mustNotLeak(t, body)
	if got := decode[room.Room](t, body); got.Questions[0].Title != "" || len(got.Participants) != 2 {
		t.Fatalf("candidate's room = %+v", got)
	}

	// The same candidate link does not work a second time, for a guest or an account, and a
	// refused guest join creates no identity.
	guests := env.guestCount(t)
	res, body = env.do(t, "POST", "/api/v1/invites/accept", "", map[string]string{"invite": inv.CandidateInvite, "display_name": "Mallory"})
	if res.StatusCode != http.StatusConflict || errorCode(t, body) != "invite_used" {
		t.Fatalf("reused candidate link (guest): %d %s", res.StatusCode, body)
	}
	other := env.signup(t)
	guests++ // the signup above
	res, body = env.do(t, "POST", "/api/v1/invites/accept", other.AccessToken, map[string]string{"invite": inv.CandidateInvite})
	if res.StatusCode != http.StatusConflict || errorCode(t, body) != "invite_used" {
		t.Fatalf("reused candidate link (account): %d %s", res.StatusCode, body)
	}

	// An observer joins with an account, through the reusable observer link.
	res, body = env.do(t, "POST", "/api/v1/invites/accept", other.AccessToken, map[string]string{"invite": inv.ObserverInvite})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("observer accept: %d %s", res.StatusCode, body)
	}
	if got := decode[inviteAccepted](t, body); got.Participant.Role != mockroom.RoleObserver || got.Session != nil || got.Room.Questions[0].Title != "" {
		t.Fatalf("observer join = %s", body)
	}

	// A second candidate, through a fresh candidate link, is refused.
	res, body = env.do(t, "POST", roomPath+"/invites", mentor.AccessToken, nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("new invites: %d %s", res.StatusCode, body)
	}
	fresh := decode[roomInvites](t, body)
	res, body = env.do(t, "POST", "/api/v1/invites/accept", "", map[string]string{"invite": fresh.CandidateInvite, "display_name": "Second"})
	if res.StatusCode != http.StatusConflict || errorCode(t, body) != "candidate_taken" {
		t.Fatalf("second candidate: %d %s", res.StatusCode, body)
	}
	if n := env.guestCount(t); n != guests {
		t.Errorf("refused joins created identities: %d, want %d", n, guests)
	}
	res, body = env.do(t, "POST", roomPath+"/invites", casey, nil)
	if res.StatusCode != http.StatusForbidden || errorCode(t, body) != "not_room_owner" {
		t.Fatalf("candidate asking for invites: %d %s", res.StatusCode, body)
	}

	// Only participants see the room.
	stranger := env.signup(t)
	res, body = env.do(t, "GET", roomPath, stranger.AccessToken, nil)
	if res.StatusCode != http.StatusForbidden || errorCode(t, body) != "not_participant" {
		t.Fatalf("stranger GET room: %d %s", res.StatusCode, body)
	}
	res, _ = env.do(t, "GET", roomPath, "", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous GET room: %d", res.StatusCode)
	}

	res, body = env.do(t, "GET", "/api/v1/me/rooms", mentor.AccessToken, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("my rooms: %d %s", res.StatusCode, body)
	}
	if mine := decode[room.Mine](t, body); len(mine.Upcoming) != 1 || mine.Upcoming[0].ID != r.ID {
		t.Fatalf("mentor's rooms = %s", body)
	}
	res, body = env.do(t, "GET", "/api/v1/me/rooms", casey, nil)
	if mine := decode[room.Mine](t, body); res.StatusCode != http.StatusOK || len(mine.Upcoming) != 1 {
		t.Fatalf("guest's rooms = %d %s", res.StatusCode, body)
	}
	mustNotLeak(t, body)

	// Closing is the interviewer's, and only before the room starts.
	res, body = env.do(t, "POST", roomPath+"/close", casey, nil)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("candidate closing: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", roomPath+"/close", mentor.AccessToken, nil)
	if res.StatusCode != http.StatusOK || decode[room.Room](t, body).State != mockroom.StateClosed {
		t.Fatalf("close: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/invites/accept", stranger.AccessToken, map[string]string{"invite": inv.ObserverInvite})
	if res.StatusCode != http.StatusConflict || errorCode(t, body) != "room_closed" {
		t.Fatalf("joining a closed room: %d %s", res.StatusCode, body)
	}
}

func TestInviteAcceptRefusals(t *testing.T) {
	env := newTestEnv(t, withMount(withRooms))
	mentor := env.signup(t)
	res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{"track": roomtest.Track, "plan_id": "mentor-20"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	inv := decode[roomCreated](t, body).Invites
	tampered := inv.CandidateInvite[:len(inv.CandidateInvite)-2] + "xx"
	if tampered == inv.CandidateInvite {
		tampered = inv.CandidateInvite[:len(inv.CandidateInvite)-2] + "yy"
	}
	tests := []struct {
		name   string
		body   any
		bearer string
		status int
		code   string
	}{
		{"forged", map[string]string{"invite": tampered, "display_name": "X"}, "", http.StatusUnauthorized, "invite_invalid"},
		{"malformed", map[string]string{"invite": "hello", "display_name": "X"}, "", http.StatusBadRequest, "invite_malformed"},
		{"missing", map[string]string{"display_name": "X"}, "", http.StatusBadRequest, "missing_field"},
		{"guest without a name", map[string]string{"invite": inv.CandidateInvite}, "", http.StatusBadRequest, "missing_field"},
		{"bad bearer", map[string]string{"invite": inv.CandidateInvite}, "not-a-token", http.StatusUnauthorized, "token_invalid"},
		{"the interviewer as candidate", map[string]string{"invite": inv.CandidateInvite}, mentor.AccessToken, http.StatusConflict, "already_participant"},
		{"unknown field", map[string]string{"invite": inv.CandidateInvite, "role": "interviewer"}, "", http.StatusBadRequest, "bad_json"},
	}
	before := env.guestCount(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/v1/invites/accept", tt.bearer, tt.body)
			if res.StatusCode != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, tt.status, tt.code)
			}
		})
	}
	if n := env.guestCount(t); n != before {
		t.Errorf("refused joins created %d identities", n-before)
	}
}

func TestCreateRoomRefusals(t *testing.T) {
	env := newTestEnv(t, withMount(withRooms))
	mentor := env.signup(t)
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no plan", map[string]any{"track": roomtest.Track}, http.StatusBadRequest, "missing_field"},
		{"empty custom plan", map[string]any{"track": roomtest.Track, "plan": map[string]any{"slots": []any{}}}, http.StatusBadRequest, "missing_field"},
		{"unknown plan", map[string]any{"track": roomtest.Track, "plan_id": "nope"}, http.StatusNotFound, "plan_not_found"},
		{"bad release", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "settings": map[string]any{"feedback_release": "never"}}, http.StatusBadRequest, "invalid_feedback_release"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, tt.body)
			if res.StatusCode != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, tt.status, tt.code)
			}
		})
	}
	res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{"track": roomtest.Track, "plan": map[string]any{"slots": []map[string]any{
		{"category": "system_design", "difficulty": "senior", "minutes": 25},
	}}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("custom plan: %d %s", res.StatusCode, body)
	}
	if got := decode[roomCreated](t, body).Room; len(got.Questions) != 1 || got.Questions[0].Minutes != 25 {
		t.Fatalf("custom plan room = %+v", got)
	}
}
