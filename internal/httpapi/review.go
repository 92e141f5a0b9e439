package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/mockroom/mockroom/internal/account"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/progress"
	"github.com/mockroom/mockroom/internal/record"
)

// DefaultTrack is the track progress is computed for when the request names none.
const DefaultTrack mockroom.TrackID = "python-developer"

type sessionsView struct {
	Sessions []record.Summary `json:"sessions"`
}

// MountReview mounts the review endpoints: the caller's past sessions, one session's record as
// the caller may see it, its exports, and the caller's progress. Who sees what is the record's
// business (the feedback service's release rules, notes for their author only).
func (s *Server) MountReview(svc *record.Service, prog *progress.Service, users UserReader) {
	s.handleFunc("GET /api/v1/me/export", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		out, err := exportAll(r, p.UserID, svc, prog, users)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.Header().Set("Content-Disposition", attachment("mockroom-my-data.json"))
		writeJSON(w, http.StatusOK, out)
	}))

	s.handleFunc("GET /api/v1/me/progress", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		track := mockroom.TrackID(r.URL.Query().Get("track"))
		if track == "" {
			track = DefaultTrack
		}
		out, err := prog.Get(r.Context(), p.UserID, track)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}))

	s.handleFunc("GET /api/v1/me/sessions", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		q := r.URL.Query()
		f := record.Filter{Role: mockroom.Role(q.Get("role")), Kind: mockroom.RoomKind(q.Get("kind"))}
		list, err := svc.List(r.Context(), p.UserID, f)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, sessionsView{Sessions: list})
	}))

	s.handleFunc("POST /api/v1/sessions/{id}/notes/share", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		if err := svc.ShareNotes(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))

	get := func(r *http.Request, p mockroom.Principal) (record.Record, error) {
		return svc.Get(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID)
	}
	s.handleFunc("GET /api/v1/sessions/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		rec, err := get(r, p)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	}))
	s.handleFunc("GET /api/v1/sessions/{id}/export.json", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		rec, err := get(r, p)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.Header().Set("Content-Disposition", attachment("mockroom-session-"+string(rec.RoomID)+".json"))
		writeJSON(w, http.StatusOK, rec)
	}))
	s.handleFunc("GET /api/v1/sessions/{id}/export.md", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		rec, err := get(r, p)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", attachment("mockroom-session-"+string(rec.RoomID)+".md"))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(record.Markdown(rec)))
	}))
}

// UserReader reads an account; *account.Service implements it.
type UserReader interface {
	User(ctx context.Context, id mockroom.UserID) (account.User, error)
}

// myData is everything the server keeps about a person that they may read, in one file.
type myData struct {
	Schema     int               `json:"schema"`
	ExportedAt time.Time         `json:"exported_at"`
	User       authUser          `json:"user"`
	Sessions   []record.Record   `json:"sessions"`
	Progress   progress.Progress `json:"progress"`
}

func exportAll(r *http.Request, user mockroom.UserID, svc *record.Service, prog *progress.Service, users UserReader) (myData, error) {
	ctx := r.Context()
	u, err := users.User(ctx, user)
	if err != nil {
		return myData{}, err
	}
	list, err := svc.List(ctx, user, record.Filter{})
	if err != nil {
		return myData{}, err
	}
	out := myData{Schema: 1, ExportedAt: time.Now().UTC(), User: toAuthUser(u), Sessions: []record.Record{}}
	for _, sum := range list {
		rec, err := svc.Get(ctx, sum.RoomID, user)
		if err != nil {
			return myData{}, err
		}
		out.Sessions = append(out.Sessions, rec)
	}
	if out.Progress, err = prog.Get(ctx, user, DefaultTrack); err != nil {
		return myData{}, err
	}
	return out, nil
}

// attachment is a Content-Disposition asking the browser to save the body as name. Room ids are
// URL-safe, so name needs no quoting beyond the quotes.
func attachment(name string) string {
	return `attachment; filename="` + name + `"`
}
