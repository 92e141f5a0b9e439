package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// fakeLive records what the live routes pass on.
type fakeLive struct {
	token, ticket, resume string
	room                  mockroom.RoomID
	issueErr              error
	acceptErr             error
	hijackable            bool
	joinAuth              bool
}

func (f *fakeLive) IssueTicket(_ context.Context, room mockroom.RoomID, token string) (string, time.Time, error) {
	f.room, f.token = room, token
	if f.issueErr != nil {
		return "", time.Time{}, f.issueErr
	}
	return "tk_1", time.Date(2026, 11, 24, 10, 0, 30, 0, time.UTC), nil
}

func (f *fakeLive) Accept(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, ticket string) error {
	f.room, f.ticket = room, ticket
	_, f.hijackable = w.(http.Hijacker)
	if f.acceptErr != nil {
		return f.acceptErr
	}
	w.WriteHeader(http.StatusSwitchingProtocols)
	return nil
}

func (f *fakeLive) AcceptResume(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, credential string) error {
	f.resume = credential
	return f.Accept(w, r, room, "")
}

func (f *fakeLive) AcceptJoinAuth(w http.ResponseWriter, r *http.Request, room mockroom.RoomID) error {
	f.joinAuth = true
	return f.Accept(w, r, room, "")
}

func TestLiveRoutes(t *testing.T) {
	cases := []struct {
		name, method, path, auth string
		live                     fakeLive
		status                   int
		code                     string
	}{
		{name: "ticket", method: "POST", path: "/api/v1/rooms/r1/ticket", auth: "Bearer tok", status: 200},
		{name: "ticket without token", method: "POST", path: "/api/v1/rooms/r1/ticket", status: 401, code: "token_missing"},
		{name: "ticket bad room id", method: "POST", path: "/api/v1/rooms/r%20x/ticket", auth: "Bearer tok", status: 404, code: "room_not_found"},
		{name: "ticket refused", method: "POST", path: "/api/v1/rooms/r1/ticket", auth: "Bearer tok", status: 403, code: "not_a_participant",
			live: fakeLive{issueErr: mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "no")}},
		{name: "socket", method: "GET", path: "/api/v1/rooms/r1/ws?ticket=tk_9", status: 101},
		{name: "socket bad ticket", method: "GET", path: "/api/v1/rooms/r1/ws?ticket=x", status: 401, code: "ticket_invalid",
			live: fakeLive{acceptErr: mockroom.Errorf(mockroom.KindUnauthorized, "ticket_invalid", "no")}},
		{name: "socket resumed", method: "GET", path: "/api/v1/rooms/r1/ws?resume=rs1_9", status: 101},
		{name: "socket bad credential", method: "GET", path: "/api/v1/rooms/r1/ws?resume=x", status: 401, code: "resume_invalid",
			live: fakeLive{acceptErr: mockroom.Errorf(mockroom.KindUnauthorized, "resume_invalid", "no")}},
		{name: "socket ticket and credential", method: "GET", path: "/api/v1/rooms/r1/ws?ticket=tk_9&resume=rs1_9", status: 400, code: "ticket_and_resume"},
		{name: "socket authenticated in its join", method: "GET", path: "/api/v1/rooms/r1/ws?auth=join", status: 101},
		{name: "socket auth other than join", method: "GET", path: "/api/v1/rooms/r1/ws?auth=bearer", status: 400, code: "bad_auth"},
		{name: "socket auth and ticket", method: "GET", path: "/api/v1/rooms/r1/ws?auth=join&ticket=tk_9", status: 400, code: "ticket_and_resume"},
		{name: "socket auth and credential", method: "GET", path: "/api/v1/rooms/r1/ws?resume=rs1_9&auth=join", status: 400, code: "ticket_and_resume"},
		{name: "socket too many waiting", method: "GET", path: "/api/v1/rooms/r1/ws?auth=join", status: 503, code: "too_many_waiting",
			live: fakeLive{acceptErr: mockroom.Errorf(mockroom.KindUnavailable, "too_many_waiting", "no")}},
		{name: "socket bad origin", method: "GET", path: "/api/v1/rooms/r1/ws?ticket=x", status: 403, code: "origin_not_allowed",
			live: fakeLive{acceptErr: mockroom.Errorf(mockroom.KindForbidden, "origin_not_allowed", "no")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{})
			l := tc.live
			s.MountLive(&l)
			srv := httptest.NewServer(s)
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.code != "" {
				var body errorBody
				_ = json.NewDecoder(res.Body).Decode(&body)
				if body.Code != tc.code {
					t.Errorf("code %q, want %q", body.Code, tc.code)
				}
				return
			}
			switch tc.name {
			case "ticket":
				var body ticketResponse
				_ = json.NewDecoder(res.Body).Decode(&body)
				if body.Ticket != "tk_1" || l.token != "tok" || l.room != "r1" || body.ExpiresAt.IsZero() {
					t.Errorf("ticket answer %+v, passed token %q room %q", body, l.token, l.room)
				}
			case "socket authenticated in its join":
				if !l.joinAuth || l.ticket != "" || l.resume != "" || l.room != "r1" || !l.hijackable {
					t.Errorf("accept got join auth %v ticket %q credential %q room %q hijackable %v", l.joinAuth, l.ticket, l.resume, l.room, l.hijackable)
				}
			case "socket":
				if l.ticket != "tk_9" || l.resume != "" || l.room != "r1" || l.joinAuth || !l.hijackable {
					t.Errorf("accept got ticket %q credential %q room %q hijackable %v", l.ticket, l.resume, l.room, l.hijackable)
				}
			case "socket resumed":
				if l.ticket != "" || l.resume != "rs1_9" || l.room != "r1" || !l.hijackable {
					t.Errorf("accept got ticket %q credential %q room %q hijackable %v", l.ticket, l.resume, l.room, l.hijackable)
				}
			}
		})
	}
}
