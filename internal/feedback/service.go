package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// Defaults of Config.
const (
	DefaultPeerDeadline = 48 * time.Hour
	DefaultWriteWindow  = 30 * 24 * time.Hour
	DefaultPollEvery    = time.Second
)

// Config tunes the service.
type Config struct {
	// PeerDeadline is how long after a peer room ends its feedback is released at the latest.
	PeerDeadline time.Duration
	// WriteWindow is how long after a room ends its forms may be written and amended.
	WriteWindow time.Duration
	// PollEvery is how often Run looks for due release deadlines.
	PollEvery time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service applies the feedback rules.
type Service struct {
	store  Store
	rooms  Rooms
	tracks Tracks
	log    Log
	cfg    Config
}

// NewService builds a Service; zero Config fields take their defaults.
func NewService(store Store, rooms Rooms, tracks Tracks, log Log, cfg Config) *Service {
	if cfg.PeerDeadline <= 0 {
		cfg.PeerDeadline = DefaultPeerDeadline
	}
	if cfg.WriteWindow <= 0 {
		cfg.WriteWindow = DefaultWriteWindow
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, rooms: rooms, tracks: tracks, log: log, cfg: cfg}
}

// Mode is how a room releases feedback.
type Mode string

const (
	ModeOnSubmit    Mode = "on_submit"
	ModeHeld        Mode = "held"
	ModeDoubleBlind Mode = "double_blind"
)

// ReleaseState is where a room stands on release.
type ReleaseState struct {
	Mode       Mode      `json:"mode"`
	Released   bool      `json:"released"`
	ReleasedAt time.Time `json:"released_at,omitzero"`
	Reason     Reason    `json:"reason,omitempty"`
	Deadline   time.Time `json:"deadline,omitzero"`
}

// Pending is a form about the reader that is not released to them: nothing of its content.
type Pending struct {
	ID              FormID `json:"id"`
	Kind            Kind   `json:"kind"`
	AuthorSubmitted bool   `json:"author_submitted"`
}

// Overview is a participant's feedback in a room.
type Overview struct {
	RoomID        mockroom.RoomID    `json:"room_id"`
	RoomKind      mockroom.RoomKind  `json:"room_kind"`
	State         mockroom.RoomState `json:"state"`
	WritableUntil time.Time          `json:"writable_until,omitzero"`
	Release       ReleaseState       `json:"release"`
	Mine          []Form             `json:"mine"`
	AboutMe       []Form             `json:"about_me"`
	Pending       []Pending          `json:"pending"`
}

// scene is one request's view of a room: the room, its forms and what is stored of them.
type scene struct {
	r     room.Room
	slots []slot
	rec   RoomRecord
	track *bank.Track
}

// load reads the room and its feedback and checks that user takes part as interviewer or
// candidate: observers never see feedback.
func (s *Service) load(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (scene, error) {
	r, err := s.rooms.Get(ctx, id)
	if err != nil {
		return scene{}, err
	}
	p, ok := r.Participant(user)
	if !ok {
		return scene{}, mockroom.Errorf(mockroom.KindForbidden, "not_participant", "you are not a participant of this room")
	}
	if p.Role == mockroom.RoleObserver {
		return scene{}, mockroom.Errorf(mockroom.KindForbidden, "observer_no_feedback", "observers do not see feedback")
	}
	return s.loadRoom(ctx, r)
}

func (s *Service) loadRoom(ctx context.Context, r room.Room) (scene, error) {
	second := false
	if r.Kind == mockroom.RoomPeer && len(r.Halves) > 1 {
		var err error
		if second, err = s.log.SecondHalf(ctx, r.ID); err != nil {
			return scene{}, err
		}
	}
	rec, err := s.store.Record(ctx, r.ID)
	if err != nil {
		return scene{}, err
	}
	track, err := s.tracks.Track(r.Track)
	if err != nil {
		return scene{}, err
	}
	return scene{r: r, slots: slots(r, second), rec: rec, track: track}, nil
}

func (s *Service) mode(r room.Room) Mode {
	if r.Kind == mockroom.RoomPeer {
		return ModeDoubleBlind
	}
	if r.Settings.FeedbackRelease == room.ReleaseHeld {
		return ModeHeld
	}
	return ModeOnSubmit
}

func (s *Service) releaseState(sc scene) ReleaseState {
	rs := ReleaseState{Mode: s.mode(sc.r), ReleasedAt: sc.rec.ReleasedAt, Reason: sc.rec.Reason}
	rs.Released = !rs.ReleasedAt.IsZero()
	if rs.Mode == ModeDoubleBlind && !sc.r.EndedAt.IsZero() {
		rs.Deadline = sc.r.EndedAt.Add(s.cfg.PeerDeadline)
	}
	return rs
}

// form renders slot sl for a reader: asAuthor adds the draft, asSubject the reader's rating.
func (sc scene) form(sl slot, asAuthor bool) Form {
	st := sc.rec.Forms[sl.id]
	f := Form{
		ID: sl.id, Kind: sl.kind, Author: sl.author, About: sl.about, Half: sl.half,
		RubricVersion: sc.track.Rubric.Version, Questions: sl.questions,
		Versions: st.Versions, Released: !st.ReleasedAt.IsZero(), ReleasedAt: st.ReleasedAt,
	}
	if f.Versions == nil {
		f.Versions = []Version{}
	}
	if v, ok := f.Latest(); ok {
		f.RubricVersion = v.RubricVersion
	}
	if asAuthor {
		f.Draft = st.Draft
	} else {
		f.Rating = st.Rating
	}
	return f
}

// releasedToSubject reports whether the person sl is about may read it.
func (sc scene) releasedToSubject(sl slot) bool {
	st := sc.rec.Forms[sl.id]
	return len(st.Versions) > 0 && !st.ReleasedAt.IsZero()
}

// Overview is user's feedback in a room: the forms they write, and those about them that are
// released to them; of the others only whether their author has submitted.
func (s *Service) Overview(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (Overview, error) {
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return Overview{}, err
	}
	ov := Overview{
		RoomID: sc.r.ID, RoomKind: sc.r.Kind, State: sc.r.State, Release: s.releaseState(sc),
		Mine: []Form{}, AboutMe: []Form{}, Pending: []Pending{},
	}
	if !sc.r.EndedAt.IsZero() {
		ov.WritableUntil = sc.r.EndedAt.Add(s.cfg.WriteWindow)
	}
	for _, sl := range sc.slots {
		switch {
		case sl.author == user:
			ov.Mine = append(ov.Mine, sc.form(sl, true))
		case sl.about == user && sc.releasedToSubject(sl):
			ov.AboutMe = append(ov.AboutMe, sc.form(sl, false))
		case sl.about == user:
			ov.Pending = append(ov.Pending, Pending{ID: sl.id, Kind: sl.kind, AuthorSubmitted: len(sc.rec.Forms[sl.id].Versions) > 0})
		}
	}
	return ov, nil
}

// Form returns one form as user may see it: its author sees all of it; the person it is about
// sees the submitted versions once released; for anyone else it does not exist.
func (s *Service) Form(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID) (Form, error) {
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return Form{}, err
	}
	sl, ok := findSlot(sc.slots, formID)
	switch {
	case !ok:
	case sl.author == user:
		return sc.form(sl, true), nil
	case sl.about == user && sc.releasedToSubject(sl):
		return sc.form(sl, false), nil
	}
	return Form{}, errFormNotFound(formID)
}

// writable finds the form user writes and checks the room is in its writing window: from the
// end of the session (wrap_up, then closed) for WriteWindow.
func (s *Service) writable(sc scene, user mockroom.UserID, formID FormID) (slot, error) {
	if _, _, err := formID.Parse(); err != nil {
		return slot{}, err
	}
	sl, ok := findSlot(sc.slots, formID)
	if !ok || sl.author != user {
		return slot{}, errFormNotFound(formID)
	}
	if sc.r.EndedAt.IsZero() || (sc.r.State != mockroom.StateWrapUp && sc.r.State != mockroom.StateClosed) {
		return slot{}, mockroom.Errorf(mockroom.KindConflict, "room_not_ended", "feedback can be written once the session has ended")
	}
	if !s.cfg.Now().Before(sc.r.EndedAt.Add(s.cfg.WriteWindow)) {
		return slot{}, mockroom.Errorf(mockroom.KindConflict, "form_closed", "feedback could be written until %s", sc.r.EndedAt.Add(s.cfg.WriteWindow).UTC().Format(time.RFC3339))
	}
	return sl, nil
}

func (sc scene) shape(sl slot, tl timeline) shape {
	return shape{kind: sl.kind, rubric: sc.track.Rubric, questions: sl.questions, asked: tl.asked(sl.questions)}
}

// SaveDraft saves the author's draft as typed: only its shape and sizes are checked. It returns
// once the draft is in the store.
func (s *Service) SaveDraft(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID, c Content) (Draft, error) {
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return Draft{}, err
	}
	sl, err := s.writable(sc, user, formID)
	if err != nil {
		return Draft{}, err
	}
	if err := validate(c, shape{kind: sl.kind, rubric: sc.track.Rubric, questions: sl.questions}, false); err != nil {
		return Draft{}, err
	}
	if err := s.armPeerDeadline(ctx, sc); err != nil {
		return Draft{}, err
	}
	d := Draft{Content: c, SavedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)}
	if err := s.store.SaveDraft(ctx, id, sl.ref(), d); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// armPeerDeadline puts a peer room in the release-deadline index before anything is stored, so
