package feedback

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Citeable is a moment of the session offered to a form's author to cite.
type Citeable struct {
	Moment
	Kind          string          `json:"kind"` // question, timer, chat, code, run, hint, clarification
	At            time.Time       `json:"at"`
	Actor         mockroom.UserID `json:"actor,omitempty"`
	QuestionIndex *int            `json:"question_index,omitempty"`
	Label         string          `json:"label"`
}

// timeline is a room's log as feedback reads it: who held which role when, what was asked,
// what may be cited.
type timeline struct {
	r        room.Room
	events   []live.Event // by offset
	byOffset map[mockroom.EventOffset]int
	// swapAt is the offset of roles.swapped in a peer room, 0 while the first half runs.
	swapAt mockroom.EventOffset
}

func newTimeline(r room.Room, events []live.Event) timeline {
	tl := timeline{r: r, events: events, byOffset: make(map[mockroom.EventOffset]int, len(events))}
	for i, ev := range events {
		tl.byOffset[ev.Offset] = i
		if ev.Type == live.TypeRolesSwapped && tl.swapAt == 0 {
			tl.swapAt = ev.Offset
		}
	}
	return tl
}

// roleAt is the role user held when the event at off happened.
func (tl timeline) roleAt(user mockroom.UserID, off mockroom.EventOffset) mockroom.Role {
	if len(tl.r.Halves) > 0 {
		h := tl.r.Halves[0]
		if tl.swapAt != 0 && off >= tl.swapAt && len(tl.r.Halves) > 1 {
			h = tl.r.Halves[1]
		}
		switch user {
		case h.Interviewer:
			return mockroom.RoleInterviewer
		case h.Candidate:
			return mockroom.RoleCandidate
		}
	}
	if p, ok := tl.r.Participant(user); ok {
		return p.Role
	}
	return mockroom.RoleObserver
}

// seenBy reports whether user received ev in the session (or would on replay): live.Visible with
// the role they held at the time.
func (tl timeline) seenBy(ev live.Event, user mockroom.UserID) bool {
	_, ok := live.Visible(ev, user, tl.roleAt(user, ev.Offset))
	return ok
}

// checkMoments refuses a citation of an offset the log does not have, or of an event the person
// the form is about (or its author) did not see: evidence must be something both can look at.
func (tl timeline) checkMoments(c Content, author, about mockroom.UserID) error {
	for _, cm := range c.moments() {
		for _, off := range []mockroom.EventOffset{cm.m.From, cm.m.To} {
			i, ok := tl.byOffset[off]
			if !ok {
				return fieldErr("moment_not_in_room", cm.field, "offset %d is not an event of this room's log", off)
			}
			ev := tl.events[i]
			if !tl.seenBy(ev, about) || !tl.seenBy(ev, author) {
				return fieldErr("moment_not_visible", cm.field, "offset %d is an event the person this form is about could not see", off)
			}
		}
	}
	return nil
}

type questionData struct {
	Index int    `json:"index"`
	Title string `json:"title"`
}

// asked lists the plan indexes among questions that were started in the session.
func (tl timeline) asked(questions []int) []int {
	var out []int
	for _, ev := range tl.events {
		if ev.Type != live.TypeQuestionStarted {
			continue
		}
		var d questionData
		if json.Unmarshal(ev.Data, &d) == nil && slices.Contains(questions, d.Index) && !slices.Contains(out, d.Index) {
			out = append(out, d.Index)
		}
	}
	return out
}

