package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The session controls read the room's state, compute the new timer with the pure arithmetic
// in timer.go, and append with a check on the timer generation (and phase), so two controls or
// a control and a timer firing never both apply to the same state. The timer index entry is
// written BEFORE the state, so a node dying in between leaves an early entry (harmless), never
// a missing one.

// questionData is the Data of question.started: what everyone in the room sees.
type questionData struct {
	Index     int                  `json:"index"`
	Count     int                  `json:"count"`
	Reason    string               `json:"reason"` // start, next, skip, auto
	Question  *bank.PublicQuestion `json:"question,omitempty"`
	Title     string               `json:"title"`
	Category  mockroom.Category    `json:"category"`
	Minutes   int                  `json:"minutes,omitempty"`
	Seconds   int                  `json:"seconds,omitempty"` // set instead of minutes for a budget given in seconds
	StartedAt time.Time            `json:"started_at"`
	Deadline  time.Time            `json:"deadline"`
	BudgetMS  int64                `json:"budget_ms"`
	// Allowance is the candidate's time allowance the budget was given with (1 = none); a
	// later allowance.set that moves this question's clock says so itself.
	Allowance float64 `json:"allowance"`
}

// questionPrivate is the interviewer-only part of question.started.
type questionPrivate struct {
	Guide *bank.Guidance `json:"guide,omitempty"`
}

// timerData is the Data of timer events.
type timerData struct {
	Index       int       `json:"index"`
	LeftMS      int64     `json:"left_ms"`
	Deadline    time.Time `json:"deadline,omitzero"`
	ExtendedBy  int64     `json:"extended_by_ms,omitempty"`
	RemainingMS int64     `json:"remaining_ms,omitempty"`
}

// maxControlAttempts bounds the retries of a control whose append lost a race: to a timer or
// another control (the timer generation), or to an editor push (the version a question's
// editor.reset counts on from).
const maxControlAttempts = 8

// retryable reports whether a control's append failed on a field another writer may move
// between the state read and the append; planning again from the new state is then right.
func retryable(ce *ConflictError) bool {
	return ce.Field == FieldTimerGen || ce.Field == FieldVersion
}

// control runs a session control, retrying when a timer fired or another control got in first.
func (e *Engine) control(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, m Member, cmd Command) (Result, error) {
	for attempt := 1; ; attempt++ {
		st, err := e.store.State(ctx, id)
		if err != nil {
			return Result{}, err
		}
		req, arm, err := e.plan(ctx, info, st, m, cmd)
		if err != nil {
			return Result{}, err
		}
		if cmd.Type == CmdStart || (cmd.Type == CmdEnd) || endsPlan(req) {
			if err := e.transition(ctx, id, c, req); err != nil {
				return Result{}, err
			}
		}
		if arm.Room != "" {
			if err := e.store.ArmTimer(ctx, arm); err != nil {
				return Result{}, err
			}
		}
		res, err := e.store.Append(ctx, id, req)
		var ce *ConflictError
		if errors.As(err, &ce) && retryable(ce) && attempt < maxControlAttempts {
			continue
		}
		if err != nil {
			return Result{}, conflictError(err)
		}
		for _, ev := range res.Events {
			e.apply(c, ev)
		}
		e.saveResetDoc(ctx, id, res.Events)
		return Result{Position: res.Head, Duplicate: res.Duplicate}, nil
	}
}

// endsPlan reports whether req moves the room to wrap-up.
func endsPlan(req AppendRequest) bool {
	for _, f := range req.Set {
		if f.Field == FieldPhase && f.Value == string(mockroom.StateWrapUp) {
			return true
		}
	}
	return false
}

