package bank_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mockroom/mockroom/internal/bank"
)

// TestLoadRejectsIncompleteBuiltInQuestion breaks one format-2 rule in one built-in question and
// checks that the load fails with an error naming the question and the field.
func TestLoadRejectsIncompleteBuiltInQuestion(t *testing.T) {
	const codingFile = "python-developer/questions/problem_solving.json"
	const behavFile = "python-developer/questions/behavioral_communication.json"
	tests := []struct {
		name   string
		file   string
		mutate func(q map[string]any, g map[string]any)
		want   []string
	}{
		{"no topics", codingFile, func(q, g map[string]any) { delete(q, "topics") }, []string{"topics_invalid", "topics"}},
		{"unknown topic", codingFile, func(q, g map[string]any) { q["topics"] = []any{"cooking"} }, []string{"unknown_topic", `"cooking"`}},
		{"topic twice", codingFile, func(q, g map[string]any) { q["topics"] = []any{"algorithms", "algorithms"} }, []string{"topics_invalid", "twice"}},
		{"no why", codingFile, func(q, g map[string]any) { delete(g, "why") }, []string{"missing_field", "guide.why"}},
		{"no clarifications", codingFile, func(q, g map[string]any) { delete(g, "clarifications") }, []string{"missing_field", "guide.clarifications"}},
		{"clarification without answer", codingFile, func(q, g map[string]any) {
			g["clarifications"] = []any{map[string]any{"question": "q?", "answer": " "}}
		}, []string{"missing_field", "guide.clarifications[0].answer"}},
		{"no hints", codingFile, func(q, g map[string]any) { delete(g, "hints") }, []string{"missing_field", "guide.hints"}},
		{"one hint", codingFile, func(q, g map[string]any) {
			g["hints"] = []any{map[string]any{"text": "h", "max_score": 3}}
		}, []string{"hints_count", "guide.hints"}},
		{"four hints", codingFile, func(q, g map[string]any) {
			h := map[string]any{"text": "h", "max_score": 3}
			g["hints"] = []any{h, h, h, h}
		}, []string{"hints_count"}},
		{"hint cost out of range", codingFile, func(q, g map[string]any) {
			g["hints"] = []any{map[string]any{"text": "h", "max_score": 5}, map[string]any{"text": "h", "max_score": 2}}
		}, []string{"hint_cost_invalid", "guide.hints[0].max_score"}},
		{"later hint cheaper", codingFile, func(q, g map[string]any) {
			g["hints"] = []any{map[string]any{"text": "h", "max_score": 2}, map[string]any{"text": "h", "max_score": 3}}
		}, []string{"hint_cost_invalid", "guide.hints[1].max_score"}},
		{"no scoring", codingFile, func(q, g map[string]any) { delete(g, "scoring") }, []string{"missing_field", "guide.scoring"}},
		{"three scores", codingFile, func(q, g map[string]any) { g["scoring"] = []any{"a", "b", "c"} }, []string{"scoring_invalid"}},
		{"empty score", codingFile, func(q, g map[string]any) { g["scoring"] = []any{"a", "", "c", "d"} }, []string{"guide.scoring[1] is required (score 2)"}},
		{"five follow-ups", codingFile, func(q, g map[string]any) { g["follow_ups"] = []any{"a", "b", "c", "d", "e"} }, []string{"too_many_items", "guide.follow_ups"}},
		{"coding prompt without the Python version", codingFile, func(q, g map[string]any) {
			q["prompt"] = strings.ReplaceAll(q["prompt"].(string), "3.12", "3")
		}, []string{"prompt_without_version", "prompt"}},
		{"coding without solution", codingFile, func(q, g map[string]any) { delete(g, "solution") }, []string{"missing_field", "guide.solution"}},
		{"three tests", codingFile, func(q, g map[string]any) { g["tests"] = g["tests"].([]any)[:3] }, []string{"too_few_tests", "guide.tests"}},
		{"test with expect and raises", codingFile, func(q, g map[string]any) {
			g["tests"].([]any)[0].(map[string]any)["raises"] = "ValueError"
		}, []string{"test_invalid", "guide.tests[0]"}},
		{"test raising a non-name", codingFile, func(q, g map[string]any) {
			tc := g["tests"].([]any)[0].(map[string]any)
			delete(tc, "expect")
			tc["raises"] = "Value Error"
		}, []string{"test_invalid", "guide.tests[0].raises"}},
		{"time limit of zero", codingFile, func(q, g map[string]any) {
			q["coding"].(map[string]any)["time_limit_s"] = 0
		}, []string{"time_limit_out_of_range", "coding.time_limit_s", "between 1 and 60"}},
		{"time limit of 61 s", codingFile, func(q, g map[string]any) {
			q["coding"].(map[string]any)["time_limit_s"] = 61
		}, []string{"time_limit_out_of_range", "got 61"}},
		{"not in the browser without a note", codingFile, func(q, g map[string]any) {
			q["coding"].(map[string]any)["runs_in_browser"] = false
		}, []string{"missing_field", "coding.browser_note"}},
		{"a browser note on a question that runs there", codingFile, func(q, g map[string]any) {
			q["coding"].(map[string]any)["browser_note"] = "needs threads"
		}, []string{"browser_note_unused", "runs_in_browser"}},
		{"huge test setup", codingFile, func(q, g map[string]any) {
			q["coding"].(map[string]any)["test_setup"] = strings.Repeat("#", 10001)
		}, []string{"field_too_long", "coding.test_setup"}},
		{"solution on a question without code", behavFile, func(q, g map[string]any) { g["solution"] = "x = 1" }, []string{"solution_without_code"}},
		{"behavioural without story", behavFile, func(q, g map[string]any) { delete(g, "story") }, []string{"missing_field", "guide.story"}},
		{"story part empty", behavFile, func(q, g map[string]any) {
			g["story"].(map[string]any)["reflection"] = ""
		}, []string{"missing_field", "guide.story.reflection"}},
		{"one probe", behavFile, func(q, g map[string]any) { g["probes"] = []any{"why?"} }, []string{"too_few_probes", "guide.probes"}},
	}
	good := goodFS(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var qs []map[string]any
			if err := json.Unmarshal(good[tt.file].Data, &qs); err != nil {
				t.Fatal(err)
			}
			q := qs[0]
			tt.mutate(q, q["guide"].(map[string]any))
			data, err := json.Marshal(qs)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{}
			for k, v := range good {
				fsys[k] = v
			}
			fsys[tt.file] = &fstest.MapFile{Data: data}
			_, err = bank.LoadFS(fsys)
			if err == nil {
				t.Fatal("LoadFS accepted the broken question")
			}
			for _, w := range append(tt.want, "question "+q["id"].(string)) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestCustomQuestionsMayLeaveFormat2FieldsOut checks that the guide fields a built-in question
// must carry are optional for a custom one, and checked when present.
func TestCustomQuestionsMayLeaveFormat2FieldsOut(t *testing.T) {
	tr := loadTrack(t)
	q := validCustom()
	if err := tr.ValidateCustom(q); err != nil {
		t.Fatalf("custom question without format-2 fields: %v", err)
	}
	q.Guide.Hints = []bank.Hint{{Text: "only one", MaxScore: 3}}
	if err := tr.ValidateCustom(q); err == nil || !strings.Contains(err.Error(), "hints_count") {
		t.Fatalf("custom question with one hint: %v; want hints_count", err)
	}
}

// TestBuiltInTopicsAreListed checks the track's topic list and that every built-in question
// names topics from it.
func TestBuiltInTopicsAreListed(t *testing.T) {
	tr := loadTrack(t)
	if len(tr.Topics) < 30 {
		t.Fatalf("track lists %d topics; want at least 30", len(tr.Topics))
	}
	for _, q := range tr.Questions() {
		if len(q.Topics) == 0 || q.Guide.Why == "" || len(q.Guide.Scoring) != 4 || len(q.Guide.Hints) < 2 {
			t.Errorf("question %s lacks format-2 guidance", q.ID)
		}
	}
}
