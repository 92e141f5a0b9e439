package ws

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// handle processes one client frame on the reader goroutine. It reports false when the socket
// is closing and the reader should stop.
func (c *conn) handle(data []byte) bool {
	cmd, err := DecodeCommand(data)
	if err != nil {
		c.srv.metrics.framesIn.WithLabelValues("invalid").Inc()
		var fe *frameError
		errors.As(err, &fe)
		c.sendError(fe.seq, fe.code, fe.message)
		c.mu.Lock()
		joined := c.joined
		c.mu.Unlock()
		if !joined {
			c.closeWith(CloseProtocol, "the first frame must be a valid join")
			return false
		}
		return c.refusedOK(c.srv.now())
	}
	return c.handleCommand(cmd)
}

// handleCommand processes one decoded client frame; see handle.
func (c *conn) handleCommand(cmd Command) bool {
	now := c.srv.now()
	c.srv.metrics.framesIn.WithLabelValues(cmd.Type).Inc()

	c.mu.Lock()
	joined := c.joined
	c.mu.Unlock()
	if !joined {
		if cmd.Type != TypeJoin {
			c.sendError(cmd.Seq, "not_joined", "the first frame must be join")
			c.closeWith(CloseProtocol, "the first frame must be join")
			return false
		}
		return c.join(cmd)
	}
	if cmd.Type == TypeJoin {
		c.sendError(cmd.Seq, "already_joined", "join is sent once per socket")
		c.closeWith(CloseProtocol, "join is sent once per socket")
		return false
	}

	b := c.slow
	if cmd.Type == TypeEditorPush || cmd.Type == TypePresence {
		b = c.fast
	}
	if !b.AllowN(now, 1) {
		c.sendError(cmd.Seq, "rate_limited", "too many frames; slow down")
		return c.refusedOK(now)
	}

	switch cmd.Type {
	case TypePing:
		c.send(FramePong, mustJSON(pongFrame{Type: FramePong, ServerTime: serverTime(c.srv.now()), Seq: cmd.Seq}), true)
	case TypeAuthRefresh:
		c.refreshAuth(cmd)
	case TypePresence:
		c.presence(cmd)
	default:
		c.execute(cmd)
	}
	return true
}

// refusedOK records a refusal; a socket refused too often in a short time is closed.
func (c *conn) refusedOK(now time.Time) bool {
	if c.abuse.refused(now) {
		c.closeWith(CloseRateLimited, "too many refused frames")
		return false
	}
	return true
}

func (c *conn) send(typ string, data []byte, durable bool) {
	c.mu.Lock()
	c.enqueueLocked(outFrame{data: data, typ: typ, durable: durable})
	c.mu.Unlock()
}

func (c *conn) sendError(seq uint64, code, message string) {
	c.send(FrameError, mustJSON(errorFrame{Type: FrameError, ServerTime: serverTime(c.srv.now()), Seq: seq, Code: code, Message: message}), true)
}

// sendErr reports a domain error with its stable code; details of non-domain errors stay in the
// log.
func (c *conn) sendErr(seq uint64, err error) {
	if mockroom.ErrorKind(err) == mockroom.KindUnavailable || mockroom.ErrorKind(err) == mockroom.KindInternal {
		c.srv.storeError(err)
		c.logger().Warn("command failed", "seq", seq, "err", err)
	}
	c.sendError(seq, mockroom.ErrorCode(err), mockroom.ErrorMessage(err))
}

