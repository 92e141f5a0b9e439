package httpapi

import (
	"net/http"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// trackSummary is one entry of the track list.
type trackSummary struct {
	ID          mockroom.TrackID    `json:"id"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Categories  []bank.CategoryInfo `json:"categories"`
}

// trackDetail is everything about a track that is not a question: the categories, the rubric,
// the closing questions, the preparation areas and the built-in plans.
type trackDetail struct {
	trackSummary
	Rubric           bank.Rubric            `json:"rubric"`
	ClosingQuestions []bank.ClosingQuestion `json:"closing_questions"`
	Preparation      []bank.PrepArea        `json:"preparation"`
	Plans            []mockroom.Plan        `json:"plans"`
}

func toTrackSummary(t *bank.Track) trackSummary {
	return trackSummary{ID: t.ID, Title: t.Title, Description: t.Description, Categories: t.Categories}
}

// questionDraft is the body of a new custom question; the server sets id, track, author and
// creation time.
type questionDraft struct {
	Category   mockroom.Category   `json:"category"`
	Difficulty mockroom.Difficulty `json:"difficulty"`
	Minutes    int                 `json:"minutes"`
	Title      string              `json:"title"`
	Prompt     string              `json:"prompt"`
	Coding     *bank.Coding        `json:"coding,omitempty"`
	Guide      *bank.Guidance      `json:"guide"`
}

// planDraft is the body of a new custom plan; the server sets id, track and owner.
type planDraft struct {
	Title   string          `json:"title"`
	Summary string          `json:"summary,omitempty"`
	Slots   []mockroom.Slot `json:"slots"`
}

// questionView returns what p may see of q while browsing: the prompt and metadata only, unless p
// wrote the question. Anyone with an account may be a candidate next week, so guidance for the
// built-in questions reaches an interviewer only inside a room, through the live snapshot.
func questionView(p mockroom.Principal, q bank.Question) any {
	if q.IsCustom() && q.Author == p.UserID {
		return q
	}
	return q.Public()
}

// MountBank mounts the question bank: tracks, questions (built-in and the caller's own) and plans.
func (s *Server) MountBank(c *bank.Catalog) {
	b := c.Bank()
	s.handleFunc("GET /api/v1/tracks", s.authed(func(w http.ResponseWriter, r *http.Request, _ mockroom.Principal) {
		tracks := b.Tracks()
		out := make([]trackSummary, len(tracks))
		for i, t := range tracks {
			out[i] = toTrackSummary(t)
		}
		writeJSON(w, http.StatusOK, map[string]any{"tracks": out})
	}))

	s.handleFunc("GET /api/v1/tracks/{track}", s.authed(func(w http.ResponseWriter, r *http.Request, _ mockroom.Principal) {
		t, err := b.Track(mockroom.TrackID(r.PathValue("track")))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, trackDetail{
			trackSummary: toTrackSummary(t), Rubric: t.Rubric,
			ClosingQuestions: t.ClosingQuestions, Preparation: t.Preparation, Plans: t.Plans(),
		})
	}))

	s.handleFunc("GET /api/v1/tracks/{track}/questions", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		query := r.URL.Query()
		f := bank.Filter{
			Category:   mockroom.Category(query.Get("category")),
			Difficulty: mockroom.Difficulty(query.Get("difficulty")),
			Text:       query.Get("q"),
		}
		qs, err := c.Find(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")), f)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		out := make([]any, len(qs))
		for i, q := range qs {
			out[i] = questionView(p, q)
		}
		writeJSON(w, http.StatusOK, map[string]any{"questions": out})
	}))

	s.handleFunc("GET /api/v1/tracks/{track}/questions/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		q, err := c.Question(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")), mockroom.QuestionID(r.PathValue("id")))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, questionView(p, q))
	}))

	s.handleFunc("POST /api/v1/tracks/{track}/questions", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		if p.Guest {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindForbidden, "account_required", "create an account to add questions"))
			return
		}
		var d questionDraft
		if err := s.decodeJSON(w, r, &d); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		q, err := c.AddQuestion(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")), bank.Question{
			Category: d.Category, Difficulty: d.Difficulty, Minutes: d.Minutes,
			Title: d.Title, Prompt: d.Prompt, Coding: d.Coding, Guide: d.Guide,
		})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, q)
	}))

	s.handleFunc("GET /api/v1/tracks/{track}/plans", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		plans, err := c.Plans(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"plans": plans})
	}))

	s.handleFunc("GET /api/v1/tracks/{track}/plans/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		plan, err := c.Plan(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")), r.PathValue("id"))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, plan)
	}))

	s.handleFunc("POST /api/v1/tracks/{track}/plans", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		if p.Guest {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindForbidden, "account_required", "create an account to add plans"))
			return
		}
		var d planDraft
		if err := s.decodeJSON(w, r, &d); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		plan, err := c.AddPlan(r.Context(), p.UserID, mockroom.TrackID(r.PathValue("track")), mockroom.Plan{
			Title: d.Title, Summary: d.Summary, Slots: d.Slots,
		})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, plan)
	}))
}
