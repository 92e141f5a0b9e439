package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Markdown renders rec as a document that reads on its own: the session, each question with the
// time it used, the code its document held at its end in a fenced block and its code runs, the
// chat, the reader's notes, and the feedback
// the reader may read with the moments it cites quoted. Times are UTC.
func Markdown(rec Record) string {
	m := mdWriter{rec: rec, names: names(rec.Participants)}
	m.header()
	m.questions()
	m.lines("Chat", "chat", "No chat in this session.")
	m.lines("My notes", "note", "")
	m.final()
	m.feedback()
	return strings.TrimRight(m.b.String(), "\n") + "\n"
}

type mdWriter struct {
	b     strings.Builder
	rec   Record
	names map[mockroom.UserID]string
}

func (m *mdWriter) f(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

func (m *mdWriter) name(id mockroom.UserID) string {
	if id == "" {
		return "the server"
	}
	if n, ok := m.names[id]; ok {
		return n
	}
	return DeletedName
}

func (m *mdWriter) header() {
	r := m.rec
	title := r.Title
	if title == "" {
		title = "Session " + string(r.RoomID)
	}
	m.f("# %s\n\n", oneLine(title))
	m.f("- Session: %s (%s room, track %s)\n", r.RoomID, r.Kind, r.Track)
	if !r.StartedAt.IsZero() {
		m.f("- Date: %s UTC\n", r.StartedAt.UTC().Format("2006-01-02 15:04"))
	}
	m.f("- Duration: %s\n", span(r.DurationMS))
	var ps []string
	for _, p := range r.Participants {
		ps = append(ps, fmt.Sprintf("%s (%s)", oneLine(p.Name), p.Role))
	}
	m.f("- Participants: %s\n", strings.Join(ps, ", "))
	m.f("- Questions asked: %d\n\n", len(r.Questions))
}

func (m *mdWriter) questions() {
	for _, p := range m.rec.Questions {
		m.f("## Question %d: %s\n\n", p.Index+1, oneLine(p.Title))
		m.f("- Category: %s\n", p.Category)
		if p.Interviewer != "" || p.Candidate != "" {
			m.f("- Asked by %s to %s\n", oneLine(m.name(p.Interviewer)), oneLine(m.name(p.Candidate)))
		}
		m.f("- Started %s, ended %s UTC\n", clock(p.StartedAt), clock(p.EndedAt))
		used := fmt.Sprintf("- Time used: %s of %s", span(p.UsedMS), span(p.BudgetMS))
		var notes []string
		if p.PausedMS > 0 {
			notes = append(notes, "paused "+span(p.PausedMS))
		}
		if p.ExtendedMS > 0 {
			notes = append(notes, "extended by "+span(p.ExtendedMS))
		}
		if p.Warnings > 0 {
			notes = append(notes, plural(p.Warnings, "warning"))
		}
		if p.Expired {
			notes = append(notes, "time ran out")
		}
		if len(notes) > 0 {
			used += " (" + strings.Join(notes, ", ") + ")"
		}
		m.f("%s\n\n", used)
		m.f("### Final code of question %d\n\n", p.Index+1)
		m.code(p.Code)
		m.runs(p)
	}
}

// runs lists how each code run of question p ended (or was shown to the room), as the reader
// may see them.
func (m *mdWriter) runs(p Part) {
	var out []string
	for _, e := range m.rec.Timeline {
		if e.Kind == "run" && e.Question == p.Index && e.Run != nil && e.Run.Status != "" && e.Offset >= p.StartOffset && e.Offset <= p.EndOffset {
			line := fmt.Sprintf("- %s %s", clock(e.At), oneLine(e.Text))
			if e.Run.Output != "" {
				line += ": `" + strings.ReplaceAll(oneLine(e.Run.Output), "`", "'") + "`"
			}
			out = append(out, line)
		}
	}
	m.f("### Runs of question %d\n\n", p.Index+1)
	if len(out) == 0 {
		m.f("No runs.\n\n")
		return
	}
	m.f("%s\n\n", strings.Join(out, "\n"))
}

func (m *mdWriter) code(c Code) {
	if c.Text == "" {
		m.f("(empty)\n\n")
		return
	}
	fence := fenceFor(c.Text)
	m.f("%s%s\n%s\n%s\n\n", fence, c.Language, strings.TrimRight(c.Text, "\n"), fence)
}

// lines writes the timeline entries of one kind as a list, or empty when there are none and
// empty is "" (the section is then left out).
func (m *mdWriter) lines(title, kind, empty string) {
	var out []string
	for _, e := range m.rec.Timeline {
		if e.Kind == kind {
			out = append(out, fmt.Sprintf("- %s %s: %s", clock(e.At), oneLine(m.name(e.Actor)), oneLine(e.Text)))
		}
	}
	if len(out) == 0 && empty == "" {
		return
	}
	m.f("## %s\n\n", title)
	if len(out) == 0 {
		m.f("%s\n\n", empty)
		return
	}
	m.f("%s\n\n", strings.Join(out, "\n"))
}

// final writes the document of a session that asked no question; otherwise each question's
// section has its own.
func (m *mdWriter) final() {
	if len(m.rec.Questions) > 0 {
		return
	}
	m.f("## Final code\n\n")
	m.code(m.rec.Final)
}

func (m *mdWriter) feedback() {
	if len(m.rec.Feedback) == 0 {
		return
	}
	m.f("## Feedback\n\n")
	for _, f := range m.rec.Feedback {
		v, ok := f.Latest()
		if !ok {
			continue
		}
		m.f("### %s about %s (version %d, %s UTC)\n\n", oneLine(m.name(f.Author)), oneLine(m.name(f.About)), v.Version, v.SubmittedAt.UTC().Format("2006-01-02 15:04"))
		c := v.Content
		if c.Recommendation != "" {
			m.f("- Recommendation: %s\n", oneLine(c.Recommendation))
		}
		if c.Strengths != "" {
			m.f("- Strengths: %s\n", oneLine(c.Strengths))
		}
		if c.Improvements != "" {
			m.f("- To improve: %s\n", oneLine(c.Improvements))
		}
		if c.Comment != "" {
			m.f("- Comment: %s\n", oneLine(c.Comment))
		}
		for _, q := range c.Qualities {
			score := "not observed"
			if !q.NotObserved {
				score = fmt.Sprintf("%d/4", q.Score)
			}
			m.f("- %s: %s", words(q.Quality), score)
			if q.Evidence != "" {
				m.f(". %s", oneLine(q.Evidence))
			}
			m.f("\n")
			m.moments(q.Moments)
		}
		for _, q := range c.Questions {
			m.f("- Question %d: %d/4", q.Index+1, q.Score)
			if q.Note != "" {
				m.f(". %s", oneLine(q.Note))
			}
			m.f("\n")
			m.moments(q.Moments)
		}
		for _, it := range c.Items {
			m.f("- %s: %d/4", words(it.Item), it.Score)
			if it.Note != "" {
				m.f(". %s", oneLine(it.Note))
			}
			m.f("\n")
			m.moments(it.Moments)
		}
		m.f("\n")
	}
}

// moments quotes what each cited stretch of the log holds: its timeline lines and the code
// typed in it.
func (m *mdWriter) moments(ms []feedback.Moment) {
	for _, mo := range ms {
		m.f("  > moment %d–%d:\n", mo.From, mo.To)
		n := 0
		for _, e := range m.rec.Timeline {
			if e.Offset >= mo.From && e.Offset <= mo.To {
				m.f("  > %s %s: %s\n", clock(e.At), oneLine(m.name(e.Actor)), oneLine(e.Text))
				n++
			}
		}
		for _, e := range m.rec.Edits {
			if e.Offset >= mo.From && e.Offset <= mo.To {
				if t := inserted(e.Changes); t != "" {
					m.f("  > %s %s typed: `%s`\n", clock(e.At), oneLine(m.name(e.Author)), strings.ReplaceAll(oneLine(t), "`", "'"))
					n++
				}
			}
		}
		if n == 0 {
			m.f("  > (nothing you can see happened in this moment)\n")
		}
	}
}

// inserted is the text a change set inserts, its lines joined by newlines. The change set is
// CodeMirror's JSON: numbers keep text, arrays [deleted, ...inserted lines] replace it.
func inserted(raw json.RawMessage) string {
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var out []string
	for _, p := range parts {
		var arr []json.RawMessage
		if json.Unmarshal(p, &arr) != nil || len(arr) < 2 {
			continue
		}
		var lines []string
		for _, l := range arr[1:] {
			var s string
			if json.Unmarshal(l, &s) == nil {
				lines = append(lines, s)
			}
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "")
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// span renders milliseconds as minutes and seconds.
func span(ms int64) string {
	s := (ms + 500) / 1000
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	if s%60 == 0 {
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func words(id string) string {
	s := strings.ReplaceAll(id, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// oneLine keeps user text on its line so it cannot start a heading or a list of its own.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// fenceFor returns a backtick fence longer than any run of backticks in text.
func fenceFor(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