// the index is never late: a node that dies after storing leaves the room for any other node.
func (s *Service) armPeerDeadline(ctx context.Context, sc scene) error {
	if sc.r.Kind != mockroom.RoomPeer || !sc.rec.ReleasedAt.IsZero() {
		return nil
	}
	return s.store.ArmDeadline(ctx, sc.r.ID, sc.r.EndedAt.Add(s.cfg.PeerDeadline))
}

// SubmitRequest is a submission or amendment.
type SubmitRequest struct {
	RequestID string
	Content   Content
}

const maxRequestIDLen = 64

// Submit stores a form's first version; Amend a later one. Both validate the whole form and its
// cited moments, take effect once per request id, tell the room's log, and release what the
// room's rule releases now.
func (s *Service) Submit(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID, req SubmitRequest) (Form, error) {
	return s.submit(ctx, id, user, formID, req, false)
}

// Amend stores a new version of a submitted form; earlier versions stay.
func (s *Service) Amend(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID, req SubmitRequest) (Form, error) {
	return s.submit(ctx, id, user, formID, req, true)
}

func (s *Service) submit(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID, req SubmitRequest, amend bool) (Form, error) {
	if strings.TrimSpace(req.RequestID) == "" || len(req.RequestID) > maxRequestIDLen {
		return Form{}, formInvalid("request_id", "a request id of 1 to %d characters is needed", maxRequestIDLen)
	}
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return Form{}, err
	}
	sl, err := s.writable(sc, user, formID)
	if err != nil {
		return Form{}, err
	}
	events, err := s.log.Events(ctx, id)
	if err != nil {
		return Form{}, err
	}
	tl := newTimeline(sc.r, events)
	if err := validate(req.Content, sc.shape(sl, tl), true); err != nil {
		return Form{}, err
	}
	if err := tl.checkMoments(req.Content, sl.author, sl.about); err != nil {
		return Form{}, err
	}
	if err := s.armPeerDeadline(ctx, sc); err != nil {
		return Form{}, err
	}
	if s.releasesNow(sc, sl) {
		// This submit may release the room's feedback: make the room due now, so that if this
		// node dies before releasing, another node's poll releases it (rather than the peer
		// deadline, or never in a mentor room).
		if err := s.store.ArmDeadline(ctx, id, s.cfg.Now()); err != nil {
			return Form{}, err
		}
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	res, err := s.store.Submit(ctx, id, sl.ref(), req.RequestID, amend, Version{
		RubricVersion: sc.track.Rubric.Version, SubmittedAt: now, Content: req.Content,
	})
	if err != nil {
		return Form{}, err
	}
	switch res.Outcome {
	case SubmitAlready:
		return Form{}, mockroom.Errorf(mockroom.KindConflict, "form_already_submitted", "this form is submitted; amend it to change it")
	case SubmitNotSubmitted:
		return Form{}, mockroom.Errorf(mockroom.KindConflict, "form_not_submitted", "submit the form before amending it")
	}
	// A duplicate still finishes what the first attempt may not have: the announcements.
	if err := s.log.AppendOnce(ctx, id, fmt.Sprintf("sub:%s:%d", sl.id, res.Version), SubmittedEvent(sl.ref(), res.Version)); err != nil {
		return Form{}, err
	}
	if sc, err = s.loadRoom(ctx, sc.r); err != nil {
		return Form{}, err
	}
	if err := s.applyRelease(ctx, sc, false); err != nil {
		return Form{}, err
	}
	if sc, err = s.loadRoom(ctx, sc.r); err != nil {
		return Form{}, err
	}
	return sc.form(sl, true), nil
}

