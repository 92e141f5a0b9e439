package feedback

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Limits of what a form holds.
const (
	MaxTextLen       = 4000 // characters of any free text
	MaxRatingLineLen = 280
	MaxMomentsPerAns = 20
	// maxMomentSpan bounds one cited range, so a citation names a stretch, not the whole log.
	maxMomentSpan = 100000
)

// fieldErr is a validation error that names the field at fault.
func fieldErr(code, field, format string, args ...any) error {
	e := mockroom.Errorf(mockroom.KindInvalid, code, format, args...)
	e.Field = field
	e.Message = field + ": " + e.Message
	return e
}

func formInvalid(field, format string, args ...any) error {
	return fieldErr("form_invalid", field, format, args...)
}

func checkText(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return fieldErr("text_too_long", field, "at most %d characters", max)
	}
	return nil
}

func checkScore(field string, score int, required bool) error {
	if score == 0 && !required {
		return nil
	}
	if score < bank.MinScore || score > bank.MaxScore {
		return formInvalid(field, "a score is %d to %d", bank.MinScore, bank.MaxScore)
	}
	return nil
}

func checkMoments(field string, ms []Moment) error {
	if len(ms) > MaxMomentsPerAns {
		return formInvalid(field, "at most %d moments", MaxMomentsPerAns)
	}
	for i, m := range ms {
		f := fmt.Sprintf("%s[%d]", field, i)
		if m.From < 1 || m.To < m.From {
			return formInvalid(f, "a moment is an offset range with 1 <= from <= to")
		}
		if m.To-m.From > maxMomentSpan {
			return formInvalid(f, "a moment spans at most %d offsets", maxMomentSpan)
		}
	}
	return nil
}

// shape is what validation needs to know of the form being written.
type shape struct {
	kind   Kind
	rubric bank.Rubric
	// questions are the plan indexes of the half; asked those that were started in the session.
	questions []int
	asked     []int
}

// validate checks c against the form's rules. A draft (final=false) is checked for shape and
// sizes only, so it can be saved half-typed; a submission must be complete: every quality
// answered with a score and evidence or "not observed", a recommendation, strengths, things to
// improve, every question asked scored; or every interviewer-form item scored.
func validate(c Content, sh shape, final bool) error {
	switch sh.kind {
	case KindCandidate:
		if len(c.Items) > 0 {
			return formInvalid("items", "belongs to the interviewer-quality form, not this one")
		}
		if c.Comment != "" {
			return formInvalid("comment", "belongs to the interviewer-quality form, not this one")
		}
		return validateCandidate(c, sh, final)
	case KindInterviewer:
		for _, p := range []struct {
			field string
			set   bool
		}{
			{"qualities", len(c.Qualities) > 0}, {"recommendation", c.Recommendation != ""},
			{"strengths", c.Strengths != ""}, {"improvements", c.Improvements != ""}, {"questions", len(c.Questions) > 0},
		} {
			if p.set {
				return formInvalid(p.field, "belongs to the rubric form about the candidate, not this one")
			}
		}
		return validateInterviewer(c, sh, final)
	}
	return formInvalid("kind", "unknown form kind")
}

func validateCandidate(c Content, sh shape, final bool) error {
	seen := map[string]bool{}
	for i, q := range c.Qualities {
		f := fmt.Sprintf("qualities[%d]", i)
		if !sh.rubric.HasQuality(bank.Quality(q.Quality)) {
			return formInvalid(f+".quality", "unknown quality %q", q.Quality)
		}
		if seen[q.Quality] {
			return formInvalid(f+".quality", "quality %q answered twice", q.Quality)
		}
		seen[q.Quality] = true
		if q.NotObserved && q.Score != 0 {
			return formInvalid(f+".score", "give a score or not observed, not both")
		}
		if err := checkScore(f+".score", q.Score, false); err != nil {
			return err
		}
		if err := checkText(f+".evidence", q.Evidence, MaxTextLen); err != nil {
			return err
		}
		if err := checkMoments(f+".moments", q.Moments); err != nil {
			return err
		}
		if final && !q.NotObserved && q.Score == 0 {
			return formInvalid(f+".score", "score %q from %d to %d, or mark it not observed", q.Quality, bank.MinScore, bank.MaxScore)
		}
		if final && q.Score != 0 && strings.TrimSpace(q.Evidence) == "" {
			return formInvalid(f+".evidence", "every score needs evidence: what was said, written or done")
		}
	}
	if c.Recommendation != "" {
		if _, ok := sh.rubric.Recommendation(c.Recommendation); !ok {
			return formInvalid("recommendation", "unknown recommendation %q", c.Recommendation)
		}
	}
	if err := checkText("strengths", c.Strengths, MaxTextLen); err != nil {
		return err
	}
	if err := checkText("improvements", c.Improvements, MaxTextLen); err != nil {
		return err
	}
	seenQ := map[int]bool{}
	for i, q := range c.Questions {
		f := fmt.Sprintf("questions[%d]", i)
		if !slices.Contains(sh.questions, q.Index) {
			return formInvalid(f+".index", "question %d is not one of this half's", q.Index)
		}
		if seenQ[q.Index] {
			return formInvalid(f+".index", "question %d answered twice", q.Index)
		}
		seenQ[q.Index] = true
		if err := checkScore(f+".score", q.Score, false); err != nil {
			return err
		}
		if err := checkText(f+".note", q.Note, MaxTextLen); err != nil {
			return err
		}
		if err := checkMoments(f+".moments", q.Moments); err != nil {
			return err
		}
		if final && q.Score == 0 && slices.Contains(sh.asked, q.Index) {
			return formInvalid(f+".score", "score every question asked")
		}
	}
	if !final {
		return nil
	}
	for _, q := range sh.rubric.Qualities {
		if !seen[string(q.ID)] {
			return formInvalid("qualities", "answer %q: a score with evidence, or not observed", q.ID)
		}
	}
	if c.Recommendation == "" {
		return formInvalid("recommendation", "choose a recommendation")
	}
	if strings.TrimSpace(c.Strengths) == "" {
		return formInvalid("strengths", "name at least one strength")
	}
	if strings.TrimSpace(c.Improvements) == "" {
		return formInvalid("improvements", "name at least one thing to improve")
	}
	for _, idx := range sh.asked {
		if !seenQ[idx] {
			return formInvalid("questions", "score question %d, which was asked", idx)
		}
	}
	return nil
}

func validateInterviewer(c Content, sh shape, final bool) error {
	seen := map[string]bool{}
	for i, it := range c.Items {
		f := fmt.Sprintf("items[%d]", i)
		if _, ok := sh.rubric.FormItem(it.Item); !ok {
			return formInvalid(f+".item", "unknown item %q", it.Item)
		}
		if seen[it.Item] {
			return formInvalid(f+".item", "item %q answered twice", it.Item)
		}
		seen[it.Item] = true
		if err := checkScore(f+".score", it.Score, final); err != nil {
			return err
		}
		if err := checkText(f+".note", it.Note, MaxTextLen); err != nil {
			return err
		}
		if err := checkMoments(f+".moments", it.Moments); err != nil {
			return err
		}
	}
	if err := checkText("comment", c.Comment, MaxTextLen); err != nil {
		return err
	}
	if !final {
		return nil
	}
	for _, it := range sh.rubric.InterviewerForm {
		if !seen[it.ID] {
			return formInvalid("items", "score %q", it.ID)
		}
	}
	return nil
}

// validateRating checks feedback on feedback.
func validateRating(r Rating) error {
	if err := checkScore("score", r.Score, true); err != nil {
		return err
	}
	return checkText("line", r.Line, MaxRatingLineLen)
}
