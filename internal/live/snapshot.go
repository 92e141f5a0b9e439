package live

import (
	"context"
	"encoding/json"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Snapshot is a room as one participant may see it now: what a joining client, or one too far
// behind to resume, starts from. It is filtered for You.Role already.
type Snapshot struct {
	Position     mockroom.Position  `json:"position"`
	ServerTime   time.Time          `json:"server_time"`
	State        mockroom.RoomState `json:"state"`
	Kind         mockroom.RoomKind  `json:"kind"`
	You          Member             `json:"you"`
	Half         int                `json:"half"`
	Participants []ParticipantView  `json:"participants"`
	Question     *QuestionView      `json:"question,omitempty"`
	Timer        *TimerView         `json:"timer,omitempty"`
	Doc          DocView            `json:"doc"`
	Chat         []Event            `json:"chat"`
	// Notes are the interviewer's private notes; empty for everyone else.
	Notes []Event `json:"notes,omitempty"`
	// Allowances are the time allowances of the room's candidates, by user id (1 = none).
	Allowances map[mockroom.UserID]float64 `json:"allowances"`
	// Runs are the current question's code runs (run.started, run.finished, run.shared events)
	// as this person may see them, in log order.
	Runs []Event `json:"runs"`
}

// ParticipantView is a participant with presence.
type ParticipantView struct {
	Member
	Online bool `json:"online"`
}

// QuestionView is the current question: the question.started event as the role may see it.
type QuestionView struct {
	Index   int             `json:"index"`
	Count   int             `json:"count"`
	Data    json.RawMessage `json:"data"`
	Private json.RawMessage `json:"private,omitempty"`
}

// TimerView is the current question's clock; clients count down from ServerTime.
type TimerView struct {
	StartedAt time.Time     `json:"started_at"`
	Deadline  time.Time     `json:"deadline,omitzero"`
	Paused    bool          `json:"paused"`
	Remaining time.Duration `json:"remaining_ms"`
	Budget    time.Duration `json:"budget_ms"`
}

// MarshalJSON writes durations as milliseconds.
func (t TimerView) MarshalJSON() ([]byte, error) {
	type wire struct {
		StartedAt   time.Time `json:"started_at"`
		Deadline    time.Time `json:"deadline,omitzero"`
		Paused      bool      `json:"paused"`
		RemainingMS int64     `json:"remaining_ms"`
		BudgetMS    int64     `json:"budget_ms"`
	}
	return json.Marshal(wire{t.StartedAt, t.Deadline, t.Paused, t.Remaining.Milliseconds(), t.Budget.Milliseconds()})
}

// DocView is the shared document.
type DocView struct {
	Text     string `json:"text"`
	Version  int    `json:"version"`
	Language string `json:"language"`
	Locked   bool   `json:"locked"`
}

// Snapshot returns the room as user sees it now.
func (e *Engine) Snapshot(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Snapshot, error) {
	c := e.room(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	info, err := e.info(ctx, id, c, false)
	if err != nil {
		return Snapshot{}, err
	}
	// Notes are read only for an interviewer; a peer who may become one reads them at the swap.
	m, ok := roleOf(info, user, c.half)
	if !ok {
		return Snapshot{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
	}
	v, err := e.store.View(ctx, id, m.Role == mockroom.RoleInterviewer)
	if err != nil {
		return Snapshot{}, err
	}
	return e.snapshotOf(ctx, id, c, info, user, v)
}

// snapshotOf builds user's snapshot from the view v read of the room (with the notes if user
// was its interviewer). Caller holds c.mu.
func (e *Engine) snapshotOf(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, user mockroom.UserID, v View) (Snapshot, error) {
	c.half = v.State.Half
	m, _ := roleOf(info, user, v.State.Half)
	doc, err := e.rebuildDoc(v)
	if err != nil {
		return Snapshot{}, err
	}
	e.adoptDoc(c, doc, v.State.Head)
	now := e.now()
	s := Snapshot{
		Position: v.State.Head, ServerTime: now, State: v.State.Phase, Kind: info.Kind, You: m, Half: v.State.Half,
		Doc:  DocView{Text: doc.Document().String(), Version: doc.Version(), Language: string(doc.Language()), Locked: v.State.Locked},
		Chat: v.Chat, Allowances: allowances(info, v.State),
	}
	if s.Chat == nil {
		s.Chat = []Event{}
	}
	if m.Role == mockroom.RoleInterviewer {
		// Only the notes this person wrote: in a peer room the other half's interviewer wrote
		// theirs about this person.
		s.Notes = []Event{}
		for _, n := range v.Notes {
			if n.Actor == m.UserID {
				s.Notes = append(s.Notes, n)
			}
		}
	}
	for _, p := range info.Participants {
		pm, _ := roleOf(info, p.UserID, v.State.Half)
		until, on := v.Presence[p.UserID]
		s.Participants = append(s.Participants, ParticipantView{Member: pm, Online: on && until.After(now)})
	}
	if q := v.State.Question; q != nil {
		if visible, ok := Visible(*q, m.UserID, m.Role); ok {
			s.Question = &QuestionView{Index: v.State.QIndex, Count: len(info.Questions), Data: visible.Data, Private: visible.Private}
		}
	}
	if s.Runs, err = e.currentRuns(ctx, id, v.State, m); err != nil {
		return Snapshot{}, err
	}
	if v.State.HasTimer && v.State.Phase == mockroom.StateLive {
		t := v.State.Timer
		s.Timer = &TimerView{StartedAt: t.Started, Deadline: t.Deadline, Paused: t.Paused, Remaining: t.Left(now), Budget: t.Budget}
	}
	return s, nil
}

// rebuildDoc replays the editor tail onto the materialised document.
func (e *Engine) rebuildDoc(v View) (*editor.Doc, error) {
	doc, err := editor.NewDoc(editor.Snapshot{Text: v.Doc.Text, Version: v.Doc.Version, Base: v.Doc.Base, Language: editor.Language(v.State.Language)}, e.limits)
	if err != nil {
		return nil, mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "the stored document could not be read")
	}
	for _, ev := range v.Tail {
		if ev.Offset > v.State.Head.Offset {
			break // appended after the state was read; the client gets it live
		}
		if err := applyEditorEvent(doc, ev); err != nil {
			return nil, err
		}
	}
	if l := editor.Language(v.State.Language); l.Valid() {
		_ = doc.SetLanguage(l)
	}
	return doc, nil
}
