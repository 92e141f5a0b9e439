package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// A room request the service refuses names the member at fault in field, by its path in the
// body, and creates no room.
func TestRoomCreateErrorsNameTheField(t *testing.T) {
	env := newTestEnv(t, withMount(withRooms))
	mentor := env.signup(t)
	slot := func(fields map[string]any) map[string]any {
		s := map[string]any{"category": "technical_proficiency", "difficulty": "mid", "minutes": 8}
		for k, v := range fields {
			if v == nil {
				delete(s, k)
			} else {
				s[k] = v
			}
		}
		return s
	}
	inline := func(slots ...map[string]any) map[string]any {
		return map[string]any{"track": roomtest.Track, "plan": map[string]any{"slots": slots}}
	}
	tooMany := make([]map[string]any, 40)
	for i := range tooMany {
		tooMany[i] = slot(map[string]any{"minutes": 1})
	}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"no track", map[string]any{"plan_id": "mentor-20"}, 400, "missing_field", "track"},
		{"unknown track", map[string]any{"track": "cobol", "plan_id": "mentor-20"}, 404, "track_not_found", "track"},
		{"no plan", map[string]any{"track": roomtest.Track}, 400, "missing_field", "plan_id"},
		{"unknown plan", map[string]any{"track": roomtest.Track, "plan_id": "nope"}, 404, "plan_not_found", "plan_id"},
		{"both plans", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "plan": map[string]any{"slots": []any{slot(nil)}}}, 400, "plan_ambiguous", "plan"},
		{"long title", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "title": string(make([]byte, 300))}, 400, "field_too_long", "title"},
		{"release", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "settings": map[string]any{"feedback_release": "later"}}, 400, "invalid_feedback_release", "settings.feedback_release"},
		{"allowance", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "settings": map[string]any{"candidate_allowance": 9.0}}, 400, "invalid_allowance", "settings.candidate_allowance"},
		{"schedule", map[string]any{"track": roomtest.Track, "plan_id": "mentor-20", "scheduled_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}, 400, "invalid_schedule", "scheduled_at"},
		{"second slot's minutes", inline(slot(nil), slot(map[string]any{"minutes": 999})), 400, "minutes_out_of_range", "plan.slots[1].minutes"},
		{"minutes and seconds", inline(slot(map[string]any{"seconds": 30})), 400, "slot_budget_ambiguous", "plan.slots[0].seconds"},
		{"unknown category", inline(slot(nil), slot(nil), slot(map[string]any{"category": "astrology"})), 400, "unknown_category", "plan.slots[2].category"},
		{"unknown difficulty", inline(slot(map[string]any{"difficulty": "guru"})), 400, "unknown_difficulty", "plan.slots[0].difficulty"},
		{"question and category", inline(slot(map[string]any{"question_id": "technical_proficiency-mid-0"})), 400, "slot_ambiguous", "plan.slots[0].category"},
		{"neither", inline(slot(map[string]any{"category": nil, "difficulty": nil})), 400, "missing_field", "plan.slots[0].question_id"},
		{"unknown question", inline(slot(nil), map[string]any{"question_id": "no-such-question", "minutes": 5}), 404, "question_not_found", "plan.slots[1].question_id"},
		{"question twice", inline(map[string]any{"question_id": "technical_proficiency-mid-0", "minutes": 5}, map[string]any{"question_id": "technical_proficiency-mid-0", "minutes": 5}), 400, "duplicate_slot_question", "plan.slots[1].question_id"},
		{"too many slots", inline(tooMany...), 400, "too_many_slots", "plan.slots"},
		{"too long", inline(slot(map[string]any{"minutes": 60}), slot(map[string]any{"minutes": 60}), slot(map[string]any{"minutes": 60}), slot(map[string]any{"minutes": 60})), 400, "plan_too_long", "plan.slots"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, tc.body)
			var got struct {
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%d %s: %v", res.StatusCode, body, err)
			}
			if res.StatusCode != tc.status || got.Code != tc.code || got.Field != tc.field {
				t.Fatalf("got %d %s field %q (%s), want %d %s field %q", res.StatusCode, got.Code, got.Field, body, tc.status, tc.code, tc.field)
			}
		})
	}

	res, body := env.do(t, "GET", "/api/v1/me/rooms", mentor.AccessToken, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("my rooms: %d %s", res.StatusCode, body)
	}
	var mine struct {
		Rooms []json.RawMessage `json:"rooms"`
	}
	if err := json.Unmarshal(body, &mine); err != nil {
		t.Fatal(err)
	}
	if len(mine.Rooms) != 0 {
		t.Fatalf("refused requests left %d rooms: %s", len(mine.Rooms), body)
	}

	// The same slots are accepted once mended, so each case above was refused for its own fault.
	res, body = env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, inline(slot(nil), map[string]any{"question_id": "technical_proficiency-mid-0", "minutes": 5}))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("a valid inline plan: %d %s", res.StatusCode, body)
	}
}
