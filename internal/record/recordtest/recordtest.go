// Package recordtest runs real sessions through the live engine for the tests of the review side
// (records, their exports, their endpoints), so that each does not keep its own copy.
package recordtest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Clock is a settable time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Session drives one room through a live engine as the socket layer does: every command carries
// a client id and a sequence number, every editor push the version it was made against.
type Session struct {
	t       testing.TB
	Engine  *live.Engine
	Store   live.Store
	Clock   *Clock
	Rooms   *livetest.Rooms
	Info    live.RoomInfo
	seq     map[string]uint64
	last    map[string]live.Command
	version int
	// Text is the document as the test's editors believe it to be, kept in step with pushes.
	Text string
}

// Start is when every scripted session begins.
var Start = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// New returns a session of info on store; nothing is appended yet.
func New(t testing.TB, store live.Store, info live.RoomInfo) *Session {
	t.Helper()
	clock := NewClock(Start)
	rooms := livetest.NewRooms(info)
	return &Session{
		t: t, Store: store, Clock: clock, Rooms: rooms, Info: info, seq: map[string]uint64{}, last: map[string]live.Command{},
		Engine: live.NewEngine(live.Config{Store: store, Rooms: rooms, Now: clock.Now}),
	}
}

// Do runs one command of client (a connection of p) and fails the test on an error.
func (s *Session) Do(p mockroom.UserID, client, typ string, data any) live.Result {
	s.t.Helper()
	res, err := s.Try(p, client, typ, data)
	if err != nil {
		s.t.Fatalf("%s by %s (%s): %v", typ, p, client, err)
	}
	return res
}

// Try runs one command of client and returns its error.
func (s *Session) Try(p mockroom.UserID, client, typ string, data any) (live.Result, error) {
	s.t.Helper()
	var raw json.RawMessage
	if data != nil {
		raw, _ = json.Marshal(data)
	}
	s.seq[client]++
	cmd := live.Command{ClientID: client, Seq: s.seq[client], Type: typ, Data: raw}
	s.last[client] = cmd
	res, err := s.Engine.Execute(s.t.Context(), s.Info.ID, s.principal(p), cmd)
	if err == nil && (typ == live.CmdStart || typ == live.CmdNext || typ == live.CmdSkip) {
		s.Follow()
	}
	return res, err
}

// Follow takes the document as the room has it now, as an editor does on editor.reset: a
// question that starts replaces the document, and the next push builds on the new one.
func (s *Session) Follow() {
	s.t.Helper()
	snap, err := s.Engine.Snapshot(s.t.Context(), s.Info.ID, Mentor)
	if err != nil {
		s.t.Fatal(err)
	}
	s.version, s.Text = snap.Doc.Version, snap.Doc.Text
}

// Resend runs client's last command again with the same sequence number, as a client does after
// a reconnect when the acknowledgement was lost. It must change nothing: a duplicate, or (for
// a push the document has moved past) version_stale, after which the client pulls and finds
// its own update confirmed.
func (s *Session) Resend(p mockroom.UserID, client string) {
	s.t.Helper()
	cmd := s.last[client]
	before := s.snapshotVersion()
	res, err := s.Engine.Execute(s.t.Context(), s.Info.ID, s.principal(p), cmd)
	if err != nil && mockroom.ErrorCode(err) != "version_stale" {
		s.t.Fatalf("resend %s by %s: %v", cmd.Type, p, err)
	}
	if err == nil && !res.Duplicate {
		s.t.Fatalf("resent %s by %s was applied again", cmd.Type, p)
	}
	if after := s.snapshotVersion(); after != before {
		s.t.Fatalf("resent %s by %s moved the document from version %d to %d", cmd.Type, p, before, after)
	}
}

func (s *Session) snapshotVersion() int {
	s.t.Helper()
	snap, err := s.Engine.Snapshot(s.t.Context(), s.Info.ID, Mentor)
	if err != nil {
		s.t.Fatal(err)
	}
	return snap.Doc.Version
}

func (s *Session) principal(p mockroom.UserID) mockroom.Principal {
	return mockroom.Principal{UserID: p}
}

// Join joins p to the room.
func (s *Session) Join(p mockroom.UserID) {
	s.t.Helper()
	if _, err := s.Engine.Join(s.t.Context(), s.Info.ID, s.principal(p)); err != nil {
		s.t.Fatalf("join %s: %v", p, err)
	}
}

