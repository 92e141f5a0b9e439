package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Live is the socket layer (*ws.Server) as the HTTP routes need it.
type Live interface {
	// IssueTicket verifies the access token and returns a short-lived, single-use socket ticket
	// for the room.
	IssueTicket(ctx context.Context, room mockroom.RoomID, accessToken string) (ticket string, expiresAt time.Time, err error)
	// Accept upgrades the request to a socket, spending the ticket. It returns an error only
	// before the upgrade; after it, the socket speaks for itself.
	Accept(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, ticket string) error
	// AcceptResume is Accept with a resume credential, which the socket that was cut had been
	// handed, instead of a ticket.
	AcceptResume(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, credential string) error
	// AcceptJoinAuth upgrades the request to a socket that proves who it is in its join frame,
	// which carries the access token: no ticket, and no credential in the URL.
	AcceptJoinAuth(w http.ResponseWriter, r *http.Request, room mockroom.RoomID) error
}

type ticketResponse struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MountLive adds the live-room routes: the ticket endpoint and the WebSocket endpoint
// (api/protocol.md). The socket URL carries only a ticket or a resume credential, never an
// access token: a socket opened with auth=join carries its token in the join frame.
func (s *Server) MountLive(l Live) {
	s.handleFunc("POST /api/v1/rooms/{id}/ticket", func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindUnauthorized, "token_missing", "send an access token as 'Authorization: Bearer <token>'"))
			return
		}
		room := mockroom.RoomID(r.PathValue("id"))
		if !validRoomID(room) {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no such room"))
			return
		}
		ticket, exp, err := l.IssueTicket(r.Context(), room, token)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, ticketResponse{Ticket: ticket, ExpiresAt: exp.UTC()})
	})
	s.handleFunc("GET /api/v1/rooms/{id}/ws", func(w http.ResponseWriter, r *http.Request) {
		room := mockroom.RoomID(r.PathValue("id"))
		if !validRoomID(room) {
			writeError(w, r, s.log, mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no such room"))
			return
		}
		q := r.URL.Query()
		accept := l.Accept
		proof := q.Get("ticket")
		if q.Has("auth") {
			if q.Get("auth") != "join" {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "bad_auth", "auth takes one value: join"))
				return
			}
			if q.Has("ticket") || q.Has("resume") {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "ticket_and_resume", "send one of a ticket, a resume credential or auth=join"))
				return
			}
			accept = func(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, _ string) error {
				return l.AcceptJoinAuth(w, r, room)
			}
		}
		if q.Has("resume") {
			if q.Has("ticket") {
				writeError(w, r, s.log, mockroom.Errorf(mockroom.KindInvalid, "ticket_and_resume", "send a ticket or a resume credential, not both"))
				return
			}
			accept, proof = l.AcceptResume, q.Get("resume")
		}
		if err := accept(hijackable(w), r, room, proof); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.status = http.StatusSwitchingProtocols
		}
	})
}

// validRoomID keeps odd path segments away from the store's key space.
func validRoomID(id mockroom.RoomID) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hijackable finds the connection-owning writer under the metrics wrapper: the WebSocket
// upgrade takes the connection over with http.Hijacker.
func hijackable(w http.ResponseWriter) http.ResponseWriter {
	for {
		if _, ok := w.(http.Hijacker); ok {
			return w
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
