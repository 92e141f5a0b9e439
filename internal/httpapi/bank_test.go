package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

func init() {
	driftEnvOptions = append(driftEnvOptions, withBank())
	driftScenarios = append(driftScenarios, driftScenario{Name: "bank", Run: driftBank})
}

// withBank mounts the question bank on the test server, with custom questions in real Redis.
func withBank() testEnvOption {
	return withMount(func(t *testing.T, env *testEnv) {
		b, err := bank.Load()
		if err != nil {
			t.Fatal(err)
		}
		env.Server.MountBank(bank.NewCatalog(b, redisstore.NewBankStore(env.Client, env.Keys)))
	})
}

func customDraft() map[string]any {
	return map[string]any{
		"category": "practical_application", "difficulty": "mid", "minutes": 10,
		"title": "Flatten a nested list", "prompt": "Write flatten(items) for arbitrarily nested lists.",
		"coding": map[string]any{
			"language": "python", "starter": "def flatten(items):\n    raise NotImplementedError\n",
			"examples": []map[string]string{{"input": "flatten([1, [2]])", "output": "[1, 2]"}, {"input": "flatten([])", "output": "[]"}},
		},
		"guide": map[string]any{
			"looks_for": []string{"recursion or a stack"}, "red_flags": []string{"only one level"},
			"strong_answer": []string{"a recursive generator"}, "follow_ups": []string{"deep nesting?", "strings?"},
			"qualities": []string{"problem_solving"},
		},
	}
}

