package match

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Config tunes a Service. Zero values take the defaults in brackets.
type Config struct {
	// Tracks are the tracks that have queues; required.
	Tracks []mockroom.TrackID
	// ConfirmWindow is how long both people have to confirm a match [1 minute].
	ConfirmWindow time.Duration
	// MaxWait is how long a ticket waits for a peer before it expires [10 minutes].
	MaxWait time.Duration
	// Keep is how long the outcome of a finished ticket stays readable [10 minutes].
	Keep time.Duration
	// SweepEvery is how often Run looks for due deadlines [1 second].
	SweepEvery time.Duration
	// Recheck is how often a waiting request re-reads the state even without a notification,
	// in case one was lost on the way [5 seconds].
	Recheck time.Duration
	// MaxPoll caps how long one Wait may block [30 seconds].
	MaxPoll time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
	// Standings, if set, breaks ties in favour of helpful peers (see TieWindow).
	Standings Standings
}

// Service is the matching use cases.
type Service struct {
	store    Store
	notifier Notifier
	rooms    Rooms
	cfg      Config
	log      *slog.Logger
	queues   []Queue
}

// NewService builds a Service.
func NewService(store Store, notifier Notifier, rooms Rooms, cfg Config) (*Service, error) {
	if len(cfg.Tracks) == 0 {
		return nil, errors.New("match: no tracks configured")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ConfirmWindow, time.Minute)
	def(&cfg.MaxWait, 10*time.Minute)
	def(&cfg.Keep, 10*time.Minute)
	def(&cfg.SweepEvery, time.Second)
	def(&cfg.Recheck, 5*time.Second)
	def(&cfg.MaxPoll, 30*time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: store, notifier: notifier, rooms: rooms, cfg: cfg, log: cfg.Logger}
	for _, t := range cfg.Tracks {
		for _, l := range []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior} {
			s.queues = append(s.queues, Queue{Track: t, Level: l})
		}
	}
	return s, nil
}

// markerTTL outlives every state a ticket can be in: a full wait, a confirmation window, a
// requeue's fresh wait, and the time its outcome is kept.
func (s *Service) markerTTL() time.Duration {
	return 2*s.cfg.MaxWait + s.cfg.ConfirmWindow + s.cfg.Keep
}

// JoinRequest asks for a place in a queue.
type JoinRequest struct {
	Track mockroom.TrackID
	Level mockroom.Difficulty
	// Categories are the kinds of question the person wants to be asked, most wanted first;
	// optional. They do not affect pairing, only the questions of the person's own half.
	Categories []mockroom.Category
}