// Version is the document version the next push builds on.
func (s *Session) Version() int { return s.version }

// Insert pushes, from client of p, one update inserting text at UTF-16 position pos of the
// current document.
func (s *Session) Insert(p mockroom.UserID, client string, pos int, text string) {
	s.t.Helper()
	s.PushAt(p, client, s.version, Insertion(s.Text, pos, text))
	s.Text = Apply(s.Text, pos, 0, text)
}

// Delete pushes, from client of p, one update deleting n UTF-16 units at pos.
func (s *Session) Delete(p mockroom.UserID, client string, pos, n int) {
	s.t.Helper()
	s.PushAt(p, client, s.version, Deletion(s.Text, pos, n))
	s.Text = Apply(s.Text, pos, n, "")
}

// PushAt pushes one update made against version and fails the test if it is refused.
func (s *Session) PushAt(p mockroom.UserID, client string, version int, changes json.RawMessage) live.Result {
	s.t.Helper()
	res, err := s.TryPush(p, client, version, changes)
	if err != nil {
		s.t.Fatalf("push by %s at version %d: %v", p, version, err)
	}
	return res
}

// TryPush pushes one update made against version; on success the session's version moves on.
func (s *Session) TryPush(p mockroom.UserID, client string, version int, changes json.RawMessage) (live.Result, error) {
	s.t.Helper()
	res, err := s.Try(p, client, live.CmdEditorPush, map[string]any{
		"version": version, "updates": []editor.Update{{ClientID: client, Changes: changes}},
	})
	if err == nil {
		s.version = res.Version
	}
	return res, err
}

// Insertion is the CodeMirror change set inserting text at UTF-16 position pos of doc.
func Insertion(doc string, pos int, text string) json.RawMessage {
	return changeSet(doc, pos, 0, text)
}

// Deletion is the change set deleting n UTF-16 units at pos of doc.
func Deletion(doc string, pos, n int) json.RawMessage {
	return changeSet(doc, pos, n, "")
}

func changeSet(doc string, pos, del int, text string) json.RawMessage {
	total := editor.Len16(doc)
	var parts []any
	if pos > 0 {
		parts = append(parts, pos)
	}
	rep := []any{del}
	for _, l := range strings.Split(text, "\n") {
		rep = append(rep, l)
	}
	if text == "" {
		rep = rep[:1]
	}
	parts = append(parts, rep)
	if rest := total - pos - del; rest > 0 {
		parts = append(parts, rest)
	}
	raw, _ := json.Marshal(parts)
	return raw
}

// Apply is what a change set of Insertion or Deletion does to doc.
func Apply(doc string, pos, del int, text string) string {
	u := utf16Index(doc, pos)
	v := utf16Index(doc, pos+del)
	return doc[:u] + text + doc[v:]
}

