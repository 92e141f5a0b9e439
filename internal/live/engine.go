package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// ResumeWindow is how many events a reconnecting client may be behind and still be brought up
// to date event by event; further behind, a snapshot is cheaper for everyone.
const ResumeWindow = 2000

// SnapshotEvery is how many editor versions pass between materialised documents, so a join
// reads a snapshot and a short tail instead of the whole log.
const SnapshotEvery = 50

// Config wires an Engine.
type Config struct {
	Store     Store
	Rooms     Rooms
	Questions Questions
	Bus       Bus
	Logger    *slog.Logger
	// Now is the clock (time.Now by default); tests of timer logic run in synctest bubbles.
	Now func() time.Time
	// PollEvery is how often Run looks for due timers (default 200 ms).
	PollEvery time.Duration
	// EditorLimits bound change sets and the document size.
	EditorLimits editor.Limits
	// TimerFired, when set, is told how late each timer item (warning, expiry, advance) fired:
	// from the time it was due to the poll that fired it. Operators watch it as timer lag.
	TimerFired func(lag time.Duration)
	// QuietCheck is how long a room served here may go without an event before the node reads
	// its log anyway, in case a published event was lost (default DefaultQuietCheck).
	QuietCheck time.Duration
	// PresenceRenewEvery and PresenceLease override the presence lease timing (tests); the
	// defaults are the constants of the same names.
	PresenceRenewEvery time.Duration
	PresenceLease      time.Duration
	// PresenceGrace overrides PresenceGrace (tests); below zero, a lease is released as soon
	// as the person's last socket closes.
	PresenceGrace time.Duration
	// RoomLinger overrides RoomLinger (tests); below zero, the node leaves a room as soon as
	// its last local listener does.
	RoomLinger time.Duration
}

// Engine runs live rooms on one node. It keeps no state a peer node needs: the store holds the
// truth, the engine caches each served room's info and document to validate edits without a
// round trip.
type Engine struct {
	store     Store
	rooms     Rooms
	questions Questions
	log       *slog.Logger
	now       func() time.Time
	pollEvery time.Duration
	limits    editor.Limits
	fanout    *Fanout
	docs      *docSaver
	newID     func() string
	fired     func(lag time.Duration)
	warn      *rateLogger // for warnings an outage repeats on every poll
	// node names this engine's presence leases (lease.go).
	node              string
	renewEvery, lease time.Duration

	mu    sync.Mutex
	cache map[mockroom.RoomID]*roomCache

	presMu  sync.Mutex
	held    map[mockroom.RoomID]*heldRoom
	grace   time.Duration
	running bool                   // Run is serving: leaves get a grace; guarded by presMu
	graces  map[*heldUser]struct{} // people in their grace; guarded by presMu
	graceWG sync.WaitGroup         // grace timers armed and not stopped
}

// NewEngine builds an engine; call Run to serve timers and fan-out.
func NewEngine(cfg Config) *Engine {
	e := &Engine{
		store: cfg.Store, rooms: cfg.Rooms, questions: cfg.Questions, log: cfg.Logger,
		now: cfg.Now, pollEvery: cfg.PollEvery, limits: cfg.EditorLimits,
		cache: map[mockroom.RoomID]*roomCache{}, newID: NewIDSource(), fired: cfg.TimerFired,
		renewEvery: cfg.PresenceRenewEvery, lease: cfg.PresenceLease, held: map[mockroom.RoomID]*heldRoom{},
		grace: cfg.PresenceGrace, graces: map[*heldUser]struct{}{},
	}
	if e.grace == 0 {
		e.grace = PresenceGrace
	}
	e.node = e.newID()
	if e.renewEvery <= 0 {
		e.renewEvery = PresenceRenewEvery
	}
	if e.lease <= 0 {
		e.lease = PresenceLease
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.pollEvery <= 0 {
		e.pollEvery = 200 * time.Millisecond
	}
	if cfg.QuietCheck <= 0 {
		cfg.QuietCheck = DefaultQuietCheck
	}
	e.docs = newDocSaver(cfg.Store, e.log)
	if cfg.RoomLinger == 0 {
		cfg.RoomLinger = RoomLinger
	}
	e.fanout = newFanout(cfg.Bus, cfg.Store, e.log, e.observe, e.forget, e.resetRoom, cfg.QuietCheck, max(cfg.RoomLinger, 0))
	e.store = localFirst{Store: cfg.Store, fanout: e.fanout}
	e.warn = e.fanout.warn
	return e
}

// Fanout is the node's fan-out of room events to local listeners.
func (e *Engine) Fanout() *Fanout { return e.fanout }

// Run serves the timer poller, the presence leases and the fan-out until ctx is done.
func (e *Engine) Run(ctx context.Context) error {
	e.presMu.Lock()
	e.running = true
	e.presMu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		e.pollTimers(ctx)
	}()
	go func() {
		defer wg.Done()
		e.keepPresence(ctx)
	}()
	err := e.fanout.run(ctx)
	wg.Wait()
	e.endAllGraces()
	e.docs.wait()
	return err
}

