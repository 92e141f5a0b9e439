package bank

import (
	"fmt"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// validateMeta checks everything of a track but its questions and plans: the six categories,
// the closing questions, the preparation areas and the rubric.
func (t *Track) validateMeta() error {
	if !idPattern.MatchString(string(t.ID)) {
		return fmt.Errorf("track id %q must be lower-case letters, digits and hyphens", t.ID)
	}
	if err := text("track", "title", t.Title, maxTitleLen); err != nil {
		return err
	}
	if err := text("track", "description", t.Description, maxPromptLen); err != nil {
		return err
	}

	seenCat := map[mockroom.Category]bool{}
	for _, c := range t.Categories {
		if !c.ID.Valid() || seenCat[c.ID] {
			return fmt.Errorf("category %q is unknown or listed twice", c.ID)
		}
		seenCat[c.ID] = true
		if err := texts("category "+string(c.ID), c.Title, c.Description); err != nil {
			return err
		}
	}
	if len(seenCat) != len(mockroom.Categories) {
		return fmt.Errorf("track describes %d categories; it must describe all %d", len(seenCat), len(mockroom.Categories))
	}

	if len(t.ClosingQuestions) == 0 {
		return fmt.Errorf("no closing questions")
	}
	seen := map[string]bool{}
	for _, cq := range t.ClosingQuestions {
		if err := uniqueID("closing question", cq.ID, seen); err != nil {
			return err
		}
		if err := texts("closing question "+cq.ID, cq.Question, cq.Reveals); err != nil {
			return err
		}
	}

	if len(t.Topics) == 0 {
		return fmt.Errorf("no topics")
	}
	seen = map[string]bool{}
	for _, tp := range t.Topics {
		if !snakePattern.MatchString(tp.ID) {
			return fmt.Errorf("topic id %q must be lower-case snake_case", tp.ID)
		}
		if err := uniqueID("topic", tp.ID, seen); err != nil {
			return err
		}
		if err := texts("topic "+tp.ID, tp.Title); err != nil {
			return err
		}
	}

	if err := t.Rubric.validate(); err != nil {
		return err
	}

	if len(t.Preparation) == 0 {
		return fmt.Errorf("no preparation areas")
	}
	seen = map[string]bool{}
	for _, a := range t.Preparation {
		where := "preparation area " + a.ID
		if err := uniqueID("preparation area", a.ID, seen); err != nil {
			return err
		}
		if err := texts(where, a.Title, a.Description); err != nil {
			return err
		}
		if len(a.Categories) == 0 && len(a.Qualities) == 0 && !a.AllSessions {
			return fmt.Errorf("%s: map it to categories, qualities or all sessions", where)
		}
		for _, c := range a.Categories {
			if !c.Valid() && c != mockroom.CategoryOwnQuestions {
				return fmt.Errorf("%s: unknown category %q", where, c)
			}
		}
		for _, q := range a.Qualities {
			if !t.Rubric.HasQuality(q) {
				return fmt.Errorf("%s: unknown quality %q", where, q)
			}
		}
	}
	return nil
}

func (r Rubric) validate() error {
	if len(r.Qualities) == 0 {
		return fmt.Errorf("rubric has no qualities")
	}
	seen := map[string]bool{}
	for _, q := range r.Qualities {
		if err := uniqueID("rubric quality", string(q.ID), seen); err != nil {
			return err
		}
		where := "rubric quality " + string(q.ID)
		if err := texts(where, q.Title, q.Description); err != nil {
			return err
		}
		if err := validateLevels(where, q.Levels); err != nil {
			return err
		}
	}
	if len(r.Recommendations) < 2 {
		return fmt.Errorf("rubric needs at least two recommendations")
	}
	seen = map[string]bool{}
	for _, rec := range r.Recommendations {
		if err := uniqueID("recommendation", rec.ID, seen); err != nil {
			return err
		}
		if err := texts("recommendation "+rec.ID, rec.Label, rec.Description); err != nil {
			return err
		}
	}
	if len(r.InterviewerForm) == 0 {
		return fmt.Errorf("rubric has no interviewer form")
	}
	seen = map[string]bool{}
	for _, f := range r.InterviewerForm {
		if err := uniqueID("interviewer form item", f.ID, seen); err != nil {
			return err
		}
		where := "interviewer form item " + f.ID
		if err := texts(where, f.Title, f.Description); err != nil {
			return err
		}
		if err := validateLevels(where, f.Levels); err != nil {
			return err
		}
	}
	return nil
}

// validateLevels wants exactly one described level per score, in order.
func validateLevels(where string, levels []Level) error {
	if len(levels) != MaxScore-MinScore+1 {
		return fmt.Errorf("%s: needs %d levels, has %d", where, MaxScore-MinScore+1, len(levels))
	}
	for i, l := range levels {
		if l.Score != MinScore+i {
			return fmt.Errorf("%s: level %d has score %d", where, i+1, l.Score)
		}
		if err := texts(fmt.Sprintf("%s level %d", where, l.Score), l.Label, l.Description); err != nil {
			return err
		}
	}
	return nil
}

func uniqueID(what, id string, seen map[string]bool) error {
	if !idPattern.MatchString(id) && !snakePattern.MatchString(id) {
		return fmt.Errorf("%s id %q is not a lower-case identifier", what, id)
	}
	if seen[id] {
		return fmt.Errorf("%s id %q is used twice", what, id)
	}
	seen[id] = true
	return nil
}

// texts checks that every one of a set of required texts is present and of sane size.
func texts(where string, values ...string) error {
	for _, v := range values {
		if err := text(where, "text", v, maxPromptLen); err != nil {
			return err
		}
	}
	return nil
}
