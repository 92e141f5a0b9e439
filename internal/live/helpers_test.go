package live_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { redistest.StopShared() }))
}

const secret = "INTERVIEWER-ONLY-7f3a"

type fakeQuestions struct{}

// fakeQuestions gives every question id a coding question, except "q-talk" (no code) and
// "q-threads" (code that cannot run in a browser); ids starting "code" get starter code of
// their own (see starterOf).
func (fakeQuestions) Question(_ context.Context, _ mockroom.UserID, _ mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	q := bank.Question{
		ID: id, Category: mockroom.CategoryTechnical, Minutes: 1, Title: "Title " + string(id), Prompt: "Prompt of " + string(id),
		Coding: &bank.Coding{Language: "python", Starter: "def f(x):\n    pass\n", Examples: []bank.Example{{Input: "f(1)", Output: "2"}, {Input: "f(2)", Output: "4"}}},
		Guide: &bank.Guidance{LooksFor: []string{secret + " looks"}, RedFlags: []string{secret + " flag"},
			StrongAnswer: []string{secret + " outline"}, FollowUps: []string{secret + " follow"}, Qualities: []bank.Quality{"technical_expertise"},
			Tests: []bank.CodeTest{{Call: "f(" + secret + ")", Expect: "0"}}},
	}
	switch id {
	case "q-talk":
		q.Coding, q.Guide.Tests = nil, nil
	case "q-threads":
		no := false
		q.Coding.RunsInBrowser, q.Coding.BrowserNote = &no, "It starts threads."
	}
	if strings.HasPrefix(string(id), "code") {
		// Starter code as a file from elsewhere may hold it: "\r\n" line breaks.
		q.Category, q.Guide.Tests = mockroom.CategoryPractical, nil
		q.Coding = &bank.Coding{Language: "python", Starter: "def " + string(id) + "(xs):\r\n    return xs\r\n"}
	}
	return q, nil
}

// starterOf is the document fakeQuestions' coding question id starts with.
func starterOf(id string) string { return "def " + id + "(xs):\n    return xs\n" }

// clock is a settable clock shared by the engines of one test.
type clock struct{ ms atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ms.Store(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).UnixMilli())
	return c
}
func (c *clock) Now() time.Time          { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

var (
	interviewer = mockroom.Principal{UserID: "u-int", Name: "Ida"}
	candidate   = mockroom.Principal{UserID: "u-cand", Name: "Carl"}
	observer    = mockroom.Principal{UserID: "u-obs", Name: "Olga"}
	stranger    = mockroom.Principal{UserID: "u-x", Name: "Xavier"}
)

type env struct {
	t      testing.TB
	client *redis.Client
	keys   redisstore.Keys
	rooms  *livetest.Rooms
	clock  *clock
	room   mockroom.RoomID
	rounds *atomic.Int64
}

func newEnv(t testing.TB, questions ...live.PlannedQuestion) *env {
	t.Helper()
	srv := redistest.Shared(t)
	client := srv.Client(t)
	rounds := &atomic.Int64{}
	client.AddHook(countHook{rounds})
	if len(questions) == 0 {
		questions = []live.PlannedQuestion{{QuestionID: "q1", Minutes: 1}, {QuestionID: "q2", Minutes: 1}}
	}
	e := &env{t: t, client: client, keys: redisstore.Keys{Prefix: redistest.Prefix(t)}, clock: newClock(), room: "r1", rounds: rounds}
	e.rooms = livetest.NewRooms(live.RoomInfo{
		ID: "r1", Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting,
		Questions: questions,
		Participants: []live.Participant{
			{UserID: interviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Ida"},
			{UserID: candidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Carl"},
			{UserID: observer.UserID, Role: mockroom.RoleObserver, DisplayName: "Olga"},
		},
	})
	return e
}

// engine starts a node: an Engine with its own store, bus and Run goroutine, stopped (and
// waited for) when stop is called or the test ends.
// Each option changes the engine's configuration before it is built.
func (e *env) engine(opts ...func(*live.Config)) (*live.Engine, func()) {
	e.t.Helper()
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	bus := redisstore.NewLiveBus(e.client, e.keys, true)
	cfg := live.Config{
		Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Bus: bus, Now: e.clock.Now, PollEvery: 20 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	eng := live.NewEngine(cfg)
	ctx, cancel := context.WithCancel(e.t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			_ = bus.Close()
		})
	}
	e.t.Cleanup(stop)
	return eng, stop
}

// quiet is an engine without Run, for tests that drive timers by hand.
func (e *env) quiet() *live.Engine {
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	return live.NewEngine(live.Config{Store: store, Rooms: e.rooms, Questions: fakeQuestions{}, Now: e.clock.Now})
}

func (e *env) exec(eng *live.Engine, p mockroom.Principal, seq uint64, typ string, data any) (live.Result, error) {
	e.t.Helper()
	var raw json.RawMessage
	if data != nil {
		raw, _ = json.Marshal(data)
	}
	return eng.Execute(e.t.Context(), e.room, p, live.Command{ClientID: "cm1", Seq: seq, Type: typ, Data: raw})
}

func (e *env) mustExec(eng *live.Engine, p mockroom.Principal, seq uint64, typ string, data any) live.Result {
	e.t.Helper()
	res, err := e.exec(eng, p, seq, typ, data)
	if err != nil {
		e.t.Fatalf("%s by %s: %v", typ, p.UserID, err)
	}
	return res
}

// all reads the whole log.
func (e *env) all(eng *live.Engine) []live.Event {
	e.t.Helper()
	evs, ok, err := eng.EventsAfter(e.t.Context(), e.room, mockroom.Position{}, live.ResumeWindow)
	if err != nil || !ok {
		e.t.Fatalf("read log: ok=%v err=%v", ok, err)
	}
	return evs
}

func countType(evs []live.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// countHook counts commands sent to Redis: one per command, one per pipeline.
type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// cmdLog records the names of the commands sent through a client, pipelined ones each, and
// counts round trips (one per command sent alone, one per pipeline).
type cmdLog struct {
	mu     sync.Mutex
	names  []string
	rounds int
}

func (l *cmdLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *cmdLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.mu.Lock()
		l.names, l.rounds = append(l.names, cmd.Name()), l.rounds+1
		l.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (l *cmdLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.mu.Lock()
		l.rounds++
		for _, c := range cmds {
			l.names = append(l.names, c.Name())
		}
		l.mu.Unlock()
		return next(ctx, cmds)
	}
}

// take returns what was logged since the last take and starts afresh.
func (l *cmdLog) take() (names []string, rounds int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	names, rounds = l.names, l.rounds
	l.names, l.rounds = nil, 0
	return names, rounds
}

// loggedStore is a live store on a client of its own whose commands log records.
func (e *env) loggedStore() (*redisstore.LiveStore, *cmdLog) {
	e.t.Helper()
	client := redistest.Shared(e.t).Client(e.t)
	log := &cmdLog{}
	client.AddHook(log)
	return redisstore.NewLiveStore(client, e.keys, true), log
}
