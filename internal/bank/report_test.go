package bank_test

import (
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
)

// TestBuiltInBankMeetsCoverage is the coverage rules of the built-in bank, as the report in CI
// prints them.
func TestBuiltInBankMeetsCoverage(t *testing.T) {
	r := loadTrack(t).Coverage()
	for _, rule := range r.Rules {
		if !rule.Pass {
			t.Errorf("coverage rule %q fails: %s", rule.Name, rule.Detail)
		}
	}
	if r.Questions < 90 {
		t.Errorf("bank has %d questions; want 90", r.Questions)
	}
	if len(r.Rules) < 8 {
		t.Errorf("report checks %d rules; want every rule of the issue", len(r.Rules))
	}
}

// TestCoverageFailsOnAThinBank loads a bank with a category's questions removed and checks that
// the rules it breaks report failure.
func TestCoverageFailsOnAThinBank(t *testing.T) {
	fsys := goodFS(t)
	delete(fsys, "python-developer/questions/system_design.json")
	// The plans need system design questions; keep only plans that do not.
	fsys["python-developer/plans.json"].Data = []byte(`{"plans":[{"id":"p1","title":"P","slots":[{"category":"problem_solving","difficulty":"mid","minutes":10}]}]}`)
	b, err := bank.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := b.Track(python)
	if err != nil {
		t.Fatal(err)
	}
	r := tr.Coverage()
	if r.Passed() {
		t.Fatal("coverage passed without system design questions")
	}
	failed := map[string]string{}
	for _, rule := range r.Rules {
		if !rule.Pass {
			failed[rule.Name] = rule.Detail
		}
	}
	var found bool
	for name, detail := range failed {
		if strings.HasPrefix(name, "every category") && strings.Contains(detail, "system_design/junior has 0") {
			found = true
		}
	}
	if !found {
		t.Errorf("failed rules %v do not name the empty category", failed)
	}
}

// TestCoverageFindsNearDuplicatePrompts adds a copy of a prompt under a new id.
func TestCoverageFindsNearDuplicatePrompts(t *testing.T) {
	fsys := goodFS(t)
	data := string(fsys["python-developer/questions/problem_solving.json"].Data)
	// The first question again, under a new id: the file stays a valid array.
	start := strings.Index(data, "{")
	end := strings.Index(data, "\n  },\n") + len("\n  }")
	dup := strings.Replace(data[start:end], `"id": "py-prob-word-frequency"`, `"id": "py-prob-word-frequency-again"`, 1)
	dup = strings.Replace(dup, `"seed_topic": "data_structures",`, "", 1)
	fsys["python-developer/questions/problem_solving.json"].Data = []byte("[" + dup + "," + data[start:])
	b, err := bank.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := b.Track(python)
	r := tr.Coverage()
	if r.Similarity < 0.99 || r.Passed() {
		t.Fatalf("similarity %.2f between %v, passed %v; want the copy found and the report failed", r.Similarity, r.MostSimilar, r.Passed())
	}
}
