package httpapi

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

// maxQuestionPage is the largest (and the default) page of a question search. A track's built-in
// questions and one author's custom ones (bank.MaxCustomQuestions) can pass it, so longer results
// are paged; anything up to it comes back whole, in one response.
const maxQuestionPage = 200

// questionPage is one page of a question search. NextCursor is set only when more remain.
type questionPage struct {
	Questions  []any  `json:"questions"`
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// page is where a question search starts and how much it returns.
type page struct {
	offset, limit int
	fingerprint   string
}

// next is the cursor of the page that starts at offset.
func (p page) next(offset int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "q1:%d:%s", offset, p.fingerprint))
}

// searchFingerprint names a search, so a cursor is honoured only by the search that issued it:
// its offset means nothing in another result list.
func searchFingerprint(track mockroom.TrackID, f bank.Filter) string {
	h := fnv.New64a()
	for _, part := range []string{string(track), string(f.Category), string(f.Difficulty), f.Text} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// parsePage reads limit and cursor. The cursor is an offset into the search's result order, which
// is stable (built-in questions in file order, then the caller's own by creation), so a walk
// through the pages sees every question once; questions added during the walk may be missed.
func parsePage(query url.Values, fingerprint string) (page, error) {
	p := page{limit: maxQuestionPage, fingerprint: fingerprint}
	if raw := query.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxQuestionPage {
			return page{}, mockroom.Errorf(mockroom.KindInvalid, "invalid_limit", "limit must be a whole number from 1 to %d", maxQuestionPage)
		}
		p.limit = n
	}
	raw := query.Get("cursor")
	if raw == "" {
		return p, nil
	}
	badCursor := mockroom.Errorf(mockroom.KindInvalid, "invalid_cursor", "cursor is not one this endpoint issued; send the next_cursor of the previous page unchanged")
	dec, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return page{}, badCursor
	}
	parts := strings.Split(string(dec), ":")
	if len(parts) != 3 || parts[0] != "q1" {
		return page{}, badCursor
	}
	offset, err := strconv.Atoi(parts[1])
	if err != nil || offset < 1 || strconv.Itoa(offset) != parts[1] {
		return page{}, badCursor
	}
	if parts[2] != fingerprint {
		return page{}, mockroom.Errorf(mockroom.KindInvalid, "cursor_mismatch", "cursor belongs to a search with other filters; repeat that search's track, category, difficulty and q, or start again without a cursor")
	}
	p.offset = offset
	return p, nil
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
		track := mockroom.TrackID(r.PathValue("track"))
		pg, err := parsePage(query, searchFingerprint(track, f))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		qs, err := c.Find(r.Context(), p.UserID, track, f)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		start := min(pg.offset, len(qs))
		end := min(start+pg.limit, len(qs))
		out := questionPage{Questions: make([]any, 0, end-start), Total: len(qs)}
		for _, q := range qs[start:end] {
			out.Questions = append(out.Questions, questionView(p, q))
		}
		if end < len(qs) {
			out.NextCursor = pg.next(end)
		}
		writeJSON(w, http.StatusOK, out)
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