// releasesNow reports whether submitting sl releases feedback by the room's rule.
func (s *Service) releasesNow(sc scene, sl slot) bool {
	switch s.mode(sc.r) {
	case ModeOnSubmit:
		return true
	case ModeDoubleBlind:
		return sc.rec.ReleasedAt.IsZero() && s.completesRoom(sc, sl)
	}
	return false
}

// completesRoom reports whether submitting sl leaves every form of the room submitted.
func (s *Service) completesRoom(sc scene, sl slot) bool {
	for _, o := range sc.slots {
		if o.id != sl.id && len(sc.rec.Forms[o.id].Versions) == 0 {
			return false
		}
	}
	return true
}

type submittedData struct {
	FormID   FormID          `json:"form_id"`
	Kind     Kind            `json:"kind"`
	AuthorID mockroom.UserID `json:"author_id"`
	AboutID  mockroom.UserID `json:"about_id"`
	Version  int             `json:"version"`
}

type releasedData struct {
	FormID  FormID          `json:"form_id"`
	Kind    Kind            `json:"kind"`
	AboutID mockroom.UserID `json:"about_id"`
	Reason  Reason          `json:"reason"`
}

// SubmittedEvent is the feedback.submitted event of version of form: who wrote about whom,
// never what. The author is its actor.
func SubmittedEvent(form FormRef, version int) live.NewEvent {
	kind, _, _ := form.ID.Parse()
	return live.NewEvent{Type: live.TypeFeedbackSubmitted, Actor: form.Author, Data: submittedData{
		FormID: form.ID, Kind: kind, AuthorID: form.Author, AboutID: form.About, Version: version,
	}}
}

