package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// position is a place in a room's event log, as the protocol states it.
type position struct {
	Epoch   string `json:"epoch"`
	Offset  int64  `json:"offset"`
	EventID string `json:"event_id"`
}

// frame is every server frame the generator reads, flattened: each frame type fills the fields
// it has.
type frame struct {
	Type      string          `json:"type"`
	Seq       uint64          `json:"seq"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Event     string          `json:"event"`
	Epoch     string          `json:"epoch"`
	Offset    int64           `json:"offset"`
	ID        string          `json:"id"`
	Data      json.RawMessage `json:"data"`
	Result    json.RawMessage `json:"result"`
	Recovered bool            `json:"recovered"`
	Reason    string          `json:"reason"`
	Position  *position       `json:"position"`
	Room      json.RawMessage `json:"room"`
	You       struct {
		UserID string `json:"user_id"`
		Role   string `json:"role"`
	} `json:"you"`
	// Credential is the resume credential of a join reply or a credential frame.
	Credential *struct {
		Value string `json:"value"`
	} `json:"credential"`
}

// credential is the resume credential f carries, "" when none.
func (f frame) credential() string {
	if f.Credential == nil {
		return ""
	}
	return f.Credential.Value
}

// joined is what a join answered.
type joined struct {
	Recovered bool
	Reason    string // why a snapshot was sent instead of resuming
	Position  *position
	State     string
	Role      string
	DocVer    int
	DocLen    int
	// Credential is the resume credential the join reply handed the socket.
	Credential string
}

// sock is one client socket. Reads happen on one goroutine (the join, then the read loop);
// writes from any goroutine, serialised by wmu.
type sock struct {
	ws       *websocket.Conn
	clientID string
	wmu      sync.Mutex
	seq      uint64 // last seq used; guarded by wmu
	// token, when set, is the access token the join carries (a socket opened with ?auth=join).
	token string
}

var dialer = &websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	// Small buffers: thousands of idle client sockets live in the same process.
	ReadBufferSize:  2048,
	WriteBufferSize: 2048,
}

// wsURL turns the node's http(s) base URL into the room's socket URL, with a ticket, a resume
// credential (param "resume") or auth=join.
func wsURL(base, room, param, proof string) string {
	u := strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + u[len("https://"):]
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + u[len("http://"):]
	}
	return u + "/api/v1/rooms/" + url.PathEscape(room) + "/ws?" + param + "=" + url.QueryEscape(proof)
}

// dial opens a socket with a ticket, a resume credential (param "resume") or auth=join.
func dial(ctx context.Context, base, room, param, proof, clientID string) (*sock, error) {
	ws, resp, err := dialer.DialContext(ctx, wsURL(base, room, param, proof), nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("open socket: %s: %w", resp.Status, err)
		}
		return nil, fmt.Errorf("open socket: %w", err)
	}
	return &sock{ws: ws, clientID: clientID}, nil
}

// nextSeq reserves the next command number. Caller holds wmu.
func (s *sock) nextSeq() uint64 {
	s.seq++
	return s.seq
}

// write sends one text frame. Caller holds wmu.
func (s *sock) write(b []byte) error {
	_ = s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return s.ws.WriteMessage(websocket.TextMessage, b)
}

// command sends a command without fields besides type and seq, returning its seq.
func (s *sock) command(typ string) (uint64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	seq := s.nextSeq()
	return seq, s.write([]byte(`{"type":"` + typ + `","seq":` + strconv.FormatUint(seq, 10) + `}`))
}

// joinReply is a frame read while a join waits for its answer, decoded in one pass: the
// snapshot's room is read as it arrives rather than kept raw and decoded again.
type joinReply struct {
	frame
	Room struct {
		State string `json:"state"`
		Doc   struct {
			Text    string `json:"text"`
			Version int    `json:"version"`
		} `json:"doc"`
	} `json:"room"`
}

// join sends the join frame and reads until the server answers it with a snapshot or resumed.
func (s *sock) join(resume *position) (joined, error) {
	s.wmu.Lock()
	seq := s.nextSeq()
	// Written by hand, as the Centrifugo client's commands are: the same work for both servers.
	b := append([]byte(`{"type":"join","seq":`), strconv.FormatUint(seq, 10)...)
	b = append(b, `,"client_id":`...)
	b = appendJSON(b, s.clientID)
	b = append(b, `,"resume":`...)
	b = appendJSON(b, resume)
	if s.token != "" {
		b = append(b, `,"access_token":`...)
		b = appendJSON(b, s.token)
	}
	err := s.write(append(b, '}'))
	s.wmu.Unlock()
	if err != nil {
		return joined{}, fmt.Errorf("send join: %w", err)
	}
	_ = s.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer s.ws.SetReadDeadline(time.Time{})
	for {
		_, raw, err := s.ws.ReadMessage()
		if err != nil {
			return joined{}, fmt.Errorf("await join answer: %w", err)
		}
		var f joinReply
		if err := json.Unmarshal(raw, &f); err != nil {
			return joined{}, fmt.Errorf("await join answer: decode frame: %w", err)
		}
		switch f.Type {
		case "resumed":
			return joined{Recovered: true, Position: f.Position, Credential: f.credential()}, nil
		case "snapshot":
			return joined{Reason: f.Reason, Position: f.Position, State: f.Room.State, Role: f.You.Role,
				DocVer: f.Room.Doc.Version, DocLen: utf16Len(f.Room.Doc.Text), Credential: f.credential()}, nil
		case "error":
			return joined{}, fmt.Errorf("join refused: %s: %s", f.Code, f.Message)
		}
	}
}

// appendJSON appends v encoded as JSON.
func appendJSON(b []byte, v any) []byte {
	enc, _ := json.Marshal(v)
	return append(b, enc...)
}

// read reads and decodes one frame.
func (s *sock) read() (frame, []byte, error) {
	_, raw, err := s.ws.ReadMessage()
	if err != nil {
		return frame{}, nil, err
	}
	var f frame
	if err := json.Unmarshal(raw, &f); err != nil {
		return frame{}, raw, fmt.Errorf("decode frame: %w", err)
	}
	return f, raw, nil
}

// awaitAck reads frames until the command seq is answered; other frames go to onOther.
func (s *sock) awaitAck(seq uint64, onOther func(frame)) (frame, error) {
	_ = s.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer s.ws.SetReadDeadline(time.Time{})
	for {
		f, _, err := s.read()
		if err != nil {
			return frame{}, err
		}
		if (f.Type == "ack" || f.Type == "error") && f.Seq == seq {
			return f, nil
		}
		if onOther != nil {
			onOther(f)
		}
	}
}

// awaitEvent reads frames until an event of type typ arrives; other frames are dropped.
func (s *sock) awaitEvent(typ string) (frame, error) {
	_ = s.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	defer s.ws.SetReadDeadline(time.Time{})
	for {
		f, _, err := s.read()
		if err != nil {
			return frame{}, fmt.Errorf("waiting for %s: %w", typ, err)
		}
		if f.Type == "event" && f.Event == typ {
			return f, nil
		}
	}
}

// close says goodbye politely, then drops the connection.
func (s *sock) close() {
	s.wmu.Lock()
	_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load run over"), time.Now().Add(time.Second))
	s.wmu.Unlock()
	_ = s.ws.Close()
}

// drop cuts the connection without a close frame, as a network failure would.
func (s *sock) drop() { _ = s.ws.NetConn().Close() }

// closeCode names why a read loop ended: a close code the server sent, or the error.
func closeCode(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return "close_" + strconv.Itoa(ce.Code)
	}
	return "read_error"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
