package feedback_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}

// clock is a settable time shared by every node of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rooms is an in-memory room service.
type rooms struct {
	mu sync.Mutex
	m  map[mockroom.RoomID]room.Room
}

func (r *rooms) Get(_ context.Context, id mockroom.RoomID) (room.Room, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm, ok := r.m[id]
	if !ok {
		return room.Room{}, mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no room")
	}
	return rm, nil
}

func (r *rooms) put(rm room.Room) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[rm.ID] = rm
}

// env is one test's world: a real Redis under a fresh prefix, the room log, the rooms.
type env struct {
	t      *testing.T
	client *redis.Client
	keys   redisstore.Keys
	live   *redisstore.LiveStore
	store  *redisstore.FeedbackStore
	rooms  *rooms
	bank   *bank.Bank
	clock  *clock
	ended  time.Time
}

var start = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := redistest.Shared(t)
	c := srv.Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, client: c, keys: keys,
		live:  redisstore.NewLiveStore(c, keys, false),
		store: redisstore.NewFeedbackStore(c, keys),
		rooms: &rooms{m: map[mockroom.RoomID]room.Room{}},
		bank:  b, clock: &clock{t: start.Add(time.Hour)},
		ended: start.Add(50 * time.Minute),
	}
	return e
}

// node is one server's feedback service; log may be replaced to simulate a node failing.
func (e *env) node(log feedback.Log) *feedback.Service {
	if log == nil {
		log = e.liveLog()
	}
	return feedback.NewService(e.store, e.rooms, e.bank, log, feedback.Config{Now: e.clock.Now})
}

func (e *env) liveLog() feedback.LiveLog {
	return feedback.LiveLog{Store: e.live, Now: e.clock.Now}
}

// appendEv appends one event to a room's log and returns its offset.
func (e *env) appendEv(id mockroom.RoomID, ev live.NewEvent, set ...live.FieldValue) mockroom.EventOffset {
	e.t.Helper()
	res, err := e.live.Append(e.t.Context(), id, live.AppendRequest{Now: e.clock.Now(), Events: []live.NewEvent{ev}, Set: set})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Events[0].Offset
}

