package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// errorBodyOf decodes an error response, failing the test if it is not one.
func errorBodyOf(t *testing.T, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return e
}

// TestBankErrorsNameTheField sends custom questions and plans that each break one rule, and
// checks that the refusal names the field at fault by its path in the body (as a form needs it
// to point at the input) and that nothing was stored.
func TestBankErrorsNameTheField(t *testing.T) {
	env := newTestEnv(t, withBank())
	alice, bob := env.signup(t), env.signup(t)
	const track = "/api/v1/tracks/python-developer"

	// alice owns one question, which her plans may use and bob's may not.
	res, body := env.do(t, "POST", track+"/questions", alice.AccessToken, customDraft())
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("valid question: %d %s", res.StatusCode, body)
	}
	var own struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &own); err != nil {
		t.Fatal(err)
	}

	// stored counts a user's custom questions and plans, through the API.
	stored := func(t *testing.T, token string) (questions, plans int) {
		t.Helper()
		res, body := env.do(t, "GET", track+"/questions", token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("list questions: %d %s", res.StatusCode, body)
		}
		var qs struct {
			Questions []struct {
				ID string `json:"id"`
			} `json:"questions"`
		}
		if err := json.Unmarshal(body, &qs); err != nil {
			t.Fatal(err)
		}
		for _, q := range qs.Questions {
			if strings.HasPrefix(q.ID, "custom-") {
				questions++
			}
		}
		res, body = env.do(t, "GET", track+"/plans", token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("list plans: %d %s", res.StatusCode, body)
		}
		var ps struct {
			Plans []struct {
				Owner string `json:"owner"`
			} `json:"plans"`
		}
		if err := json.Unmarshal(body, &ps); err != nil {
			t.Fatal(err)
		}
		for _, p := range ps.Plans {
			if p.Owner != "" {
				plans++
			}
		}
		return questions, plans
	}

	guide := func(d map[string]any) map[string]any { return d["guide"].(map[string]any) }
	coding := func(d map[string]any) map[string]any { return d["coding"].(map[string]any) }
	questionCases := []struct {
		name   string
		mutate func(d map[string]any)
		code   string
		field  string
	}{
		{"minutes in words", func(d map[string]any) { d["minutes"] = "ten" }, "bad_json", "minutes"},
		{"a misspelt coding member", func(d map[string]any) { coding(d)["time_limit"] = 5 }, "bad_json", "coding.time_limit"},
		{"a number for an example's output", func(d map[string]any) {
			coding(d)["examples"] = []map[string]any{{"input": "flatten([])", "output": "[]"}, {"input": "flatten([[]])", "output": 0}}
		}, "bad_json", "coding.examples[1].output"},
		{"an id of its own", func(d map[string]any) { d["id"] = "py-mine" }, "bad_json", "id"},
		{"unknown category", func(d map[string]any) { d["category"] = "cooking" }, "unknown_category", "category"},
		{"unknown difficulty", func(d map[string]any) { d["difficulty"] = "expert" }, "unknown_difficulty", "difficulty"},
		{"seventy minutes", func(d map[string]any) { d["minutes"] = 70 }, "minutes_out_of_range", "minutes"},
		{"blank title", func(d map[string]any) { d["title"] = "  " }, "missing_field", "title"},
		{"long prompt", func(d map[string]any) { d["prompt"] = strings.Repeat("p", 4001) }, "field_too_long", "prompt"},
		{"no language", func(d map[string]any) { coding(d)["language"] = "" }, "missing_field", "coding.language"},
		{"blank starter code", func(d map[string]any) { coding(d)["starter"] = "\n" }, "missing_starter_code", "coding.starter"},
		{"one example", func(d map[string]any) {
			coding(d)["examples"] = []map[string]string{{"input": "flatten([])", "output": "[]"}}
		}, "too_few_examples", "coding.examples"},
		{"an example without output", func(d map[string]any) {
			coding(d)["examples"] = []map[string]string{{"input": "flatten([])", "output": "[]"}, {"input": "flatten([[]])", "output": ""}}
		}, "missing_field", "coding.examples[1].output"},
		{"a two-minute time limit", func(d map[string]any) { coding(d)["time_limit_s"] = 120 }, "time_limit_out_of_range", "coding.time_limit_s"},
		{"not run in the browser, no reason given", func(d map[string]any) { coding(d)["runs_in_browser"] = false }, "missing_field", "coding.browser_note"},
		{"no guide", func(d map[string]any) { delete(d, "guide") }, "missing_field", "guide"},
		{"one follow-up", func(d map[string]any) { guide(d)["follow_ups"] = []string{"only one"} }, "too_few_follow_ups", "guide.follow_ups"},
		{"a blank red flag", func(d map[string]any) { guide(d)["red_flags"] = []string{"one level only", " "} }, "missing_field", "guide.red_flags[1]"},
		{"unknown quality", func(d map[string]any) { guide(d)["qualities"] = []string{"problem_solving", "charisma"} }, "unknown_quality", "guide.qualities[1]"},
		{"a hint worth 5", func(d map[string]any) {
			guide(d)["hints"] = []map[string]any{{"text": "a stack", "max_score": 5}, {"text": "yield from", "max_score": 2}}
		}, "hint_cost_invalid", "guide.hints[0].max_score"},
		{"three scoring entries", func(d map[string]any) { guide(d)["scoring"] = []string{"1", "2", "3"} }, "scoring_invalid", "guide.scoring"},
		{"a test with expect and raises", func(d map[string]any) {
			guide(d)["tests"] = []map[string]string{{"call": "flatten(1)", "expect": "[1]", "raises": "TypeError"}}
		}, "test_invalid", "guide.tests[0].expect"},
		{"a clarification without answer", func(d map[string]any) {
			guide(d)["clarifications"] = []map[string]string{{"question": "Strings too?", "answer": ""}}
		}, "missing_field", "guide.clarifications[0].answer"},
	}
	for _, tt := range questionCases {
		t.Run("question/"+tt.name, func(t *testing.T) {
			d := customDraft()
			tt.mutate(d)
			res, body := env.do(t, "POST", track+"/questions", alice.AccessToken, d)
			e := errorBodyOf(t, body)
			if res.StatusCode != http.StatusBadRequest || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("got %d code %q field %q (%s); want 400 code %q field %q", res.StatusCode, e.Code, e.Field, e.Message, tt.code, tt.field)
			}
			if q, p := stored(t, alice.AccessToken); q != 1 || p != 0 {
				t.Errorf("after the refusal alice has %d custom questions and %d plans; want 1 and 0", q, p)
			}
		})
	}

	slot := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	validSlots := func() []map[string]any {
		return []map[string]any{
			slot("question_id", "py-concept-gil", "minutes", 10),
			slot("question_id", own.ID, "minutes", 10),
			slot("category", "system_design", "difficulty", "senior", "minutes", 20),
			slot("category", "candidate_questions", "minutes", 5),
		}
	}
	planCases := []struct {
		name   string
		token  string
		mutate func(p map[string]any, slots []map[string]any)
		code   string
		field  string
	}{
		{"no title", alice.AccessToken, func(p map[string]any, _ []map[string]any) { p["title"] = "" }, "missing_field", "title"},
		{"half a minute", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[1]["minutes"] = 0.5 }, "bad_json", "slots[1].minutes"},
		{"long summary", alice.AccessToken, func(p map[string]any, _ []map[string]any) { p["summary"] = strings.Repeat("s", 1001) }, "field_too_long", "summary"},
		{"no slots", alice.AccessToken, func(p map[string]any, _ []map[string]any) { p["slots"] = []any{} }, "plan_empty", "slots"},
		{"zero minutes in the third slot", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[2]["minutes"] = 0 }, "minutes_out_of_range", "slots[2].minutes"},
		{"seconds over an hour", alice.AccessToken, func(_ map[string]any, s []map[string]any) {
			delete(s[3], "minutes")
			s[3]["seconds"] = 3601
		}, "seconds_out_of_range", "slots[3].seconds"},
		{"minutes and seconds", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[0]["seconds"] = 30 }, "slot_budget_ambiguous", "slots[0].seconds"},
		{"unknown question", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[0]["question_id"] = "py-nope" }, "slot_question_unknown", "slots[0].question_id"},
		{"the same question twice", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[1]["question_id"] = "py-concept-gil" }, "duplicate_slot_question", "slots[1].question_id"},
		{"someone else's question", bob.AccessToken, func(_ map[string]any, _ []map[string]any) {}, "slot_question_unknown", "slots[1].question_id"},
		{"unknown difficulty", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[2]["difficulty"] = "expert" }, "unknown_difficulty", "slots[2].difficulty"},
		{"a question and a category", alice.AccessToken, func(_ map[string]any, s []map[string]any) { s[0]["category"] = "system_design" }, "slot_invalid", "slots[0].category"},
		{"over three hours", alice.AccessToken, func(_ map[string]any, s []map[string]any) {
			for _, sl := range s[:3] {
				sl["minutes"] = 60
			}
		}, "plan_too_long", "slots"},
	}
	for _, tt := range planCases {
		t.Run("plan/"+tt.name, func(t *testing.T) {
			slots := validSlots()
			p := map[string]any{"title": "Senior loop", "slots": slots}
			tt.mutate(p, slots)
			res, body := env.do(t, "POST", track+"/plans", tt.token, p)
			e := errorBodyOf(t, body)
			if res.StatusCode != http.StatusBadRequest || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("got %d code %q field %q (%s); want 400 code %q field %q", res.StatusCode, e.Code, e.Field, e.Message, tt.code, tt.field)
			}
			for _, u := range []testUser{alice, bob} {
				if _, p := stored(t, u.AccessToken); p != 0 {
					t.Errorf("after the refusal %s has %d custom plans; want 0", u.Name, p)
				}
			}
		})
	}

	// The same plan, unbroken, is stored: the refusals above were for the rule each broke.
	res, body = env.do(t, "POST", track+"/plans", alice.AccessToken, map[string]any{"title": "Senior loop", "slots": validSlots()})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("valid plan: %d %s", res.StatusCode, body)
	}
	if q, p := stored(t, alice.AccessToken); q != 1 || p != 1 {
		t.Errorf("alice has %d custom questions and %d plans; want 1 and 1", q, p)
	}
}
