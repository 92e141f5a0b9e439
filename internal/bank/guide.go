package bank

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Rules of the guide fields of format 2 (see api/bank.md). A custom question may leave them out;
// a built-in question must carry every one that applies to it (complete).
const (
	MinHints          = 2
	MaxHints          = 3
	MaxFollowUps      = 4
	MinTests          = 4
	MinProbes         = 2
	maxTopics         = 4
	maxSolutionLen    = 20000
	maxClarifications = 10
	// PythonVersion is the oldest Python the built-in coding questions assume; their prompts
	// say so.
	PythonVersion = "3.12"
)

// exceptionName is what a test's raises field may hold: a Python exception class, optionally
// qualified by its module ("decimal.InvalidOperation").
var exceptionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// Topic is one entry of a track's topic list, which questions name in their topics field.
type Topic struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// validateGuideV2 checks the format-2 fields of a guide that are present. where names the
// question, so every error says which question and which field is wrong.
func validateGuideV2(where string, g *Guidance) error {
	if g.Why != "" {
		if err := text(where, "guide.why", g.Why, maxItemLen); err != nil {
			return err
		}
	}
	if len(g.Clarifications) > maxClarifications {
		return fieldInvalid("guide.clarifications", "too_many_items", "%s: guide.clarifications has more than %d entries", where, maxClarifications)
	}
	for i, c := range g.Clarifications {
		f := fmt.Sprintf("guide.clarifications[%d]", i)
		if err := text(where, f+".question", c.Question, maxItemLen); err != nil {
			return err
		}
		if err := text(where, f+".answer", c.Answer, maxItemLen); err != nil {
			return err
		}
	}
	if len(g.Hints) > 0 && (len(g.Hints) < MinHints || len(g.Hints) > MaxHints) {
		return fieldInvalid("guide.hints", "hints_count", "%s: guide.hints needs %d to %d hints, got %d", where, MinHints, MaxHints, len(g.Hints))
	}
	for i, h := range g.Hints {
		f := fmt.Sprintf("guide.hints[%d]", i)
		if err := text(where, f+".text", h.Text, maxItemLen); err != nil {
			return err
		}
		if h.MaxScore < 1 || h.MaxScore > 4 {
			return fieldInvalid(f+".max_score", "hint_cost_invalid", "%s: %s.max_score must be 1–4, got %d", where, f, h.MaxScore)
		}
		if i > 0 && h.MaxScore > g.Hints[i-1].MaxScore {
			return fieldInvalid(f+".max_score", "hint_cost_invalid", "%s: %s.max_score is %d, above the %d of the hint before it; a later hint never costs less", where, f, h.MaxScore, g.Hints[i-1].MaxScore)
		}
	}
	if len(g.Scoring) > 0 && len(g.Scoring) != 4 {
		return fieldInvalid("guide.scoring", "scoring_invalid", "%s: guide.scoring needs exactly 4 entries (scores 1 to 4), got %d", where, len(g.Scoring))
	}
	for i, s := range g.Scoring {
		if err := text(where, fmt.Sprintf("guide.scoring[%d]", i), s, maxItemLen); err != nil {
			// Entries count from 0 in the path and scores from 1: say which score it is.
			return fieldInvalid(mockroom.ErrorField(err), mockroom.ErrorCode(err), "%s (score %d)", mockroom.ErrorMessage(err), i+1)
		}
	}
	if g.Solution != "" && len(g.Solution) > maxSolutionLen {
		return fieldInvalid("guide.solution", "field_too_long", "%s: guide.solution is longer than %d bytes", where, maxSolutionLen)
	}
	if len(g.Tests) > maxItems*2 {
		return fieldInvalid("guide.tests", "too_many_items", "%s: guide.tests has more than %d entries", where, maxItems*2)
	}
	for i, tc := range g.Tests {
		f := fmt.Sprintf("guide.tests[%d]", i)
		if err := text(where, f+".call", tc.Call, maxExampleLen); err != nil {
			return err
		}
		switch {
		case (tc.Expect == "") == (tc.Raises == ""):
			return fieldInvalid(f+".expect", "test_invalid", "%s: %s needs exactly one of expect and raises", where, f)
		case tc.Raises != "" && !exceptionName.MatchString(tc.Raises):
			return fieldInvalid(f+".raises", "test_invalid", "%s: %s.raises must name an exception class, got %q", where, f, tc.Raises)
		case len(tc.Expect) > maxExampleLen:
			return fieldInvalid(f+".expect", "field_too_long", "%s: %s.expect is longer than %d bytes", where, f, maxExampleLen)
		}
	}
	if st := g.Story; st != nil {
		for _, part := range []struct{ name, s string }{
			{"situation", st.Situation}, {"action", st.Action}, {"result", st.Result}, {"reflection", st.Reflection},
		} {
			if err := text(where, "guide.story."+part.name, part.s, maxItemLen); err != nil {
				return err
			}
		}
	}
	if len(g.Probes) > maxItems {
		return fieldInvalid("guide.probes", "too_many_items", "%s: guide.probes has more than %d entries", where, maxItems)
	}
	for i, p := range g.Probes {
		if err := text(where, fmt.Sprintf("guide.probes[%d]", i), p, maxItemLen); err != nil {
			return err
		}
	}
	return nil
}

