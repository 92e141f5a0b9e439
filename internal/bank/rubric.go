package bank

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
)

// Rubric is how a track judges a session: qualities scored 1–4 or "not observed", an overall
// recommendation, the short form on which a peer candidate rates the interviewer, and the scale
// of feedback on feedback. Rubrics are versioned: a form records the version it was written
// against, and every version a track ever shipped stays loadable so old forms keep rendering.
type Rubric struct {
	// Version counts the rubric's editions, from 1; the file without a suffix is the newest.
	Version int `json:"version"`
	// Bar says what a 3 means for the level being practised (version 2 on).
	Bar         *Bar         `json:"bar,omitempty"`
	NotObserved *NotObserved `json:"not_observed,omitempty"`

	Qualities       []QualityInfo    `json:"qualities"`
	Recommendations []Recommendation `json:"recommendations"`
	InterviewerForm []FormItem       `json:"interviewer_form"`
	// FeedbackRating is the scale on which a candidate rates the feedback received (version 2 on).
	FeedbackRating *RatingScale `json:"feedback_rating,omitempty"`
}

// Bar is what a score of 3 stands for: the bar of the level practised, with a note per level.
type Bar struct {
	Summary string `json:"summary"`
	Junior  string `json:"junior"`
	Mid     string `json:"mid"`
	Senior  string `json:"senior"`
}

// NotObserved describes the answer given when a quality did not come up: it is not a score.
type NotObserved struct {
	Label       string `json:"label"`
	Description string `json:"description"`
}

// BarNotes say, per level practised, where a quality's 3 differs from the general bar.
type BarNotes struct {
	Junior string `json:"junior,omitempty"`
	Mid    string `json:"mid,omitempty"`
	Senior string `json:"senior,omitempty"`
}

// RatingScale is a titled 1–4 scale.
type RatingScale struct {
	Title  string  `json:"title"`
	Levels []Level `json:"levels"`
}

// MinScore and MaxScore bound every rubric and form score.
const (
	MinScore = 1
	MaxScore = 4
)

// QualityInfo is one quality of a good candidate, with what each score looks like.
type QualityInfo struct {
	ID          Quality `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	// Levels holds one entry per score, MinScore first.
	Levels []Level `json:"levels"`
	// BarNotes and EvidencePrompts exist from version 2 on.
	BarNotes        *BarNotes `json:"bar_notes,omitempty"`
	EvidencePrompts []string  `json:"evidence_prompts,omitempty"`
}

// Level describes one score of a quality or form item.
type Level struct {
	Score       int    `json:"score"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Recommendation is one step of the overall hire/no-hire scale, weakest first.
type Recommendation struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// FormItem is one question of the interviewer-quality form, scored 1–4.
type FormItem struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Levels      []Level `json:"levels"`
}

// Quality returns the quality with the given id.
func (r Rubric) Quality(id Quality) (QualityInfo, bool) {
	i := slices.IndexFunc(r.Qualities, func(q QualityInfo) bool { return q.ID == id })
	if i < 0 {
		return QualityInfo{}, false
	}
	return r.Qualities[i], true
}

// HasQuality reports whether id is a quality of this rubric.
func (r Rubric) HasQuality(id Quality) bool {
	_, ok := r.Quality(id)
	return ok
}

// Recommendation returns the recommendation with the given id.
func (r Rubric) Recommendation(id string) (Recommendation, bool) {
	i := slices.IndexFunc(r.Recommendations, func(rec Recommendation) bool { return rec.ID == id })
	if i < 0 {
		return Recommendation{}, false
	}
	return r.Recommendations[i], true
}

// FormItem returns the interviewer-form item with the given id.
func (r Rubric) FormItem(id string) (FormItem, bool) {
	i := slices.IndexFunc(r.InterviewerForm, func(f FormItem) bool { return f.ID == id })
	if i < 0 {
		return FormItem{}, false
	}
	return r.InterviewerForm[i], true
}

