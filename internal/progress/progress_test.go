package progress_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/progress"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/room"
)

const me, mentor mockroom.UserID = "me", "mentor"

const track mockroom.TrackID = "python-developer"

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// session is a mentor session of me on the given categories, scored q per question and
// problem_solving s on the rubric; released says whether the form reached me.
func session(id mockroom.RoomID, day int, cats []mockroom.Category, q int, s int, released bool) progress.Input {
	r := room.Room{ID: id, Kind: mockroom.RoomMentor, Participants: []room.Participant{
		{UserID: mentor, Role: mockroom.RoleInterviewer}, {UserID: me, Role: mockroom.RoleCandidate},
	}}
	var qs []feedback.QuestionAnswer
	var asked []int
	for i, c := range cats {
		asked = append(asked, i)
		r.Questions = append(r.Questions, room.PlannedQuestion{Category: c, Minutes: 10})
		qs = append(qs, feedback.QuestionAnswer{Index: i, Score: q})
	}
	f := feedback.Form{Kind: feedback.KindCandidate, Author: mentor, About: me, Released: released, Versions: []feedback.Version{{Version: 1, Content: feedback.Content{
		Qualities: []feedback.QualityAnswer{{Quality: "problem_solving", Score: s}, {Quality: "databases", NotObserved: true}},
		Questions: qs,
	}}}}
	return progress.Input{
		Summary: record.Summary{RoomID: id, StartedAt: t0.AddDate(0, 0, day), Roles: []mockroom.Role{mockroom.RoleCandidate}},
		Room:    r, Forms: []feedback.Form{f}, Asked: asked,
	}
}

var prep = []bank.PrepArea{
	{ID: "coding", Title: "Coding problems", Categories: []mockroom.Category{mockroom.CategoryProblemSolve}, Qualities: []bank.Quality{"problem_solving"}},
	{ID: "design", Title: "System design", Categories: []mockroom.Category{mockroom.CategorySystemDesign}},
	{ID: "core", Title: "Core language", Categories: []mockroom.Category{mockroom.CategoryTechnical}},
	{ID: "mocks", Title: "Mock interviews", AllSessions: true},
}

func TestProgressAcrossThreeSessions(t *testing.T) {
	in := []progress.Input{
		// Out of order on purpose: points come out oldest first.
		session("r3", 3, []mockroom.Category{mockroom.CategoryProblemSolve}, 4, 4, true),
		session("r1", 1, []mockroom.Category{mockroom.CategoryProblemSolve, mockroom.CategoryTechnical}, 2, 2, true),
		session("r2", 2, []mockroom.Category{mockroom.CategoryTechnical}, 3, 3, true),
		session("r4", 4, []mockroom.Category{mockroom.CategorySystemDesign}, 1, 1, false), // not released: asked, not scored
	}
	p := progress.Compute(in, me, track, prep)

	if p.Sessions != (progress.Counts{Taken: 4}) {
		t.Errorf("counts %+v", p.Sessions)
	}
	ps := p.Qualities[0]
	var scores []int
	for _, pt := range ps.Points {
		scores = append(scores, pt.Score)
	}
	if ps.ID != "problem_solving" || !cmp.Equal(scores, []int{2, 3, 4}) || *ps.Average != 3 {
		t.Errorf("problem_solving %+v", ps)
	}
	if p.Track != track || p.Suggestion.Track != track {
		t.Errorf("track %q, suggestion's track %q, want %q for both", p.Track, p.Suggestion.Track, track)
	}
	// The history has one row per session with a released score, oldest first; r4's form was
	// not released, and "not observed" is no score.
	wantHistory := []progress.Session{
		{RoomID: "r1", At: t0.AddDate(0, 0, 1), Scores: map[string]int{"problem_solving": 2}, Average: 2},
		{RoomID: "r2", At: t0.AddDate(0, 0, 2), Scores: map[string]int{"problem_solving": 3}, Average: 3},
		{RoomID: "r3", At: t0.AddDate(0, 0, 3), Scores: map[string]int{"problem_solving": 4}, Average: 4},
	}
	if diff := cmp.Diff(wantHistory, p.History); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if db := p.Qualities[1]; db.ID != "databases" || db.NotObserved != 3 || db.Average != nil {
		t.Errorf("databases %+v: not observed is not a score", db)
	}
	byCat := map[mockroom.Category]progress.Category{}
	for _, c := range p.Categories {
		byCat[c.Category] = c
	}
	if c := byCat[mockroom.CategoryProblemSolve]; c.Asked != 2 || c.Scored != 2 || *c.Average != 3 {
		t.Errorf("problem solving %+v", c)
	}
	if c := byCat[mockroom.CategorySystemDesign]; c.Asked != 1 || c.Scored != 0 || c.Average != nil {
		t.Errorf("system design %+v: asked once, its score not released", c)
	}
	status := map[string]string{}
	for _, a := range p.Map {
		status[a.ID] = a.Status
	}
	want := map[string]string{"coding": "on_track", "design": "practised", "core": "on_track", "mocks": "practised"}
	if diff := cmp.Diff(want, status); diff != "" {
		t.Errorf("map statuses (-want +got):\n%s", diff)
	}
	// design was asked with no score released (counted at the middle, 2.5), core averages 2.5,
	// coding 3: the two weakest, in the checklist's order on a tie.
	if got := p.Suggestion.Areas; !cmp.Equal(got, []string{"design", "core"}) {
		t.Errorf("suggested areas %v, want the weakest two", got)
	}
	if n := len(p.Suggestion.Slots); n != 3 || p.Suggestion.Slots[2].Category != mockroom.CategoryOwnQuestions {
		t.Errorf("suggested slots %+v", p.Suggestion.Slots)
	}
}

