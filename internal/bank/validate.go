package bank

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Limits that apply to every question, built-in or custom. They keep one question small enough
// to send in a single frame and to store as one Redis value.
const (
	MinMinutes        = 1
	MaxMinutes        = 60
	MinSeconds        = 1 // a plan slot may give its budget in seconds, for short drills
	MaxSeconds        = 3600
	MinFollowUps      = 2
	MinExamples       = 2
	maxTitleLen       = 120
	maxPromptLen      = 4000
	maxItemLen        = 1000
	maxItems          = 20
	maxStarterLen     = 20000
	maxExampleLen     = 2000
	maxLanguageLen    = 32
	CustomIDPrefix    = "custom-"
	CustomPlanPrefix  = "plan-"
	MaxPlanSlots      = 20
	MaxPlanMinutes    = 180
	maxPlanSummaryLen = 1000
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)

// snakePattern admits the snake_case ids of rubric entries ("strong_yes").
var snakePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,79}$`)

func invalid(code, format string, args ...any) *mockroom.Error {
	return mockroom.Errorf(mockroom.KindInvalid, code, format, args...)
}

// validateQuestion checks the rules every question obeys. hasQuality says which rubric
// qualities exist in the question's track.
func validateQuestion(q Question, hasQuality func(Quality) bool) error {
	if !idPattern.MatchString(string(q.ID)) {
		return invalid("question_id_invalid", "question id %q must be 2–80 lower-case letters, digits and hyphens", q.ID)
	}
	where := "question " + string(q.ID)
	if !q.Category.Valid() {
		return invalid("unknown_category", "%s: unknown category %q", where, q.Category)
	}
	if !q.Difficulty.Valid() {
		return invalid("unknown_difficulty", "%s: unknown difficulty %q; use junior, mid or senior", where, q.Difficulty)
	}
	if q.Minutes < MinMinutes || q.Minutes > MaxMinutes {
		return invalid("minutes_out_of_range", "%s: minutes must be between %d and %d, got %d", where, MinMinutes, MaxMinutes, q.Minutes)
	}
	if err := text(where, "title", q.Title, maxTitleLen); err != nil {
		return err
	}
	if err := text(where, "prompt", q.Prompt, maxPromptLen); err != nil {
		return err
	}
	if c := q.Coding; c != nil {
		if err := text(where, "coding.language", c.Language, maxLanguageLen); err != nil {
			return err
		}
		if strings.TrimSpace(c.Starter) == "" {
			return invalid("missing_starter_code", "%s: a coding question needs starter code", where)
		}
		if len(c.Starter) > maxStarterLen {
			return invalid("field_too_long", "%s: starter code is longer than %d bytes", where, maxStarterLen)
		}
		if len(c.Examples) < MinExamples {
			return invalid("too_few_examples", "%s: a coding question needs at least %d examples", where, MinExamples)
		}
		if len(c.Examples) > maxItems {
			return invalid("too_many_items", "%s: at most %d examples", where, maxItems)
		}
		for _, ex := range c.Examples {
			if err := text(where, "example input", ex.Input, maxExampleLen); err != nil {
				return err
			}
			if err := text(where, "example output", ex.Output, maxExampleLen); err != nil {
				return err
			}
		}
		if err := validateRuns(where, c); err != nil {
			return err
		}
	}
	g := q.Guide
	if g == nil {
		return invalid("missing_field", "%s: guide is required", where)
	}
	for _, list := range []struct {
		name  string
		items []string
		min   int
	}{
		{"guide.looks_for", g.LooksFor, 1},
		{"guide.red_flags", g.RedFlags, 1},
		{"guide.strong_answer", g.StrongAnswer, 1},
		{"guide.follow_ups", g.FollowUps, MinFollowUps},
	} {
		if len(list.items) < list.min {
			code := "missing_field"
			if list.name == "guide.follow_ups" {
				code = "too_few_follow_ups"
			}
			return invalid(code, "%s: %s needs at least %d entries", where, list.name, list.min)
		}
		if len(list.items) > maxItems {
			return invalid("too_many_items", "%s: %s has more than %d entries", where, list.name, maxItems)
		}
		for _, item := range list.items {
			if err := text(where, list.name, item, maxItemLen); err != nil {
				return err
			}
		}
	}
	if len(g.Qualities) == 0 {
		return invalid("missing_field", "%s: guide.qualities needs at least one rubric quality", where)
	}
	seen := map[Quality]bool{}
	for _, ql := range g.Qualities {
		if !hasQuality(ql) {
			return invalid("unknown_quality", "%s: unknown rubric quality %q", where, ql)
		}
		if seen[ql] {
			return invalid("duplicate_quality", "%s: rubric quality %q listed twice", where, ql)
		}
		seen[ql] = true
	}
	return validateGuideV2(where, g)
}

// text checks that a required text field is present, valid UTF-8 and not too long.
func text(where, field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return invalid("missing_field", "%s: %s is required", where, field)
	}
	if !utf8.ValidString(s) {
		return invalid("invalid_text", "%s: %s is not valid UTF-8", where, field)
	}
	if len(s) > max {
		return invalid("field_too_long", "%s: %s is longer than %d bytes", where, field, max)
	}
	return nil
}

// ValidateCustom checks a question an interviewer adds: the rules of every question, plus those
// that make it a custom one (an author, a generated id, this track, no seed topic).
func (t *Track) ValidateCustom(q Question) error {
	if q.Author == "" {
		return invalid("missing_field", "a custom question needs an author")
	}
	if !strings.HasPrefix(string(q.ID), CustomIDPrefix) {
		return invalid("question_id_invalid", "custom question ids start with %q", CustomIDPrefix)
	}
	if q.Track != t.ID {
		return invalid("track_mismatch", "question is for track %q, not %q", q.Track, t.ID)
	}
	if q.SeedTopic != "" {
		return invalid("seed_topic_reserved", "seed_topic is reserved for built-in questions")
	}
	return validateQuestion(q, t.Rubric.HasQuality)
}

// ValidatePlan checks a plan against this track. extra holds the questions the plan's owner may
// use beyond the built-in ones (their custom questions); fixed slots must name one of those or a
// built-in question, and category slots must have at least one question to draw from.
func (t *Track) ValidatePlan(p mockroom.Plan, extra []Question) error {
	if p.Track != t.ID {
		return invalid("track_mismatch", "plan is for track %q, not %q", p.Track, t.ID)
	}
	if !idPattern.MatchString(p.ID) {
		return invalid("plan_id_invalid", "plan id %q must be 2–80 lower-case letters, digits and hyphens", p.ID)
	}
	where := "plan " + p.ID
	if err := text(where, "title", p.Title, maxTitleLen); err != nil {
		return err
	}
	if len(p.Summary) > maxPlanSummaryLen {
		return invalid("field_too_long", "%s: summary is longer than %d bytes", where, maxPlanSummaryLen)
	}
	if len(p.Slots) == 0 {
		return invalid("plan_empty", "%s: a plan needs at least one slot", where)
	}
	if len(p.Slots) > MaxPlanSlots {
		return invalid("too_many_slots", "%s: at most %d slots", where, MaxPlanSlots)
	}
	known := map[QuestionID]mockroom.Category{}
	byCategory := map[mockroom.Category]int{}
	for _, q := range t.questions {
		known[q.ID] = q.Category
		byCategory[q.Category]++
	}
	for _, q := range extra {
		known[q.ID] = q.Category
		byCategory[q.Category]++
	}
	fixed := map[QuestionID]bool{}
	// Draw never asks one question twice in a plan, so each category must hold enough
	// questions for its fixed slots plus its category slots.
	needed := map[mockroom.Category]int{}
	own := 0
	for i, s := range p.Slots {
		at := func(format string, args ...any) string {
			return fmt.Sprintf("%s, slot %d: ", where, i+1) + fmt.Sprintf(format, args...)
		}
		if err := CheckSlotBudget(s); err != nil {
			return invalid(mockroom.ErrorCode(err), "%s", at("%s", mockroom.ErrorMessage(err)))
		}
		switch {
		case s.QuestionID != "" && (s.Category != "" || s.Difficulty != ""):
			return invalid("slot_invalid", "%s", at("name either a question or a category and difficulty, not both"))
		case s.QuestionID != "":
			if _, ok := known[s.QuestionID]; !ok {
				return invalid("slot_question_unknown", "%s", at("no question %q", s.QuestionID))
			}
			if fixed[s.QuestionID] {
				return invalid("duplicate_slot_question", "%s", at("question %q is already in the plan", s.QuestionID))
			}
			fixed[s.QuestionID] = true
			needed[known[s.QuestionID]]++
		case s.Category == mockroom.CategoryOwnQuestions:
			if s.Difficulty != "" {
				return invalid("slot_invalid", "%s", at("the candidate-questions slot takes no difficulty"))
			}
			own++
			if own > 1 {
				return invalid("slot_invalid", "%s", at("a plan has at most one candidate-questions slot"))
			}
		case s.Category != "":
			if !s.Category.Valid() {
				return invalid("unknown_category", "%s", at("unknown category %q", s.Category))
			}
			if !s.Difficulty.Valid() {
				return invalid("unknown_difficulty", "%s", at("unknown difficulty %q; use junior, mid or senior", s.Difficulty))
			}
			needed[s.Category]++
		default:
			return invalid("slot_invalid", "%s", at("name a question, or a category and a difficulty"))
		}
	}
	for _, c := range mockroom.Categories {
		if needed[c] > byCategory[c] {
			return invalid("slot_category_empty", "%s: %d slots need a %q question but only %d exist", where, needed[c], c, byCategory[c])
		}
	}
	if total := p.Total(); total > MaxPlanMinutes*time.Minute {
		return invalid("plan_too_long", "%s: slots add up to %v; the limit is %d minutes", where, total, MaxPlanMinutes)
	}
	return nil
}

// CheckSlotBudget checks a plan slot's budget: exactly one of minutes and seconds, each in its
// range. The message names no slot; callers say which one.
func CheckSlotBudget(s mockroom.Slot) error {
	switch {
	case s.Minutes != 0 && s.Seconds != 0:
		return invalid("slot_budget_ambiguous", "give the budget in minutes or in seconds, not both")
	case s.Seconds != 0:
		if s.Seconds < MinSeconds || s.Seconds > MaxSeconds {
			return invalid("seconds_out_of_range", "seconds must be between %d and %d, got %d", MinSeconds, MaxSeconds, s.Seconds)
		}
	case s.Minutes < MinMinutes || s.Minutes > MaxMinutes:
		return invalid("minutes_out_of_range", "minutes must be between %d and %d (or give seconds, %d to %d), got %d", MinMinutes, MaxMinutes, MinSeconds, MaxSeconds, s.Minutes)
	}
	return nil
}

// validateRuns checks what a coding question says about running its code: the test setup, the
// time limit, and whether it runs in the browser at all (and if not, why).
func validateRuns(where string, c *Coding) error {
	if len(c.TestSetup) > maxTestSetupLen || !utf8.ValidString(c.TestSetup) {
		return invalid("field_too_long", "%s: coding.test_setup must be valid UTF-8 of at most %d bytes", where, maxTestSetupLen)
	}
	if c.TimeLimitS != nil && (*c.TimeLimitS < MinTimeLimitS || *c.TimeLimitS > MaxTimeLimitS) {
		return invalid("time_limit_out_of_range", "%s: coding.time_limit_s must be between %d and %d seconds, got %d (leave it out for %d)",
			where, MinTimeLimitS, MaxTimeLimitS, *c.TimeLimitS, DefaultTimeLimitS)
	}
	if c.InBrowser() {
		if c.BrowserNote != "" {
			return invalid("browser_note_unused", "%s: coding.browser_note says why a question cannot run in the browser; set runs_in_browser to false or remove the note", where)
		}
		return nil
	}
	if strings.TrimSpace(c.BrowserNote) == "" {
		return invalid("missing_field", "%s: coding.browser_note is required when runs_in_browser is false: say why the code cannot run in the browser", where)
	}
	return text(where, "coding.browser_note", c.BrowserNote, maxBrowserNoteLen)
}
