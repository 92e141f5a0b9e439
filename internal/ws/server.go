package ws

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/prometheus/client_golang/prometheus"
)

// Engine is what the socket layer needs of the live engine (*live.Engine).
type Engine interface {
	// Participant checks that the room exists and user is one of its participants.
	Participant(ctx context.Context, room mockroom.RoomID, user mockroom.UserID) (live.Member, error)
	// Admit checks p may join the room, writing nothing; Enter then lets them in and reads where
	// the socket starts (the events after resume, or a snapshot).
	Admit(ctx context.Context, room mockroom.RoomID, p mockroom.Principal) (live.Member, error)
	Enter(ctx context.Context, room mockroom.RoomID, p mockroom.Principal, resume *mockroom.Position, max int) (live.Entry, error)
	Snapshot(ctx context.Context, room mockroom.RoomID, user mockroom.UserID) (live.Snapshot, error)
	EventsAfter(ctx context.Context, room mockroom.RoomID, pos mockroom.Position, max int) ([]live.Event, bool, error)
	Execute(ctx context.Context, room mockroom.RoomID, p mockroom.Principal, cmd live.Command) (live.Result, error)
	Presence(ctx context.Context, room mockroom.RoomID, p mockroom.Principal, data json.RawMessage) error
	Leave(ctx context.Context, room mockroom.RoomID, p mockroom.Principal) error
}

// Fanout is the node's delivery of room events to local listeners (*live.Fanout).
type Fanout interface {
	Add(ctx context.Context, room mockroom.RoomID, l live.Listener) (live.ListenerID, error)
	Remove(ctx context.Context, room mockroom.RoomID, id live.ListenerID) error
}

// Verifier checks access tokens and sessions (*account.Service).
type Verifier interface {
	Verify(ctx context.Context, accessToken string) (account.AccessClaims, error)
	SessionActive(ctx context.Context, user mockroom.UserID, sid string) (bool, error)
}

