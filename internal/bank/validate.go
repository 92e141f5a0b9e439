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

// fieldInvalid is invalid for an input field at fault. field is its path in the JSON body, as
// api/openapi.yaml documents it: object members joined by dots, list entries by their zero-based
// index ("coding.examples[1].output", "slots[2].minutes"); a rule about a whole list names the
// list ("guide.follow_ups"). A form uses it to point at the input to change.
func fieldInvalid(field, code, format string, args ...any) *mockroom.Error {
	e := invalid(code, format, args...)
	e.Field = field
	return e
}

// validateQuestion checks the rules every question obeys. hasQuality says which rubric
// qualities exist in the question's track.
func validateQuestion(q Question, hasQuality func(Quality) bool) error {
	if !idPattern.MatchString(string(q.ID)) {
		return invalid("question_id_invalid", "question id %q must be 2–80 lower-case letters, digits and hyphens", q.ID)
	}
	where := "question " + string(q.ID)
	if q.IsCustom() {
		where = "custom question" // its id is generated, and means nothing to its author yet
	}
	if !q.Category.Valid() {
		return fieldInvalid("category", "unknown_category", "%s: unknown category %q", where, q.Category)
	}
	if !q.Difficulty.Valid() {
		return fieldInvalid("difficulty", "unknown_difficulty", "%s: unknown difficulty %q; use junior, mid or senior", where, q.Difficulty)
	}
	if q.Minutes < MinMinutes || q.Minutes > MaxMinutes {
		return fieldInvalid("minutes", "minutes_out_of_range", "%s: minutes must be between %d and %d, got %d", where, MinMinutes, MaxMinutes, q.Minutes)
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
			return fieldInvalid("coding.starter", "missing_starter_code", "%s: coding.starter: a coding question needs starter code", where)
		}
		if len(c.Starter) > maxStarterLen {
			return fieldInvalid("coding.starter", "field_too_long", "%s: coding.starter is longer than %d bytes", where, maxStarterLen)
		}
		if len(c.Examples) < MinExamples {
			return fieldInvalid("coding.examples", "too_few_examples", "%s: coding.examples: a coding question needs at least %d examples", where, MinExamples)
		}
		if len(c.Examples) > maxItems {
			return fieldInvalid("coding.examples", "too_many_items", "%s: coding.examples: at most %d examples", where, maxItems)
		}
		for i, ex := range c.Examples {
			if err := text(where, fmt.Sprintf("coding.examples[%d].input", i), ex.Input, maxExampleLen); err != nil {
				return err
			}
			if err := text(where, fmt.Sprintf("coding.examples[%d].output", i), ex.Output, maxExampleLen); err != nil {
				return err
			}
		}
		if err := validateRuns(where, c); err != nil {
			return err
		}
	}
	g := q.Guide
	if g == nil {
		return fieldInvalid("guide", "missing_field", "%s: guide is required", where)
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
			return fieldInvalid(list.name, code, "%s: %s needs at least %d entries", where, list.name, list.min)
		}
		if len(list.items) > maxItems {
			return fieldInvalid(list.name, "too_many_items", "%s: %s has more than %d entries", where, list.name, maxItems)
		}
		for i, item := range list.items {
			if err := text(where, fmt.Sprintf("%s[%d]", list.name, i), item, maxItemLen); err != nil {
				return err
			}
		}
	}
	if len(g.Qualities) == 0 {
		return fieldInvalid("guide.qualities", "missing_field", "%s: guide.qualities needs at least one rubric quality", where)
	}
	seen := map[Quality]bool{}
	for i, ql := range g.Qualities {
		f := fmt.Sprintf("guide.qualities[%d]", i)
		if !hasQuality(ql) {
			return fieldInvalid(f, "unknown_quality", "%s: %s: unknown rubric quality %q", where, f, ql)
		}
		if seen[ql] {
			return fieldInvalid(f, "duplicate_quality", "%s: %s: rubric quality %q listed twice", where, f, ql)
		}
		seen[ql] = true
	}
	return validateGuideV2(where, g)
}

