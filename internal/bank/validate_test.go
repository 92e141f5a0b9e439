package bank_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// validCustom returns a custom question that passes validation; each test case breaks one rule.
func validCustom() bank.Question {
	return bank.Question{
		ID:         "custom-0b7f0c4e-8d1e-4a55-9a53-2f5b4b1f6c11",
		Track:      python,
		Author:     "user-1",
		Category:   mockroom.CategoryPractical,
		Difficulty: mockroom.Mid,
		Minutes:    10,
		Title:      "Flatten a nested list",
		Prompt:     "Write flatten(items) that flattens arbitrarily nested lists.",
		Coding: &bank.Coding{
			Language: "python",
			Starter:  "def flatten(items):\n    raise NotImplementedError\n",
			Examples: []bank.Example{{Input: "flatten([1, [2, [3]]])", Output: "[1, 2, 3]"}, {Input: "flatten([])", Output: "[]"}},
		},
		Guide: &bank.Guidance{
			LooksFor:     []string{"recursion or an explicit stack"},
			RedFlags:     []string{"only handles one level"},
			StrongAnswer: []string{"recursive generator with yield from"},
			FollowUps:    []string{"what about very deep nesting?", "what about strings?"},
			Qualities:    []bank.Quality{"problem_solving"},
		},
	}
}