// A question of the plan that was never started is not practice.
func TestOnlyQuestionsAskedCount(t *testing.T) {
	in := session("r", 1, []mockroom.Category{mockroom.CategoryProblemSolve, mockroom.CategorySystemDesign}, 3, 3, true)
	in.Asked = []int{0}
	p := progress.Compute([]progress.Input{in}, me, track, prep)
	if len(p.Categories) != 1 || p.Categories[0].Category != mockroom.CategoryProblemSolve {
		t.Errorf("categories %+v, want only the question asked", p.Categories)
	}
	if p.Map[1].Status != "not_practised" {
		t.Errorf("system design %+v: planned, never asked", p.Map[1])
	}
}

func TestNothingReleasedIsNothingScored(t *testing.T) {
	p := progress.Compute([]progress.Input{session("r", 1, []mockroom.Category{mockroom.CategoryTechnical}, 4, 4, false)}, me, track, prep)
	if len(p.Qualities) != 0 || len(p.History) != 0 {
		t.Errorf("qualities %+v, history %+v from a form not released", p.Qualities, p.History)
	}
	if p.Map[0].Status != "not_practised" || p.Suggestion.Areas[0] != "coding" {
		t.Errorf("map %+v suggestion %+v", p.Map, p.Suggestion)
	}
}

// A session's row holds every quality scored in it, and its average is their mean.
func TestHistoryAveragesASessionsScores(t *testing.T) {
	in := session("r", 1, []mockroom.Category{mockroom.CategoryTechnical}, 3, 2, true)
	in.Forms[0].Versions[0].Content.Qualities = append(in.Forms[0].Versions[0].Content.Qualities, feedback.QualityAnswer{Quality: "collaboration", Score: 3})
	in.Summary.Title = "Practice"
	p := progress.Compute([]progress.Input{in}, me, track, prep)
	want := []progress.Session{{RoomID: "r", At: t0.AddDate(0, 0, 1), Title: "Practice", Scores: map[string]int{"problem_solving": 2, "collaboration": 3}, Average: 2.5}}
	if diff := cmp.Diff(want, p.History); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// An area is practised by its questions; a rubric score is about a whole session. A session that
// asked only a core-language question, scored on qualities that other areas share, leaves those
// areas unpractised and without an average; the area it practised averages its question score
// with its qualities' scores from that session.
func TestAnAreaNeverPractisedHasNoAverage(t *testing.T) {
	prep := []bank.PrepArea{
		{ID: "core", Categories: []mockroom.Category{mockroom.CategoryTechnical}, Qualities: []bank.Quality{"technical_expertise"}},
		{ID: "testing", Categories: []mockroom.Category{mockroom.CategoryPractical}, Qualities: []bank.Quality{"best_practices", "technical_expertise"}},
		{ID: "design", Categories: []mockroom.Category{mockroom.CategorySystemDesign}, Qualities: []bank.Quality{"databases"}},
		{ID: "mocks", AllSessions: true, Qualities: []bank.Quality{"best_practices"}},
	}
	in := session("r", 1, []mockroom.Category{mockroom.CategoryTechnical}, 2, 4, true)
	in.Forms[0].Versions[0].Content.Qualities = []feedback.QualityAnswer{
		{Quality: "technical_expertise", Score: 4}, {Quality: "best_practices", Score: 1}, {Quality: "databases", Score: 3},
	}
	p := progress.Compute([]progress.Input{in}, me, track, prep)

	type row struct {
		Practised int
		Average   float64 // -1 for none
		Status    string
	}
	got := map[string]row{}
	for _, a := range p.Map {
		r := row{Practised: a.Practised, Average: -1, Status: a.Status}
		if a.Average != nil {
			r.Average = *a.Average
		}
		got[a.ID] = r
	}
	want := map[string]row{
		"core":    {Practised: 1, Average: 3, Status: "on_track"}, // question 2, technical_expertise 4
		"testing": {Practised: 0, Average: -1, Status: "not_practised"},
		"design":  {Practised: 0, Average: -1, Status: "not_practised"},
		"mocks":   {Practised: 1, Average: 1, Status: "needs_work"}, // every session taken practises it
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preparation map (-want +got):\n%s", diff)
	}
	if got := p.Suggestion.Areas; !cmp.Equal(got, []string{"testing", "design"}) {
		t.Errorf("suggested areas %v, want the two never practised", got)
	}
}