// TicketStore remembers which tickets were spent (redisstore.Tickets). Issuing a ticket
// writes nothing: it is signed, and only spending it is recorded.
type TicketStore interface {
	// Spend records the ticket id as used for ttl (until the ticket expires); false when it
	// had been used already.
	Spend(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Take reads and deletes a ticket stored whole by a node of an earlier release, so tickets
	// such a node issued during a rolling upgrade still open sockets here.
	Take(ctx context.Context, ticket string) ([]byte, error)
}

// Config configures a Server. Zero durations and sizes take the documented defaults.
type Config struct {
	Engine  Engine
	Fanout  Fanout
	Auth    Verifier
	Tickets TicketStore
	// TicketKey seals tickets (at least 32 bytes); every node of a deployment needs the same
	// one, so a ticket issued by one node opens a socket on any other. Empty: a random key,
	// for a server alone.
	TicketKey []byte
	Logger    *slog.Logger
	Registry  prometheus.Registerer
	// AllowedOrigins lists the origins (scheme://host[:port]) browsers may open sockets from.
	// Requests without an Origin header (non-browser clients) are allowed.
	AllowedOrigins []string

	MaxFrameBytes     int64         // 64 KiB
	QueueBytes        int           // 1 MiB per socket
	PingInterval      time.Duration // 25 s
	PongWait          time.Duration // 60 s
	WriteWait         time.Duration // 10 s
	JoinTimeout       time.Duration // 10 s
	AuthCheckInterval time.Duration // 5 s
	TicketTTL         time.Duration // 30 s
	// ResumeTTL is a resume credential's lifetime (5 min, never past its access token), and
	// ResumeRefresh how often an open socket is handed a fresh one (60 s, at its next ping).
	ResumeTTL     time.Duration
	ResumeRefresh time.Duration
	ResumeMax     int // 2000 events
	// MaxSocketsPerPerson bounds one person's open sockets to one room on this node (8): a tab
	// or two per device is normal, dozens are abuse. The socket beyond it is closed with
	// CloseTooManySockets.
	MaxSocketsPerPerson int
	// MaxWaitingSockets bounds the sockets opened to authenticate in their join (?auth=join)
	// that have not been admitted yet (4096): beyond it such a handshake is refused with 503.
	MaxWaitingSockets int
	// Rates of the per-socket token buckets (per second) and their bursts.
	FastRate, FastBurst float64 // editor pushes and presence: 60, 120
	SlowRate, SlowBurst float64 // every other frame: 5, 20
	AbuseLimit          int     // refusals within AbuseWindow that close the socket: 100
	AbuseWindow         time.Duration
	// Now is the clock of ticket and token expiry, rate limits and frame times; default
	// time.Now. Tests move it to reach an expiry without waiting for it.
	Now func() time.Time
}

func (c *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 64 << 10
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = 1 << 20
	}
	set(&c.PingInterval, 25*time.Second)
	set(&c.PongWait, 60*time.Second)
	set(&c.WriteWait, 10*time.Second)
	set(&c.JoinTimeout, 10*time.Second)
	set(&c.AuthCheckInterval, 5*time.Second)
	set(&c.TicketTTL, 30*time.Second)
	set(&c.ResumeTTL, 5*time.Minute)
	set(&c.ResumeRefresh, time.Minute)
	set(&c.AbuseWindow, 10*time.Second)
	if c.ResumeMax <= 0 {
		c.ResumeMax = 2000
	}
	if c.MaxSocketsPerPerson <= 0 {
		c.MaxSocketsPerPerson = 8
	}
	if c.MaxWaitingSockets <= 0 {
		c.MaxWaitingSockets = 4096
	}
	if c.FastRate <= 0 {
		c.FastRate, c.FastBurst = 60, 120
	}
	if c.SlowRate <= 0 {
		c.SlowRate, c.SlowBurst = 5, 20
	}
	if c.AbuseLimit <= 0 {
		c.AbuseLimit = 100
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server accepts sockets for live rooms on this node.
type Server struct {
	cfg     Config
	engine  Engine
	fanout  Fanout
	auth    Verifier
	log     *slog.Logger
	metrics *metrics
	// ticketAEAD seals and opens socket tickets under cfg.TicketKey.
	ticketAEAD cipher.AEAD
	// credentialAEAD seals and opens resume credentials under a key derived from cfg.TicketKey.
	credentialAEAD cipher.AEAD
	upgrader       websocket.Upgrader
	origins        map[string]bool
	now            func() time.Time
	// baseCtx outlives every socket and is cancelled by Close; sockets derive from it.
	baseCtx    context.Context
	baseCancel context.CancelFunc

	mu     sync.Mutex
	conns  map[*conn]struct{}
	rooms  map[mockroom.RoomID]int
	people map[personInRoom]int
	// refusedOrigins is when each refused origin was last logged.
	refusedOrigins map[string]time.Time
	// waiting holds the sockets opened with ?auth=join whose join has not been read and
	// verified (joinauth.go); waitingCount counts them and the handshakes under way.
	waiting      map[*websocket.Conn]struct{}
	waitingCount int
	nextID       uint64
	closing      bool
	wg           sync.WaitGroup
}

// New builds a Server.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.Engine == nil || cfg.Fanout == nil || cfg.Auth == nil || cfg.Tickets == nil {
		return nil, errors.New("ws: Engine, Fanout, Auth and Tickets are required")
	}
	switch {
	case len(cfg.TicketKey) == 0:
		// Tickets then open sockets on this server only.
		cfg.TicketKey = make([]byte, 32)
		_, _ = rand.Read(cfg.TicketKey)
	case len(cfg.TicketKey) < 32:
		return nil, errors.New("ws: TicketKey must be at least 32 bytes")
	}
	s := &Server{
		cfg: cfg, engine: cfg.Engine, fanout: cfg.Fanout, auth: cfg.Auth, log: cfg.Logger,
		metrics: newMetrics(cfg.Registry), ticketAEAD: ticketAEAD(cfg.TicketKey),
		credentialAEAD: ticketAEAD(credentialKey(cfg.TicketKey)),
		origins:        map[string]bool{},
		now:            cfg.Now,
		conns:          map[*conn]struct{}{},
		rooms:          map[mockroom.RoomID]int{},
		people:         map[personInRoom]int{},
		waiting:        map[*websocket.Conn]struct{}{},
		refusedOrigins: map[string]time.Time{},
	}
	for _, o := range cfg.AllowedOrigins {
		s.origins[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	s.baseCtx, s.baseCancel = context.WithCancel(context.Background())
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout:  10 * time.Second,
		ReadBufferSize:    256, // a typed edit fits; a bigger frame is read past the buffer
		WriteBufferSize:   4096,
		WriteBufferPool:   &sync.Pool{},
		EnableCompression: false,
		// The origin was checked before the ticket was spent; see Accept.
		CheckOrigin: func(*http.Request) bool { return true },
		Error:       func(http.ResponseWriter, *http.Request, int, error) {},
	}
	return s, nil
}

// personInRoom counts one person's sockets to one room.
type personInRoom struct {
	room mockroom.RoomID
	user mockroom.UserID
}

type ticketData struct {
	ID        string          `json:"i"` // spent once: the key of its use in the store
	User      mockroom.UserID `json:"u"`
	Name      string          `json:"n"`
	Guest     bool            `json:"g,omitempty"`
	Room      mockroom.RoomID `json:"r"`
	SessionID string          `json:"s"`
	TokenExp  int64           `json:"e"` // the access token's expiry, unix ms
	Expires   int64           `json:"x"` // the ticket's own expiry, unix ms
}

// IssueTicket verifies the access token and returns a ticket bound to its user, session and
// expiry, and to the room. The ticket is sealed rather than stored: issuing it writes nothing.
func (s *Server) IssueTicket(ctx context.Context, room mockroom.RoomID, accessToken string) (string, time.Time, error) {
	claims, err := s.auth.Verify(ctx, accessToken)
	if err != nil {
		return "", time.Time{}, err
	}
	// Only a participant of a room that exists gets a ticket (the engine checks again at join).
	if _, err := s.engine.Participant(ctx, room, claims.Principal.UserID); err != nil {
		s.storeError(err)
		return "", time.Time{}, err
	}
	now := s.now()
	ttl := s.cfg.TicketTTL
	if until := claims.ExpiresAt.Sub(now); until < ttl {
		ttl = until
	}
	if ttl <= 0 {
		return "", time.Time{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_expired", "the access token has expired")
	}
	expires := now.Add(ttl).Truncate(time.Millisecond)
	var raw [18]byte
	_, _ = rand.Read(raw[:])
	tk := sealTicket(s.ticketAEAD, ticketData{
		ID:   base64.RawURLEncoding.EncodeToString(raw[:]),
		User: claims.Principal.UserID, Name: claims.Principal.Name, Guest: claims.Principal.Guest,
		Room: room, SessionID: claims.SessionID, TokenExp: claims.ExpiresAt.UnixMilli(), Expires: expires.UnixMilli(),
	})
	return tk, expires.UTC(), nil
}

// refusedOriginEvery is how often one refused origin is logged: often enough to be seen by an
// operator whose users open the app at another address, seldom enough not to flood the log.
const refusedOriginEvery = time.Minute

// logRefusedOrigin says in the log that sockets from origin are refused, at most once per
// refusedOriginEvery for each origin (and for a bounded number of origins).
func (s *Server) logRefusedOrigin(origin string) {
	now := s.now()
	s.mu.Lock()
	last, seen := s.refusedOrigins[origin]
	log := !seen || now.Sub(last) >= refusedOriginEvery
	if log && (seen || len(s.refusedOrigins) < 100) {
		s.refusedOrigins[origin] = now
	}
	s.mu.Unlock()
	if log {
		s.log.Warn("socket refused: origin not allowed; open the app at its public URL or add the origin to MOCKROOM_ALLOWED_ORIGINS",
			"origin", origin, "allowed", s.cfg.AllowedOrigins)
	}
}

// originAllowed reports whether a browser on origin may open a socket.
func (s *Server) originAllowed(origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return s.origins[strings.ToLower(u.Scheme+"://"+u.Host)]
}

// Accept upgrades the request to a socket of room, spending the ticket (AcceptResume does the
// same with a resume credential). Errors are returned
// only before the upgrade, for the HTTP layer to answer; after it, everything is said with
// frames and close codes.
func (s *Server) Accept(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, ticket string) error {
	if err := s.preflight(r); err != nil {
		return err
	}
	invalid := mockroom.Errorf(mockroom.KindUnauthorized, "ticket_invalid", "the ticket is missing, unknown, used, expired or for another room")
	if ticket == "" || len(ticket) > maxTicketLen {
		return invalid
	}
	td, err := s.spendTicket(r.Context(), ticket)
	if err != nil {
		if mockroom.ErrorKind(err) == mockroom.KindNotFound {
			return invalid
		}
		s.storeError(err)
		return err
	}
	// A ticket presented for another room is spent all the same: single use, whatever the outcome.
	if td.Room != room || td.User == "" {
		return invalid
	}
	if !s.now().Before(time.UnixMilli(td.TokenExp)) {
		return mockroom.Errorf(mockroom.KindUnauthorized, "token_expired", "the access token behind the ticket has expired")
	}
	return s.upgrade(w, r, room, td)
}

func (s *Server) start(ws *websocket.Conn, out *batchConn, room mockroom.RoomID, p mockroom.Principal, sid string, expires time.Time) {
	s.startJoined(ws, out, room, p, sid, expires, nil)
}

// startJoined starts a socket; join, when not nil, is its join frame, already read and decoded
// (AcceptJoinAuth), which the reader processes before reading anything.
func (s *Server) startJoined(ws *websocket.Conn, out *batchConn, room mockroom.RoomID, p mockroom.Principal, sid string, expires time.Time, join *Command) {
	now := s.now()
	c := &conn{
		srv: s, ws: ws, out: out, room: room, principal: p, sessionID: sid, expiresAt: expires, firstJoin: join,
		wake: make(chan struct{}, 1), drained: make(chan struct{}, 1), done: make(chan struct{}), writerDone: make(chan struct{}),
		fast:  newBucket(s.cfg.FastRate, s.cfg.FastBurst, now),
		slow:  newBucket(s.cfg.SlowRate, s.cfg.SlowBurst, now),
		abuse: abuse{limit: s.cfg.AbuseLimit, window: s.cfg.AbuseWindow},
	}
	c.ctx, c.cancel = context.WithCancel(s.baseCtx)
	closeAtOnce := func(code int, text string) {
		c.cancel()
		msg := websocket.FormatCloseMessage(code, text)
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.cfg.WriteWait))
		_ = ws.Close()
	}
	pr := personInRoom{room, p.UserID}
	s.mu.Lock()
	if s.closing {
		// Close is already waiting for the sockets it knows; this one never starts.
		s.mu.Unlock()
		closeAtOnce(CloseShutdown, "server shutting down: reconnect and resume")
		return
	}
	if s.people[pr] >= s.cfg.MaxSocketsPerPerson {
		s.mu.Unlock()
		s.metrics.drops.WithLabelValues("too_many_sockets").Inc()
		closeAtOnce(CloseTooManySockets, "too many open sockets to this room: close another tab")
		return
	}
	s.people[pr]++
	s.nextID++
	c.id = s.nextID
	s.conns[c] = struct{}{}
	s.rooms[room]++
	s.metrics.openSockets.Set(float64(len(s.conns)))
	s.metrics.liveRooms.Set(float64(len(s.rooms)))
	s.wg.Add(2)
	s.mu.Unlock()
	// The handler goroutine returns now; these two are the socket's only goroutines.
	go func() { defer s.wg.Done(); c.writeLoop() }()
	go func() { defer s.wg.Done(); c.readLoop() }()
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.rooms[c.room]--; s.rooms[c.room] <= 0 {
		delete(s.rooms, c.room)
	}
	pr := personInRoom{c.room, c.principal.UserID}
	if s.people[pr]--; s.people[pr] <= 0 {
		delete(s.people, pr)
	}
	s.metrics.openSockets.Set(float64(len(s.conns)))
	s.metrics.liveRooms.Set(float64(len(s.rooms)))
}

