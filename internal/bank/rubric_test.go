package bank_test

import (
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
)

// TestRubricVersionsStructure checks what a feedback form relies on in every rubric edition the
// track can render: four levels per quality and per interviewer-form item, and — from the
// current edition — evidence prompts, bar notes and a separate not-observed answer.
func TestRubricVersionsStructure(t *testing.T) {
	tr := loadTrack(t)
	versions := tr.RubricVersions()
	if len(versions) < 2 || versions[0] != 1 || versions[len(versions)-1] != tr.Rubric.Version {
		t.Fatalf("rubric versions %v: want 1 kept and the current %d last", versions, tr.Rubric.Version)
	}
	if tr.Rubric.Version != 2 {
		t.Errorf("current rubric version %d, want 2", tr.Rubric.Version)
	}
	for _, v := range versions {
		r, ok := tr.RubricVersion(v)
		if !ok || r.Version != v {
			t.Fatalf("RubricVersion(%d) = %d, %v", v, r.Version, ok)
		}
		if len(r.Qualities) != 7 {
			t.Errorf("v%d: %d qualities, want the seven", v, len(r.Qualities))
		}
		for _, q := range r.Qualities {
			if len(q.Levels) != 4 {
				t.Errorf("v%d %s: %d levels", v, q.ID, len(q.Levels))
			}
		}
		for _, f := range r.InterviewerForm {
			if len(f.Levels) != 4 {
				t.Errorf("v%d form item %s: %d levels", v, f.ID, len(f.Levels))
			}
		}
	}
	if _, ok := tr.RubricVersion(99); ok {
		t.Error("RubricVersion(99) found a rubric that does not exist")
	}

	cur := tr.Rubric
	if cur.Bar == nil || cur.NotObserved == nil || cur.FeedbackRating == nil {
		t.Fatal("current rubric lacks the bar, the not-observed answer or the feedback-rating scale")
	}
	for _, q := range cur.Qualities {
		if len(q.EvidencePrompts) == 0 {
			t.Errorf("%s: no evidence prompts", q.ID)
		}
		if q.BarNotes == nil || q.BarNotes.Junior == "" || q.BarNotes.Mid == "" || q.BarNotes.Senior == "" {
			t.Errorf("%s: bar notes missing for a level", q.ID)
		}
		for _, l := range q.Levels {
			// Absence of evidence is "not observed", never a level: no level may score it.
			low := strings.ToLower(l.Description)
			for _, absent := range []string{"did not mention", "no evidence", "never mentioned", "not observed"} {
				if strings.Contains(low, absent) {
					t.Errorf("%s level %d scores absence of evidence (%q)", q.ID, l.Score, absent)
				}
			}
		}
	}
	wantItems := []string{"question_clarity", "hint_usefulness", "time_keeping", "respect", "feedback_usefulness"}
	for i, f := range cur.InterviewerForm {
		if i >= len(wantItems) || f.ID != wantItems[i] {
			t.Errorf("interviewer form item %d is %s, want %v in order", i, f.ID, wantItems)
		}
	}
}

// TestRubricFilesMustCarryTheirVersion refuses an old edition whose content says another version.
func TestRubricFilesMustCarryTheirVersion(t *testing.T) {
	fsys := goodFS(t)
	f := fsys["python-developer/rubric-v1.json"]
	f.Data = []byte(strings.Replace(string(f.Data), `"version": 1`, `"version": 3`, 1))
	fsys["python-developer/rubric-v1.json"] = f
	if _, err := bank.LoadFS(fsys); err == nil || !strings.Contains(err.Error(), "rubric-v1.json") {
		t.Fatalf("LoadFS = %v, want an error naming rubric-v1.json", err)
	}
}
