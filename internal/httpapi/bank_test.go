package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

func init() {
	driftEnvOptions = append(driftEnvOptions, withBank())
	driftScenarios = append(driftScenarios, driftScenario{Name: "bank", Run: driftBank})
}

// withBank mounts the question bank on the test server, with custom questions in real Redis.
func withBank() testEnvOption { return withBankCatalog(nil) }

// withBankCatalog is withBank that also hands the test the catalog it mounted (when dst is not
// nil), so a test can fill the store without a request per question.
func withBankCatalog(dst **bank.Catalog) testEnvOption {
	return withMount(func(t *testing.T, env *testEnv) {
		b, err := bank.Load()
		if err != nil {
			t.Fatal(err)
		}
		c := bank.NewCatalog(b, redisstore.NewBankStore(env.Client, env.Keys))
		if dst != nil {
			*dst = c
		}
		env.Server.MountBank(c)
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
			{"a two-minute time limit", func(d map[string]any) {
				d["coding"].(map[string]any)["time_limit_s"] = 120
			}, http.StatusBadRequest, "time_limit_out_of_range"},
			{"not run in the browser, no reason given", func(d map[string]any) {
				d["coding"].(map[string]any)["runs_in_browser"] = false
			}, http.StatusBadRequest, "missing_field"},
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
	var first questionPageBody
	c.DoJSON(t, driftRequest{Method: "GET", Path: track + "/questions?limit=2", Token: tok, WantStatus: 200}, &first)
	if first.NextCursor == nil {
		t.Fatalf("a page of 2 out of %d has no next_cursor", first.Total)
	}
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions?limit=2&cursor=" + url.QueryEscape(*first.NextCursor), Token: tok, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions?limit=0", Token: tok, WantStatus: 400, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "GET", Path: track + "/questions?cursor=nonsense", Token: tok, WantStatus: 400})
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

// questionPageBody is a question search answer as a client reads it; NextCursor is nil when the
// field is absent.
type questionPageBody struct {
	Questions  []bank.Question `json:"questions"`
	Total      int             `json:"total"`
	NextCursor *string         `json:"next_cursor"`
}

// addGenerated stores n custom questions by author through the catalog, titled so that a text
// search for "Generated" finds exactly them.
func addGenerated(t *testing.T, c *bank.Catalog, author string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := c.AddQuestion(t.Context(), mockroom.UserID(author), "python-developer", bank.Question{
			Category: "practical_application", Difficulty: "mid", Minutes: 10,
			Title:  fmt.Sprintf("Generated question %03d", i),
			Prompt: "Explain how you would approach this task.",
			Guide: &bank.Guidance{
				LooksFor: []string{"a plan"}, RedFlags: []string{"no plan"}, StrongAnswer: []string{"steps"},
				FollowUps: []string{"what next?", "what if it fails?"}, Qualities: []bank.Quality{"problem_solving"},
			},
		})
		if err != nil {
			t.Fatalf("add question %d: %v", i, err)
		}
	}
}

