package bank_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

const python = mockroom.TrackID("python-developer")

func loadTrack(t *testing.T) *bank.Track {
	t.Helper()
	b, err := bank.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tr, err := b.Track(python)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	return tr
}

func TestPythonTrackContent(t *testing.T) {
	tr := loadTrack(t)
	qs := tr.Questions()
	if len(qs) < 48 {
		t.Errorf("track has %d questions; want at least 48", len(qs))
	}

	perCategory := map[mockroom.Category]int{}
	perLevel := map[[2]string]int{}
	seedTopics := map[string][]bank.QuestionID{}
	for _, q := range qs {
		perCategory[q.Category]++
		perLevel[[2]string{string(q.Category), string(q.Difficulty)}]++
		if q.SeedTopic != "" {
			seedTopics[q.SeedTopic] = append(seedTopics[q.SeedTopic], q.ID)
		}
		if err := tr.ValidateQuestion(q); err != nil {
			t.Errorf("question %s: %v", q.ID, err)
		}
		if q.Track != python {
			t.Errorf("question %s: track %q", q.ID, q.Track)
		}
		if q.IsCustom() {
			t.Errorf("question %s: built-in question has an author", q.ID)
		}
	}
	for _, c := range mockroom.Categories {
		if perCategory[c] < 8 {
			t.Errorf("category %s has %d questions; want at least 8", c, perCategory[c])
		}
		for _, d := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			if perLevel[[2]string{string(c), string(d)}] == 0 {
				t.Errorf("category %s has no %s question", c, d)
			}
		}
		if info, ok := tr.Category(c); !ok || info.Title == "" || info.Description == "" {
			t.Errorf("category %s is not described: %+v", c, info)
		}
	}
	if len(tr.Categories) != 6 {
		t.Errorf("track describes %d categories; want 6", len(tr.Categories))
	}

	// The eight sample questions of the source guide, each carried over exactly once.
	wantTopics := []string{
		"data_structures", "decorators", "efficient_maintainable_code", "gil",
		"memory_management", "python_2_vs_3", "testing_approach", "version_control_collaboration",
	}
	var gotTopics []string
	for topic, ids := range seedTopics {
		gotTopics = append(gotTopics, topic)
		if len(ids) != 1 {
			t.Errorf("seed topic %s is carried by %v; want exactly one question", topic, ids)
		}
	}
	slices.Sort(gotTopics)
	if diff := cmp.Diff(wantTopics, gotTopics); diff != "" {
		t.Errorf("seed topics (-want +got):\n%s", diff)
	}

	// Questions worked in the editor: all of practical application, most of problem solving.
	for _, q := range qs {
		if q.Category == mockroom.CategoryPractical && q.Coding == nil {
			t.Errorf("practical question %s has no coding material", q.ID)
		}
	}
	if n := len(tr.Find(bank.Filter{Category: mockroom.CategoryProblemSolve})) - countNonCoding(tr, mockroom.CategoryProblemSolve); n < 8 {
		t.Errorf("problem solving has %d coding questions; want at least 8", n)
	}
}

func countNonCoding(tr *bank.Track, c mockroom.Category) int {
	n := 0
	for _, q := range tr.Find(bank.Filter{Category: c}) {
		if q.Coding == nil {
			n++
		}
	}
	return n
}

func TestPythonRubric(t *testing.T) {
	tr := loadTrack(t)
	r := tr.Rubric
	var ids []bank.Quality
	for _, q := range r.Qualities {
		ids = append(ids, q.ID)
		var scores []int
		for _, l := range q.Levels {
			scores = append(scores, l.Score)
		}
		if diff := cmp.Diff([]int{1, 2, 3, 4}, scores); diff != "" {
			t.Errorf("quality %s level scores (-want +got):\n%s", q.ID, diff)
		}
	}
	wantIDs := []bank.Quality{
		"technical_expertise", "problem_solving", "best_practices", "databases",
		"collaboration_communication", "adaptability_learning", "development_lifecycle",
	}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("rubric qualities (-want +got):\n%s", diff)
	}

	var recs []string
	for _, rec := range r.Recommendations {
		recs = append(recs, rec.ID)
	}
	if diff := cmp.Diff([]string{"strong_no", "no", "yes", "strong_yes"}, recs); diff != "" {
		t.Errorf("recommendations (-want +got):\n%s", diff)
	}

	var form []string
	for _, f := range r.InterviewerForm {
		form = append(form, f.ID)
		if len(f.Levels) != 4 {
			t.Errorf("form item %s has %d levels", f.ID, len(f.Levels))
		}
	}
	if diff := cmp.Diff([]string{"question_clarity", "hint_usefulness", "time_keeping", "respect", "feedback_usefulness"}, form); diff != "" {
		t.Errorf("interviewer form (-want +got):\n%s", diff)
	}

	// Every quality must be something some question gives evidence for, or it could never
	// be scored with a citation.
	evidenced := map[bank.Quality]bool{}
	for _, q := range tr.Questions() {
		for _, ql := range q.Guide.Qualities {
			evidenced[ql] = true
		}
	}
	for _, id := range wantIDs {
		if !evidenced[id] {
			t.Errorf("no question gives evidence for quality %s", id)
		}
	}
}