// roomCache is what the node keeps of a room it serves. mu serialises edits of the room on this
// node, so the cached document follows the log in order.
type roomCache struct {
	mu     sync.Mutex
	info   RoomInfo
	loaded bool
	half   int
	// entered are the people whose first join this node saw recorded in the room's log (Enter
	// need not offer it again); forgotten with the rest when the log goes back.
	entered map[mockroom.UserID]bool
	doc     *editor.Doc // nil until loaded
	docOff  mockroom.EventOffset
	epoch   string
	locked  bool

	inboxMu sync.Mutex
	inbox   []Event // events the fan-out saw, applied by the next holder of mu (observe)
}

func (e *Engine) room(id mockroom.RoomID) *roomCache {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.cache[id]
	if !ok {
		c = &roomCache{}
		e.cache[id] = c
	}
	return c
}

// forget drops a room's cache once no local listener is left.
func (e *Engine) forget(id mockroom.RoomID) {
	e.mu.Lock()
	delete(e.cache, id)
	e.mu.Unlock()
}

// resetRoom drops what the node cached of a room whose log went back: the document, and the
// room's info, are read from the store again at their next use.
func (e *Engine) resetRoom(id mockroom.RoomID) {
	e.mu.Lock()
	c, ok := e.cache[id]
	e.mu.Unlock()
	if !ok {
		return
	}
	c.mu.Lock()
	c.inboxMu.Lock()
	c.inbox = nil
	c.inboxMu.Unlock()
	c.doc, c.docOff, c.epoch, c.loaded, c.entered = nil, 0, "", false, nil
	c.mu.Unlock()
}

// currentInfo returns the room's info as the room service has it now: the node's copy when the
// service says its revision has not moved since, the record read again otherwise. Caller holds
// c.mu.
func (e *Engine) currentInfo(ctx context.Context, id mockroom.RoomID, c *roomCache) (RoomInfo, error) {
	if revs, ok := e.rooms.(Revisions); ok && c.loaded && c.info.Revision != 0 {
		rev, err := revs.Revision(ctx, id)
		if err != nil {
			return RoomInfo{}, err
		}
		if rev == c.info.Revision {
			return c.info, nil
		}
	}
	return e.info(ctx, id, c, true)
}

// info returns the room's info, loading it if needed or if refresh is set. Caller holds c.mu.
func (e *Engine) info(ctx context.Context, id mockroom.RoomID, c *roomCache, refresh bool) (RoomInfo, error) {
	if c.loaded && !refresh {
		return c.info, nil
	}
	info, err := e.rooms.Room(ctx, id)
	if err != nil {
		return RoomInfo{}, err
	}
	c.info, c.loaded = info, true
	return info, nil
}

