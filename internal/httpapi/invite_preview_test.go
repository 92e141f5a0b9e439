package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// withRoomsAt mounts the room endpoints like withRooms, on clock's time.
func withRoomsAt(clock *testClock) func(t *testing.T, env *testEnv) {
	return func(t *testing.T, env *testEnv) {
		t.Helper()
		svc, err := room.NewService(redisstore.NewRoomStore(env.Client, env.Keys), roomtest.NewBank(3), room.Config{
			InviteKey: room.DeriveInviteKey(env.Secret),
			Now:       clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		env.Server.MountRooms(svc, env.Accounts, testPublicURL)
	}
}

func TestInvitePreview(t *testing.T) {
	clock := &testClock{now: time.Now().UTC().Truncate(time.Second)}
	env := newTestEnv(t, withMount(withRoomsAt(clock)))
	mentor := env.signup(t)
	scheduled := clock.Now().Add(26 * time.Hour)
	res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{
		"track": roomtest.Track, "plan_id": "mentor-20", "title": "Practice with Sam", "scheduled_at": scheduled.Format(time.RFC3339),
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	created := decode[roomCreated](t, body)
	if !created.Room.ScheduledAt.Equal(scheduled) {
		t.Fatalf("room scheduled_at = %v, want %v", created.Room.ScheduledAt, scheduled)
	}
	preview := func(t *testing.T, invite string) (int, []byte) {
		t.Helper()
		res, body := env.do(t, "POST", "/api/v1/invites/preview", "", map[string]string{"invite": invite})
		return res.StatusCode, body
	}

	// The candidate learns whose room it is, what for and when; nothing of the questions.
	status, body := preview(t, created.Invites.CandidateInvite)
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, body)
	}
	got := decode[room.InvitePreview](t, body)
	want := room.InvitePreview{
		Role: mockroom.RoleCandidate, RoomTitle: "Practice with Sam", Track: roomtest.Track, State: mockroom.StateWaiting,
		Interviewer: mentor.Name, ScheduledAt: scheduled, ExpiresAt: created.Invites.ExpiresAt,
		Plan: room.PlanOutline{Title: "Twenty minutes", QuestionCount: 3, Minutes: 20},
	}
	if !got.ScheduledAt.Equal(want.ScheduledAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("preview times = %v, %v; want %v, %v", got.ScheduledAt, got.ExpiresAt, want.ScheduledAt, want.ExpiresAt)
	}
	got.ScheduledAt, got.ExpiresAt, want.ScheduledAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Fatalf("preview = %+v\nwant      %+v", got, want)
	}
	mustNotLeak(t, body)
	for _, q := range created.Room.Questions {
		if q.Title != "" && strings.Contains(string(body), q.Title) {
			t.Fatalf("the preview names a question of the plan (%q): %s", q.Title, body)
		}
	}
	if status, body := preview(t, created.Invites.ObserverInvite); status != http.StatusOK || decode[room.InvitePreview](t, body).Role != mockroom.RoleObserver {
		t.Fatalf("observer preview: %d %s", status, body)
	}

	// Previewing changes nothing: the room has only its interviewer, no guest was made, and the
	// candidate link still works once.
	guests := env.guestCount(t)
	for range 3 {
		if status, body := preview(t, created.Invites.CandidateInvite); status != http.StatusOK {
			t.Fatalf("repeated preview: %d %s", status, body)
		}
	}
	if n := env.guestCount(t); n != guests {
		t.Fatalf("previews created %d identities", n-guests)
	}
	res, body = env.do(t, "GET", "/api/v1/rooms/"+string(created.Room.ID), mentor.AccessToken, nil)
	if res.StatusCode != http.StatusOK || len(decode[room.Room](t, body).Participants) != 1 {
		t.Fatalf("room after previews: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/invites/accept", "", map[string]string{"invite": created.Invites.CandidateInvite, "display_name": "Sam"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("accept after previews: %d %s", res.StatusCode, body)
	}

	// A room made without a schedule or a named plan says so.
	res, body = env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{"track": roomtest.Track, "plan": map[string]any{"slots": []map[string]any{
		{"category": "system_design", "difficulty": "senior", "minutes": 25}, {"category": "candidate_questions", "seconds": 90},
	}}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("custom plan: %d %s", res.StatusCode, body)
	}
	custom := decode[roomCreated](t, body)
	status, body = preview(t, custom.Invites.CandidateInvite)
	if status != http.StatusOK {
		t.Fatalf("custom preview: %d %s", status, body)
	}
	if p := decode[room.InvitePreview](t, body); !p.ScheduledAt.IsZero() || p.Plan != (room.PlanOutline{Title: "Custom plan", QuestionCount: 2, Minutes: 27}) || strings.Contains(string(body), "scheduled_at") {
		t.Fatalf("custom preview = %+v (%s)", p, body)
	}

	// Refusals are the ones accepting would meet, each with its own code.
	res, body = env.do(t, "POST", "/api/v1/rooms/"+string(custom.Room.ID)+"/close", mentor.AccessToken, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("close: %d %s", res.StatusCode, body)
	}
	tampered := created.Invites.ObserverInvite[:len(created.Invites.ObserverInvite)-2] + "xx"
	if tampered == created.Invites.ObserverInvite {
		tampered = created.Invites.ObserverInvite[:len(created.Invites.ObserverInvite)-2] + "yy"
	}
	refusals := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"used", map[string]string{"invite": created.Invites.CandidateInvite}, http.StatusConflict, "invite_used"},
		{"ended room", map[string]string{"invite": custom.Invites.ObserverInvite}, http.StatusConflict, "room_closed"},
		{"forged", map[string]string{"invite": tampered}, http.StatusUnauthorized, "invite_invalid"},
		{"malformed", map[string]string{"invite": "hello"}, http.StatusBadRequest, "invite_malformed"},
		{"missing", map[string]string{}, http.StatusBadRequest, "missing_field"},
		{"unknown field", map[string]string{"invite": created.Invites.ObserverInvite, "display_name": "X"}, http.StatusBadRequest, "bad_json"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/v1/invites/preview", "", tt.body)
			if res.StatusCode != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, tt.status, tt.code)
			}
		})
	}

	// Past its expiry the link is refused, and the message says so.
	clock.Advance(8 * 24 * time.Hour)
	status, body = preview(t, created.Invites.ObserverInvite)
	if status != http.StatusUnauthorized || errorCode(t, body) != "invite_expired" || !strings.Contains(string(body), "expired") {
		t.Fatalf("expired preview: %d %s", status, body)
	}
}

func TestCreateRoomSchedule(t *testing.T) {
	clock := &testClock{now: time.Now().UTC().Truncate(time.Second)}
	env := newTestEnv(t, withMount(withRoomsAt(clock)))
	mentor := env.signup(t)
	for _, tt := range []struct {
		name   string
		at     time.Time
		status int
	}{
		{"an hour ago", clock.Now().Add(-time.Hour), http.StatusBadRequest},
		{"beyond the room's life", clock.Now().Add(8 * 24 * time.Hour), http.StatusBadRequest},
		{"a minute ago", clock.Now().Add(-time.Minute), http.StatusCreated},
		{"in six days", clock.Now().Add(6 * 24 * time.Hour), http.StatusCreated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "scheduled_at": tt.at.Format(time.RFC3339)})
			if res.StatusCode != tt.status {
				t.Fatalf("got %d %s, want %d", res.StatusCode, body, tt.status)
			}
			if tt.status == http.StatusBadRequest && errorCode(t, body) != "invalid_schedule" {
				t.Fatalf("code %s, want invalid_schedule", errorCode(t, body))
			}
		})
	}
}