// join admits the socket to the room: membership and role from the engine (Admit), then, in one
// store step (Enter), the person let in and either the missed events or a snapshot read, without
// a seam to the live stream. The listener is registered between the two, before anything is read
// from the store, and buffers until the catch-up is sent, so an event appended meanwhile is
// neither missed nor sent twice.
func (c *conn) join(cmd Command) bool {
	ctx := c.ctx
	eng := c.srv.engine
	m, err := eng.Admit(ctx, c.room, c.principal)
	if err != nil {
		return c.joinFailed(cmd.Seq, err)
	}
	c.mu.Lock()
	c.role, c.clientID, c.catchingUp = m.Role, cmd.ClientID, true
	c.mu.Unlock()
	id, err := c.srv.fanout.Add(ctx, c.room, c)
	if err != nil {
		return c.joinFailed(cmd.Seq, err)
	}
	c.mu.Lock()
	c.listenerID, c.listening = id, true
	c.mu.Unlock()
	entry, err := eng.Enter(ctx, c.room, c.principal, cmd.Resume, c.srv.cfg.ResumeMax)
	if err != nil {
		return c.joinFailed(cmd.Seq, err)
	}
	m = entry.Member
	c.mu.Lock()
	c.role, c.entered = m.Role, true
	c.mu.Unlock()

	if entry.Resumed {
		evs := entry.Events
		now := c.srv.now()
		cred := c.issueCredential(now)
		c.mu.Lock()
		c.epoch, c.lastOffset, c.lastID = cmd.Resume.Epoch, cmd.Resume.Offset, cmd.Resume.EventID
		c.enqueueLocked(outFrame{typ: FrameResumed, durable: true, data: mustJSON(resumedFrame{
			Type: FrameResumed, ServerTime: serverTime(now), Recovered: true, Position: *cmd.Resume,
			Credential: cred,
		})})
		c.mu.Unlock()
		if !c.deliverPaced(evs) {
			return false
		}
		// A full page means there may be more: read on from the last event sent.
		for len(evs) >= c.srv.cfg.ResumeMax {
			c.mu.Lock()
			from := mockroom.Position{Epoch: c.epoch, Offset: c.lastOffset, EventID: c.lastID}
			c.mu.Unlock()
			var ok bool
			if evs, ok, err = eng.EventsAfter(ctx, c.room, from, c.srv.cfg.ResumeMax); err != nil || !ok {
				c.closeWith(CloseSlowConsumer, "could not catch up; resume from your last position")
				return false
			}
			if !c.deliverPaced(evs) {
				return false
			}
		}
		// Anything past the first page is read by finishCatchUp, which fills holes before
		// the live stream.
		return c.finishCatchUp(ctx)
	}
	snap := entry.Snapshot
	pos := snap.Position
	reason := ReasonFresh
	if r := cmd.Resume; r != nil {
		// Tell the client why it did not get a catch-up: a log that is not the one it knew (new
		// epoch, or it claims events the log does not have), or simply too far behind.
		reason = ReasonTooOld
		if r.Epoch != pos.Epoch || r.Offset > pos.Offset || pos.Offset-r.Offset <= live.ResumeWindow {
			reason = ReasonPositionMismatch
		}
	}
	now := c.srv.now()
	cred := c.issueCredential(now)
	c.mu.Lock()
	c.epoch, c.lastOffset, c.lastID = pos.Epoch, pos.Offset, pos.EventID
	var position *mockroom.Position
	if pos.Offset > 0 {
		position = &pos
	}
	c.enqueueLocked(outFrame{typ: FrameSnapshot, durable: true, data: mustJSON(snapshotFrame{
		Type: FrameSnapshot, ServerTime: serverTime(now), Recovered: false, Reason: reason,
		You:      you{UserID: m.UserID, Name: m.DisplayName, Role: m.Role},
		Position: position, Room: snap, Credential: cred,
	})})
	c.mu.Unlock()
	return c.finishCatchUp(ctx)
}

func (c *conn) joinFailed(seq uint64, err error) bool {
	c.sendErr(seq, err)
	c.closeWith(closeCodeFor(err), mockroom.ErrorMessage(err))
	return false
}