// text checks that a required text field is present, valid UTF-8 and not too long. field is
// the field's path (see fieldInvalid).
func text(where, field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return fieldInvalid(field, "missing_field", "%s: %s is required", where, field)
	}
	if !utf8.ValidString(s) {
		return fieldInvalid(field, "invalid_text", "%s: %s is not valid UTF-8", where, field)
	}
	if len(s) > max {
		return fieldInvalid(field, "field_too_long", "%s: %s is longer than %d bytes", where, field, max)
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
		return fieldInvalid("seed_topic", "seed_topic_reserved", "seed_topic is reserved for built-in questions")
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
	if p.Owner != "" {
		where = "custom plan"
	}
	if err := text(where, "title", p.Title, maxTitleLen); err != nil {
		return err
	}
	if len(p.Summary) > maxPlanSummaryLen {
		return fieldInvalid("summary", "field_too_long", "%s: summary is longer than %d bytes", where, maxPlanSummaryLen)
	}
	if len(p.Slots) == 0 {
		return fieldInvalid("slots", "plan_empty", "%s: slots: a plan needs at least one slot", where)
	}
	if len(p.Slots) > MaxPlanSlots {
		return fieldInvalid("slots", "too_many_slots", "%s: slots: at most %d slots", where, MaxPlanSlots)
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
	// lastDrawn is the index of the last slot drawing from each category: the one a plan
	// asking too much of a category is refused at.
	lastDrawn := map[mockroom.Category]int{}
	own := 0
	for i, s := range p.Slots {
		slot := fmt.Sprintf("slots[%d]", i)
		// at is the error for one field of this slot; the message says which slot, counted
		// from 1 as people count.
		at := func(field, code, format string, args ...any) error {
			return fieldInvalid(slot+"."+field, code, "%s, slot %d: %s", where, i+1, fmt.Sprintf(format, args...))
		}
		if err := CheckSlotBudget(s); err != nil {
			return at(mockroom.ErrorField(err), mockroom.ErrorCode(err), "%s", mockroom.ErrorMessage(err))
		}
		switch {
		case s.QuestionID != "" && (s.Category != "" || s.Difficulty != ""):
			field := "category"
			if s.Category == "" {
				field = "difficulty"
			}
			return at(field, "slot_invalid", "name either a question or a category and difficulty, not both")
		case s.QuestionID != "":
			if _, ok := known[s.QuestionID]; !ok {
				return at("question_id", "slot_question_unknown", "no question %q", s.QuestionID)
			}
			if fixed[s.QuestionID] {
				return at("question_id", "duplicate_slot_question", "question %q is already in the plan", s.QuestionID)
			}
			fixed[s.QuestionID] = true
			needed[known[s.QuestionID]]++
		case s.Category == mockroom.CategoryOwnQuestions:
			if s.Difficulty != "" {
				return at("difficulty", "slot_invalid", "the candidate-questions slot takes no difficulty")
			}
			own++
			if own > 1 {
				return at("category", "slot_invalid", "a plan has at most one candidate-questions slot")
			}
		case s.Category != "":
			if !s.Category.Valid() {
				return at("category", "unknown_category", "unknown category %q", s.Category)
			}
			if !s.Difficulty.Valid() {
				return at("difficulty", "unknown_difficulty", "unknown difficulty %q; use junior, mid or senior", s.Difficulty)
			}
			needed[s.Category]++
			lastDrawn[s.Category] = i
		default:
			return at("question_id", "slot_invalid", "name a question, or a category and a difficulty")
		}
	}
	for _, c := range mockroom.Categories {
		if needed[c] > byCategory[c] {
			// Fixed slots name distinct questions that exist, so only drawing slots can ask
			// for more than a category holds: the last of them is the one to change.
			i := lastDrawn[c]
			return fieldInvalid(fmt.Sprintf("slots[%d].category", i), "slot_category_empty",
				"%s, slot %d: %d slots need a %q question but only %d exist", where, i+1, needed[c], c, byCategory[c])
		}
	}
	if total := p.Total(); total > MaxPlanMinutes*time.Minute {
		return fieldInvalid("slots", "plan_too_long", "%s: slots add up to %v; the limit is %d minutes", where, total, MaxPlanMinutes)
	}
	return nil
}

// CheckSlotBudget checks a plan slot's budget: exactly one of minutes and seconds, each in its
// range. The message names no slot, and the error's field is the slot's own member ("minutes" or
// "seconds"); callers say which slot.
func CheckSlotBudget(s mockroom.Slot) error {
	switch {
	case s.Minutes != 0 && s.Seconds != 0:
		return fieldInvalid("seconds", "slot_budget_ambiguous", "give the budget in minutes or in seconds, not both")
	case s.Seconds != 0:
		if s.Seconds < MinSeconds || s.Seconds > MaxSeconds {
			return fieldInvalid("seconds", "seconds_out_of_range", "seconds must be between %d and %d, got %d", MinSeconds, MaxSeconds, s.Seconds)
		}
	case s.Minutes < MinMinutes || s.Minutes > MaxMinutes:
		return fieldInvalid("minutes", "minutes_out_of_range", "minutes must be between %d and %d (or give seconds, %d to %d), got %d", MinMinutes, MaxMinutes, MinSeconds, MaxSeconds, s.Minutes)
	}
	return nil
}

// validateRuns checks what a coding question says about running its code: the test setup, the
// time limit, and whether it runs in the browser at all (and if not, why).
func validateRuns(where string, c *Coding) error {
	if len(c.TestSetup) > maxTestSetupLen || !utf8.ValidString(c.TestSetup) {
		return fieldInvalid("coding.test_setup", "field_too_long", "%s: coding.test_setup must be valid UTF-8 of at most %d bytes", where, maxTestSetupLen)
	}
	if c.TimeLimitS != nil && (*c.TimeLimitS < MinTimeLimitS || *c.TimeLimitS > MaxTimeLimitS) {
		return fieldInvalid("coding.time_limit_s", "time_limit_out_of_range", "%s: coding.time_limit_s must be between %d and %d seconds, got %d (leave it out for %d)",
			where, MinTimeLimitS, MaxTimeLimitS, *c.TimeLimitS, DefaultTimeLimitS)
	}
	if c.InBrowser() {
		if c.BrowserNote != "" {
			return fieldInvalid("coding.browser_note", "browser_note_unused", "%s: coding.browser_note says why a question cannot run in the browser; set runs_in_browser to false or remove the note", where)
		}
		return nil
	}
	if strings.TrimSpace(c.BrowserNote) == "" {
		return fieldInvalid("coding.browser_note", "missing_field", "%s: coding.browser_note is required when runs_in_browser is false: say why the code cannot run in the browser", where)
	}
	return text(where, "coding.browser_note", c.BrowserNote, maxBrowserNoteLen)
}