// walkQuestions follows a search's pages from the first to the last and returns the ids in the
// order served. It checks each page's shape on the way: every page but the last is full, total
// never changes, and next_cursor is present exactly when more remain.
func walkQuestions(t *testing.T, env *testEnv, token, query string, limit int) (ids []mockroom.QuestionID, pages int) {
	t.Helper()
	base := "/api/v1/tracks/python-developer/questions?" + query
	if limit > 0 {
		base += "&limit=" + strconv.Itoa(limit)
	}
	pageSize := limit
	if pageSize == 0 {
		pageSize = maxQuestionPage
	}
	total := -1
	cursor := ""
	for pages = 1; ; pages++ {
		if pages > 100 {
			t.Fatalf("%s: more than 100 pages; the walk does not end", base)
		}
		path := base
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res, body := env.do(t, "GET", path, token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		pg := decode[questionPageBody](t, body)
		if total >= 0 && pg.Total != total {
			t.Fatalf("page %d: total %d, earlier pages said %d", pages, pg.Total, total)
		}
		total = pg.Total
		for _, q := range pg.Questions {
			ids = append(ids, q.ID)
		}
		remaining := total - len(ids)
		if remaining > 0 != (pg.NextCursor != nil) {
			t.Fatalf("page %d: %d questions remain but next_cursor is %v", pages, remaining, pg.NextCursor)
		}
		if pg.NextCursor == nil {
			if remaining != 0 {
				t.Fatalf("walk ended with %d of %d questions", len(ids), total)
			}
			return ids, pages
		}
		if len(pg.Questions) != pageSize {
			t.Fatalf("page %d has %d questions, want a full page of %d", pages, len(pg.Questions), pageSize)
		}
		cursor = *pg.NextCursor
	}
}

func findIDs(t *testing.T, c *bank.Catalog, user string, f bank.Filter) []mockroom.QuestionID {
	t.Helper()
	qs, err := c.Find(t.Context(), mockroom.UserID(user), "python-developer", f)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]mockroom.QuestionID, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

func TestQuestionSearchPages(t *testing.T) {
	var cat *bank.Catalog
	env := newTestEnv(t, withBankCatalog(&cat))
	builtIn := len(findIDs(t, cat, "", bank.Filter{}))
	if builtIn >= maxQuestionPage {
		t.Fatalf("the built-in bank has %d questions; this test assumes fewer than a page", builtIn)
	}

	t.Run("up to a page comes back whole", func(t *testing.T) {
		u := env.signup(t)
		ids, pages := walkQuestions(t, env, u.AccessToken, "", 0)
		if pages != 1 || len(ids) != builtIn {
			t.Fatalf("%d questions in %d pages, want %d in one", len(ids), pages, builtIn)
		}
		// Exactly a full page: still one response, no cursor.
		addGenerated(t, cat, u.ID, 0, maxQuestionPage-builtIn)
		ids, pages = walkQuestions(t, env, u.AccessToken, "", 0)
		if pages != 1 || len(ids) != maxQuestionPage {
			t.Fatalf("%d questions in %d pages, want %d in one", len(ids), pages, maxQuestionPage)
		}
		// One more and the last one spills onto a second page.
		addGenerated(t, cat, u.ID, maxQuestionPage, 1)
		ids, pages = walkQuestions(t, env, u.AccessToken, "", 0)
		if pages != 2 || len(ids) != maxQuestionPage+1 {
			t.Fatalf("%d questions in %d pages, want %d in two", len(ids), pages, maxQuestionPage+1)
		}
		if diff := cmp.Diff(findIDs(t, cat, u.ID, bank.Filter{}), ids); diff != "" {
			t.Errorf("walk differs from the search (-want +got):\n%s", diff)
		}
	})

	author := env.signup(t)
	addGenerated(t, cat, author.ID, 0, 300)
	all := findIDs(t, cat, author.ID, bank.Filter{})
	if len(all) != builtIn+300 {
		t.Fatalf("search finds %d questions, want %d", len(all), builtIn+300)
	}

	walks := []struct {
		name   string
		query  string
		filter bank.Filter
		limit  int
	}{
		{"default pages", "", bank.Filter{}, 0},
		{"small pages", "", bank.Filter{}, 37},
		{"pages just under the maximum", "", bank.Filter{}, 199},
		{"a filtered search", "category=practical_application&difficulty=mid", bank.Filter{Category: "practical_application", Difficulty: "mid"}, 0},
		{"a text search", "q=generated", bank.Filter{Text: "generated"}, 45},
		{"a filter with few matches", "category=system_design", bank.Filter{Category: "system_design"}, 0},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			want := findIDs(t, cat, author.ID, w.filter)
			got, _ := walkQuestions(t, env, author.AccessToken, w.query, w.limit)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("walk differs from the search (-want +got):\n%s", diff)
			}
			seen := map[mockroom.QuestionID]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("question %s served twice", id)
				}
				seen[id] = true
			}
			again, _ := walkQuestions(t, env, author.AccessToken, w.query, w.limit)
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("a second walk orders differently (-first +second):\n%s", diff)
			}
		})
	}

	t.Run("others do not see the author's questions", func(t *testing.T) {
		other := env.signup(t)
		ids, pages := walkQuestions(t, env, other.AccessToken, "", 0)
		if pages != 1 || len(ids) != builtIn {
			t.Fatalf("another user gets %d questions in %d pages, want the %d built-in ones", len(ids), pages, builtIn)
		}
	})

	t.Run("bad pages are refused", func(t *testing.T) {
		_, body := env.do(t, "GET", "/api/v1/tracks/python-developer/questions", author.AccessToken, nil)
		cursor := *decode[questionPageBody](t, body).NextCursor
		forge := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		tests := []struct {
			name, query, code string
		}{
			{"limit zero", "limit=0", "invalid_limit"},
			{"limit negative", "limit=-3", "invalid_limit"},
			{"limit over the page", "limit=201", "invalid_limit"},
			{"limit not a number", "limit=ten", "invalid_limit"},
			{"limit fractional", "limit=1.5", "invalid_limit"},
			{"cursor not base64", "cursor=%25%25%25", "invalid_cursor"},
			{"cursor of another format", "cursor=" + forge("hello"), "invalid_cursor"},
			{"cursor at zero", "cursor=" + forge("q1:0:x"), "invalid_cursor"},
			{"cursor offset padded", "cursor=" + forge("q1:007:x"), "invalid_cursor"},
			{"cursor of another search", "category=practical_application&cursor=" + url.QueryEscape(cursor), "cursor_mismatch"},
			{"cursor of another text", "q=x&cursor=" + url.QueryEscape(cursor), "cursor_mismatch"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, body := env.do(t, "GET", "/api/v1/tracks/python-developer/questions?"+tt.query, author.AccessToken, nil)
				if res.StatusCode != http.StatusBadRequest || errorCode(t, body) != tt.code {
					t.Fatalf("got %d %s, want 400 %s", res.StatusCode, body, tt.code)
				}
			})
		}
	})
}