func TestBankAPI(t *testing.T) {
	env := newTestEnv(t, withBank())
	alice, bob := env.signup(t), env.signup(t)
	const track = "/api/v1/tracks/python-developer"

	t.Run("tracks need a token", func(t *testing.T) {
		res, body := env.do(t, "GET", "/api/v1/tracks", "", nil)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
	})

	t.Run("track detail", func(t *testing.T) {
		res, body := env.do(t, "GET", track, alice.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var d struct {
			Categories []bank.CategoryInfo `json:"categories"`
			Rubric     bank.Rubric         `json:"rubric"`
			Plans      []mockroom.Plan     `json:"plans"`
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Categories) != 6 || len(d.Rubric.Qualities) != 7 || len(d.Plans) == 0 {
			t.Errorf("track detail has %d categories, %d qualities, %d plans", len(d.Categories), len(d.Rubric.Qualities), len(d.Plans))
		}
		res, body = env.do(t, "GET", "/api/v1/tracks/cobol", alice.AccessToken, nil)
		if res.StatusCode != http.StatusNotFound || errorCode(t, body) != "track_not_found" {
			t.Errorf("unknown track: %d %s", res.StatusCode, body)
		}
	})

	t.Run("search", func(t *testing.T) {
		res, body := env.do(t, "GET", track+"/questions?category=conceptual_understanding&q=GIL", alice.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var list struct{ Questions []bank.Question }
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Questions) != 1 || list.Questions[0].ID != "py-concept-gil" {
			t.Errorf("search result: %s", body)
		}
		if list.Questions[0].Guide != nil || bytes.Contains(body, []byte(`"guide"`)) {
			t.Errorf("browsing a built-in question returned interviewer-only guidance: %s", body)
		}
		res, body = env.do(t, "GET", track+"/questions?difficulty=expert", alice.AccessToken, nil)
		if res.StatusCode != http.StatusBadRequest || errorCode(t, body) != "unknown_difficulty" {
			t.Errorf("bad filter: %d %s", res.StatusCode, body)
		}
	})

	t.Run("custom questions are private", func(t *testing.T) {
		res, body := env.do(t, "POST", track+"/questions", alice.AccessToken, customDraft())
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var q bank.Question
		if err := json.Unmarshal(body, &q); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(q.ID), bank.CustomIDPrefix) || string(q.Author) != alice.ID {
			t.Fatalf("created question id %q author %q", q.ID, q.Author)
		}
		if res, body := env.do(t, "GET", track+"/questions/"+string(q.ID), alice.AccessToken, nil); res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"guide"`)) {
			t.Errorf("author reads own question with its guidance: %d %s", res.StatusCode, body)
		}
		if res, body := env.do(t, "GET", track+"/questions/"+string(q.ID), bob.AccessToken, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("another user reads the question: %d %s", res.StatusCode, body)
		}
		_, body = env.do(t, "GET", track+"/questions?q=flatten", bob.AccessToken, nil)
		if strings.Contains(string(body), string(q.ID)) {
			t.Errorf("another user's search shows the question: %s", body)
		}

		// A plan by bob cannot use it; one by alice can.
		plan := map[string]any{"title": "Mine", "slots": []map[string]any{{"question_id": q.ID, "minutes": 10}}}
		res, body = env.do(t, "POST", track+"/plans", bob.AccessToken, plan)
		if res.StatusCode != http.StatusBadRequest || errorCode(t, body) != "slot_question_unknown" {
			t.Errorf("bob's plan: %d %s", res.StatusCode, body)
		}
		res, body = env.do(t, "POST", track+"/plans", alice.AccessToken, plan)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("alice's plan: %d %s", res.StatusCode, body)
		}
		var p mockroom.Plan
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if res, _ := env.do(t, "GET", track+"/plans/"+p.ID, bob.AccessToken, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("bob reads alice's plan: %d", res.StatusCode)
		}
	})

	t.Run("bad custom questions are refused", func(t *testing.T) {
		tests := []struct {
			name   string
			mutate func(d map[string]any)
			status int
			code   string
		}{
			{"one follow-up", func(d map[string]any) {
				d["guide"].(map[string]any)["follow_ups"] = []string{"only one"}
			}, http.StatusBadRequest, "too_few_follow_ups"},
			{"unknown field", func(d map[string]any) { d["id"] = "py-mine" }, http.StatusBadRequest, "bad_json"},
			{"seventy minutes", func(d map[string]any) { d["minutes"] = 70 }, http.StatusBadRequest, "minutes_out_of_range"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d := customDraft()
				tt.mutate(d)
				res, body := env.do(t, "POST", track+"/questions", alice.AccessToken, d)
				if res.StatusCode != tt.status || errorCode(t, body) != tt.code {
					t.Errorf("got %d %s; want %d %s", res.StatusCode, body, tt.status, tt.code)
				}
			})
		}
	})
}

func driftBank(t *testing.T, c *driftClient) {
	var s authSession
	c.DoJSON(t, driftRequest{Method: "POST", Path: "/api/v1/auth/signup", WantStatus: 201,
		Body: map[string]string{"email": "bank@example.org", "password": "question time", "name": "Bank"}}, &s)
	tok := s.AccessToken
	const track = "/api/v1/tracks/python-developer"
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks", Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track, Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks/cobol", Token: tok, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions?category=problem_solving&difficulty=junior", Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions/py-concept-gil", Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions/py-nope", Token: tok, WantStatus: 404})

	var q bank.Question
	c.DoJSON(t, driftRequest{Method: "POST", Path: track + "/questions", Token: tok, WantStatus: 201, Body: customDraft()}, &q)
	bad := customDraft()
	bad["minutes"] = 0
	c.Do(t, driftRequest{Method: "POST", Path: track + "/questions", Token: tok, WantStatus: 400, Body: bad, SkipRequestValidation: true})

	var p mockroom.Plan
	c.DoJSON(t, driftRequest{Method: "POST", Path: track + "/plans", Token: tok, WantStatus: 201, Body: map[string]any{
		"title": "Custom", "slots": []map[string]any{
			{"question_id": q.ID, "minutes": 10},
			{"category": "system_design", "difficulty": "senior", "minutes": 20},
			{"category": "candidate_questions", "minutes": 5},
		},
	}}, &p)
	c.Do(t, driftRequest{Method: "GET", Path: track + "/plans", Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/plans/" + p.ID, Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/plans/general-45", Token: tok, WantStatus: 200})
}