// utf16Index converts a UTF-16 position of s to a byte index.
func utf16Index(s string, pos int) int {
	n := 0
	for i, r := range s {
		if n >= pos {
			return i
		}
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return len(s)
}

// People of the scripted sessions.
const (
	Mentor    mockroom.UserID = "u-mentor"
	Candidate mockroom.UserID = "u-cand"
	Observer  mockroom.UserID = "u-obs"
)

// MentorRoom is a mentor room of two questions (10 and 20 minutes) with an interviewer, a
// candidate and an observer, in both shapes the review side needs: the engine's and the room
// service's.
func MentorRoom(id mockroom.RoomID) (live.RoomInfo, room.Room) {
	info := live.RoomInfo{
		ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting, Owner: Mentor, Allowance: 1,
		Questions: []live.PlannedQuestion{
			{Title: "Sum of a list", Category: mockroom.CategoryTechnical, Minutes: 10},
			{Title: "Walk a tree", Category: mockroom.CategoryProblemSolve, Minutes: 20},
		},
		Participants: []live.Participant{
			{UserID: Mentor, Role: mockroom.RoleInterviewer, DisplayName: "Ida"},
			{UserID: Candidate, Role: mockroom.RoleCandidate, DisplayName: "Carl"},
			{UserID: Observer, Role: mockroom.RoleObserver, DisplayName: "Olga"},
		},
	}
	r := room.Room{
		ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWrapUp, Title: "Python practice",
		CreatedBy: Mentor, CreatedAt: Start,
		Settings: room.Settings{FeedbackRelease: room.ReleaseOnSubmit, Allowance: 1},
		Questions: []room.PlannedQuestion{
			{Title: "Sum of a list", Category: mockroom.CategoryTechnical, Minutes: 10},
			{Title: "Walk a tree", Category: mockroom.CategoryProblemSolve, Minutes: 20},
		},
		Participants: []room.Participant{
			{UserID: Mentor, Role: mockroom.RoleInterviewer, DisplayName: "Ida", JoinedAt: Start},
			{UserID: Candidate, Role: mockroom.RoleCandidate, DisplayName: "Carl", JoinedAt: Start},
			{UserID: Observer, Role: mockroom.RoleObserver, DisplayName: "Olga", JoinedAt: Start},
		},
	}
	return info, r
}

// Script plays a whole mentor session in a room made by MentorRoom: both people type, in turn
// and against each other (the loser of a race rebases and pushes again), astral characters, a
// reconnect that re-sends a push, a code run, chat, a private note, a pause, an extension, a
// warning, the next question on a document of its own, and the end. It returns the room as the room service holds it afterwards.
func Script(s *Session, r room.Room) room.Room {
	s.t.Helper()
	c, m := Candidate, Mentor
	s.Join(m)
	s.Join(c)
	s.Join(Observer)
	s.Do(m, "m1", live.CmdStart, nil)
	r.StartedAt = s.Clock.Now()
	s.Clock.Advance(30 * time.Second)
	s.Insert(c, "c1", 0, "def total(xs):\n    return sum(xs)\n")
	s.Clock.Advance(20 * time.Second)
	s.Do(c, "c1", live.CmdChatSend, map[string]string{"text": "I would use the built-in sum."})
	s.Do(m, "m1", live.CmdNoteAdd, map[string]string{"text": "Knows the standard library."})
	// A race: both type against the same version; the mentor's push loses and is rebased.
	base, doc := s.version, s.Text
	s.Clock.Advance(10 * time.Second)
	s.Insert(c, "c1", editor.Len16(doc), "# works for 🐍 lists\n")
	if _, err := s.TryPush(m, "m1", base, Insertion(doc, 0, "# review\n")); mockroom.ErrorCode(err) != "version_stale" {
		s.t.Fatalf("racing push: %v, want version_stale", err)
	}
	s.Insert(m, "m1", 0, "# review\n")
	s.Do(m, "m1", live.CmdPause, nil)
	s.Clock.Advance(time.Minute)
	s.Do(m, "m1", live.CmdResume, nil)
	s.Do(m, "m1", live.CmdExtend, map[string]int{"seconds": 120})
	// The candidate reconnects: the old connection's last push is re-sent (acknowledgement
	// lost), then the new connection types on.
	s.Clock.Advance(30 * time.Second)
	s.Insert(c, "c1", editor.Len16(s.Text), "print(total([1, 2]))\n")
	s.Resend(c, "c1")
	s.Join(c)
	s.Insert(c, "c2", 0, "𝔣 = 1\n")
	s.Delete(c, "c2", 0, editor.Len16("𝔣 = 1\n"))
	s.Do(c, "c2", live.CmdRunStart, map[string]any{"run_id": "sum-1", "version": s.version, "question_index": 0})
	s.Do(c, "c2", live.CmdRunFinish, map[string]any{"run_id": "sum-1", "status": "ok", "output": "3\n", "duration_ms": 9})
	s.Clock.Advance(9 * time.Minute)
	if err := s.Engine.PollOnce(s.t.Context()); err != nil {
		s.t.Fatal(err)
	}
	s.Do(m, "m1", live.CmdNext, nil)
	s.Clock.Advance(time.Minute)
	s.Insert(c, "c2", editor.Len16(s.Text), "def walk(node):\n    yield node\n")
	s.Do(m, "m1", live.CmdChatSend, map[string]string{"text": "Good: now recursion."})
	s.Clock.Advance(5 * time.Minute)
	s.Do(m, "m1", live.CmdEnd, nil)
	r.EndedAt = s.Clock.Now()
	r.State = mockroom.StateWrapUp
	return r
}