// transition moves the room service's lifecycle along with the live phase req sets. A conflict
// because the room is already where req goes is a retry of a half-done command: go on. The room
// as the service has it afterwards becomes the node's copy when c is set (its holder holds
// c.mu), so the revision the move gave the record does not cost the next join a read.
func (e *Engine) transition(ctx context.Context, id mockroom.RoomID, c *roomCache, req AppendRequest) error {
	var from, to mockroom.RoomState
	for _, f := range req.Set {
		if f.Field == FieldPhase {
			to = mockroom.RoomState(f.Value)
		}
	}
	switch to {
	case mockroom.StateLive:
		from = mockroom.StateWaiting
	case mockroom.StateWrapUp:
		from = mockroom.StateLive
	default:
		return nil
	}
	info, err := e.rooms.Transition(ctx, id, from, to)
	if mockroom.ErrorKind(err) == mockroom.KindConflict {
		var gerr error
		if info, gerr = e.rooms.Room(ctx, id); gerr == nil && info.State == to {
			err = nil
		}
	}
	if err == nil && c != nil {
		c.info, c.loaded = info, true
	}
	return err
}

// plan computes a control's request from the state, and the timer entry to arm first.
func (e *Engine) plan(ctx context.Context, info RoomInfo, st State, m Member, cmd Command) (AppendRequest, TimerRef, error) {
	now := e.now()
	req := AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: now, Checks: []Check{
		{Field: FieldTimerGen, Value: genValue(st.TimerGen)},
		{Field: FieldPhase, Value: phaseValue(st.Phase)},
	}}
	gen := st.TimerGen + 1
	switch cmd.Type {
	case CmdStart:
		if st.Phase != mockroom.StateWaiting {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "the session has already started")
		}
		if len(info.Questions) == 0 {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "plan_empty", "the room has no questions")
		}
		req.Set = append(req.Set, FieldValue{FieldPhase, string(mockroom.StateLive)})
		req.Events = append(req.Events, NewEvent{Type: TypeRoomState, Actor: m.UserID, Data: map[string]any{"state": mockroom.StateLive}})
		return e.startQuestion(ctx, info, st, req, 0, gen, "start", m.UserID)
	case CmdNext, CmdSkip:
		if st.Phase != mockroom.StateLive {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "the session is not live")
		}
		reason := map[string]string{CmdNext: "next", CmdSkip: "skip"}[cmd.Type]
		return e.startQuestion(ctx, info, st, req, st.QIndex+1, gen, reason, m.UserID)
	case CmdEnd:
		if st.Phase != mockroom.StateLive {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "the session is not live")
		}
		return e.endSession(st, req, gen, m.UserID), TimerRef{}, nil
	}
	if st.Phase != mockroom.StateLive || !st.HasTimer {
		return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "no question is running")
	}
	t := st.Timer
	var typ string
	data := timerData{Index: st.QIndex}
	switch cmd.Type {
	case CmdPause:
		if t.Paused {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "timer_paused", "the timer is already paused")
		}
		t, typ = t.Pause(now), TypeTimerPaused
		data.RemainingMS = t.Remaining.Milliseconds()
	case CmdResume:
		if !t.Paused {
			return req, TimerRef{}, mockroom.Errorf(mockroom.KindConflict, "timer_running", "the timer is not paused")
		}
		t, typ = t.Resume(now), TypeTimerResumed
	case CmdExtend:
		var d struct {
			Seconds int `json:"seconds"`
		}
		if err := json.Unmarshal(cmd.Data, &d); err != nil || d.Seconds < 1 || d.Seconds > MaxExtendSeconds {
			return req, TimerRef{}, invalid("extend_seconds", "extend needs {seconds} between 1 and %d", MaxExtendSeconds)
		}
		t, typ = t.Extend(now, time.Duration(d.Seconds)*time.Second), TypeTimerExtended
		data.ExtendedBy = int64(d.Seconds) * 1000
	}
	data.Deadline, data.LeftMS = t.Deadline, t.Left(now).Milliseconds()
	req.Events = append(req.Events, NewEvent{Type: typ, Actor: m.UserID, Data: data})
	arm, err := e.arm(&req, info, st.QIndex, t, gen, now)
	return req, arm, err
}

