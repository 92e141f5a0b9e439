package ws

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// A socket may also be opened with nothing but the room in its URL (?auth=join) and
// authenticate in its first frame: the join carries the access token, as auth.refresh does.
// That saves the ticket's HTTP request and the spend's store write, and the token stays out of
// the URL. Until its join is read and its token verified such a socket is admitted nowhere: it
// has no conn, holds no seat in the per-person or per-room counts, and only this package's
// waiting set knows it. The set is bounded (Config.MaxWaitingSockets) and each socket in it by
// the join timeout, so sockets that never authenticate cost a bounded amount of memory.

// AcceptJoinAuth completes the handshake of a socket that authenticates in its join frame and
// waits for that frame. Like Accept it refuses a foreign origin, a request that is not a
// WebSocket handshake and a node shutting down; beyond them it refuses only when too many
// sockets already wait for their join (503 too_many_waiting).
func (s *Server) AcceptJoinAuth(w http.ResponseWriter, r *http.Request, room mockroom.RoomID) error {
	if err := s.preflight(r); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return mockroom.Errorf(mockroom.KindUnavailable, "shutting_down", "this node is shutting down; connect again")
	}
	if s.waitingCount >= s.cfg.MaxWaitingSockets {
		s.mu.Unlock()
		s.metrics.drops.WithLabelValues("too_many_waiting").Inc()
		return mockroom.Errorf(mockroom.KindUnavailable, "too_many_waiting",
			"too many sockets on this node are waiting for their join; try again shortly, or with a ticket")
	}
	s.waitingCount++ // held from here, so the upgrade itself counts against the bound
	s.mu.Unlock()
	bw := &batchingWriter{ResponseWriter: w, writes: s.metrics.writes}
	ws, err := s.upgrader.Upgrade(bw, r, nil)
	if err != nil {
		s.mu.Lock()
		s.waitingCount--
		s.mu.Unlock()
		return mockroom.Wrap(err, mockroom.KindInvalid, "bad_handshake", "the WebSocket handshake failed")
	}
	s.mu.Lock()
	if s.closing {
		// Close has already closed the waiting sockets it knew; this one never waits.
		s.waitingCount--
		s.mu.Unlock()
		s.refuseWaiting(ws, 0, "", "", CloseShutdown, "server shutting down: reconnect and resume")
		return nil
	}
	s.waiting[ws] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.authenticate(ws, bw.conn, room)
	}()
	return nil
}

// authenticate reads the join of a waiting socket, verifies its access token and starts the
// socket as its holder's, handing it the join to process first. Anything else closes it, after
// an error frame naming why when there is a frame to answer.
func (s *Server) authenticate(ws *websocket.Conn, out *batchConn, room mockroom.RoomID) {
	stopWaiting := func() {
		s.mu.Lock()
		delete(s.waiting, ws)
		s.waitingCount--
		s.mu.Unlock()
	}
	ws.SetReadLimit(s.cfg.MaxFrameBytes)
	_ = ws.SetReadDeadline(time.Now().Add(s.cfg.JoinTimeout))
	mt, data, err := ws.ReadMessage()
	if err != nil {
		stopWaiting()
		var ne net.Error
		switch {
		case errors.Is(err, websocket.ErrReadLimit):
			s.refuseWaiting(ws, 0, "", "", CloseTooBig, "frame too large")
		case errors.As(err, &ne) && ne.Timeout():
			s.refuseWaiting(ws, 0, "", "", CloseProtocol, "no join frame in time")
		default:
			_ = ws.Close() // the peer left or the connection broke
		}
		return
	}
	if mt != websocket.TextMessage || !utf8.Valid(data) {
		stopWaiting()
		s.metrics.framesIn.WithLabelValues("invalid").Inc()
		if mt != websocket.TextMessage {
			s.refuseWaiting(ws, 0, "", "", CloseBinary, "binary frames are not accepted; send JSON text frames")
		} else {
			s.refuseWaiting(ws, 0, "", "", CloseInvalidUTF8, "text frame is not valid UTF-8")
		}
		return
	}
	cmd, err := DecodeCommand(data)
	if err != nil {
		stopWaiting()
		s.metrics.framesIn.WithLabelValues("invalid").Inc()
		var fe *frameError
		errors.As(err, &fe)
		s.refuseWaiting(ws, fe.seq, fe.code, fe.message, CloseProtocol, "the first frame must be a valid join")
		return
	}
	switch {
	case cmd.Type != TypeJoin:
		stopWaiting()
		s.refuseWaiting(ws, cmd.Seq, "not_joined", "the first frame must be join", CloseProtocol, "the first frame must be join")
		return
	case cmd.AccessToken == "":
		stopWaiting()
		s.refuseWaiting(ws, cmd.Seq, "token_missing", "this socket was opened with auth=join: its join must carry access_token",
			CloseProtocol, "the join must carry access_token")
		return
	}
	claims, err := s.auth.Verify(s.baseCtx, cmd.AccessToken)
	stopWaiting()
	if err != nil {
		s.storeError(err)
		s.refuseWaiting(ws, cmd.Seq, mockroom.ErrorCode(err), mockroom.ErrorMessage(err), closeCodeFor(err), mockroom.ErrorMessage(err))
		return
	}
	cmd.AccessToken = "" // verified; the socket keeps the claims, not the token
	s.startJoined(ws, out, room, claims.Principal, claims.SessionID, claims.ExpiresAt, &cmd)
}

// refuseWaiting closes a socket that was never started: an error frame first when code is set
// (it answers the frame with sequence number seq), then the close frame.
func (s *Server) refuseWaiting(ws *websocket.Conn, seq uint64, code, message string, closeCode int, closeText string) {
	deadline := time.Now().Add(s.cfg.WriteWait)
	if code != "" {
		_ = ws.SetWriteDeadline(deadline)
		_ = ws.WriteMessage(websocket.TextMessage, mustJSON(errorFrame{
			Type: FrameError, ServerTime: serverTime(s.now()), Seq: seq, Code: code, Message: message,
		}))
	}
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeCode, truncateReason(closeText)), deadline)
	s.metrics.closes.WithLabelValues(strconv.Itoa(closeCode)).Inc()
	_ = ws.Close()
}

// closeWaiting closes every socket still waiting for its join; Close calls it once closing is
// set, so no socket joins the set afterwards.
func (s *Server) closeWaiting() {
	s.mu.Lock()
	waiting := make([]*websocket.Conn, 0, len(s.waiting))
	for ws := range s.waiting {
		waiting = append(waiting, ws)
	}
	s.mu.Unlock()
	msg := websocket.FormatCloseMessage(CloseShutdown, "server shutting down: reconnect and resume")
	for _, ws := range waiting {
		// WriteControl and Close may be called while the waiting goroutine reads: its read then
		// fails and it ends.
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.cfg.WriteWait))
		_ = ws.Close()
	}
}
