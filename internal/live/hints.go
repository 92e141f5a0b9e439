package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Hints and clarifications: the interviewer gives the current question's hints one at a time, in
// order, and any of its clarifications, each once. The events carry the text to everyone in the
// room, so the candidate sees exactly what was given; what a hint costs on the scoring guide the
// interviewer reads in the guide of question.started, by the hint's number. The events have no
// private part: the snapshot's chat history, which keeps them, is the same for every role. The log keeps the events, so feedback and review can
// tell which hints were used, and the snapshot's chat history lists them with the messages, so a
// candidate who reloads still has them.
const (
	CmdHintGive          = "hint.give"
	CmdClarificationGive = "clarification.give"

	TypeHintGiven          = "hint.given"
	TypeClarificationGiven = "clarification.given"

	// fieldHints + question index holds how many of that question's hints were given;
	// fieldClarification + index + ":" + number is "1" once that clarification was given.
	fieldHints         = "hints:"
	fieldClarification = "clar:"
)

func init() {
	interviewerOnly[CmdHintGive] = true
	interviewerOnly[CmdClarificationGive] = true
}

// hintData is the Data of hint.given.
type hintData struct {
	QuestionIndex int    `json:"question_index"`
	Number        int    `json:"number"`
	Of            int    `json:"of"`
	Text          string `json:"text"`
}

// clarificationData is the Data of clarification.given.
type clarificationData struct {
	QuestionIndex int    `json:"question_index"`
	Number        int    `json:"number"`
	Question      string `json:"question"`
	Answer        string `json:"answer"`
}

// give runs hint.give and clarification.give: data {"number": n}, 1-based. A hint must be the
// next one of the current question; a clarification may be any one not given yet.
func (e *Engine) give(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, m Member, cmd Command) (Result, error) {
	var d struct {
		Number int `json:"number"`
	}
	if len(cmd.Data) > 0 {
		if err := json.Unmarshal(cmd.Data, &d); err != nil {
			return Result{}, invalid("data_malformed", "%s: malformed data", cmd.Type)
		}
	}
	if d.Number < 1 {
		return Result{}, invalid("number_invalid", "%s: number must be 1 or more", cmd.Type)
	}
	st, err := e.store.State(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if st.Phase != mockroom.StateLive || st.QIndex < 0 || st.QIndex >= len(info.Questions) {
		return Result{}, mockroom.Errorf(mockroom.KindConflict, "no_question", "no question is being asked")
	}
	g, err := e.guideOf(ctx, info, st.QIndex)
	if err != nil {
		return Result{}, err
	}
	qidx := strconv.Itoa(st.QIndex)
	req := AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(), Checks: []Check{
		{Field: FieldPhase, Value: string(mockroom.StateLive)},
		{Field: FieldQIndex, Value: qidx},
	}}
	var ne NewEvent
	switch cmd.Type {
	case CmdHintGive:
		if d.Number > len(g.Hints) {
			return Result{}, invalid("hint_unknown", "this question has %d hints, not %d", len(g.Hints), d.Number)
		}
		h := g.Hints[d.Number-1]
		field := fieldHints + qidx
		prev := ""
		if d.Number > 1 {
			prev = strconv.Itoa(d.Number - 1)
		}
		// Hints go in order: hint n only after hint n-1, and each once.
		req.Checks = append(req.Checks, Check{Field: field, Value: prev})
		req.Set = []FieldValue{{field, strconv.Itoa(d.Number)}}
		ne = NewEvent{Type: TypeHintGiven, Actor: m.UserID, Keep: KeepChat,
			Data: hintData{QuestionIndex: st.QIndex, Number: d.Number, Of: len(g.Hints), Text: h.Text}}
	case CmdClarificationGive:
		if d.Number > len(g.Clarifications) {
			return Result{}, invalid("clarification_unknown", "this question has %d clarifications, not %d", len(g.Clarifications), d.Number)
		}
		cl := g.Clarifications[d.Number-1]
		field := fieldClarification + qidx + ":" + strconv.Itoa(d.Number)
		req.Checks = append(req.Checks, Check{Field: field, Value: ""})
		req.Set = []FieldValue{{field, "1"}}
		ne = NewEvent{Type: TypeClarificationGiven, Actor: m.UserID, Keep: KeepChat,
			Data: clarificationData{QuestionIndex: st.QIndex, Number: d.Number, Question: cl.Question, Answer: cl.Answer}}
	}
	req.Events = []NewEvent{ne}
	res, err := e.store.Append(ctx, id, req)
	if err != nil {
		return Result{}, givenError(err, cmd.Type)
	}
	for _, ev := range res.Events {
		e.apply(c, ev)
	}
	return Result{Position: res.Head, Duplicate: res.Duplicate}, nil
}

// guideOf returns the guidance of the plan's question idx, or an error when it has none.
func (e *Engine) guideOf(ctx context.Context, info RoomInfo, idx int) (*bank.Guidance, error) {
	pq := info.Questions[idx]
	if pq.QuestionID == "" || e.questions == nil {
		return nil, mockroom.Errorf(mockroom.KindConflict, "no_guidance", "the current slot has no question from the bank")
	}
	q, err := e.questions.Question(ctx, info.Owner, info.Track, pq.QuestionID)
	if err != nil {
		return nil, err
	}
	if q.Guide == nil {
		return nil, mockroom.Errorf(mockroom.KindConflict, "no_guidance", "the current question has no guidance")
	}
	return q.Guide, nil
}

// givenError names what a failed check means for these commands.
func givenError(err error, typ string) error {
	var ce *ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	switch {
	case ce.Field == FieldQIndex || ce.Field == FieldPhase:
		return mockroom.Errorf(mockroom.KindConflict, "question_changed", "the question changed meanwhile")
	case typ == CmdHintGive:
		return mockroom.Errorf(mockroom.KindConflict, "hint_out_of_order", "hints are given in order, each once; %s of this question's hints were given", orZero(ce.Actual))
	}
	return mockroom.Errorf(mockroom.KindConflict, "clarification_given", "that clarification was given already")
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