func TestValidateCustom(t *testing.T) {
	tr := loadTrack(t)
	tests := []struct {
		name   string
		mutate func(q *bank.Question)
		code   string
	}{
		{"valid", func(q *bank.Question) {}, ""},
		{"valid without coding", func(q *bank.Question) { q.Coding = nil }, ""},
		{"no author", func(q *bank.Question) { q.Author = "" }, "missing_field"},
		{"built-in style id", func(q *bank.Question) { q.ID = "py-mine" }, "question_id_invalid"},
		{"id with upper case", func(q *bank.Question) { q.ID = "custom-ABC" }, "question_id_invalid"},
		{"other track", func(q *bank.Question) { q.Track = "go-developer" }, "track_mismatch"},
		{"seed topic", func(q *bank.Question) { q.SeedTopic = "gil" }, "seed_topic_reserved"},
		{"unknown category", func(q *bank.Question) { q.Category = "cooking" }, "unknown_category"},
		{"own-questions is not a bank category", func(q *bank.Question) { q.Category = mockroom.CategoryOwnQuestions }, "unknown_category"},
		{"unknown difficulty", func(q *bank.Question) { q.Difficulty = "expert" }, "unknown_difficulty"},
		{"zero minutes", func(q *bank.Question) { q.Minutes = 0 }, "minutes_out_of_range"},
		{"too many minutes", func(q *bank.Question) { q.Minutes = 61 }, "minutes_out_of_range"},
		{"no title", func(q *bank.Question) { q.Title = "  " }, "missing_field"},
		{"long title", func(q *bank.Question) { q.Title = strings.Repeat("x", 121) }, "field_too_long"},
		{"no prompt", func(q *bank.Question) { q.Prompt = "" }, "missing_field"},
		{"bad utf-8", func(q *bank.Question) { q.Prompt = "abc\xff" }, "invalid_text"},
		{"no guide", func(q *bank.Question) { q.Guide = nil }, "missing_field"},
		{"no looks_for", func(q *bank.Question) { q.Guide.LooksFor = nil }, "missing_field"},
		{"no red flags", func(q *bank.Question) { q.Guide.RedFlags = nil }, "missing_field"},
		{"no strong answer", func(q *bank.Question) { q.Guide.StrongAnswer = nil }, "missing_field"},
		{"empty list item", func(q *bank.Question) { q.Guide.RedFlags = []string{""} }, "missing_field"},
		{"one follow-up", func(q *bank.Question) { q.Guide.FollowUps = q.Guide.FollowUps[:1] }, "too_few_follow_ups"},
		{"too many follow-ups", func(q *bank.Question) { q.Guide.FollowUps = make21("why?") }, "too_many_items"},
		{"no qualities", func(q *bank.Question) { q.Guide.Qualities = nil }, "missing_field"},
		{"unknown quality", func(q *bank.Question) { q.Guide.Qualities = []bank.Quality{"charisma"} }, "unknown_quality"},
		{"duplicate quality", func(q *bank.Question) {
			q.Guide.Qualities = []bank.Quality{"problem_solving", "problem_solving"}
		}, "duplicate_quality"},
		{"coding without starter", func(q *bank.Question) { q.Coding.Starter = "\n" }, "missing_starter_code"},
		{"coding with one example", func(q *bank.Question) { q.Coding.Examples = q.Coding.Examples[:1] }, "too_few_examples"},
		{"example without output", func(q *bank.Question) { q.Coding.Examples[1].Output = "" }, "missing_field"},
		{"coding without language", func(q *bank.Question) { q.Coding.Language = "" }, "missing_field"},
		{"huge starter", func(q *bank.Question) { q.Coding.Starter = strings.Repeat("#", 20001) }, "field_too_long"},
		{"time limit and test setup", func(q *bank.Question) {
			q.Coding.TimeLimitS, q.Coding.TestSetup = ptr(60), "import math\n"
		}, ""},
		{"time limit 0", func(q *bank.Question) { q.Coding.TimeLimitS = ptr(0) }, "time_limit_out_of_range"},
		{"time limit 61", func(q *bank.Question) { q.Coding.TimeLimitS = ptr(61) }, "time_limit_out_of_range"},
		{"not in the browser, with a note", func(q *bank.Question) {
			q.Coding.RunsInBrowser, q.Coding.BrowserNote = ptr(false), "It starts threads."
		}, ""},
		{"not in the browser, no note", func(q *bank.Question) { q.Coding.RunsInBrowser = ptr(false) }, "missing_field"},
		{"a note without the flag", func(q *bank.Question) { q.Coding.BrowserNote = "It starts threads." }, "browser_note_unused"},
		{"a long note", func(q *bank.Question) {
			q.Coding.RunsInBrowser, q.Coding.BrowserNote = ptr(false), strings.Repeat("x", 301)
		}, "field_too_long"},
		{"test setup not UTF-8", func(q *bank.Question) { q.Coding.TestSetup = "x = '\xff'" }, "field_too_long"},
		{"one hint", func(q *bank.Question) { q.Guide.Hints = []bank.Hint{{Text: "a loop", MaxScore: 3}} }, "hints_count"},
		{"hint without text", func(q *bank.Question) {
			q.Guide.Hints = []bank.Hint{{Text: "a loop", MaxScore: 3}, {Text: " ", MaxScore: 2}}
		}, "missing_field"},
		{"hint cost above 4", func(q *bank.Question) {
			q.Guide.Hints = []bank.Hint{{Text: "a loop", MaxScore: 5}, {Text: "a stack", MaxScore: 2}}
		}, "hint_cost_invalid"},
		{"later hint costs less", func(q *bank.Question) {
			q.Guide.Hints = []bank.Hint{{Text: "a loop", MaxScore: 2}, {Text: "a stack", MaxScore: 3}}
		}, "hint_cost_invalid"},
		{"three scoring entries", func(q *bank.Question) { q.Guide.Scoring = []string{"a", "b", "c"} }, "scoring_invalid"},
		{"empty scoring entry", func(q *bank.Question) { q.Guide.Scoring = []string{"a", "b", "", "d"} }, "missing_field"},
		{"clarification without answer", func(q *bank.Question) {
			q.Guide.Clarifications = []bank.Clarification{{Question: "Strings too?"}}
		}, "missing_field"},
		{"test with expect and raises", func(q *bank.Question) {
			q.Guide.Tests = []bank.CodeTest{{Call: "flatten(1)", Expect: "[1]", Raises: "TypeError"}}
		}, "test_invalid"},
		{"test raising a non-name", func(q *bank.Question) {
			q.Guide.Tests = []bank.CodeTest{{Call: "flatten(1)", Raises: "Type Error"}}
		}, "test_invalid"},
		{"story without reflection", func(q *bank.Question) {
			q.Guide.Story = &bank.Story{Situation: "s", Action: "a", Result: "r"}
		}, "missing_field"},
		{"empty probe", func(q *bank.Question) { q.Guide.Probes = []string{"why?", ""} }, "missing_field"},
	}
	// The field each refusal names: the path of the input at fault, as a form needs it. The
	// author, id and track are set by the server, not typed by anyone, so they name none.
	wantField := map[string]string{
		"no author": "", "built-in style id": "", "id with upper case": "", "other track": "",
		"seed topic":                           "seed_topic",
		"unknown category":                     "category",
		"own-questions is not a bank category": "category",
		"unknown difficulty":                   "difficulty",
		"zero minutes":                         "minutes",
		"too many minutes":                     "minutes",
		"no title":                             "title",
		"long title":                           "title",
		"no prompt":                            "prompt",
		"bad utf-8":                            "prompt",
		"no guide":                             "guide",
		"no looks_for":                         "guide.looks_for",
		"no red flags":                         "guide.red_flags",
		"no strong answer":                     "guide.strong_answer",
		"empty list item":                      "guide.red_flags[0]",
		"one follow-up":                        "guide.follow_ups",
		"too many follow-ups":                  "guide.follow_ups",
		"no qualities":                         "guide.qualities",
		"unknown quality":                      "guide.qualities[0]",
		"duplicate quality":                    "guide.qualities[1]",
		"coding without starter":               "coding.starter",
		"coding with one example":              "coding.examples",
		"example without output":               "coding.examples[1].output",
		"coding without language":              "coding.language",
		"huge starter":                         "coding.starter",
		"time limit 0":                         "coding.time_limit_s",
		"time limit 61":                        "coding.time_limit_s",
		"not in the browser, no note":          "coding.browser_note",
		"a note without the flag":              "coding.browser_note",
		"a long note":                          "coding.browser_note",
		"test setup not UTF-8":                 "coding.test_setup",
		"one hint":                             "guide.hints",
		"hint without text":                    "guide.hints[1].text",
		"hint cost above 4":                    "guide.hints[0].max_score",
		"later hint costs less":                "guide.hints[1].max_score",
		"three scoring entries":                "guide.scoring",
		"empty scoring entry":                  "guide.scoring[2]",
		"clarification without answer":         "guide.clarifications[0].answer",
		"test with expect and raises":          "guide.tests[0].expect",
		"test raising a non-name":              "guide.tests[0].raises",
		"story without reflection":             "guide.story.reflection",
		"empty probe":                          "guide.probes[1]",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := validCustom()
			tt.mutate(&q)
			err := tr.ValidateCustom(q)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ValidateCustom: %v", err)
				}
				return
			}
			if got := mockroom.ErrorCode(err); got != tt.code {
				t.Fatalf("error %v (code %s); want code %s", err, got, tt.code)
			}
			field, ok := wantField[tt.name]
			if !ok {
				t.Fatalf("no field expected for case %q: add one to wantField", tt.name)
			}
			if got := mockroom.ErrorField(err); got != field {
				t.Errorf("error %v names field %q; want %q", err, got, field)
			}
			if mockroom.ErrorKind(err) != mockroom.KindInvalid {
				t.Errorf("kind %s; want invalid", mockroom.ErrorKind(err))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func make21(s string) []string {
	out := make([]string, 21)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestValidatePlan(t *testing.T) {
	tr := loadTrack(t)
	own := validCustom()
	valid := func() mockroom.Plan {
		return mockroom.Plan{
			ID: "plan-1", Track: python, Title: "My plan", Owner: "user-1",
			Slots: []mockroom.Slot{
				{QuestionID: "py-concept-gil", Minutes: 10},
				{Category: mockroom.CategoryPractical, Difficulty: mockroom.Mid, Minutes: 15},
				{QuestionID: own.ID, Minutes: 10},
				{Category: mockroom.CategoryOwnQuestions, Minutes: 5},
			},
		}
	}
	tests := []struct {
		name   string
		mutate func(p *mockroom.Plan)
		code   string
	}{
		{"valid", func(p *mockroom.Plan) {}, ""},
		{"other track", func(p *mockroom.Plan) { p.Track = "go-developer" }, "track_mismatch"},
		{"bad id", func(p *mockroom.Plan) { p.ID = "Plan 1" }, "plan_id_invalid"},
		{"no title", func(p *mockroom.Plan) { p.Title = "" }, "missing_field"},
		{"no slots", func(p *mockroom.Plan) { p.Slots = nil }, "plan_empty"},
		{"too many slots", func(p *mockroom.Plan) {
			p.Slots = make([]mockroom.Slot, 21)
			for i := range p.Slots {
				p.Slots[i] = mockroom.Slot{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Junior, Minutes: 1}
			}
		}, "too_many_slots"},
		{"zero minutes", func(p *mockroom.Plan) { p.Slots[0].Minutes = 0 }, "minutes_out_of_range"},
		{"61 minutes", func(p *mockroom.Plan) { p.Slots[1].Minutes = 61 }, "minutes_out_of_range"},
		{"seconds instead of minutes", func(p *mockroom.Plan) { p.Slots[0].Minutes, p.Slots[0].Seconds = 0, 3 }, ""},
		{"an hour in seconds", func(p *mockroom.Plan) { p.Slots[1].Minutes, p.Slots[1].Seconds = 0, 3600 }, ""},
		{"minutes and seconds", func(p *mockroom.Plan) { p.Slots[0].Seconds = 3 }, "slot_budget_ambiguous"},
		{"negative seconds", func(p *mockroom.Plan) { p.Slots[0].Minutes, p.Slots[0].Seconds = 0, -1 }, "seconds_out_of_range"},
		{"3601 seconds", func(p *mockroom.Plan) { p.Slots[0].Minutes, p.Slots[0].Seconds = 0, 3601 }, "seconds_out_of_range"},
		{"over three hours counting seconds", func(p *mockroom.Plan) {
			p.Slots = []mockroom.Slot{
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 59},
				{Category: mockroom.CategoryOwnQuestions, Seconds: 61},
			}
		}, "plan_too_long"},
		{"exactly three hours counting seconds", func(p *mockroom.Plan) {
			p.Slots = []mockroom.Slot{
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 59},
				{Category: mockroom.CategoryOwnQuestions, Seconds: 60},
			}
		}, ""},
		{"over three hours", func(p *mockroom.Plan) {
			p.Slots = []mockroom.Slot{
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior, Minutes: 60},
				{Category: mockroom.CategoryOwnQuestions, Minutes: 1},
			}
		}, "plan_too_long"},
		{"question and category", func(p *mockroom.Plan) { p.Slots[0].Category = mockroom.CategoryConceptual }, "slot_invalid"},
		{"question and difficulty", func(p *mockroom.Plan) { p.Slots[0].Difficulty = mockroom.Mid }, "slot_invalid"},
		{"long summary", func(p *mockroom.Plan) { p.Summary = strings.Repeat("x", 1001) }, "field_too_long"},
		{"empty slot", func(p *mockroom.Plan) { p.Slots[0] = mockroom.Slot{Minutes: 5} }, "slot_invalid"},
		{"unknown question", func(p *mockroom.Plan) { p.Slots[0].QuestionID = "py-nope" }, "slot_question_unknown"},
		{"someone else's custom question", func(p *mockroom.Plan) { p.Slots[0].QuestionID = "custom-other" }, "slot_question_unknown"},
		{"same question twice", func(p *mockroom.Plan) { p.Slots[2].QuestionID = "py-concept-gil" }, "duplicate_slot_question"},
		{"unknown category", func(p *mockroom.Plan) { p.Slots[1].Category = "cooking" }, "unknown_category"},
		{"category without difficulty", func(p *mockroom.Plan) { p.Slots[1].Difficulty = "" }, "unknown_difficulty"},
		{"own questions with difficulty", func(p *mockroom.Plan) { p.Slots[3].Difficulty = mockroom.Mid }, "slot_invalid"},
		{"two own-question slots", func(p *mockroom.Plan) { p.Slots = append(p.Slots, p.Slots[3]) }, "slot_invalid"},
		{"more slots than questions", func(p *mockroom.Plan) {
			p.Slots = nil
			for range bank.MaxPlanSlots {
				p.Slots = append(p.Slots, mockroom.Slot{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Mid, Minutes: 5})
			}
		}, "slot_category_empty"},
	}
	// The field each refusal names; the id, track and owner are the server's, so they name none.
	wantField := map[string]string{
		"other track": "", "bad id": "",
		"no title":                          "title",
		"long summary":                      "summary",
		"no slots":                          "slots",
		"too many slots":                    "slots",
		"zero minutes":                      "slots[0].minutes",
		"61 minutes":                        "slots[1].minutes",
		"minutes and seconds":               "slots[0].seconds",
		"negative seconds":                  "slots[0].seconds",
		"3601 seconds":                      "slots[0].seconds",
		"over three hours counting seconds": "slots",
		"over three hours":                  "slots",
		"question and category":             "slots[0].category",
		"question and difficulty":           "slots[0].difficulty",
		"empty slot":                        "slots[0].question_id",
		"unknown question":                  "slots[0].question_id",
		"someone else's custom question":    "slots[0].question_id",
		"same question twice":               "slots[2].question_id",
		"unknown category":                  "slots[1].category",
		"category without difficulty":       "slots[1].difficulty",
		"own questions with difficulty":     "slots[3].difficulty",
		"two own-question slots":            "slots[4].category",
		"more slots than questions":         "slots[19].category",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.mutate(&p)
			err := tr.ValidatePlan(p, []bank.Question{own})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ValidatePlan: %v", err)
				}
				return
			}
			if got := mockroom.ErrorCode(err); got != tt.code {
				t.Fatalf("error %v (code %s); want code %s", err, got, tt.code)
			}
			field, ok := wantField[tt.name]
			if !ok {
				t.Fatalf("no field expected for case %q: add one to wantField", tt.name)
			}
			if got := mockroom.ErrorField(err); got != field {
				t.Errorf("error %v names field %q; want %q", err, got, field)
			}
		})
	}
}

