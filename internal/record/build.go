package record

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Build turns a room's log into in.Reader's record. It fails only on a log whose editor updates
// do not apply, which would mean the store is corrupt.
func Build(in Input) (Record, error) {
	r := in.Room
	rec := Record{
		Schema: SchemaVersion, RoomID: r.ID, Kind: r.Kind, Track: r.Track, Title: r.Title, PlanID: r.PlanID,
		State: r.State, Reader: Reader{UserID: in.Reader, Roles: rolesOf(r, in.Reader)},
		Participants: people(r), Questions: []Part{}, Timeline: []Entry{}, Edits: []Edit{},
		Feedback: authoredOrReleased(in.Feedback, in.Reader),
	}
	b := builder{rec: &rec, room: r, names: names(rec.Participants), doc: newDoc(), open: -1}
	me, _ := in.Room.Participant(in.Reader)
	sharedNotes := me.UserID != "" && me.Role != mockroom.RoleObserver
	for _, ev := range in.Events {
		rec.LastOffset = ev.Offset
		b.last = ev.At
		ev, ok := visible(ev, in.Reader, sharedNotes, in.Room.NotesSharedBy)
		if !ok {
			continue
		}
		if err := b.event(ev); err != nil {
			return Record{}, err
		}
	}
	b.closePart(b.lastOff, b.last)
	if rec.EndedAt.IsZero() && !rec.StartedAt.IsZero() {
		rec.EndedAt = b.last
	}
	if !rec.StartedAt.IsZero() {
		rec.DurationMS = rec.EndedAt.Sub(rec.StartedAt).Milliseconds()
	}
	rec.Final = codeOf(b.doc)
	return rec, nil
}

// builder walks the log once, in order.
type builder struct {
	rec     *Record
	room    room.Room
	names   map[mockroom.UserID]string
	doc     *editor.Doc
	half    int
	open    int // index into rec.Questions of the running question, -1 for none
	paused  time.Time
	last    time.Time
	lastOff mockroom.EventOffset
}