func (s *Server) storeError(err error) {
	if k := mockroom.ErrorKind(err); k == mockroom.KindUnavailable || k == mockroom.KindInternal {
		s.metrics.storeErrors.Inc()
	}
}

func (s *Server) snapshotConns() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Run re-checks, every AuthCheckInterval, that each socket's access token has not expired and
// its session is still active, closing lapsed sockets with CloseAuthLapsed. One sweeper per
// node, not a timer per socket. It returns when ctx is done.
func (s *Server) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.AuthCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

type sessionKey struct {
	user mockroom.UserID
	sid  string
}

func (s *Server) sweep(ctx context.Context) {
	now := s.now()
	type open struct {
		c   *conn
		ref int
	}
	var opened []open
	index := map[sessionKey]int{}
	var refs []account.SessionRef
	for _, c := range s.snapshotConns() {
		c.mu.Lock()
		key, exp, closing := sessionKey{c.principal.UserID, c.sessionID}, c.expiresAt, c.closing
		c.mu.Unlock()
		if closing {
			continue
		}
		if !now.Before(exp) {
			c.closeWith(CloseAuthLapsed, "access token expired: refresh it and reconnect")
			continue
		}
		i, seen := index[key]
		if !seen {
			i = len(refs)
			index[key] = i
			refs = append(refs, account.SessionRef{UserID: key.user, SessionID: key.sid})
		}
		opened = append(opened, open{c, i})
	}
	active := s.sessionsActive(ctx, refs)
	for _, o := range opened {
		if !active[o.ref] {
			o.c.closeWith(CloseAuthLapsed, "session ended: log in again")
		}
	}
}