func TestClosingQuestionsAndPreparation(t *testing.T) {
	tr := loadTrack(t)
	var closing []string
	for _, cq := range tr.ClosingQuestions {
		closing = append(closing, cq.ID)
	}
	if diff := cmp.Diff([]string{"development_workflow", "team_challenges", "professional_growth", "recent_success"}, closing); diff != "" {
		t.Errorf("closing questions (-want +got):\n%s", diff)
	}

	var areas []string
	for _, a := range tr.Preparation {
		areas = append(areas, a.ID)
		for _, c := range a.Categories {
			if !c.Valid() && c != mockroom.CategoryOwnQuestions {
				t.Errorf("area %s maps to unknown category %s", a.ID, c)
			}
		}
		for _, q := range a.Qualities {
			if !tr.Rubric.HasQuality(q) {
				t.Errorf("area %s maps to unknown quality %s", a.ID, q)
			}
		}
	}
	want := []string{
		"core_language", "libraries_frameworks", "coding_problems", "version_control",
		"technical_principles", "testing", "system_design", "own_questions", "mock_interviews",
	}
	if diff := cmp.Diff(want, areas); diff != "" {
		t.Errorf("preparation areas (-want +got):\n%s", diff)
	}
}

func TestBuiltInPlans(t *testing.T) {
	tr := loadTrack(t)
	tests := []struct {
		id        string
		minutes   int
		wantSlots []mockroom.Category
	}{
		{"general-45", 45, []mockroom.Category{
			mockroom.CategoryBehavioral, mockroom.CategoryTechnical, mockroom.CategoryConceptual,
			mockroom.CategoryPractical, mockroom.CategorySystemDesign, mockroom.CategoryOwnQuestions,
		}},
		{"senior-60", 60, []mockroom.Category{
			mockroom.CategoryBehavioral, mockroom.CategoryTechnical, mockroom.CategoryConceptual,
			mockroom.CategoryPractical, mockroom.CategorySystemDesign, mockroom.CategoryOwnQuestions,
		}},
		{"peer-half-30", 30, []mockroom.Category{
			mockroom.CategoryBehavioral, mockroom.CategoryTechnical, mockroom.CategoryProblemSolve, mockroom.CategoryOwnQuestions,
		}},
		{"junior-30", 30, []mockroom.Category{
			mockroom.CategoryTechnical, mockroom.CategoryConceptual, mockroom.CategoryPractical, mockroom.CategoryOwnQuestions,
		}},
		{"classics-50", 50, []mockroom.Category{
			mockroom.CategoryConceptual, mockroom.CategoryTechnical, mockroom.CategoryPractical,
			mockroom.CategoryProblemSolve, mockroom.CategoryBehavioral, mockroom.CategoryOwnQuestions,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, err := tr.Plan(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalMinutes() != tt.minutes {
				t.Errorf("total %d minutes; want %d", p.TotalMinutes(), tt.minutes)
			}
			var got []mockroom.Category
			for _, s := range p.Slots {
				c := s.Category
				if s.QuestionID != "" {
					q, err := tr.Question(s.QuestionID)
					if err != nil {
						t.Fatal(err)
					}
					c = q.Category
				}
				got = append(got, c)
			}
			if diff := cmp.Diff(tt.wantSlots, got); diff != "" {
				t.Errorf("slot categories (-want +got):\n%s", diff)
			}
			if err := tr.ValidatePlan(p, nil); err != nil {
				t.Errorf("ValidatePlan: %v", err)
			}
		})
	}
	if len(tr.Plans()) != len(tests) {
		t.Errorf("track has %d plans; the test knows %d", len(tr.Plans()), len(tests))
	}
}

func TestFind(t *testing.T) {
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		filter  bank.Filter
		wantIDs []bank.QuestionID // must be included
		check   func(q bank.Question) bool
		code    string
	}{
		{name: "text matches title, any case", filter: bank.Filter{Text: "gIl"}, wantIDs: []bank.QuestionID{"py-concept-gil"}},
		{name: "text matches prompt", filter: bank.Filter{Text: "least recently"}, wantIDs: []bank.QuestionID{"py-prac-lru-cache"}},
		{
			name: "category and difficulty", filter: bank.Filter{Category: mockroom.CategorySystemDesign, Difficulty: mockroom.Senior},
			wantIDs: []bank.QuestionID{"py-design-task-queue"},
			check: func(q bank.Question) bool {
				return q.Category == mockroom.CategorySystemDesign && q.Difficulty == mockroom.Senior
			},
		},
		{name: "no match", filter: bank.Filter{Text: "cobol mainframe"}},
		{name: "unknown category", filter: bank.Filter{Category: "cooking"}, code: "unknown_category"},
		{name: "unknown difficulty", filter: bank.Filter{Difficulty: "expert"}, code: "unknown_difficulty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Find(python, tt.filter)
			if tt.code != "" {
				if mockroom.ErrorCode(err) != tt.code {
					t.Fatalf("error %v; want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.wantIDs {
				if !slices.ContainsFunc(got, func(q bank.Question) bool { return q.ID == id }) {
					t.Errorf("result lacks %s", id)
				}
			}
			if len(tt.wantIDs) == 0 && len(got) != 0 {
				t.Errorf("got %d questions; want none", len(got))
			}
			for _, q := range got {
				if tt.check != nil && !tt.check(q) {
					t.Errorf("%s does not match the filter", q.ID)
				}
			}
		})
	}
	if _, err := b.Find("cobol-developer", bank.Filter{}); mockroom.ErrorKind(err) != mockroom.KindNotFound {
		t.Errorf("unknown track: %v; want not found", err)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	tr := loadTrack(t)
	q, err := tr.Question("py-concept-gil")
	if err != nil {
		t.Fatal(err)
	}
	q.Guide.FollowUps[0] = "changed"
	q.Title = "changed"
	again, _ := tr.Question("py-concept-gil")
	if again.Guide.FollowUps[0] == "changed" || again.Title == "changed" {
		t.Fatal("changing a returned question changed the bank")
	}
	p, _ := tr.Plan("general-45")
	p.Slots[0].Minutes = 59
	again2, _ := tr.Plan("general-45")
	if again2.Slots[0].Minutes == 59 {
		t.Fatal("changing a returned plan changed the bank")
	}
}