// Join puts p in the queue of a track and level. A person is in at most one queue at a time:
// KindConflict "already_queued" while they hold an active ticket anywhere. A guest cannot queue
// (KindForbidden "account_required"): peer practice needs an identity the other person can rate
// and find again, so a guest keeps theirs with an email and password first.
func (s *Service) Join(ctx context.Context, p mockroom.Principal, req JoinRequest) (View, error) {
	if p.Guest {
		return View{}, mockroom.Errorf(mockroom.KindForbidden, "account_required", "keep your guest identity with an email and password before practising with a peer")
	}
	if !slices.Contains(s.cfg.Tracks, req.Track) {
		return View{}, mockroom.Errorf(mockroom.KindInvalid, "unknown_track", "no track %q to practise", req.Track)
	}
	if !req.Level.Valid() {
		return View{}, mockroom.Errorf(mockroom.KindInvalid, "unknown_level", "level must be junior, mid or senior")
	}
	if len(req.Categories) > len(mockroom.Categories) {
		return View{}, mockroom.Errorf(mockroom.KindInvalid, "too_many_categories", "at most %d categories", len(mockroom.Categories))
	}
	for _, c := range req.Categories {
		if !c.Valid() {
			return View{}, mockroom.Errorf(mockroom.KindInvalid, "unknown_category", "unknown category %q", c)
		}
	}
	q := Queue{Track: req.Track, Level: req.Level}
	claim, err := s.claim(ctx, p.UserID, q)
	if err != nil {
		return View{}, err
	}
	t := Ticket{
		ID: uuid.NewString(), User: p.UserID, Name: p.Name, Guest: p.Guest, Queue: q,
		Categories: firstOfEach(req.Categories),
		EnqueuedAt: claim.At, ExpiresAt: claim.At.Add(s.cfg.MaxWait),
	}
	if err := s.store.Enqueue(ctx, t); err != nil {
		if uerr := s.store.Unmark(ctx, p.UserID, claim.String()); uerr != nil {
			s.log.WarnContext(ctx, "release queue marker", "user_id", p.UserID, "err", uerr)
		}
		return View{}, err
	}
	// Another Join of the same person may have taken the marker from this one after its
	// ticket was in (a finished ticket there let it through): the marker is the truth, so this
	// Join backs out of its queue.
	if cur, err := s.store.Marker(ctx, p.UserID); err != nil {
		return View{}, err
	} else if cur != claim.String() {
		now := s.cfg.Now()
		if _, err := s.store.Leave(ctx, q, p.UserID, now, s.cfg.Keep, now.Add(s.cfg.MaxWait)); err != nil {
			return View{}, err
		}
		return View{}, errAlreadyQueued()
	}
	if err := s.pairAll(ctx, q); err != nil {
		return View{}, err
	}
	return s.Status(ctx, p.UserID)
}

