package live

import (
	"strconv"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Fields of a room's live state as the store keeps it (a flat map of strings, so the appending
// script can check and set any of them without decoding anything). Missing fields read as "".
const (
	FieldEpoch     = "epoch"   // written by the store
	FieldOffset    = "off"     // written by the store
	FieldLastID    = "last_id" // written by the store
	FieldPhase     = "phase"   // "" until started, then live, wrap_up
	FieldQIndex    = "q_idx"   // index into the plan of the current question; "" before the first
	FieldQEvent    = "q_ev"    // the current question.started event, written by the store (KeepQuestion)
	FieldHalf      = "half"    // peer rooms: "1" after roles swapped
	FieldTimerGen  = "t_gen"   // bumped whenever the schedule is replaced
	FieldSchedule  = "t_sched" // pending fire items; consumed by the fire script
	FieldStarted   = "t_started"
	FieldBudget    = "t_budget"
	FieldDeadline  = "t_deadline"
	FieldPaused    = "t_paused"
	FieldRemaining = "t_remaining"
	FieldVersion   = "ver"      // editor version (number of accepted updates)
	FieldDocBase   = "doc_base" // editor version at which the current question's document began (its editor.reset); "" before the first
	FieldLanguage  = "lang"     // editor language
	FieldLocked    = "locked"   // "1" while the editor is locked for the candidate
	fieldAllowance = "allow:"   // + user id: a per-person time allowance set during the session
	fieldJoined    = "joined:"  // + user id: set when the person's first join was recorded
	fieldRevealed  = "revealed" // "1" once names.revealed is in the log
	fieldClosed    = "closed"   // "1" once room.state closed is in the log
)

// State is a room's live state, decoded.
type State struct {
	Head       mockroom.Position
	Phase      mockroom.RoomState // StateWaiting until started
	QIndex     int                // -1 before the first question
	Question   *Event             // the current question.started event
	Half       int
	TimerGen   int64
	Timer      Timer
	HasTimer   bool
	DocVersion int
	// DocBase is the version the current document began at (its editor.reset): versions below
	// it belong to a document a question replaced. 0 before the first reset, and in a room whose
	// current question started before the field was kept.
	DocBase   int
	Language  string
	Locked    bool
	Allowance map[mockroom.UserID]float64
	// Joined holds everyone whose first join is in the log.
	Joined map[mockroom.UserID]bool
	// Runs holds each code run's record by run id (see run.go).
	Runs map[string]string
	// RunQ is the question whose runs begin after offset RunFrom; -1 before the first run.
	RunQ    int
	RunFrom mockroom.EventOffset
}

// ParseState decodes the store's fields. Unparseable numbers read as zero: the fields are only
// ever written by this package.
func ParseState(f map[string]string) State {
	s := State{
		Head: mockroom.Position{
			Epoch: f[FieldEpoch], Offset: mockroom.EventOffset(atoi(f[FieldOffset])), EventID: f[FieldLastID],
		},
		Phase:      mockroom.RoomState(f[FieldPhase]),
		QIndex:     -1,
		Half:       int(atoi(f[FieldHalf])),
		TimerGen:   atoi(f[FieldTimerGen]),
		DocVersion: int(atoi(f[FieldVersion])),
		DocBase:    int(atoi(f[FieldDocBase])),
		Language:   f[FieldLanguage],
		Locked:     f[FieldLocked] == "1",
		RunQ:       -1,
		RunFrom:    mockroom.EventOffset(atoi(f[fieldRunFrom])),
	}
	if v := f[fieldRunQ]; v != "" {
		s.RunQ = int(atoi(v))
	}
	if s.Phase == "" {
		s.Phase = mockroom.StateWaiting
	}
	if v, ok := f[FieldQIndex]; ok && v != "" {
		s.QIndex = int(atoi(v))
	}
	if raw := f[FieldQEvent]; raw != "" {
		if ev, err := DecodeEvent([]byte(raw)); err == nil {
			s.Question = &ev
		}
	}
	if f[FieldStarted] != "" {
		s.HasTimer = true
		s.Timer = Timer{
			Started:   msTime(atoi(f[FieldStarted])),
			Budget:    time.Duration(atoi(f[FieldBudget])) * time.Millisecond,
			Paused:    f[FieldPaused] == "1",
			Remaining: time.Duration(atoi(f[FieldRemaining])) * time.Millisecond,
		}
		if !s.Timer.Paused {
			s.Timer.Deadline = msTime(atoi(f[FieldDeadline]))
		}
	}
	for k, v := range f {
		if user, ok := strings.CutPrefix(k, fieldJoined); ok && v == "1" {
			if s.Joined == nil {
				s.Joined = map[mockroom.UserID]bool{}
			}
			s.Joined[mockroom.UserID(user)] = true
		}
		if run, ok := strings.CutPrefix(k, fieldRun); ok {
			if s.Runs == nil {
				s.Runs = map[string]string{}
			}
			s.Runs[run] = v
		}
		if user, ok := strings.CutPrefix(k, fieldAllowance); ok {
			if a, err := strconv.ParseFloat(v, 64); err == nil {
				if s.Allowance == nil {
					s.Allowance = map[mockroom.UserID]float64{}
				}
				s.Allowance[mockroom.UserID(user)] = a
			}
		}
	}
	return s
}

// timerFields renders t and its schedule as state fields, under a new generation.
func timerFields(t Timer, gen int64, sched []Fire, bodies []string) []FieldValue {
	fv := []FieldValue{
		{FieldTimerGen, strconv.FormatInt(gen, 10)},
		{FieldStarted, ms(t.Started)},
		{FieldBudget, strconv.FormatInt(t.Budget.Milliseconds(), 10)},
		{FieldSchedule, encodeSchedule(sched, bodies)},
	}
	if t.Paused {
		fv = append(fv, FieldValue{FieldPaused, "1"}, FieldValue{FieldRemaining, strconv.FormatInt(t.Remaining.Milliseconds(), 10)}, FieldValue{FieldDeadline, ""})
	} else {
		fv = append(fv, FieldValue{FieldPaused, ""}, FieldValue{FieldRemaining, ""}, FieldValue{FieldDeadline, ms(t.Deadline)})
	}
	return fv
}

// encodeSchedule renders fire items one per line as "<unix ms>|<kind>|<event body>". Event
// bodies are JSON, which never holds a raw newline, and the script splits at the first two "|"
// only.
func encodeSchedule(sched []Fire, bodies []string) string {
	var b strings.Builder
	for i, f := range sched {
		b.WriteString(ms(f.At))
		b.WriteByte('|')
		b.WriteByte(byte(f.Kind))
		b.WriteByte('|')
		b.WriteString(bodies[i])
		b.WriteByte('\n')
	}
	return b.String()
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
