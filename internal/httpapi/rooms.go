package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// GuestCreator makes a guest identity for someone who follows an invite link without an
// account; *account.Service implements it.
type GuestCreator interface {
	CreateGuest(ctx context.Context, displayName string) (mockroom.Principal, account.Pair, error)
}

type roomCreateRequest struct {
	Track    mockroom.TrackID `json:"track"`
	PlanID   string           `json:"plan_id,omitempty"`
	Plan     *roomCustomPlan  `json:"plan,omitempty"`
	Title    string           `json:"title,omitempty"`
	Settings *room.Settings   `json:"settings,omitempty"`
	// ScheduledAt is when the session is meant to start; the invite page shows it.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
}

type roomCustomPlan struct {
	Slots []mockroom.Slot `json:"slots"`
}

// roomInvites are the links a room's interviewer hands out. The invite rides in the URL's
// fragment, which browsers never send to a server, so it stays out of access logs; the web app
// reads it and posts it to /api/v1/invites/accept.
type roomInvites struct {
	CandidateURL    string    `json:"candidate_url"`
	ObserverURL     string    `json:"observer_url"`
	CandidateInvite string    `json:"candidate_invite"`
	ObserverInvite  string    `json:"observer_invite"`
	ExpiresAt       time.Time `json:"expires_at"`
}

type roomCreated struct {
	Room    room.Room   `json:"room"`
	Invites roomInvites `json:"invites"`
}

type inviteAcceptRequest struct {
	Invite      string `json:"invite"`
	DisplayName string `json:"display_name,omitempty"`
}

type invitePreviewRequest struct {
	Invite string `json:"invite"`
}

type inviteAccepted struct {
	Room        room.Room        `json:"room"`
	Participant room.Participant `json:"participant"`
	// Session is set when the caller came without an account: the new guest's tokens.
	Session *authSession `json:"session,omitempty"`
}

// MountRooms mounts the room endpoints. publicURL is the base of invite links; guests creates
// identities for invite joins without an account.
func (s *Server) MountRooms(svc *room.Service, guests GuestCreator, publicURL string) {
	publicURL = strings.TrimRight(publicURL, "/")
	links := func(inv room.Invites) roomInvites {
		return roomInvites{
			CandidateURL: publicURL + "/join#invite=" + url.QueryEscape(inv.Candidate), CandidateInvite: inv.Candidate,
			ObserverURL: publicURL + "/join#invite=" + url.QueryEscape(inv.Observer), ObserverInvite: inv.Observer,
			ExpiresAt: inv.ExpiresAt,
		}
	}

	s.handleFunc("POST /api/v1/rooms", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		var req roomCreateRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		in := room.CreateRequest{Track: req.Track, PlanID: req.PlanID, Title: req.Title, ScheduledAt: req.ScheduledAt}
		if req.Plan != nil {
			if len(req.Plan.Slots) == 0 {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "missing_field", "plan.slots must list at least one slot"))
				return
			}
			in.Slots = req.Plan.Slots
		}
		if req.Settings != nil {
			in.Settings = *req.Settings
		}
		created, inv, err := svc.Create(r.Context(), p, in)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, roomCreated{Room: room.ViewFor(created, p.UserID), Invites: links(inv)})
	}))

	s.handleFunc("GET /api/v1/rooms/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		v, err := svc.View(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))

	s.handleFunc("POST /api/v1/rooms/{id}/invites", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		inv, err := svc.IssueInvites(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, links(inv))
	}))

	s.handleFunc("POST /api/v1/rooms/{id}/close", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		closed, err := svc.Close(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, room.ViewFor(closed, p.UserID))
	}))

	s.handleFunc("POST /api/v1/rooms/{id}/reveal", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		v, err := svc.Reveal(r.Context(), mockroom.RoomID(r.PathValue("id")), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))

	s.handleFunc("GET /api/v1/me/rooms", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		mine, err := svc.Mine(r.Context(), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, mine)
	}))

	// The invite page asks what an invite is for before the person accepts it. A POST, like
	// accept, so the invite travels in a body and never in a URL; it changes nothing.
	s.handleFunc("POST /api/v1/invites/preview", func(w http.ResponseWriter, r *http.Request) {
		var req invitePreviewRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if req.Invite == "" {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "missing_field", "invite is required"))
			return
		}
		preview, err := svc.PreviewInvite(r.Context(), req.Invite)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, preview)
	})

	s.handleFunc("POST /api/v1/invites/accept", func(w http.ResponseWriter, r *http.Request) {
		var req inviteAcceptRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if req.Invite == "" {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "missing_field", "invite is required"))
			return
		}
		var out inviteAccepted
		var p mockroom.Principal
		if r.Header.Get("Authorization") != "" {
			var err error
			if p, err = s.authenticate(r); err != nil {
				writeError(w, r, s.log, err)
				return
			}
		} else {
			// Check the invite before making an identity for it, so dead or forged links create
			// nothing; seats bound how many guests one link can make.
			if strings.TrimSpace(req.DisplayName) == "" {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "missing_field", "display_name is required to join without an account"))
				return
			}
			if _, err := svc.CheckInvite(r.Context(), req.Invite); err != nil {
				writeError(w, r, s.log, err)
				return
			}
			if guests == nil {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindUnauthorized, "token_missing", "sign in to accept this invite"))
				return
			}
			guest, pair, err := guests.CreateGuest(r.Context(), req.DisplayName)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			p = guest
			sess := toAuthSession(account.User{ID: guest.UserID, Name: guest.Name, Guest: true, CreatedAt: time.Now().UTC()}, pair)
			out.Session = &sess
		}
		joined, part, err := svc.AcceptInvite(r.Context(), req.Invite, p, req.DisplayName)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		out.Room, out.Participant = room.ViewFor(joined, p.UserID), part
		writeJSON(w, http.StatusOK, out)
	})
}