func (b *builder) event(ev live.Event) error {
	entry := Entry{Offset: ev.Offset, At: ev.At, Type: ev.Type, Actor: ev.Actor, Question: b.question()}
	switch ev.Type {
	case live.TypeEditorUpdate:
		return b.edit(ev)
	case live.TypeEditorReset:
		return b.reset(ev)
	case live.TypeEditorLanguage:
		var d struct {
			Language string `json:"language"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		_ = b.doc.SetLanguage(editor.Language(d.Language))
		entry.Kind, entry.Text = "language", b.name(ev.Actor)+" set the language to "+d.Language
	case live.TypeRoomState:
		var d struct {
			State mockroom.RoomState `json:"state"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		entry.Kind, entry.Text = "state", "session "+stateWords(d.State)
		switch d.State {
		case mockroom.StateLive:
			if b.rec.StartedAt.IsZero() {
				b.rec.StartedAt = ev.At
			}
		case mockroom.StateWrapUp, mockroom.StateClosed:
			b.closePart(b.lastOff, ev.At)
			if b.rec.EndedAt.IsZero() {
				b.rec.EndedAt = ev.At
			}
		}
	case live.TypeJoined:
		entry.Kind, entry.Text = "joined", b.name(ev.Actor)+" joined"
	case live.TypeQuestionStarted:
		b.closePart(b.lastOff, ev.At)
		b.startPart(ev)
		entry.Question = b.question()
		p := b.rec.Questions[b.open]
		entry.Kind, entry.Text = "question", fmt.Sprintf("question %d started: %s", p.Index+1, p.Title)
	case live.TypeTimerWarning, live.TypeTimerExpired, live.TypeTimerPaused, live.TypeTimerResumed, live.TypeTimerExtended:
		entry.Kind, entry.Text = "timer", b.timer(ev)
	case live.TypeChatMessage:
		entry.Kind, entry.Text = "chat", textOf(ev.Data)
	case live.TypeNoteAdded:
		entry.Kind, entry.Text = "note", textOf(ev.Private)
	case live.TypeRolesSwapped:
		var d struct {
			Half int `json:"half"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		b.half = d.Half
		entry.Kind, entry.Text = "roles", "roles swapped: "+b.name(b.interviewer())+" interviews "+b.name(b.candidate())
	case live.TypeEditorLock:
		var d struct {
			Locked bool `json:"locked"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		entry.Kind, entry.Text = "lock", b.name(ev.Actor)+" unlocked the editor"
		if d.Locked {
			entry.Text = b.name(ev.Actor) + " locked the editor"
		}
	case live.TypeAllowance:
		var d struct {
			User   mockroom.UserID `json:"user_id"`
			Factor float64         `json:"factor"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		entry.Kind, entry.Text = "allowance", fmt.Sprintf("time allowance for %s set to %g×", b.name(d.User), d.Factor)
	case live.TypeNamesRevealed:
		entry.Kind, entry.Text = "names", "both people showed their names"
	case live.TypeFeedbackSubmitted:
		entry.Kind, entry.Text = "feedback", "feedback submitted"
	case live.TypeFeedbackReleased:
		entry.Kind, entry.Text = "feedback", "feedback released"
	case live.TypeRunStarted, live.TypeRunFinished, live.TypeRunShared:
		entry.Kind = "run"
		entry.Run, entry.Text = b.run(ev)
	default:
		return nil
	}
	b.lastOff = ev.Offset
	b.rec.Timeline = append(b.rec.Timeline, entry)
	return nil
}

// run reads a run event: what the timeline shows of it and its line in words.
func (b *builder) run(ev live.Event) (*RunEntry, string) {
	var d struct {
		RunID   string          `json:"run_id"`
		Version int             `json:"version"`
		Status  string          `json:"status"`
		Output  string          `json:"output"`
		Private bool            `json:"private"`
		RanBy   mockroom.UserID `json:"ran_by"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	r := &RunEntry{RunID: d.RunID, RanBy: ev.Actor, Version: d.Version, Status: d.Status, Output: firstLines(d.Output, RunOutputLines), Private: d.Private}
	if ev.Type == live.TypeRunShared && d.RanBy != "" {
		r.RanBy = d.RanBy
	}
	who := b.name(r.RanBy)
	if r.Private {
		who += " (privately)"
	}
	switch ev.Type {
	case live.TypeRunStarted:
		return r, fmt.Sprintf("%s ran the code at version %d", who, r.Version)
	case live.TypeRunFinished:
		return r, fmt.Sprintf("%s's run of version %d ended: %s", who, r.Version, r.Status)
	default:
		return r, fmt.Sprintf("%s showed the result of %s's run of version %d: %s", b.name(ev.Actor), who, r.Version, r.Status)
	}
}

// firstLines is the first n lines of s, without the line break after the last.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func (b *builder) question() int {
	if b.open < 0 {
		return -1
	}
	return b.rec.Questions[b.open].Index
}

// edit applies one editor.update event: every update in it, in order.
func (b *builder) edit(ev live.Event) error {
	var d struct {
		Version int             `json:"version"`
		Updates []editor.Update `json:"updates"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return corrupt(ev, err)
	}
	if _, err := b.doc.Push(d.Version, d.Updates); err != nil {
		return corrupt(ev, err)
	}
	for _, u := range d.Updates {
		author := u.Author
		if author == "" {
			author = ev.Actor
		}
		at := u.At
		if at.IsZero() {
			at = ev.At
		}
		b.rec.Edits = append(b.rec.Edits, Edit{Offset: ev.Offset, At: at, Author: author, Changes: u.Changes})
	}
	b.lastOff = ev.Offset
	return nil
}

// reset applies one editor.reset event: the document a question starts with.
func (b *builder) reset(ev live.Event) error {
	var d struct {
		Version  int    `json:"version"`
		Text     string `json:"text"`
		Language string `json:"language"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return corrupt(ev, err)
	}
	if d.Version != b.doc.Version()+1 {
		return corrupt(ev, fmt.Errorf("reset to version %d after version %d", d.Version, b.doc.Version()))
	}
	if err := b.doc.Reset(d.Text); err != nil {
		return corrupt(ev, err)
	}
	_ = b.doc.SetLanguage(editor.Language(d.Language))
	b.rec.Edits = append(b.rec.Edits, Edit{Offset: ev.Offset, At: ev.At, Author: ev.Actor, Reset: true, Text: d.Text})
	b.lastOff = ev.Offset
	return nil
}

func corrupt(ev live.Event, err error) error {
	return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", fmt.Sprintf("the editor update at offset %d does not replay", ev.Offset))
}

func (b *builder) startPart(ev live.Event) {
	var d struct {
		Index    int               `json:"index"`
		Title    string            `json:"title"`
		Category mockroom.Category `json:"category"`
		BudgetMS int64             `json:"budget_ms"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	if d.Index >= 0 && d.Index < len(b.room.Questions) {
		if d.Title == "" {
			d.Title = b.room.Questions[d.Index].Title
		}
		if d.Category == "" {
			d.Category = b.room.Questions[d.Index].Category
		}
	}
	if d.Title == "" {
		d.Title = "Your own questions"
		if d.Category != mockroom.CategoryOwnQuestions {
			d.Title = fmt.Sprintf("Question %d", d.Index+1)
		}
	}
	b.rec.Questions = append(b.rec.Questions, Part{
		Index: d.Index, Title: d.Title, Category: d.Category, BudgetMS: d.BudgetMS,
		Interviewer: b.interviewer(), Candidate: b.candidate(),
		StartedAt: ev.At, StartOffset: ev.Offset, EndOffset: ev.Offset,
		EditFrom: len(b.rec.Edits), EditTo: len(b.rec.Edits),
	})
	b.open, b.paused = len(b.rec.Questions)-1, time.Time{}
}

// closePart ends the running question at the given last offset and time.
func (b *builder) closePart(off mockroom.EventOffset, at time.Time) {
	if b.open < 0 {
		return
	}
	p := &b.rec.Questions[b.open]
	if !b.paused.IsZero() {
		p.PausedMS += at.Sub(b.paused).Milliseconds()
	}
	p.EndedAt, p.EndOffset = at, max(off, p.StartOffset)
	p.UsedMS = max(at.Sub(p.StartedAt).Milliseconds()-p.PausedMS, 0)
	p.Code = codeOf(b.doc)
	p.EditTo = len(b.rec.Edits)
	b.open, b.paused = -1, time.Time{}
}

// timer counts a timer event toward the running question and says it in words.
func (b *builder) timer(ev live.Event) string {
	var d struct {
		LeftMS     int64 `json:"left_ms"`
		ExtendedBy int64 `json:"extended_by_ms"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	var p *Part
	if b.open >= 0 {
		p = &b.rec.Questions[b.open]
	}
	switch ev.Type {
	case live.TypeTimerWarning:
		if p != nil {
			p.Warnings++
		}
		return "time warning: " + span(d.LeftMS) + " left"
	case live.TypeTimerExpired:
		if p != nil {
			p.Expired = true
		}
		return "time is up"
	case live.TypeTimerPaused:
		if p != nil && b.paused.IsZero() {
			b.paused = ev.At
		}
		return b.name(ev.Actor) + " paused the timer"
	case live.TypeTimerResumed:
		if p != nil && !b.paused.IsZero() {
			p.PausedMS += ev.At.Sub(b.paused).Milliseconds()
			b.paused = time.Time{}
		}
		return b.name(ev.Actor) + " resumed the timer"
	}
	if p != nil {
		p.ExtendedMS += d.ExtendedBy
		p.BudgetMS += d.ExtendedBy
	}
	return b.name(ev.Actor) + " gave " + span(d.ExtendedBy) + " more"
}

func (b *builder) interviewer() mockroom.UserID {
	if b.half < len(b.room.Halves) {
		return b.room.Halves[b.half].Interviewer
	}
	for _, p := range b.room.Participants {
		if p.Role == mockroom.RoleInterviewer {
			return p.UserID
		}
	}
	return ""
}

func (b *builder) candidate() mockroom.UserID {
	if b.half < len(b.room.Halves) {
		return b.room.Halves[b.half].Candidate
	}
	for _, p := range b.room.Participants {
		if p.Role == mockroom.RoleCandidate {
			return p.UserID
		}
	}
	return ""
}

func (b *builder) name(id mockroom.UserID) string {
	if id == "" {
		return "the server"
	}
	if n, ok := b.names[id]; ok {
		return n
	}
	return DeletedName
}

func stateWords(s mockroom.RoomState) string {
	switch s {
	case mockroom.StateLive:
		return "started"
	case mockroom.StateWrapUp:
		return "ended"
	case mockroom.StateClosed:
		return "closed"
	}
	return string(s)
}

func textOf(raw json.RawMessage) string {
	var d struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &d)
	return d.Text
}

// rolesOf lists the roles user held in r.
func rolesOf(r room.Room, user mockroom.UserID) []mockroom.Role {
	var out []mockroom.Role
	if len(r.Halves) > 0 {
		for _, h := range r.Halves {
			if h.Interviewer == user && !slices.Contains(out, mockroom.RoleInterviewer) {
				out = append(out, mockroom.RoleInterviewer)
			}
			if h.Candidate == user && !slices.Contains(out, mockroom.RoleCandidate) {
				out = append(out, mockroom.RoleCandidate)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if p, ok := r.Participant(user); ok {
		out = append(out, p.Role)
	}
	return out
}

func people(r room.Room) []Person {
	out := make([]Person, 0, len(r.Participants))
	for _, p := range r.Participants {
		name, deleted := p.DisplayName, false
		if p.DisplayName == DeletedName || strings.TrimSpace(p.DisplayName) == "" {
			name, deleted = DeletedName, p.DisplayName == DeletedName
		}
		out = append(out, Person{UserID: p.UserID, Name: name, Role: p.Role, Deleted: deleted})
	}
	return out
}

func names(ps []Person) map[mockroom.UserID]string {
	m := make(map[mockroom.UserID]string, len(ps))
	for _, p := range ps {
		m[p.UserID] = p.Name
	}
	return m
}

// authoredOrReleased keeps the forms reader wrote (without the draft) and those about reader
// that are released; anything else given is dropped, so a mistake upstream cannot leak a form.
func authoredOrReleased(forms []feedback.Form, reader mockroom.UserID) []feedback.Form {
	out := []feedback.Form{}
	for _, f := range forms {
		switch {
		case f.Author == reader:
			f.Draft = nil
			if len(f.Versions) == 0 {
				continue
			}
		case f.About == reader && f.Released:
			f.Draft = nil
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}
