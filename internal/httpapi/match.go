package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
)

type matchJoinRequest struct {
	Track      mockroom.TrackID    `json:"track"`
	Level      mockroom.Difficulty `json:"level"`
	Categories []mockroom.Category `json:"categories,omitempty"`
}

// defaultMatchWait is the long-poll's length when the caller names none: short enough to stay
// under common proxy idle timeouts.
const defaultMatchWait = 25 * time.Second

// MountMatch mounts the peer-matching endpoints.
func (s *Server) MountMatch(svc *match.Service) {
	s.handleFunc("POST /api/v1/match/queue", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		var req matchJoinRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		v, err := svc.Join(r.Context(), p, match.JoinRequest{Track: req.Track, Level: req.Level, Categories: req.Categories})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusAccepted, v)
	}))

	s.handleFunc("DELETE /api/v1/match/queue", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		if err := svc.Leave(r.Context(), p.UserID); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))

	s.handleFunc("GET /api/v1/match/status", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		v, err := svc.Status(r.Context(), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))

	s.handleFunc("GET /api/v1/match/wait", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		timeout, err := parseWait(r.URL.Query().Get("timeout"))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		v, err := svc.Wait(r.Context(), p.UserID, timeout, r.URL.Query().Get("seen_match"))
		if err != nil {
			if r.Context().Err() != nil {
				return // the caller went away; nobody to answer
			}
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))

	s.handleFunc("POST /api/v1/match/{id}/confirm", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		v, err := svc.Confirm(r.Context(), p.UserID, r.PathValue("id"))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))
}

// parseWait reads the long-poll length: a Go duration ("25s") or whole seconds ("25"), 0–60 s.
func parseWait(raw string) (time.Duration, error) {
	if raw == "" {
		return defaultMatchWait, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		n, nerr := strconv.Atoi(raw)
		if nerr != nil {
			return 0, mockroom.Errorf(mockroom.KindInvalid, "invalid_timeout", "timeout must be a duration like 25s, or seconds")
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > time.Minute {
		return 0, mockroom.Errorf(mockroom.KindInvalid, "invalid_timeout", "timeout must be between 0s and 60s")
	}
	return d, nil
}