// ReleasedEvent is the feedback.released event of form, sent by the server.
func ReleasedEvent(form FormRef, reason Reason) live.NewEvent {
	kind, _, _ := form.ID.Parse()
	return live.NewEvent{Type: live.TypeFeedbackReleased, Data: releasedData{FormID: form.ID, Kind: kind, AboutID: form.About, Reason: reason}}
}

// applyRelease releases what the room's rule releases now and makes sure every released form
// has its feedback.released event. deadlinePassed is set by the deadline poller.
func (s *Service) applyRelease(ctx context.Context, sc scene, deadlinePassed bool) error {
	var reason Reason
	switch s.mode(sc.r) {
	case ModeOnSubmit:
		reason = ReasonMentor
	case ModeDoubleBlind:
		if allSubmitted(sc.slots, sc.rec) {
			reason = ReasonBothSubmitted
		} else if deadlinePassed {
			reason = ReasonDeadline
		}
	}
	rec := sc.rec
	if reason != "" || !rec.ReleasedAt.IsZero() {
		if reason == "" {
			reason = rec.Reason
		}
		var err error
		if rec, err = s.store.Release(ctx, sc.r.ID, reason, s.cfg.Now().UTC().Truncate(time.Millisecond), submittedIDs(sc.slots, rec)); err != nil {
			return err
		}
	}
	return s.announceReleased(ctx, sc, rec)
}

func submittedIDs(all []slot, rec RoomRecord) []FormID {
	var out []FormID
	for _, sl := range all {
		if len(rec.Forms[sl.id].Versions) > 0 {
			out = append(out, sl.id)
		}
	}
	return out
}

// announceReleased appends feedback.released once per released form.
func (s *Service) announceReleased(ctx context.Context, sc scene, rec RoomRecord) error {
	for _, sl := range sc.slots {
		st := rec.Forms[sl.id]
		if st.ReleasedAt.IsZero() || len(st.Versions) == 0 {
			continue
		}
		if err := s.log.AppendOnce(ctx, sc.r.ID, "rel:"+string(sl.id), ReleasedEvent(sl.ref(), rec.Reason)); err != nil {
			return err
		}
	}
	return nil
}

