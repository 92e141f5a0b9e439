package bank

import (
	"slices"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// QuestionID is re-exported so callers of this package rarely need to spell the shared name.
type QuestionID = mockroom.QuestionID

// Quality is the id of one rubric quality of a track, e.g. "technical_expertise".
type Quality string

// Question is one question of a track with everything the interviewer needs. The candidate only
// ever receives Public(): the interviewer-only material lives under Guide, and PublicQuestion
// has no field that could hold it.
type Question struct {
	ID         QuestionID          `json:"id"`
	Track      mockroom.TrackID    `json:"track,omitempty"`
	Category   mockroom.Category   `json:"category"`
	Difficulty mockroom.Difficulty `json:"difficulty"`
	// Minutes is the suggested time budget; a plan slot may override it.
	Minutes int    `json:"minutes"`
	Title   string `json:"title"`
	// Prompt is what the candidate reads.
	Prompt string `json:"prompt"`
	// SeedTopic names the topic of the source guide this question covers, for the built-in
	// questions that carry one of its sample questions over; empty otherwise.
	SeedTopic string `json:"seed_topic,omitempty"`
	// Topics are ids from the track's topic list; built-in questions name one to four.
	Topics []string `json:"topics,omitempty"`
	// Coding is set for questions worked in the shared editor.
	Coding *Coding         `json:"coding,omitempty"`
	Guide  *Guidance       `json:"guide"`
	Author mockroom.UserID `json:"author,omitempty"` // custom questions only
	// CreatedAt is set for custom questions only.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Coding is the material for a question worked in the shared editor. All of it is visible to
// the candidate.
type Coding struct {
	// Language is the editor language, "python" for this track.
	Language string    `json:"language"`
	Starter  string    `json:"starter"`
	Examples []Example `json:"examples"`
	// TestSetup is Python run after the code under test and before its tests (imports, helpers
	// the tests call), in the same namespace. It is shown to the candidate like the rest.
	TestSetup string `json:"test_setup,omitempty"`
	// TimeLimitS is how many seconds a run of this question's code may take in a browser before
	// it is stopped; nil means DefaultTimeLimitS. See TimeLimit.
	TimeLimitS *int `json:"time_limit_s,omitempty"`
	// RunsInBrowser is false for a question whose code cannot run in the browser's Python (it
	// needs threads, processes, the network or files); BrowserNote then says why. nil means true.
	RunsInBrowser *bool  `json:"runs_in_browser,omitempty"`
	BrowserNote   string `json:"browser_note,omitempty"`
}

// Limits of a coding question's runs.
const (
	DefaultTimeLimitS = 10
	MinTimeLimitS     = 1
	MaxTimeLimitS     = 60
	maxTestSetupLen   = 10000
	maxBrowserNoteLen = 300
)

// TimeLimit returns the seconds a run of the question's code may take.
func (c *Coding) TimeLimit() int {
	if c == nil || c.TimeLimitS == nil {
		return DefaultTimeLimitS
	}
	return *c.TimeLimitS
}

// InBrowser reports whether the question's code and tests can run in the browser.
func (c *Coding) InBrowser() bool {
	return c == nil || c.RunsInBrowser == nil || *c.RunsInBrowser
}

// Example is one input with the output a correct solution produces.
type Example struct {
	Input  string `json:"input"`
	Output string `json:"output"`
}

// Guidance is the interviewer-only material of a question.
type Guidance struct {
	// LooksFor lists what a good answer covers.
	LooksFor []string `json:"looks_for"`
	RedFlags []string `json:"red_flags"`
	// StrongAnswer outlines, point by point, an answer that would score well.
	StrongAnswer []string `json:"strong_answer"`
	FollowUps    []string `json:"follow_ups"`
	// Qualities are the rubric qualities an answer gives evidence for.
	Qualities []Quality `json:"qualities"`

	// Why says what the question finds out about the candidate.
	Why string `json:"why,omitempty"`
	// Clarifications are questions a candidate may ask about the task, with the answer the
	// interviewer gives. The candidate sees one only once the interviewer gives it.
	Clarifications []Clarification `json:"clarifications,omitempty"`
	// Hints are given one at a time, in order; each caps the score the answer can reach.
	Hints []Hint `json:"hints,omitempty"`
	// Scoring says what an answer to this question scoring 1, 2, 3 and 4 looks like, in order.
	Scoring []string `json:"scoring,omitempty"`
	// Solution is a reference solution of a coding question; Tests check it (and any answer).
	Solution string     `json:"solution,omitempty"`
	Tests    []CodeTest `json:"tests,omitempty"`
	// Story and Probes guide a behavioural question: what each part of a good story holds,
	// and questions that dig into it.
	Story  *Story   `json:"story,omitempty"`
	Probes []string `json:"probes,omitempty"`
}

// Clarification is a question a candidate may ask about a task and the answer to give.
type Clarification struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Hint is one hint of a question. MaxScore is the highest score on the question's scoring
// guide an answer can reach once this hint was given.
type Hint struct {
	Text     string `json:"text"`
	MaxScore int    `json:"max_score"`
}

// CodeTest is one check of a coding question: Call is a Python expression; a correct solution
// makes it equal the Python expression Expect, or raise the exception class named by Raises.
// Exactly one of Expect and Raises is set.
type CodeTest struct {
	Call   string `json:"call"`
	Expect string `json:"expect,omitempty"`
	Raises string `json:"raises,omitempty"`
}

// Story is what a good answer to a behavioural question holds in each of its four parts.
type Story struct {
	Situation  string `json:"situation"`
	Action     string `json:"action"`
	Result     string `json:"result"`
	Reflection string `json:"reflection"`
}

// IsCustom reports whether an interviewer added q through the API.
func (q Question) IsCustom() bool { return q.Author != "" }

// PublicQuestion is the candidate-safe view of a question. It deliberately has no field for
// guidance, follow-ups, qualities or authorship, so no code path can send them by mistake.
type PublicQuestion struct {
	ID         QuestionID          `json:"id"`
	Track      mockroom.TrackID    `json:"track"`
	Category   mockroom.Category   `json:"category"`
	Difficulty mockroom.Difficulty `json:"difficulty"`
	Minutes    int                 `json:"minutes"`
	Title      string              `json:"title"`
	Prompt     string              `json:"prompt"`
	Coding     *Coding             `json:"coding,omitempty"`
}

// Public returns what the candidate (and an observer) may see of q.
func (q Question) Public() PublicQuestion {
	return PublicQuestion{
		ID:         q.ID,
		Track:      q.Track,
		Category:   q.Category,
		Difficulty: q.Difficulty,
		Minutes:    q.Minutes,
		Title:      q.Title,
		Prompt:     q.Prompt,
		Coding:     q.Coding.clone(),
	}
}

// Clone returns a deep copy, so a caller may change its copy without touching the bank.
func (q Question) Clone() Question {
	q.Coding = q.Coding.clone()
	q.Topics = slices.Clone(q.Topics)
	if q.Guide != nil {
		g := *q.Guide
		g.LooksFor = slices.Clone(g.LooksFor)
		g.RedFlags = slices.Clone(g.RedFlags)
		g.StrongAnswer = slices.Clone(g.StrongAnswer)
		g.FollowUps = slices.Clone(g.FollowUps)
		g.Qualities = slices.Clone(g.Qualities)
		g.Clarifications = slices.Clone(g.Clarifications)
		g.Hints = slices.Clone(g.Hints)
		g.Scoring = slices.Clone(g.Scoring)
		g.Tests = slices.Clone(g.Tests)
		g.Probes = slices.Clone(g.Probes)
		if g.Story != nil {
			st := *g.Story
			g.Story = &st
		}
		q.Guide = &g
	}
	return q
}

func (c *Coding) clone() *Coding {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Examples = slices.Clone(c.Examples)
	if c.TimeLimitS != nil {
		v := *c.TimeLimitS
		cp.TimeLimitS = &v
	}
	if c.RunsInBrowser != nil {
		v := *c.RunsInBrowser
		cp.RunsInBrowser = &v
	}
	return &cp
}