// finishCatchUp delivers what the listener buffered during the catch-up. If the buffer starts
// after a hole (events appended between the store read and the subscription taking effect),
// the hole is read from the store first.
func (c *conn) finishCatchUp(ctx context.Context) bool {
	for range 3 {
		c.mu.Lock()
		var first live.Event
		for _, ev := range c.pending {
			if ev.Offset > c.lastOffset {
				first = ev
				break
			}
		}
		if first.Offset == 0 || first.Offset == c.lastOffset+1 {
			for _, ev := range c.pending {
				c.deliverLocked(ev, nil)
			}
			c.pending, c.catchingUp, c.joined = nil, false, true
			c.mu.Unlock()
			_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
			return true
		}
		from := mockroom.Position{Epoch: c.epoch, Offset: c.lastOffset, EventID: c.lastID}
		c.mu.Unlock()
		evs, ok, err := c.srv.engine.EventsAfter(ctx, c.room, from, c.srv.cfg.ResumeMax)
		if err != nil || !ok {
			break
		}
		var fill []live.Event
		for _, ev := range evs {
			if ev.Offset < first.Offset {
				fill = append(fill, ev)
			}
		}
		if !c.deliverPaced(fill) {
			return false
		}
	}
	c.closeWith(CloseSlowConsumer, "could not catch up; resume from your last position")
	return false
}

// deliverPaced sends catch-up events no faster than the client reads them.
func (c *conn) deliverPaced(evs []live.Event) bool {
	for _, ev := range evs {
		if !c.waitForRoom() {
			return false
		}
		c.mu.Lock()
		c.deliverLocked(ev, nil)
		c.mu.Unlock()
	}
	return true
}

// Deliver and DeliverShared make the socket a fan-out listener (live.SharedListener). They run
// on the node's fan-out goroutines, or on the goroutine of a command whose append produced the
// event (this socket's own, while its ack is held), and never block.
func (c *conn) Deliver(ev live.Event) { c.onEvent(ev, nil) }

// DeliverShared encodes the event once per role for all the room's sockets on this node.
func (c *conn) DeliverShared(d *live.Delivery) { c.onEvent(d.Event, d) }

// onEvent takes an event from the fan-out; d is nil when there is nothing to share.
func (c *conn) onEvent(ev live.Event, d *live.Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if c.catchingUp {
		if ev.Offset == 0 {
			c.srv.metrics.drops.WithLabelValues(dropCatchUp).Inc()
			return
		}
		if len(c.pending) >= c.srv.cfg.ResumeMax {
			c.srv.metrics.slowConsumers.Inc()
			c.closeLocked(CloseSlowConsumer, "slow consumer: resume from your last position")
			return
		}
		c.pending = append(c.pending, ev)
		return
	}
	c.deliverLocked(ev, d)
}

// deliverLocked sends ev to the socket as its role may see it, exactly once and in log order.
// c.mu must be held. With a shared delivery d, the frame is encoded by the first socket of each
// role and its bytes reused by the others: their server_time is then the time of that first
// encoding, microseconds before their own turn in the same fan-out pass.
func (c *conn) deliverLocked(ev live.Event, d *live.Delivery) {
	if ev.Offset == 0 {
		if ev.Type == live.TypePresence {
			c.presenceOutLocked(ev, d)
		}
		return
	}
	if ev.Offset <= c.lastOffset && ev.Epoch == c.epoch {
		return // already delivered (catch-up and live stream overlap)
	}
	if ev.Epoch != c.epoch && c.epoch != "" || ev.Offset != c.lastOffset+1 {
		// A hole or a new log: the client must resume, and will get what it missed or a snapshot.
		c.srv.metrics.drops.WithLabelValues("gap").Inc()
		c.closeLocked(CloseSlowConsumer, "event stream interrupted: resume from your last position")
		return
	}
	c.epoch, c.lastOffset, c.lastID = ev.Epoch, ev.Offset, ev.ID
	defer c.echoedLocked() // the event a held ack waits for is queued (or not for this role)
	if ev.Type == live.TypeRolesSwapped {
		c.swapRoleLocked(ev)
	}
	vis, ok := live.Visible(ev, c.principal.UserID, c.role)
	if !ok {
		return
	}
	encode := func() []byte { return encodeEvent(vis, c.srv.now()) }
	var data []byte
	if d != nil {
		data = d.Shared(live.AudienceKey(ev, c.principal.UserID, c.role), encode)
	} else {
		data = encode()
	}
	f := outFrame{typ: FrameEvent, durable: true, data: data}
	if ev.Type == live.TypeEditorUpdate && ev.Actor != c.principal.UserID {
		f.acceptedAt = ev.At
	}
	c.enqueueLocked(f)
	if ev.Type == live.TypeRoomState && roomClosed(ev) {
		// The event goes out first: the writer sends what is queued before the close frame.
		c.closeLocked(CloseRoomClosed, "the room is closed")
	}
}