// Release is the mentor releasing held feedback; later submissions are released at once.
func (s *Service) Release(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (ReleaseState, error) {
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return ReleaseState{}, err
	}
	if s.mode(sc.r) == ModeDoubleBlind {
		return ReleaseState{}, mockroom.Errorf(mockroom.KindConflict, "release_not_manual", "a peer room's feedback is released when both have submitted or at the deadline")
	}
	if p, _ := sc.r.Participant(user); p.Role != mockroom.RoleInterviewer {
		return ReleaseState{}, mockroom.Errorf(mockroom.KindForbidden, "not_interviewer", "only the room's interviewer releases its feedback")
	}
	if sc.r.EndedAt.IsZero() {
		return ReleaseState{}, mockroom.Errorf(mockroom.KindConflict, "room_not_ended", "feedback can be released once the session has ended")
	}
	rec, err := s.store.Release(ctx, id, ReasonMentor, s.cfg.Now().UTC().Truncate(time.Millisecond), submittedIDs(sc.slots, sc.rec))
	if err != nil {
		return ReleaseState{}, err
	}
	if err := s.announceReleased(ctx, sc, rec); err != nil {
		return ReleaseState{}, err
	}
	sc.rec = rec
	return s.releaseState(sc), nil
}

// Moments lists what the author of formID may cite in it (and, once released, what the person
// it is about reads the citations against).
func (s *Service) Moments(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID) ([]Citeable, error) {
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return nil, err
	}
	if _, _, err := formID.Parse(); err != nil {
		return nil, err
	}
	sl, ok := findSlot(sc.slots, formID)
	// The author picks from them; the person the form is about reads the cited ones once the
	// form is released to them. Both see only what both saw.
	if !ok || (sl.author != user && !(sl.about == user && sc.releasedToSubject(sl))) {
		return nil, errFormNotFound(formID)
	}
	events, err := s.log.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	out := newTimeline(sc.r, events).citeable(sl.author, sl.about)
	if out == nil {
		out = []Citeable{}
	}
	return out, nil
}

// Rate is feedback on feedback: in a peer room, the person a released rubric form is about
// says how useful it was. The latest rating counts.
func (s *Service) Rate(ctx context.Context, id mockroom.RoomID, user mockroom.UserID, formID FormID, r Rating) (Rating, error) {
	if err := validateRating(r); err != nil {
		return Rating{}, err
	}
	sc, err := s.load(ctx, id, user)
	if err != nil {
		return Rating{}, err
	}
	sl, ok := findSlot(sc.slots, formID)
	if !ok || sl.about != user || sl.kind != KindCandidate || sc.r.Kind != mockroom.RoomPeer {
		return Rating{}, errFormNotFound(formID)
	}
	if !sc.releasedToSubject(sl) {
		return Rating{}, mockroom.Errorf(mockroom.KindConflict, "form_not_released", "feedback can be rated once it is released to you")
	}
	r.RatedAt = s.cfg.Now().UTC().Truncate(time.Millisecond)
	if err := s.store.Rate(ctx, id, sl.ref(), r); err != nil {
		return Rating{}, err
	}
	return r, nil
}

// Standing is the average usefulness peers gave the feedback user wrote.
func (s *Service) Standing(ctx context.Context, user mockroom.UserID) (Standing, error) {
	return s.store.Standing(ctx, user)
}

// Helpfulness is Standing as matching reads it: the average and the number of ratings.
func (s *Service) Helpfulness(ctx context.Context, user mockroom.UserID) (float64, int, error) {
	st, err := s.store.Standing(ctx, user)
	if err != nil {
		return 0, 0, err
	}
	avg, _ := st.Average()
	return avg, st.Count, nil
}

// Rubric returns a track's rubric of version (0 for the current one).
func (s *Service) Rubric(track mockroom.TrackID, version int) (bank.Rubric, error) {
	t, err := s.tracks.Track(track)
	if err != nil {
		return bank.Rubric{}, err
	}
	if version == 0 {
		return t.Rubric, nil
	}
	r, ok := t.RubricVersion(version)
	if !ok {
		return bank.Rubric{}, mockroom.Errorf(mockroom.KindNotFound, "rubric_not_found", "track %q has no rubric version %d", track, version)
	}
	return r, nil
}
