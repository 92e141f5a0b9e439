package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
)

type rubricView struct {
	Track mockroom.TrackID `json:"track"`
	bank.Rubric
}

type draftSaved struct {
	FormID  feedback.FormID `json:"form_id"`
	SavedAt time.Time       `json:"saved_at"`
}

type submitRequest struct {
	RequestID string           `json:"request_id"`
	Content   feedback.Content `json:"content"`
}

type ratingRequest struct {
	Score int    `json:"score"`
	Line  string `json:"line,omitempty"`
}

type standingView struct {
	UserID  mockroom.UserID `json:"user_id"`
	Average *float64        `json:"average,omitempty"`
	Count   int             `json:"count"`
}

type momentsView struct {
	Moments []feedback.Citeable `json:"moments"`
}

// MountFeedback mounts the rubric and feedback endpoints. Every read of a form goes through the
// service, which gives the person a form is about nothing of it before release and observers
// nothing at all.
func (s *Server) MountFeedback(svc *feedback.Service) {
	roomID := func(r *http.Request) mockroom.RoomID { return mockroom.RoomID(r.PathValue("id")) }
	formID := func(r *http.Request) feedback.FormID { return feedback.FormID(r.PathValue("form_id")) }

	s.handleFunc("GET /api/v1/tracks/{track}/rubric", s.authed(func(w http.ResponseWriter, r *http.Request, _ mockroom.Principal) {
		version := 0
		if v := r.URL.Query().Get("version"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "version_invalid", "version must be a whole number from 1"))
				return
			}
			version = n
		}
		track := mockroom.TrackID(r.PathValue("track"))
		rub, err := svc.Rubric(track, version)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, rubricView{Track: track, Rubric: rub})
	}))

	s.handleFunc("GET /api/v1/rooms/{id}/feedback", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		ov, err := svc.Overview(r.Context(), roomID(r), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, ov)
	}))

	s.handleFunc("GET /api/v1/rooms/{id}/feedback/moments", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		f := feedback.FormID(r.URL.Query().Get("form_id"))
		if f == "" {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "field_missing", "form_id is required"))
			return
		}
		ms, err := svc.Moments(r.Context(), roomID(r), p.UserID, f)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, momentsView{Moments: ms})
	}))

	s.handleFunc("GET /api/v1/rooms/{id}/feedback/forms/{form_id}", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		f, err := svc.Form(r.Context(), roomID(r), p.UserID, formID(r))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, f)
	}))

	s.handleFunc("PUT /api/v1/rooms/{id}/feedback/forms/{form_id}/draft", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		var c feedback.Content
		if err := s.decodeJSON(w, r, &c); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		d, err := svc.SaveDraft(r.Context(), roomID(r), p.UserID, formID(r), c)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, draftSaved{FormID: formID(r), SavedAt: d.SavedAt})
	}))

	submit := func(amend bool) http.HandlerFunc {
		return s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
			var req submitRequest
			if err := s.decodeJSON(w, r, &req); err != nil {
				writeError(w, r, s.log, err)
				return
			}
			do := svc.Submit
			if amend {
				do = svc.Amend
			}
			f, err := do(r.Context(), roomID(r), p.UserID, formID(r), feedback.SubmitRequest{RequestID: req.RequestID, Content: req.Content})
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			writeJSON(w, http.StatusOK, f)
		})
	}
	s.handleFunc("POST /api/v1/rooms/{id}/feedback/forms/{form_id}/submit", submit(false))
	s.handleFunc("POST /api/v1/rooms/{id}/feedback/forms/{form_id}/amend", submit(true))

	s.handleFunc("PUT /api/v1/rooms/{id}/feedback/forms/{form_id}/rating", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		var req ratingRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		rt, err := svc.Rate(r.Context(), roomID(r), p.UserID, formID(r), feedback.Rating{Score: req.Score, Line: req.Line})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, rt)
	}))

	s.handleFunc("POST /api/v1/rooms/{id}/feedback/release", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		rs, err := svc.Release(r.Context(), roomID(r), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, rs)
	}))

	s.handleFunc("GET /api/v1/users/{user_id}/standing", s.authed(func(w http.ResponseWriter, r *http.Request, _ mockroom.Principal) {
		user := mockroom.UserID(r.PathValue("user_id"))
		st, err := svc.Standing(r.Context(), user)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		v := standingView{UserID: user, Count: st.Count}
		if avg, ok := st.Average(); ok {
			v.Average = &avg
		}
		writeJSON(w, http.StatusOK, v)
	}))
}