// RubricVersion returns the track's rubric of version v: the current one or an older edition.
func (t *Track) RubricVersion(v int) (Rubric, bool) {
	if v == t.Rubric.Version {
		return t.Rubric, true
	}
	i := slices.IndexFunc(t.oldRubrics, func(r Rubric) bool { return r.Version == v })
	if i < 0 {
		return Rubric{}, false
	}
	return t.oldRubrics[i], true
}

// RubricVersions lists the versions the track can render, oldest first.
func (t *Track) RubricVersions() []int {
	out := make([]int, 0, len(t.oldRubrics)+1)
	for _, r := range t.oldRubrics {
		out = append(out, r.Version)
	}
	return append(out, t.Rubric.Version)
}

// loadRubrics reads rubric.json (the current edition) and every rubric-v<N>.json kept beside
// it. Each must carry the version its name says; the current one must be the newest and meet
// the full rules of the current format.
func loadRubrics(fsys fs.FS, dir string) (Rubric, []Rubric, error) {
	var cur Rubric
	if err := decodeFile(fsys, path.Join(dir, "rubric.json"), &cur); err != nil {
		return Rubric{}, nil, err
	}
	if err := cur.validateCurrent(); err != nil {
		return Rubric{}, nil, fmt.Errorf("rubric.json: %w", err)
	}
	names, err := fs.Glob(fsys, path.Join(dir, "rubric-v*.json"))
	if err != nil {
		return Rubric{}, nil, err
	}
	var old []Rubric
	for _, name := range names {
		var r Rubric
		if err := decodeFile(fsys, name, &r); err != nil {
			return Rubric{}, nil, err
		}
		if want := fmt.Sprintf("rubric-v%d.json", r.Version); path.Base(name) != want {
			return Rubric{}, nil, fmt.Errorf("%s: holds version %d, so it must be named %s", name, r.Version, want)
		}
		if r.Version >= cur.Version {
			return Rubric{}, nil, fmt.Errorf("%s: version %d is not older than rubric.json's %d", name, r.Version, cur.Version)
		}
		if err := r.validate(); err != nil {
			return Rubric{}, nil, fmt.Errorf("%s: %w", name, err)
		}
		old = append(old, r)
	}
	slices.SortFunc(old, func(a, b Rubric) int { return a.Version - b.Version })
	return cur, old, nil
}

// validateCurrent adds the rules of the current format to validate: a version, the bar, the
// not-observed answer, per quality its bar notes and evidence prompts, a four-step
// recommendation scale and the feedback-on-feedback scale.
func (r Rubric) validateCurrent() error {
	if r.Version < 1 {
		return fmt.Errorf("rubric needs a version of 1 or more")
	}
	if err := r.validate(); err != nil {
		return err
	}
	if r.Bar == nil {
		return fmt.Errorf("rubric needs a bar")
	}
	if err := texts("rubric bar", r.Bar.Summary, r.Bar.Junior, r.Bar.Mid, r.Bar.Senior); err != nil {
		return err
	}
	if r.NotObserved == nil {
		return fmt.Errorf("rubric needs the not-observed answer")
	}
	if err := texts("rubric not_observed", r.NotObserved.Label, r.NotObserved.Description); err != nil {
		return err
	}
	for _, q := range r.Qualities {
		where := "rubric quality " + string(q.ID)
		if q.BarNotes == nil || q.BarNotes.Junior+q.BarNotes.Mid+q.BarNotes.Senior == "" {
			return fmt.Errorf("%s: needs bar notes", where)
		}
		if len(q.EvidencePrompts) == 0 {
			return fmt.Errorf("%s: needs evidence prompts", where)
		}
		if err := texts(where+" evidence prompt", q.EvidencePrompts...); err != nil {
			return err
		}
	}
	if len(r.Recommendations) != MaxScore-MinScore+1 {
		return fmt.Errorf("rubric needs %d recommendations, has %d", MaxScore-MinScore+1, len(r.Recommendations))
	}
	if r.FeedbackRating == nil {
		return fmt.Errorf("rubric needs the feedback_rating scale")
	}
	if err := texts("rubric feedback_rating", r.FeedbackRating.Title); err != nil {
		return err
	}
	return validateLevels("rubric feedback_rating", r.FeedbackRating.Levels)
}