// validateComplete checks that a built-in question carries every format-2 field that applies
// to it: topics from the track's list, why we ask, clarifications, hints, a scoring guide, two
// to four follow-ups; a solution and tests for a coding question; a story checklist and probes
// for a behavioural one.
func (t *Track) validateComplete(q Question) error {
	where := "question " + string(q.ID)
	missing := func(field, need string) error {
		return invalid("missing_field", "%s: %s is required (%s)", where, field, need)
	}
	if len(q.Topics) == 0 || len(q.Topics) > maxTopics {
		return invalid("topics_invalid", "%s: topics needs 1 to %d entries from the track's topic list, got %d", where, maxTopics, len(q.Topics))
	}
	seen := map[string]bool{}
	for _, id := range q.Topics {
		if !t.hasTopic(id) {
			return invalid("unknown_topic", "%s: topics: %q is not in the track's topic list", where, id)
		}
		if seen[id] {
			return invalid("topics_invalid", "%s: topics: %q is listed twice", where, id)
		}
		seen[id] = true
	}
	g := q.Guide
	switch {
	case g.Why == "":
		return missing("guide.why", "what the question finds out")
	case len(g.Clarifications) == 0:
		return missing("guide.clarifications", "at least one question the candidate may ask, with its answer")
	case len(g.Hints) == 0:
		return missing("guide.hints", fmt.Sprintf("%d to %d hints in order", MinHints, MaxHints))
	case len(g.Scoring) == 0:
		return missing("guide.scoring", "what a 1, 2, 3 and 4 answer looks like")
	case len(g.FollowUps) > MaxFollowUps:
		return invalid("too_many_items", "%s: guide.follow_ups has %d entries; at most %d", where, len(g.FollowUps), MaxFollowUps)
	}
	if q.Coding != nil {
		if !strings.Contains(q.Prompt, PythonVersion) {
			return invalid("prompt_without_version", "%s: prompt: a coding prompt states the Python version it assumes (%q)", where, PythonVersion+"+")
		}
		if g.Solution == "" {
			return missing("guide.solution", "a coding question's reference solution")
		}
		if len(g.Tests) < MinTests {
			return invalid("too_few_tests", "%s: guide.tests has %d entries; a coding question needs at least %d", where, len(g.Tests), MinTests)
		}
	} else if g.Solution != "" || len(g.Tests) > 0 {
		return invalid("solution_without_code", "%s: guide.solution and guide.tests belong to coding questions only", where)
	}
	if q.Category == "behavioral_communication" {
		if g.Story == nil {
			return missing("guide.story", "the situation, action, result and reflection a good story holds")
		}
		if len(g.Probes) < MinProbes {
			return invalid("too_few_probes", "%s: guide.probes has %d entries; a behavioural question needs at least %d", where, len(g.Probes), MinProbes)
		}
	}
	return nil
}

func (t *Track) hasTopic(id string) bool {
	for _, tp := range t.Topics {
		if tp.ID == id {
			return true
		}
	}
	return false
}
