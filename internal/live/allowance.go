package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// allowanceData is the Data of allowance.set. When the change moved the running question's
// clock (the person is its candidate and its time has not run out), the event also carries the
// clock as it is now, as timer events do.
type allowanceData struct {
	User     mockroom.UserID `json:"user_id"`
	Factor   float64         `json:"factor"`
	Index    *int            `json:"index,omitempty"`
	LeftMS   *int64          `json:"left_ms,omitempty"`
	Deadline time.Time       `json:"deadline,omitzero"`
	BudgetMS *int64          `json:"budget_ms,omitempty"`
}

// setAllowance changes a participant's time allowance. It applies to every question they are
// asked from now on and, when they are answering the running question, to that one too: its
// clock moves by the difference between the budget under the old and the new allowance, so
// the question ends as if it had been given the new allowance from its start (plus any
// extension). Like the other controls it appends with a check on the timer generation, and
// retries when a timer fired or another control got in first.
func (e *Engine) setAllowance(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, m Member, cmd Command) (Result, error) {
	var d struct {
		User   mockroom.UserID `json:"user"`
		Factor float64         `json:"factor"`
	}
	if err := json.Unmarshal(cmd.Data, &d); err != nil {
		return Result{}, invalid("data_malformed", "%s: malformed data", cmd.Type)
	}
	if _, ok := roleOf(info, d.User, c.half); !ok {
		return Result{}, invalid("allowance_user", "user %q is not a participant", d.User)
	}
	if d.Factor < 1 || d.Factor > 2 {
		return Result{}, invalid("allowance_factor", "the allowance must be between 1 and 2, got %v", d.Factor)
	}
	for attempt := 1; ; attempt++ {
		st, err := e.store.State(ctx, id)
		if err != nil {
			return Result{}, err
		}
		now := e.now()
		req := AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: now, Checks: []Check{{Field: FieldTimerGen, Value: genValue(st.TimerGen)}}, WhileOpen: true}
		req.Set = []FieldValue{{fieldAllowance + string(d.User), strconv.FormatFloat(d.Factor, 'f', -1, 64)}}
		data := allowanceData{User: d.User, Factor: d.Factor}
		var arm TimerRef
		if st.Phase == mockroom.StateLive && st.HasTimer && st.QIndex >= 0 && st.QIndex < len(info.Questions) &&
			candidateOf(info, st.Half) == d.User && (st.Timer.Paused || st.Timer.Left(now) > 0) {
			base := info.Questions[st.QIndex].Base()
			was := info.Allowance
			if a, ok := st.Allowance[d.User]; ok {
				was = a
			}
			t := st.Timer.Adjust(now, Budget(base, d.Factor)-Budget(base, was))
			idx, left, budget := st.QIndex, t.Left(now).Milliseconds(), t.Budget.Milliseconds()
			data.Index, data.LeftMS, data.Deadline, data.BudgetMS = &idx, &left, t.Deadline, &budget
			if arm, err = e.arm(&req, info, st.QIndex, t, st.TimerGen+1, now); err != nil {
				return Result{}, err
			}
		}
		req.Events = []NewEvent{{Type: TypeAllowance, Actor: m.UserID, Data: data}}
		if arm.Room != "" {
			if err := e.store.ArmTimer(ctx, arm); err != nil {
				return Result{}, err
			}
		}
		res, err := e.store.Append(ctx, id, req)
		var ce *ConflictError
		if errors.As(err, &ce) && ce.Field == FieldTimerGen && attempt < maxControlAttempts {
			continue
		}
		if err != nil {
			return Result{}, conflictError(err)
		}
		for _, ev := range res.Events {
			e.apply(c, ev)
		}
		return Result{Position: res.Head, Duplicate: res.Duplicate}, nil
	}
}

// allowanceOrNone is a as a factor to show: 1 (none) for a value Budget would ignore.
func allowanceOrNone(a float64) float64 {
	if a < 1 || a > 4 {
		return 1
	}
	return a
}

// allowances is the time allowance of everyone who is, or will be, a candidate in the room:
// the room's setting, or what the interviewer set for them during the session.
func allowances(info RoomInfo, st State) map[mockroom.UserID]float64 {
	out := map[mockroom.UserID]float64{}
	add := func(u mockroom.UserID) {
		if u == "" {
			return
		}
		out[u] = allowanceOrNone(info.Allowance)
		if a, ok := st.Allowance[u]; ok {
			out[u] = a
		}
	}
	if len(info.Halves) > 0 {
		for _, h := range info.Halves {
			add(h.Candidate)
		}
		return out
	}
	for _, p := range info.Participants {
		if p.Role == mockroom.RoleCandidate {
			add(p.UserID)
		}
	}
	return out
}
