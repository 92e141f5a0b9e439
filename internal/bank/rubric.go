package bank

import "slices"

// Rubric is how a track judges a session: qualities scored 1–4, an overall recommendation, and
// the short form on which a peer candidate rates the interviewer.
type Rubric struct {
	Qualities       []QualityInfo    `json:"qualities"`
	Recommendations []Recommendation `json:"recommendations"`
	InterviewerForm []FormItem       `json:"interviewer_form"`
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
