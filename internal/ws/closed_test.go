package ws_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

// TestClosingARoomEndsEverySocketAtOnce: every socket gets room.state closed and then the
// terminal close code 4010; joining the closed room again closes with 4010 too, never with the
// "reconnect and resume" code 1011.
func TestClosingARoomEndsEverySocketAtOnce(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-close")
	iv := h.join(interviewer, "r-close")
	cand := h.join(candidate, "r-close")
	iv.command("room.start", nil)
	iv.command("room.end", nil)

	h.rooms.Update("r-close", func(r *live.RoomInfo) { r.State = mockroom.StateClosed })
	if err := h.engine.RoomClosed(t.Context(), "r-close"); err != nil {
		t.Fatal(err)
	}
	// A second call (a retry) adds nothing.
	if err := h.engine.RoomClosed(t.Context(), "r-close"); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*client{iv, cand} {
		cl.waitFor("room.state closed", func(f frame) bool {
			return f.str("event") == "room.state" && f.obj("data").str("state") == "closed"
		})
		if code := cl.waitClose(); code != ws.CloseRoomClosed {
			t.Errorf("%s: close code %d, want %d", cl.user, code, ws.CloseRoomClosed)
		}
		checkServerFrames(t, cl)
	}

	again := h.connect(candidate, "r-close")
	again.send(map[string]any{"type": "join", "seq": 1, "client_id": "again", "resume": nil})
	if r := again.reply(1); r.str("code") != "room_closed" {
		t.Errorf("join of a closed room: %v, want room_closed", r)
	}
	if code := again.waitClose(); code != ws.CloseRoomClosed {
		t.Errorf("join of a closed room: close code %d, want %d", code, ws.CloseRoomClosed)
	}
}

// TestTicketsOnlyForParticipants: an outsider gets 403 not_a_participant, a room that does not
// exist 404 room_not_found, before any socket opens.
func TestTicketsOnlyForParticipants(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-tix")
	for _, tt := range []struct {
		p      mockroom.Principal
		room   mockroom.RoomID
		status int
	}{
		{stranger, "r-tix", http.StatusForbidden},
		{candidate, "r-nowhere", http.StatusNotFound},
		{candidate, "r-tix", http.StatusOK},
	} {
		tk, status := h.ticket(h.token(tt.p), tt.room)
		if status != tt.status {
			t.Errorf("ticket for %s in %s: status %d, want %d", tt.p.UserID, tt.room, status, tt.status)
		}
		if tt.status != http.StatusOK && tk != "" {
			t.Errorf("ticket for %s in %s: a ticket was issued with the refusal", tt.p.UserID, tt.room)
		}
	}
}

// TestSocketsPerPersonAreBounded: a ninth socket of one person to one room is closed with 4029;
// the other person is not affected.
func TestSocketsPerPersonAreBounded(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-many")
	iv := h.join(interviewer, "r-many")
	var open []*client
	for range 8 {
		open = append(open, h.join(candidate, "r-many"))
	}
	extra := h.connect(candidate, "r-many")
	if code := extra.waitClose(); code != ws.CloseTooManySockets {
		t.Fatalf("ninth socket: close code %d, want %d", code, ws.CloseTooManySockets)
	}
	// The eight still work, and the interviewer hears them.
	open[0].command("chat.send", map[string]any{"text": "still here"})
	iv.waitFor("the candidate's chat", func(f frame) bool { return f.str("event") == "chat.message" })
}

// TestRefusedOriginIsLoggedOnce: a browser at an address that is not allowed is refused with 403
// and the server says so in its log, once for many attempts.
func TestRefusedOriginIsLoggedOnce(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	h.mentorRoom("r-origin")
	for range 5 {
		tk, _ := h.ticket(h.token(candidate), "r-origin")
		if _, status := h.dialTicket("r-origin", tk, http.Header{"Origin": {"http://127.0.0.1:9999"}}, false); status != http.StatusForbidden {
			t.Fatalf("refused origin: %d, want 403", status)
		}
	}
	text := logs.String()
	if n := strings.Count(text, "origin not allowed"); n != 1 || !strings.Contains(text, "http://127.0.0.1:9999") {
		t.Errorf("want one log line naming the origin, got:\n%s", text)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
