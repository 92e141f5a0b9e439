package bank_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
)

// TestPublicLeaksNoGuidance marshals the candidate view of every question, built-in and custom,
// and searches it for every piece of interviewer-only text.
func TestPublicLeaksNoGuidance(t *testing.T) {
	tr := loadTrack(t)
	questions := append(tr.Questions(), validCustom())
	for _, q := range questions {
		data, err := json.Marshal(q.Public())
		if err != nil {
			t.Fatal(err)
		}
		public := string(data)
		g := q.Guide
		var secret []string
		secret = append(secret, g.LooksFor...)
		secret = append(secret, g.RedFlags...)
		secret = append(secret, g.StrongAnswer...)
		secret = append(secret, g.FollowUps...)
		for _, s := range secret {
			if strings.Contains(public, jsonText(t, s)) {
				t.Errorf("%s: public view contains interviewer-only text %q", q.ID, s)
			}
		}
		for _, key := range []string{`"guide"`, `"looks_for"`, `"red_flags"`, `"strong_answer"`, `"follow_ups"`, `"qualities"`, `"author"`, `"seed_topic"`} {
			if strings.Contains(public, key) {
				t.Errorf("%s: public view has key %s", q.ID, key)
			}
		}
		// What the candidate needs must still be there.
		for _, s := range []string{q.Title, q.Prompt} {
			if !strings.Contains(public, jsonText(t, s)) {
				t.Errorf("%s: public view lacks %q", q.ID, s)
			}
		}
		if q.Coding != nil && !strings.Contains(public, jsonText(t, q.Coding.Starter)) {
			t.Errorf("%s: public view lacks the starter code", q.ID)
		}
	}
}

// jsonText returns s as it appears inside a JSON string.
func jsonText(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[1 : len(b)-1])
}

// TestPublicTypeHasNoGuidanceField guards the type itself: a field added to PublicQuestion
// that could carry guidance fails here even before any data would leak.
func TestPublicTypeHasNoGuidanceField(t *testing.T) {
	allowed := map[string]bool{
		"ID": true, "Track": true, "Category": true, "Difficulty": true,
		"Minutes": true, "Title": true, "Prompt": true, "Coding": true,
	}
	typ := reflect.TypeFor[bank.PublicQuestion]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !allowed[f.Name] {
			t.Errorf("PublicQuestion has field %s; review whether the candidate may see it, then update this test", f.Name)
		}
	}
}

func TestPublicIsACopy(t *testing.T) {
	q := validCustom()
	p := q.Public()
	p.Coding.Examples[0].Output = "changed"
	if q.Coding.Examples[0].Output == "changed" {
		t.Fatal("changing the public view changed the question")
	}
}

// TestCodingSaysItsRunLimits checks the defaults of a coding question's run limits and that the
// questions the browser cannot run are flagged and say why.
func TestCodingSaysItsRunLimits(t *testing.T) {
	tr := loadTrack(t)
	var flagged []bank.QuestionID
	for _, q := range tr.Questions() {
		if q.Coding == nil {
			continue
		}
		if l := q.Coding.TimeLimit(); l < bank.MinTimeLimitS || l > bank.MaxTimeLimitS {
			t.Errorf("%s: time limit %d s", q.ID, l)
		}
		if !q.Coding.InBrowser() {
			flagged = append(flagged, q.ID)
			if pub, err := json.Marshal(q.Public()); err != nil || q.Coding.BrowserNote == "" || !strings.Contains(string(pub), `"browser_note"`) {
				t.Errorf("%s: not run in the browser, and no browser_note the candidate sees says why", q.ID)
			}
		}
	}
	// Threads, processes and asyncio.run do not work in the browser's Python.
	want := []bank.QuestionID{"py-prac-safe-transfers", "py-prac-bounded-fetch", "py-tech-parallel-map"}
	if !slices.Equal(flagged, want) {
		t.Errorf("questions flagged runs_in_browser=false: %v; want %v", flagged, want)
	}
	var unset *bank.Coding
	if unset.TimeLimit() != bank.DefaultTimeLimitS || (&bank.Coding{}).TimeLimit() != 10 || !(&bank.Coding{}).InBrowser() {
		t.Errorf("a question that says nothing does not get 10 s and a run in the browser")
	}
}