// logOf returns a room's log.
func (e *env) logOf(id mockroom.RoomID) []live.Event {
	e.t.Helper()
	evs, err := e.liveLog().Events(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// count counts events of a type in a room's log.
func (e *env) count(id mockroom.RoomID, typ string) int {
	n := 0
	for _, ev := range e.logOf(id) {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// mentorLog is what the tests of a mentor room cite.
type mentorLog struct {
	q0, code, chat, hint, clar, note, q1 mockroom.EventOffset
}

const (
	mentor    mockroom.UserID = "mentor"
	candidate mockroom.UserID = "cand"
	observer  mockroom.UserID = "obs"
	ann       mockroom.UserID = "ann"
	bob       mockroom.UserID = "bob"
)

func (e *env) mentorRoom(id mockroom.RoomID, release room.FeedbackRelease) mentorLog {
	e.t.Helper()
	e.rooms.put(room.Room{
		ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWrapUp,
		CreatedBy: mentor, CreatedAt: start, StartedAt: start, EndedAt: e.ended,
		Settings:  room.Settings{FeedbackRelease: release, Allowance: 1},
		Questions: []room.PlannedQuestion{{Category: mockroom.CategoryTechnical, Minutes: 10}, {Category: mockroom.CategoryProblemSolve, Minutes: 20}},
		Participants: []room.Participant{
			{UserID: mentor, Role: mockroom.RoleInterviewer, DisplayName: "M"},
			{UserID: candidate, Role: mockroom.RoleCandidate, DisplayName: "C"},
			{UserID: observer, Role: mockroom.RoleObserver, DisplayName: "O"},
		},
	})
	var l mentorLog
	e.appendEv(id, live.NewEvent{Type: live.TypeRoomState, Data: map[string]string{"state": "live"}})
	l.q0 = e.appendEv(id, live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": 0, "title": "Lists"}})
	l.code = e.appendEv(id, live.NewEvent{Type: live.TypeEditorUpdate, Actor: candidate, Data: map[string]any{"version": 0, "updates": []any{
		map[string]any{"clientID": "c", "changes": []any{[]any{0, "", "def total(xs):", "    return sum(xs)"}}},
	}}})
	e.appendEv(id, live.NewEvent{Type: live.TypeEditorUpdate, Actor: candidate, Data: map[string]any{"version": 1}})
	l.chat = e.appendEv(id, live.NewEvent{Type: live.TypeChatMessage, Actor: candidate, Data: map[string]string{"text": "I would use a dict here"}})
	l.hint = e.appendEv(id, live.NewEvent{Type: live.TypeHintGiven, Actor: mentor, Data: map[string]any{"question_index": 0, "number": 2, "of": 3, "text": "Think about what sum returns for no items"}})
	l.clar = e.appendEv(id, live.NewEvent{Type: live.TypeClarificationGiven, Actor: mentor, Data: map[string]any{"question_index": 0, "number": 1, "question": "Can the list be empty?", "answer": "Yes"}})
	l.note = e.appendEv(id, live.NewEvent{Type: live.TypeNoteAdded, Actor: mentor, InterviewerOnly: true, For: mentor, Data: map[string]int{"question_index": 0}, Private: map[string]string{"text": "private"}})
	l.q1 = e.appendEv(id, live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": 1, "title": "Paths"}})
	e.appendEv(id, live.NewEvent{Type: live.TypeRoomState, Data: map[string]string{"state": "wrap_up"}})
	return l
}

// peerRoom is a room of two halves: ann interviews bob on question 0, then bob interviews ann on
// question 1.
func (e *env) peerRoom(id mockroom.RoomID) {
	e.t.Helper()
	e.rooms.put(room.Room{
		ID: id, Kind: mockroom.RoomPeer, Track: "python-developer", State: mockroom.StateWrapUp,
		CreatedAt: start, StartedAt: start, EndedAt: e.ended,
		Settings:  room.Settings{FeedbackRelease: room.ReleaseHeld, Allowance: 1},
		Questions: []room.PlannedQuestion{{Category: mockroom.CategoryTechnical, Minutes: 10}, {Category: mockroom.CategoryProblemSolve, Minutes: 10}},
		Halves: []room.Half{
			{Interviewer: ann, Candidate: bob, FirstQuestion: 0, QuestionCount: 1},
			{Interviewer: bob, Candidate: ann, FirstQuestion: 1, QuestionCount: 1},
		},
		Participants: []room.Participant{
			{UserID: ann, Role: mockroom.RoleInterviewer, DisplayName: "A"},
			{UserID: bob, Role: mockroom.RoleCandidate, DisplayName: "B"},
		},
	})
	e.appendEv(id, live.NewEvent{Type: live.TypeRoomState, Data: map[string]string{"state": "live"}})
	e.appendEv(id, live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": 0}})
	e.appendEv(id, live.NewEvent{Type: live.TypeRolesSwapped, Data: map[string]any{"half": 1}}, live.FieldValue{Field: live.FieldHalf, Value: "1"})
	e.appendEv(id, live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": 1}})
	e.appendEv(id, live.NewEvent{Type: live.TypeRoomState, Data: map[string]string{"state": "wrap_up"}})
}

// candidateContent is a complete rubric form for questions asked, citing moments on the first
// quality.
func (e *env) candidateContent(asked []int, moments ...feedback.Moment) feedback.Content {
	c := feedback.Content{Recommendation: "yes", Strengths: "Clear thinking aloud.", Improvements: "State the cost before coding."}
	for i, q := range e.bank.Tracks()[0].Rubric.Qualities {
		a := feedback.QualityAnswer{Quality: string(q.ID), Score: 3, Evidence: "Said what the loop costs."}
		if i == 0 {
			a.Moments = moments
		}
		if i == 3 {
			a = feedback.QualityAnswer{Quality: string(q.ID), NotObserved: true}
		}
		c.Qualities = append(c.Qualities, a)
	}
	for _, idx := range asked {
		c.Questions = append(c.Questions, feedback.QuestionAnswer{Index: idx, Score: 3, Note: "Solid."})
	}
	return c
}

func (e *env) interviewerContent() feedback.Content {
	var c feedback.Content
	for _, it := range e.bank.Tracks()[0].Rubric.InterviewerForm {
		c.Items = append(c.Items, feedback.ItemAnswer{Item: it.ID, Score: 4})
	}
	c.Comment = "Thanks."
	return c
}

func code(err error) string { return mockroom.ErrorCode(err) }

// failingLog is a node's log whose release announcements fail: the node dies after marking
// the release and before telling the room.
type failingLog struct{ feedback.LiveLog }

var errNodeDied = errors.New("node died")

func (l failingLog) AppendOnce(ctx context.Context, id mockroom.RoomID, once string, ev live.NewEvent) error {
	if ev.Type == live.TypeFeedbackReleased {
		return errNodeDied
	}
	return l.LiveLog.AppendOnce(ctx, id, once, ev)
}