// citeable lists the moments author may cite in a form about about: question starts, timer
// warnings and expiries, chat lines, hints and clarifications given, stretches of code
// (consecutive editor updates of one author) and code runs, each seen by both.
func (tl timeline) citeable(author, about mockroom.UserID) []Citeable {
	var out []Citeable
	current := -1
	var code *Citeable
	flush := func() {
		if code != nil {
			out = append(out, *code)
			code = nil
		}
	}
	for _, ev := range tl.events {
		if ev.Type == live.TypeQuestionStarted {
			var d questionData
			if json.Unmarshal(ev.Data, &d) == nil {
				current = d.Index
			}
		}
		if !tl.seenBy(ev, about) || !tl.seenBy(ev, author) {
			continue
		}
		c := Citeable{Moment: Moment{ev.Offset, ev.Offset}, At: ev.At, Actor: ev.Actor}
		if current >= 0 {
			q := current
			c.QuestionIndex = &q
		}
		switch ev.Type {
		case live.TypeEditorUpdate:
			if code != nil && code.Actor == ev.Actor {
				code.To = ev.Offset
				continue
			}
			flush()
			c.Kind, c.Label = "code", tl.codeLabel(ev)
			code = &c
			continue
		case live.TypeQuestionStarted:
			var d questionData
			_ = json.Unmarshal(ev.Data, &d)
			c.Kind, c.Label = "question", fmt.Sprintf("question %d started", d.Index+1)
			if d.Title != "" {
				c.Label += ": " + d.Title
			}
		case live.TypeTimerWarning:
			c.Kind, c.Label = "timer", "time warning"
		case live.TypeTimerExpired:
			c.Kind, c.Label = "timer", "time up"
		case live.TypeChatMessage:
			var d struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(ev.Data, &d)
			c.Kind, c.Label = "chat", "chat: "+shorten(d.Text, 80)
		case live.TypeRunFinished, live.TypeRunShared:
			c.Kind, c.Label = "run", tl.runLabel(ev)
		case live.TypeHintGiven, live.TypeClarificationGiven:
			var d struct {
				QuestionIndex *int   `json:"question_index"`
				Number        int    `json:"number"`
				Of            int    `json:"of"`
				Text          string `json:"text"`
				Question      string `json:"question"`
			}
			_ = json.Unmarshal(ev.Data, &d)
			if d.QuestionIndex != nil && *d.QuestionIndex >= 0 {
				c.QuestionIndex = d.QuestionIndex
			}
			c.Kind, c.Label = givenLabel(ev.Type, d.Number, d.Of, c.QuestionIndex, d.Text, d.Question)
		default:
			continue
		}
		flush()
		out = append(out, c)
	}
	flush()
	return out
}

// runLabel names a code run by who ran it, how it ended and the first line it printed. A run
// is cited by its result (run.finished, or run.shared for an interviewer's private run that was
// shown to the room later); the result is what that person's browser reported.
func (tl timeline) runLabel(ev live.Event) string {
	var d struct {
		Status string          `json:"status"`
		Output string          `json:"output"`
		RanBy  mockroom.UserID `json:"ran_by"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	by := ev.Actor
	if d.RanBy != "" {
		by = d.RanBy
	}
	label := "run"
	if p, ok := tl.r.Participant(by); ok && p.DisplayName != "" {
		label += " by " + p.DisplayName
	}
	if ev.Type == live.TypeRunShared {
		label += " (shared)"
	}
	label += ": " + map[string]string{live.RunOK: "finished", live.RunError: "error", live.RunTimeout: "stopped at the time limit", live.RunCancelled: "stopped"}[d.Status]
	for line := range strings.Lines(d.Output) {
		if line = strings.TrimSpace(line); line != "" {
			return label + " · " + shorten(line, 60)
		}
	}
	return label
}

// givenLabel names a hint or clarification the interviewer gave: "hint 2 of 3 on question 1:
// <the hint>", "clarification on question 1: <what the candidate asked>".
func givenLabel(typ string, number, of int, question *int, text, asked string) (kind, label string) {
	on := ""
	if question != nil {
		on = fmt.Sprintf(" on question %d", *question+1)
	}
	if typ == live.TypeHintGiven {
		label = fmt.Sprintf("hint %d", number)
		if of > 0 {
			label += fmt.Sprintf(" of %d", of)
		}
		return "hint", label + on + ": " + shorten(text, 80)
	}
	return "clarification", "clarification" + on + ": " + shorten(asked, 80)
}

// codeLabel names a stretch of code by its author and the first line it inserted.
func (tl timeline) codeLabel(ev live.Event) string {
	label := "code"
	if p, ok := tl.r.Participant(ev.Actor); ok && p.DisplayName != "" {
		label += " by " + p.DisplayName
	}
	if line := firstInserted(ev.Data); line != "" {
		label += ": " + shorten(line, 60)
	}
	return label
}

// firstInserted returns the first non-blank line an editor.update inserts. Its changes are
// CodeMirror change sets: numbers keep text, arrays [deleted, line, line…] replace it.
func firstInserted(data json.RawMessage) string {
	var d struct {
		Updates []struct {
			Changes []json.RawMessage `json:"changes"`
		} `json:"updates"`
	}
	if json.Unmarshal(data, &d) != nil {
		return ""
	}
	for _, u := range d.Updates {
		for _, ch := range u.Changes {
			var part []json.RawMessage
			if json.Unmarshal(ch, &part) != nil {
				continue
			}
			for _, raw := range part[min(1, len(part)):] {
				var line string
				if json.Unmarshal(raw, &line) == nil && strings.TrimSpace(line) != "" {
					return strings.TrimSpace(line)
				}
			}
		}
	}
	return ""
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