// arm writes timer t under generation gen into req and returns the index entry to add first.
func (e *Engine) arm(req *AppendRequest, info RoomInfo, idx int, t Timer, gen int64, now time.Time) (TimerRef, error) {
	sched := t.Schedule(now, info.AutoAdvance)
	bodies := make([]string, len(sched))
	for i, f := range sched {
		ne := NewEvent{Type: TypeTimerWarning, Data: timerData{Index: idx, LeftMS: f.Left.Milliseconds(), Deadline: t.Deadline}}
		switch f.Kind {
		case FireExpiry:
			ne.Type, ne.Data = TypeTimerExpired, timerData{Index: idx, Deadline: t.Deadline}
		case FireAdvance:
			ne.Type, ne.Data = "advance", nil
		}
		enc, err := ne.Encode()
		if err != nil {
			return TimerRef{}, err
		}
		bodies[i] = enc.Body()
	}
	req.Set = append(req.Set, timerFields(t, gen, sched, bodies)...)
	if len(sched) == 0 {
		return TimerRef{}, nil
	}
	return TimerRef{Room: info.ID, Gen: gen, Due: sched[0].At}, nil
}

// startQuestion appends question idx (or ends the session after the last one).
func (e *Engine) startQuestion(ctx context.Context, info RoomInfo, st State, req AppendRequest, idx int, gen int64, reason string, actor mockroom.UserID) (AppendRequest, TimerRef, error) {
	if idx >= len(info.Questions) {
		return e.endSession(st, req, gen, actor), TimerRef{}, nil
	}
	now := req.Now
	half := halfOf(info, idx)
	if half != st.Half {
		h := info.Halves[half]
		req.Set = append(req.Set, FieldValue{FieldHalf, halfValue(half)})
		req.Events = append(req.Events, NewEvent{Type: TypeRolesSwapped, Data: map[string]any{
			"half": half, "interviewer": h.Interviewer, "candidate": h.Candidate,
		}})
	}
	pq := info.Questions[idx]
	allowance := info.Allowance
	if a, ok := st.Allowance[candidateOf(info, half)]; ok {
		allowance = a
	}
	t := StartTimer(now, Budget(pq.Base(), allowance))
	data := questionData{
		Index: idx, Count: len(info.Questions), Reason: reason, Title: pq.Title, Category: pq.Category,
		Minutes: pq.Minutes, Seconds: pq.Seconds, StartedAt: now.UTC(), Deadline: t.Deadline.UTC(), BudgetMS: t.Budget.Milliseconds(),
		Allowance: allowanceOrNone(allowance),
	}
	var priv *questionPrivate
	var coding *bank.Coding
	if pq.QuestionID != "" && e.questions != nil {
		q, err := e.questions.Question(ctx, info.Owner, info.Track, pq.QuestionID)
		if err != nil {
			return req, TimerRef{}, err
		}
		pub := q.Public()
		data.Question, data.Title, data.Category = &pub, q.Title, q.Category
		coding = q.Coding
		if q.Guide != nil {
			priv = &questionPrivate{Guide: q.Guide}
		}
	}
	ne := NewEvent{Type: TypeQuestionStarted, Actor: actor, Data: data, Keep: KeepQuestion}
	if priv != nil {
		ne.Private = priv
		if len(info.Halves) > 0 {
			// The guidance is for this half's interviewer, who is the other half's candidate.
			ne.For = info.Halves[half].Interviewer
		}
	}
	req.Events = append(req.Events, ne)
	req = withReset(req, st, idx, coding, actor)
	req.Set = append(req.Set, FieldValue{FieldQIndex, strconv.Itoa(idx)})
	arm, err := e.arm(&req, info, idx, t, gen, now)
	return req, arm, err
}

// endSession moves the room to wrap-up and clears the timer.
func (e *Engine) endSession(st State, req AppendRequest, gen int64, actor mockroom.UserID) AppendRequest {
	req.Set = append(req.Set,
		FieldValue{FieldPhase, string(mockroom.StateWrapUp)},
		FieldValue{FieldTimerGen, strconv.FormatInt(gen, 10)},
		FieldValue{FieldSchedule, ""},
	)
	req.Events = append(req.Events, NewEvent{Type: TypeRoomState, Actor: actor, Data: map[string]any{"state": mockroom.StateWrapUp}})
	return req
}

func genValue(g int64) string {
	if g == 0 {
		return ""
	}
	return strconv.FormatInt(g, 10)
}

func phaseValue(p mockroom.RoomState) string {
	if p == mockroom.StateWaiting {
		return ""
	}
	return string(p)
}
