package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mockroom/mockroom/internal/testwait"
)

type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) float64 {
	n, _ := f[k].(float64)
	return n
}
func (f frame) obj(k string) frame { o, _ := f[k].(map[string]any); return o }

type position struct {
	Epoch   string `json:"epoch"`
	Offset  uint64 `json:"offset"`
	EventID string `json:"event_id"`
}

// sock is one client socket speaking the documented protocol.
type sock struct {
	t        *testing.T
	c        *websocket.Conn
	clientID string
	seq      *uint64 // shared across reconnections of one client
	frames   []frame
	taken    map[int]bool
	last     *position
	cred     string    // the newest resume credential the server handed this socket
	until    time.Time // when set, no read waits past it
}

// open gets a ticket from base and opens a socket to base without joining.
func open(t *testing.T, base, room string, p person, clientID string, seq *uint64) *sock {
	t.Helper()
	var tk struct {
		Ticket string `json:"ticket"`
	}
	call(t, base, "POST", "/api/v1/rooms/"+room+"/ticket", p.Token, nil, &tk)
	return dial(t, base, room, "ticket="+url.QueryEscape(tk.Ticket), clientID, seq)
}

// joinWith opens a socket to base with a resume credential instead of a ticket and joins from
// resume, as a client whose socket was cut does (api/protocol.md section 1 step 4).
func joinWith(t *testing.T, base, room, cred, clientID string, seq *uint64, resume *position) *sock {
	t.Helper()
	if cred == "" {
		t.Fatal("no resume credential to reconnect with")
	}
	s := dial(t, base, room, "resume="+url.QueryEscape(cred), clientID, seq)
	s.last = resume
	s.send(map[string]any{"type": "join", "seq": s.nextSeq(), "client_id": clientID, "resume": resume})
	s.waitFor("snapshot or resumed", func(f frame) bool { return f.str("type") == "snapshot" || f.str("type") == "resumed" })
	return s
}

// joinWithToken opens a socket with auth=join and joins with p's access token in the join,
// resuming from resume when it is not nil; it returns after the snapshot or the resumed frame.
func joinWithToken(t *testing.T, base, room string, p person, clientID string, seq *uint64, resume *position) *sock {
	t.Helper()
	s := dial(t, base, room, "auth=join", clientID, seq)
	s.last = resume
	s.send(map[string]any{"type": "join", "seq": s.nextSeq(), "client_id": clientID, "resume": resume, "access_token": p.Token})
	s.waitFor("snapshot or resumed", func(f frame) bool { return f.str("type") == "snapshot" || f.str("type") == "resumed" })
	return s
}

func dial(t *testing.T, base, room, query, clientID string, seq *uint64) *sock {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/rooms/" + room + "/ws?" + query
	c, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {base}})
	if err != nil {
		t.Fatalf("dial %s: %v", base, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &sock{t: t, c: c, clientID: clientID, seq: seq, taken: map[int]bool{}}
}

// join opens a socket and joins, resuming from resume when it is not nil; it returns after the
// snapshot or the resumed frame.
func join(t *testing.T, base, room string, p person, clientID string, seq *uint64, resume *position) *sock {
	t.Helper()
	s := open(t, base, room, p, clientID, seq)
	s.last = resume
	s.send(map[string]any{"type": "join", "seq": s.nextSeq(), "client_id": clientID, "resume": resume})
	s.waitFor("snapshot or resumed", func(f frame) bool { return f.str("type") == "snapshot" || f.str("type") == "resumed" })
	return s
}

func (s *sock) nextSeq() uint64 { *s.seq++; return *s.seq }

func (s *sock) send(v any) {
	s.t.Helper()
	b, _ := json.Marshal(v)
	if err := s.c.WriteMessage(websocket.TextMessage, b); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

func (s *sock) read() (frame, error) {
	deadline := testwait.Deadline(s.t) // a guard against hanging, not a wait
	if !s.until.IsZero() && s.until.Before(deadline) {
		deadline = s.until
	}
	_ = s.c.SetReadDeadline(deadline)
	_, b, err := s.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	s.frames = append(s.frames, f)
	if c := f.obj("credential").str("value"); c != "" {
		s.cred = c
	}
	switch f.str("type") {
	case "event":
		s.last = &position{Epoch: f.str("epoch"), Offset: uint64(f.num("offset")), EventID: f.str("id")}
	case "snapshot":
		if p := f.obj("position"); p != nil {
			s.last = &position{Epoch: p.str("epoch"), Offset: uint64(p.num("offset")), EventID: p.str("event_id")}
		}
	}
	return f, nil
}

func (s *sock) waitFor(desc string, match func(frame) bool) frame {
	s.t.Helper()
	for i, f := range s.frames {
		if !s.taken[i] && match(f) {
			s.taken[i] = true
			return f
		}
	}
	for {
		f, err := s.read()
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", desc, err)
		}
		if match(f) {
			s.taken[len(s.frames)-1] = true
			return f
		}
	}
}

func (s *sock) waitEvent(ev string) frame {
	s.t.Helper()
	return s.waitFor("event "+ev, func(f frame) bool { return f.str("type") == "event" && f.str("event") == ev })
}

// waitEventBy waits for an event of type ev, failing the test if none has come by the time by.
func (s *sock) waitEventBy(ev string, by time.Time) frame {
	s.t.Helper()
	s.until = by
	defer func() { s.until = time.Time{} }()
	return s.waitEvent(ev)
}

// command sends a command and waits for its ack.
func (s *sock) command(typ string, fields map[string]any) frame {
	s.t.Helper()
	seq := s.nextSeq()
	m := map[string]any{"type": typ, "seq": seq}
	for k, v := range fields {
		m[k] = v
	}
	s.send(m)
	r := s.waitFor(fmt.Sprintf("reply to %s %d", typ, seq), func(f frame) bool {
		return (f.str("type") == "ack" || f.str("type") == "error") && uint64(f.num("seq")) == seq
	})
	if r.str("type") == "error" {
		s.t.Fatalf("%s refused: %s %s", typ, r.str("code"), r.str("message"))
	}
	return r
}

// waitClose reads until the server closes and returns the close code.
func (s *sock) waitClose() int {
	s.t.Helper()
	for {
		_, err := s.read()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		s.t.Fatalf("waiting for close: %v", err)
	}
}

// events returns the event frames read, in order.
func (s *sock) events() []frame {
	var out []frame
	for _, f := range s.frames {
		if f.str("type") == "event" {
			out = append(out, f)
		}
	}
	return out
}