// SessionBatch is what a Verifier may offer besides: many sessions checked in one round trip
// (*account.Service). The sweep uses it when present.
type SessionBatch interface {
	SessionsActive(ctx context.Context, refs []account.SessionRef) ([]bool, error)
}

// sweepBatch bounds the sessions checked in one round trip.
const sweepBatch = 1000

// sessionsActive reports for each session whether it is still active. A session the store could
// not answer for counts as active: a store hiccup is not a revocation, and the next sweep looks
// again.
func (s *Server) sessionsActive(ctx context.Context, refs []account.SessionRef) []bool {
	out := make([]bool, len(refs))
	failed := func(err error) {
		s.storeError(mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "session check failed"))
	}
	batch, ok := s.auth.(SessionBatch)
	for from := 0; from < len(refs); from += sweepBatch {
		part := refs[from:min(from+sweepBatch, len(refs))]
		if ok {
			got, err := batch.SessionsActive(ctx, part)
			if err != nil || len(got) != len(part) {
				if err == nil {
					err = errors.New("session check answered for the wrong number of sessions")
				}
				failed(err)
				for i := range part {
					out[from+i] = true
				}
				continue
			}
			copy(out[from:], got)
			continue
		}
		for i, r := range part {
			active, err := s.auth.SessionActive(ctx, r.UserID, r.SessionID)
			if err != nil {
				failed(err)
				active = true
			}
			out[from+i] = active
		}
	}
	return out
}

// Close tells every socket that the node is going away (CloseShutdown: reconnect elsewhere and
// resume) and waits for them to finish, until ctx is done, when it drops the rest.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	for _, c := range s.snapshotConns() {
		c.closeWith(CloseShutdown, "server shutting down: reconnect and resume")
	}
	s.closeWaiting()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range s.snapshotConns() {
			_ = c.ws.NetConn().Close()
		}
		<-done
	}
	s.baseCancel()
	return nil
}