// member finds user in the room, reloading the room once if the cached info does not know them
// (they may have joined through another node).
func (e *Engine) member(ctx context.Context, id mockroom.RoomID, c *roomCache, user mockroom.UserID) (RoomInfo, Member, error) {
	info, err := e.info(ctx, id, c, false)
	if err != nil {
		return RoomInfo{}, Member{}, err
	}
	m, ok := roleOf(info, user, c.half)
	if !ok {
		if info, err = e.info(ctx, id, c, true); err != nil {
			return RoomInfo{}, Member{}, err
		}
		if m, ok = roleOf(info, user, c.half); !ok {
			return RoomInfo{}, Member{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
		}
	}
	return info, m, nil
}

// Participant checks, against the room service (never a cache), that the room exists and user
// takes part in it: a *mockroom.Error of KindNotFound (room_not_found) or KindForbidden
// (not_a_participant) otherwise. It returns the person as the room records them; when the
// room service offers Seats, only their id and role, read without the rest of the room.
func (e *Engine) Participant(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Member, error) {
	if seats, ok := e.rooms.(Seats); ok {
		role, ok, err := seats.Seat(ctx, id, user)
		if err != nil {
			return Member{}, err
		}
		if !ok {
			return Member{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
		}
		return Member{UserID: user, Role: role}, nil
	}
	info, err := e.rooms.Room(ctx, id)
	if err != nil {
		return Member{}, err
	}
	m, ok := roleOf(info, user, -1)
	if !ok {
		return Member{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
	}
	return m, nil
}

// Admit checks that p may join the room now: a participant (against the room service, always
// current: currentInfo) of a room that is not closed. It writes nothing, so a socket layer can
// admit a socket before it listens to the room, and let it in (Enter) once it listens. The role
// is p's for the half this node last saw; Enter's is final.
func (e *Engine) Admit(ctx context.Context, id mockroom.RoomID, p mockroom.Principal) (Member, error) {
	c := e.room(id)
	c.mu.Lock()
	info, err := e.currentInfo(ctx, id, c)
	half := c.half
	c.mu.Unlock()
	if err != nil {
		return Member{}, err
	}
	m, ok := roleOf(info, p.UserID, half)
	if !ok {
		return Member{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
	}
	if info.State == mockroom.StateClosed {
		return Member{}, mockroom.Errorf(mockroom.KindConflict, "room_closed", "the room is closed")
	}
	return m, nil
}

// Join admits p to the room on this node (Admit) and lets them in (Enter) without reading
// anything for a socket. Every successful Join is paired with a Leave.
func (e *Engine) Join(ctx context.Context, id mockroom.RoomID, p mockroom.Principal) (Member, error) {
	if _, err := e.Admit(ctx, id, p); err != nil {
		return Member{}, err
	}
	entry, err := e.enter(ctx, id, p, false, nil, 0)
	return entry.Member, err
}

// Entry is where a socket let in by Enter starts.
type Entry struct {
	Member Member
	// Resumed is set when Events are what followed the position the socket resumes from (as
	// EventsAfter returns them, ok); otherwise the socket starts from Snapshot.
	Resumed  bool
	Events   []Event
	Snapshot Snapshot
}

// Enter lets p, admitted by Admit, into the room: it records their first join, so the session's
// record shows who took part from when and people already in the room learn the newcomer's
// name and role (once per person, even when two of their sockets join at once through different
// nodes), takes a presence lease for the socket (lease.go), and reads where the socket starts:
// with resume set, the events after it (at most max, as EventsAfter) if the log still holds
// them, else a snapshot. All of it is one store step when the node knew the room's half (a
// second, for the snapshot, when the resume falls through). Every successful Enter is paired
// with a Leave.
func (e *Engine) Enter(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, resume *mockroom.Position, max int) (Entry, error) {
	return e.enter(ctx, id, p, true, resume, max)
}

// staleHalfTries bounds Enter's store calls when the room's half keeps changing under it (a swap
// between its reading the half and its call): the half changes once per session.
const staleHalfTries = 3

func (e *Engine) enter(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, read bool, resume *mockroom.Position, max int) (Entry, error) {
	c := e.room(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	info, err := e.info(ctx, id, c, false)
	if err != nil {
		return Entry{}, err
	}
	var m Member
	var res EnterResult
	err = e.holdPresence(id, p.UserID, func(lease *EnterLease) (err error) {
		m, res, err = e.enterStep(ctx, id, c, info, p.UserID, lease, read, resume, max)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	if c.entered == nil {
		c.entered = map[mockroom.UserID]bool{}
	}
	c.entered[m.UserID] = true
	if !read {
		return Entry{Member: m}, nil
	}
	entry, err := e.entryOf(ctx, id, c, info, m, res, resume)
	if err != nil {
		// The socket is counted in, but will not be let in, nor leave: count it out.
		if dropErr := e.dropPresence(ctx, id, p.UserID); dropErr != nil {
			e.warn.Warn("give back presence after a failed join", "room_id", id, "user_id", p.UserID, "err", dropErr)
		}
		return Entry{}, err
	}
	return entry, nil
}

// enterStep is the store's part of a join (Store.Enter), taking lease if set and reading what
// read and resume ask for (see Enter), with user's role worked out for the room's half; a half
// found changed is taken and the step made again. Caller holds c.mu.
func (e *Engine) enterStep(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, user mockroom.UserID, lease *EnterLease, read bool, resume *mockroom.Position, max int) (Member, EnterResult, error) {
	for try := 1; ; try++ {
		m, ok := roleOf(info, user, c.half)
		if !ok {
			return Member{}, EnterResult{}, mockroom.Errorf(mockroom.KindForbidden, "not_a_participant", "you are not a participant of this room")
		}
		req := EnterRequest{Half: c.half, Lease: lease}
		if !c.entered[user] {
			req.First, req.FirstUnless = firstJoin(m, e.now()), fieldJoined+string(user)
		}
		switch {
		case read && resume != nil:
			req.Read = resumeRead(*resume, max)
		case read:
			req.Read = EnterRead{View: true, WithNotes: m.Role == mockroom.RoleInterviewer}
		}
		res, err := e.store.Enter(ctx, id, req)
		if err != nil || !res.Stale {
			return m, res, err
		}
		c.half = res.Half
		if try == staleHalfTries {
			return Member{}, EnterResult{}, mockroom.Errorf(mockroom.KindUnavailable, "store_unavailable", "the room changed while you joined; try again")
		}
	}
}

// entryOf is where m's socket starts, from what Enter read: the events after resume, or a
// snapshot (read now if the resume fell through). Caller holds c.mu.
func (e *Engine) entryOf(ctx context.Context, id mockroom.RoomID, c *roomCache, info RoomInfo, m Member, res EnterResult, resume *mockroom.Position) (Entry, error) {
	if resume != nil {
		if evs, ok := resumeFrom(*resume, res.Head, res.Events); ok {
			return Entry{Member: m, Resumed: true, Events: evs}, nil
		}
		var err error
		if res.View, err = e.store.View(ctx, id, m.Role == mockroom.RoleInterviewer); err != nil {
			return Entry{}, err
		}
	}
	snap, err := e.snapshotOf(ctx, id, c, info, m.UserID, res.View)
	return Entry{Member: snap.You, Snapshot: snap}, err
}

// joinedData is the Data of a participant.joined event.
type joinedData struct {
	UserID      mockroom.UserID `json:"user_id"`
	Role        mockroom.Role   `json:"role"`
	DisplayName string          `json:"display_name"`
}

// firstJoin is the append of participant.joined that Enter offers the store when m may be
// joining for the first time: checked on the joined field, which it sets.
func firstJoin(m Member, now time.Time) AppendRequest {
	field := fieldJoined + string(m.UserID)
	return AppendRequest{
		Now:    now,
		Checks: []Check{{Field: field, Value: ""}},
		Set:    []FieldValue{{field, "1"}},
		Events: []NewEvent{{Type: TypeJoined, Actor: m.UserID, Data: joinedData(m)}},
	}
}

// Leave records that one of p's sockets admitted by Join went away. When it was p's last on
// this node, the node's lease is released PresenceGrace later unless p joins again here
// meanwhile (at once when the engine is not running), and if no other node holds p then, p is
// announced offline. Should that fail, the lease runs out by itself within
// PresenceOfflineBound.
func (e *Engine) Leave(ctx context.Context, id mockroom.RoomID, p mockroom.Principal) error {
	return e.dropPresence(ctx, id, p.UserID)
}

// EventsAfter returns up to max events after pos, in order. ok=false when the client must start
// from a snapshot instead: pos is from another epoch, names an event the log does not hold at
// that offset (the store lost its tail and reissued offsets), is ahead of the log, or is more
// than ResumeWindow events behind. There is never a silent gap. When more than max events are
// missing, the caller asks again from the last one returned.
func (e *Engine) EventsAfter(ctx context.Context, id mockroom.RoomID, pos mockroom.Position, max int) ([]Event, bool, error) {
	r := resumeRead(pos, max)
	head, evs, err := e.store.Read(ctx, id, r.From, r.Max)
	if err != nil {
		return nil, false, err
	}
	evs, ok := resumeFrom(pos, head, evs)
	return evs, ok, nil
}

// resumeRead is the read of the log resumeFrom judges for a client resuming from pos, wanting
// at most most events (ResumeWindow when most is not in 1..ResumeWindow).
func resumeRead(pos mockroom.Position, most int) EnterRead {
	if most <= 0 || most > ResumeWindow {
		most = ResumeWindow
	}
	r := EnterRead{Log: true, From: max(pos.Offset, 1), Max: most}
	if pos.Offset > 0 {
		r.Max++ // the event at pos itself, to check its id
	}
	return r
}

// resumeFrom judges a read of the log for a client resuming from pos: head and the events from
// pos's offset (from the first when it is 0) on. It returns those after pos, ok=false when the
// client must start from a snapshot (see EventsAfter).
func resumeFrom(pos mockroom.Position, head mockroom.Position, evs []Event) ([]Event, bool) {
	if pos.Offset == 0 {
		if pos.Epoch != "" && pos.Epoch != head.Epoch {
			return nil, false
		}
		if head.Offset > ResumeWindow {
			return nil, false
		}
		return evs, true
	}
	if pos.Epoch != head.Epoch || pos.Offset > head.Offset || head.Offset-pos.Offset > ResumeWindow {
		return nil, false
	}
	if len(evs) == 0 || evs[0].Offset != pos.Offset || evs[0].ID != pos.EventID {
		return nil, false
	}
	return evs[1:], true
}