var _ live.Resyncer = (*conn)(nil)

// Resync starts the socket over from a fresh snapshot (reason position_mismatch) when the
// store's log of the room went back: events the client holds may no longer exist, and others
// may reuse their offsets. It makes the socket a live.Resyncer. The fan-out calls it on its
// catch-up goroutine while no event of the room is delivered, so nothing reaches the socket
// between the snapshot and the events after it; events the snapshot holds are skipped as
// already delivered.
func (c *conn) Resync(ctx context.Context) {
	c.mu.Lock()
	closing, joined := c.closing, c.joined
	if !closing && !joined {
		// Still joining: what it sends may come from either log. The client resumes, and the
		// join answers with a snapshot.
		c.closeLocked(CloseSlowConsumer, "the room's log changed: resume from your last position")
	}
	c.mu.Unlock()
	if closing || !joined {
		return
	}
	snap, err := c.srv.engine.Snapshot(ctx, c.room, c.principal.UserID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if err != nil {
		c.srv.storeError(err)
		c.closeLocked(CloseSlowConsumer, "could not resynchronise: resume from your last position")
		return
	}
	pos := snap.Position
	c.epoch, c.lastOffset, c.lastID, c.role = pos.Epoch, pos.Offset, pos.EventID, snap.You.Role
	var position *mockroom.Position
	if pos.Offset > 0 {
		position = &pos
	}
	c.srv.metrics.resyncs.Inc()
	c.enqueueLocked(outFrame{typ: FrameSnapshot, durable: true, data: mustJSON(snapshotFrame{
		Type: FrameSnapshot, ServerTime: serverTime(c.srv.now()), Recovered: false, Reason: ReasonPositionMismatch,
		You:      you{UserID: snap.You.UserID, Name: snap.You.DisplayName, Role: snap.You.Role},
		Position: position, Room: snap,
	})})
	// The snapshot replaces whatever event a held ack waited for.
	if c.holding && !c.executing {
		c.holdUntil = 0
		c.releaseLocked()
	}
}

// roomClosed reports whether a room.state event says the room is closed.
func roomClosed(ev live.Event) bool {
	var d struct {
		State mockroom.RoomState `json:"state"`
	}
	return json.Unmarshal(ev.Data, &d) == nil && d.State == mockroom.StateClosed
}

// swapRoleLocked applies a roles.swapped event to this socket: from this event on it is
// filtered by its new role. The event comes before the next half's first question in the log,
// so that question is already filtered for the new roles.
func (c *conn) swapRoleLocked(ev live.Event) {
	var d struct {
		Interviewer mockroom.UserID `json:"interviewer"`
		Candidate   mockroom.UserID `json:"candidate"`
	}
	if json.Unmarshal(ev.Data, &d) != nil || c.role == mockroom.RoleObserver {
		return
	}
	switch c.principal.UserID {
	case d.Interviewer:
		c.role = mockroom.RoleInterviewer
	case d.Candidate:
		c.role = mockroom.RoleCandidate
	}
}

// presenceOutLocked relays an ephemeral presence event (a cursor, typing, or someone coming
// online or going away) to this socket, unless it is the socket's own cursor. The frame is the
// same for every socket, so with a shared delivery it is encoded once.
func (c *conn) presenceOutLocked(ev live.Event, d *live.Delivery) {
	build := func() []byte { return encodePresence(ev, c.srv.now()) }
	var p []byte
	if d != nil {
		p = d.Shared("presence", build)
	} else {
		p = build()
	}
	if p == nil || p[0] == presenceCursor && ev.Actor == c.principal.UserID {
		return // undecodable, or the socket's own cursor
	}
	c.enqueueLocked(outFrame{typ: FramePresence, data: p[1:]})
}

// encodePresence renders a presence frame after one byte that says whether the event is a
// cursor (presenceCursor) or not; nil when the event cannot be read.
func encodePresence(ev live.Event, now time.Time) []byte {
	fields := map[string]json.RawMessage{}
	if len(ev.Data) > 0 && json.Unmarshal(ev.Data, &fields) != nil {
		return nil
	}
	kind := byte(0)
	if _, cursor := fields["selection"]; cursor {
		kind = presenceCursor
	}
	fields["type"] = mustJSON(FramePresence)
	fields["server_time"] = mustJSON(serverTime(now))
	fields["user_id"] = mustJSON(ev.Actor)
	delete(fields, "user") // the engine's name for the same thing
	return append([]byte{kind}, mustJSON(fields)...)
}

const presenceCursor = 1

func (c *conn) presence(cmd Command) {
	var d struct {
		Selection json.RawMessage `json:"selection"`
	}
	_ = json.Unmarshal(cmd.Payload, &d)
	if err := c.srv.engine.Presence(c.ctx, c.room, c.principal, d.Selection); err != nil && cmd.Seq != 0 {
		c.sendErr(cmd.Seq, err)
	}
}

func (c *conn) execute(cmd Command) {
	c.mu.Lock()
	clientID := c.clientID
	c.holdLocked()
	c.mu.Unlock()
	var pos mockroom.Position
	defer func() {
		// The ack or error is queued by now: it goes out with whatever the hold gathered, and
		// with the command's own event if that is still on its way.
		c.mu.Lock()
		c.holdForEchoLocked(pos)
		c.mu.Unlock()
	}()
	typ, data := engineCommand(cmd)
	res, err := c.srv.engine.Execute(c.ctx, c.room, c.principal, live.Command{
		ClientID: clientID, Seq: cmd.Seq, Type: typ, Data: data,
	})
	if err != nil {
		c.sendErr(cmd.Seq, err)
		return
	}
	pos = res.Position
	c.send(FrameAck, encodeAck(c.srv.now(), cmd.Seq, res), true)
}

func (c *conn) refreshAuth(cmd Command) {
	claims, err := c.srv.auth.Verify(c.ctx, cmd.AccessToken)
	if err != nil {
		c.sendErr(cmd.Seq, err)
		return
	}
	if claims.Principal.UserID != c.principal.UserID {
		c.sendError(cmd.Seq, "token_other_user", "the access token belongs to another user")
		return
	}
	c.mu.Lock()
	c.sessionID, c.expiresAt = claims.SessionID, claims.ExpiresAt
	c.mu.Unlock()
	c.send(FrameAck, mustJSON(ackFrame{Type: FrameAck, ServerTime: serverTime(c.srv.now()), Seq: cmd.Seq,
		Result: mustJSON(map[string]serverTime{"expires_at": serverTime(claims.ExpiresAt)})}), true)
}

// engineCommand names a protocol command as the engine knows it. The protocol's names are
// grouped by subject (room.*, question.*, timer.*) for clients; the engine's are its own.
func engineCommand(cmd Command) (string, json.RawMessage) {
	switch cmd.Type {
	case TypeRoomStart:
		return live.CmdStart, nil
	case TypeQuestionNext:
		return live.CmdNext, nil
	case TypeQuestionSkip:
		return live.CmdSkip, nil
	case TypeTimerPause:
		return live.CmdPause, nil
	case TypeTimerResume:
		return live.CmdResume, nil
	case TypeTimerExtend:
		return live.CmdExtend, cmd.Payload
	case TypeRoomEnd:
		return live.CmdEnd, nil
	case TypeEditorLock:
		var d struct {
			Locked bool `json:"locked"`
		}
		_ = json.Unmarshal(cmd.Payload, &d)
		if d.Locked {
			return live.CmdLockEditor, nil
		}
		return live.CmdUnlockEditor, nil
	case TypeAllowanceSet:
		var d struct {
			UserID mockroom.UserID `json:"user_id"`
			Factor float64         `json:"factor"`
		}
		_ = json.Unmarshal(cmd.Payload, &d)
		return live.CmdSetAllowance, mustJSON(map[string]any{"user": d.UserID, "factor": d.Factor})
	}
	// note.add, chat.send, editor.push and editor.language have the same names and fields.
	return cmd.Type, cmd.Payload
}