// firstOfEach drops repeated categories, keeping the order in which the person ranked them.
func firstOfEach(cats []mockroom.Category) []mockroom.Category {
	var out []mockroom.Category
	for _, c := range cats {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func errAlreadyQueued() error {
	return mockroom.Errorf(mockroom.KindConflict, "already_queued", "you are already waiting for a peer; leave that queue first")
}

// inFlightFor is how long a claimed marker without a ticket blocks other claims: a Join takes
// milliseconds between the two, so a claim this old belongs to a Join that died.
const inFlightFor = 30 * time.Second

// claim points the person's marker at q and returns the new marker. It refuses while the person
// holds an active ticket, or while another Join of theirs has claimed the marker but not yet
// put its ticket in.
func (s *Service) claim(ctx context.Context, user mockroom.UserID, q Queue) (marker, error) {
	for range 3 {
		cur, err := s.store.Marker(ctx, user)
		if err != nil {
			return marker{}, err
		}
		if old, ok := parseMarker(cur); ok {
			e, found, err := s.store.Entry(ctx, old.Queue, user)
			if err != nil {
				return marker{}, err
			}
			// A ticket from before the claim is not the claim's own.
			claimsTicket := found && !e.EnqueuedAt.Before(old.At)
			inFlight := !claimsTicket && s.cfg.Now().Sub(old.At) < inFlightFor
			if (found && e.Status.Active()) || inFlight {
				return marker{}, errAlreadyQueued()
			}
		}
		next := marker{Queue: q, Token: uuid.NewString(), At: s.cfg.Now().Truncate(time.Millisecond)}
		ok, err := s.store.Mark(ctx, user, cur, next.String(), s.markerTTL())
		if err != nil {
			return marker{}, err
		}
		if ok {
			return next, nil
		}
	}
	return marker{}, errAlreadyQueued()
}

// pairAll matches people at the head of q two by two until fewer than two wait.
func (s *Service) pairAll(ctx context.Context, q Queue) error {
	for range 1000 {
		now := s.cfg.Now()
		prefer, err := s.preferred(ctx, q)
		if err != nil {
			return err
		}
		m, ok, err := s.store.Pair(ctx, q, uuid.NewString(), mockroom.RoomID(uuid.NewString()), now, now.Add(s.cfg.ConfirmWindow), prefer)
		if err != nil || !ok {
			return err
		}
		s.notify(ctx, m.A.User, m.B.User)
	}
	return nil
}

// preferred returns the third in line when their standing beats the second's, for Pair to
// match with the head if they also joined within TieWindow of the second. Only a tie-break: the
// head is always paired, and the second, if passed over, is the head of the next pairing.
func (s *Service) preferred(ctx context.Context, q Queue) (mockroom.UserID, error) {
	if s.cfg.Standings == nil {
		return "", nil
	}
	line, err := s.store.Waiting(ctx, q, 3)
	if err != nil || len(line) < 3 {
		return "", err
	}
	second, err := s.standing(ctx, line[1])
	if err != nil {
		return "", err
	}
	third, err := s.standing(ctx, line[2])
	if err != nil {
		return "", err
	}
	if third > second {
		return line[2], nil
	}
	return "", nil
}

// standing is a person's helpfulness, 0 with fewer than MinRatings ratings.
func (s *Service) standing(ctx context.Context, user mockroom.UserID) (float64, error) {
	avg, n, err := s.cfg.Standings.Helpfulness(ctx, user)
	if err != nil || n < MinRatings {
		return 0, err
	}
	return avg, nil
}

func (s *Service) notify(ctx context.Context, users ...mockroom.UserID) {
	if err := s.notifier.Notify(ctx, users...); err != nil {
		// Not fatal: waiting requests re-read the state every Recheck.
		s.log.WarnContext(ctx, "match notification failed", "err", err)
	}
}

// Leave takes the caller out of their queue. Leaving while matched declines the match: the peer
// goes back to the head of the queue.
func (s *Service) Leave(ctx context.Context, user mockroom.UserID) error {
	cur, err := s.store.Marker(ctx, user)
	if err != nil {
		return err
	}
	mk, ok := parseMarker(cur)
	if !ok {
		return mockroom.Errorf(mockroom.KindNotFound, "not_queued", "you are not in a queue")
	}
	q := mk.Queue
	now := s.cfg.Now()
	other, err := s.store.Leave(ctx, q, user, now, s.cfg.Keep, now.Add(s.cfg.MaxWait))
	if err != nil {
		return err
	}
	if err := s.store.Unmark(ctx, user, cur); err != nil {
		return err
	}
	if other != "" {
		s.notify(ctx, other)
		return s.pairAll(ctx, q)
	}
	return nil
}

// Confirm accepts a match for the caller. When both have confirmed, the room is created.
func (s *Service) Confirm(ctx context.Context, user mockroom.UserID, matchID string) (View, error) {
	cur, err := s.store.Marker(ctx, user)
	if err != nil {
		return View{}, err
	}
	mk, ok := parseMarker(cur)
	if !ok {
		return View{}, errMatchNotFound()
	}
	m, err := s.store.Confirm(ctx, mk.Queue, matchID, user, s.cfg.Now(), s.cfg.Keep)
	if err != nil {
		return View{}, err
	}
	if m.Status == StatusConfirmed {
		if err := s.ensureRoom(ctx, m); err != nil {
			return View{}, err
		}
	}
	s.notify(ctx, m.A.User, m.B.User)
	return s.Status(ctx, user)
}

func errMatchNotFound() error {
	return mockroom.Errorf(mockroom.KindNotFound, "match_not_found", "no such match for you")
}

// ensureRoom creates the match's room; it is safe to call again (the room id is fixed at
// pairing), which is how a room whose creation failed half-way gets made on the next read.
func (s *Service) ensureRoom(ctx context.Context, m Match) error {
	_, err := s.rooms.CreatePeer(ctx, room.PeerSpec{
		ID: m.RoomID, Track: m.Queue.Track, Level: m.Queue.Level,
		A: room.Peer{UserID: m.A.User, Name: m.A.Name, Guest: m.A.Guest, Categories: m.A.Categories},
		B: room.Peer{UserID: m.B.User, Name: m.B.Name, Guest: m.B.Guest, Categories: m.B.Categories},
	})
	return err
}

// NoShows returns how many matches user failed to confirm.
func (s *Service) NoShows(ctx context.Context, user mockroom.UserID) (int64, error) {
	return s.store.NoShows(ctx, user)
}