// TestLoadRejectsBadData checks that broken track files stop the load instead of being
// half-read.
func TestLoadRejectsBadData(t *testing.T) {
	good := goodFS(t)
	tests := []struct {
		name    string
		file    string
		content string
		wantErr string
	}{
		{"unknown field in a question", "python-developer/questions/extra.json",
			`[{"id":"py-x","category":"problem_solving","difficulty":"mid","minutes":5,"title":"t","prompt":"p","hint":"typo","guide":{}}]`,
			"unknown field"},
		{"duplicate question id", "python-developer/questions/extra.json", "", "duplicate_question_id"},
		{"trailing data", "python-developer/plans.json", `{"plans":[]} {}`, "data after"},
		{"plan naming a missing question", "python-developer/plans.json",
			`{"plans":[{"id":"p1","title":"P","slots":[{"question_id":"py-missing","minutes":5}]}]}`, "slot_question_unknown"},
		{"built-in plan with owner", "python-developer/plans.json",
			`{"plans":[{"id":"p1","title":"P","owner":"u","slots":[{"category":"candidate_questions","minutes":5}]}]}`, "owner"},
		{"rubric level missing", "python-developer/rubric.json", `{"version":2,"qualities":[{"id":"technical_expertise","title":"T","description":"D","levels":[]}],"recommendations":[],"interviewer_form":[]}`, "levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range good {
				fsys[k] = v
			}
			content := tt.content
			if tt.name == "duplicate question id" {
				content = string(good["python-developer/questions/technical_proficiency.json"].Data)
			}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(content)}
			_, err := bank.LoadFS(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadFS error %v; want one mentioning %q", err, tt.wantErr)
			}
		})
	}
	if _, err := bank.LoadFS(good); err != nil {
		t.Fatalf("the unmodified copy does not load: %v", err)
	}
}
