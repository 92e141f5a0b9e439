package feedback

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Kind says who a form is about.
type Kind string

const (
	// KindCandidate is the interviewer's rubric form about the candidate.
	KindCandidate Kind = "candidate"
	// KindInterviewer is a peer candidate's interviewer-quality form about the interviewer.
	KindInterviewer Kind = "interviewer"
)

// FormID names one form of a room: "<kind>-<half>".
type FormID string

// maxHalves bounds the halves of a room: a peer room has two.
const maxHalves = 2

// NewFormID builds the id of the form of kind in half.
func NewFormID(kind Kind, half int) FormID {
	return FormID(string(kind) + "-" + strconv.Itoa(half))
}

// Parse splits id into its kind and half, refusing anything else.
func (id FormID) Parse() (Kind, int, error) {
	k, h, ok := strings.Cut(string(id), "-")
	half, err := strconv.Atoi(h)
	if !ok || err != nil || half < 0 || half >= maxHalves || h != strconv.Itoa(half) {
		return "", 0, errFormNotFound(id)
	}
	switch Kind(k) {
	case KindCandidate, KindInterviewer:
		return Kind(k), half, nil
	}
	return "", 0, errFormNotFound(id)
}

func errFormNotFound(id FormID) error {
	return mockroom.Errorf(mockroom.KindNotFound, "form_not_found", "no form %q for you in this room", id)
}

// Moment is a stretch of the room's log, offsets inclusive: what a piece of evidence cites.
type Moment struct {
	From mockroom.EventOffset `json:"from"`
	To   mockroom.EventOffset `json:"to"`
}

// QualityAnswer is one rubric quality: a score with evidence, or not observed.
type QualityAnswer struct {
	Quality     string   `json:"quality"`
	Score       int      `json:"score,omitempty"`
	NotObserved bool     `json:"not_observed,omitempty"`
	Evidence    string   `json:"evidence,omitempty"`
	Moments     []Moment `json:"moments,omitempty"`
}

// QuestionAnswer scores one question asked, by its index in the room's plan.
type QuestionAnswer struct {
	Index   int      `json:"index"`
	Score   int      `json:"score,omitempty"`
	Note    string   `json:"note,omitempty"`
	Moments []Moment `json:"moments,omitempty"`
}

// ItemAnswer scores one item of the interviewer-quality form.
type ItemAnswer struct {
	Item    string   `json:"item"`
	Score   int      `json:"score,omitempty"`
	Note    string   `json:"note,omitempty"`
	Moments []Moment `json:"moments,omitempty"`
}

// Content is a form's answers; which parts a form uses depends on its kind.
type Content struct {
	Qualities      []QualityAnswer  `json:"qualities,omitempty"`
	Recommendation string           `json:"recommendation,omitempty"`
	Strengths      string           `json:"strengths,omitempty"`
	Improvements   string           `json:"improvements,omitempty"`
	Questions      []QuestionAnswer `json:"questions,omitempty"`
	Items          []ItemAnswer     `json:"items,omitempty"`
	Comment        string           `json:"comment,omitempty"`
}

// moments lists every moment the content cites, with the field that cites it.
func (c Content) moments() []citedMoment {
	var out []citedMoment
	for i, q := range c.Qualities {
		for j, m := range q.Moments {
			out = append(out, citedMoment{fmt.Sprintf("qualities[%d].moments[%d]", i, j), m})
		}
	}
	for i, q := range c.Questions {
		for j, m := range q.Moments {
			out = append(out, citedMoment{fmt.Sprintf("questions[%d].moments[%d]", i, j), m})
		}
	}
	for i, it := range c.Items {
		for j, m := range it.Moments {
			out = append(out, citedMoment{fmt.Sprintf("items[%d].moments[%d]", i, j), m})
		}
	}
	return out
}

type citedMoment struct {
	field string
	m     Moment
}

// Version is one submitted edition of a form: 1 is the submission, 2 and up amendments.
// Versions never change once stored.
type Version struct {
	Version       int       `json:"version"`
	RubricVersion int       `json:"rubric_version"`
	SubmittedAt   time.Time `json:"submitted_at"`
	Content       Content   `json:"content"`
}

// Draft is the author's work in progress, saved as it is typed.
type Draft struct {
	Content Content   `json:"content"`
	SavedAt time.Time `json:"saved_at"`
}

// Rating is feedback on feedback: how useful the person a form is about found it.
type Rating struct {
	Score   int       `json:"score"`
	Line    string    `json:"line,omitempty"`
	RatedAt time.Time `json:"rated_at,omitzero"`
}

// Form is one form of a room, with everything stored about it.
type Form struct {
	ID     FormID          `json:"id"`
	Kind   Kind            `json:"kind"`
	Author mockroom.UserID `json:"author_id"`
	About  mockroom.UserID `json:"about_id"`
	Half   int             `json:"half"`
	// RubricVersion is the latest version's, or the current rubric's for a form not submitted.
	RubricVersion int `json:"rubric_version"`
	// Questions are the plan indexes of the half's questions.
	Questions  []int     `json:"questions,omitempty"`
	Draft      *Draft    `json:"draft,omitempty"`
	Versions   []Version `json:"versions"`
	Released   bool      `json:"released"`
	ReleasedAt time.Time `json:"released_at,omitzero"`
	Rating     *Rating   `json:"rating,omitempty"`
}

// Submitted reports whether the form has at least one version.
func (f Form) Submitted() bool { return len(f.Versions) > 0 }

// Latest returns the newest version; ok is false before the first submit.
func (f Form) Latest() (Version, bool) {
	if len(f.Versions) == 0 {
		return Version{}, false
	}
	return f.Versions[len(f.Versions)-1], true
}

// Stored is what the store keeps of one form; who wrote it about whom comes from the room.
type Stored struct {
	Draft      *Draft
	Versions   []Version // oldest first
	ReleasedAt time.Time // zero while not released
	Rating     *Rating
}

// Reason says why feedback was released.
type Reason string

const (
	ReasonBothSubmitted Reason = "both_submitted"
	ReasonDeadline      Reason = "deadline"
	ReasonMentor        Reason = "mentor"
)

// RoomRecord is everything the store keeps of a room's feedback.
type RoomRecord struct {
	Forms map[FormID]Stored
	// ReleasedAt is set once the room's feedback is released: from then on every submitted form
	// reaches the person it is about.
	ReleasedAt time.Time
	Reason     Reason
}
