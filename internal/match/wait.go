package match

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// View is where a person stands, as the API shows it.
type View struct {
	Status Status       `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Ticket *Ticket      `json:"ticket,omitempty"`
	Match  *MatchStatus `json:"match,omitempty"`
	// Current is set on a timeout: the status the wait ended in.
	Current Status `json:"current,omitempty"`
	// ServerTime is when the view was read, by the server's clock: a page counts down to
	// Match.ConfirmBy from it (plus the time since it arrived), never from the browser's clock.
	ServerTime time.Time `json:"server_time"`
}

// MatchStatus is a match as one of its two people sees it: the peer stays anonymous.
type MatchStatus struct {
	ID            string          `json:"id"`
	RoomID        mockroom.RoomID `json:"room_id,omitempty"` // once both confirmed
	ConfirmBy     time.Time       `json:"confirm_by"`
	Confirmed     bool            `json:"confirmed"`
	PeerConfirmed bool            `json:"peer_confirmed"`
}

// Status reads where user stands now.
func (s *Service) Status(ctx context.Context, user mockroom.UserID) (View, error) {
	cur, err := s.store.Marker(ctx, user)
	if err != nil {
		return View{}, err
	}
	now := s.cfg.Now()
	mk, ok := parseMarker(cur)
	if !ok {
		return View{Status: StatusNone, ServerTime: now}, nil
	}
	q := mk.Queue
	e, found, err := s.store.Entry(ctx, q, user)
	if err != nil {
		return View{}, err
	}
	if !found {
		return View{Status: StatusNone, ServerTime: now}, nil
	}
	t := e.Ticket
	v := View{Status: e.Status, Reason: e.Reason, Ticket: &t, ServerTime: now}
	if e.MatchID == "" || (e.Status != StatusMatched && e.Status != StatusConfirmed) {
		return v, nil
	}
	m, found, err := s.store.Match(ctx, q, e.MatchID)
	if err != nil || !found {
		return v, err
	}
	me, other, _ := m.Side(user)
	v.Match = &MatchStatus{ID: m.ID, ConfirmBy: m.ConfirmBy, Confirmed: me.Confirmed, PeerConfirmed: other.Confirmed}
	if m.Status == StatusConfirmed {
		v.Match.RoomID = m.RoomID
		if err := s.ensureRoom(ctx, m); err != nil {
			return View{}, err
		}
	}
	return v, nil
}

// needsAttention reports whether a view asks something of its person, is final, or is news
// against the match the caller has seen; Wait returns such a view at once instead of blocking.
// A match the person has confirmed asks nothing more of them, nor does one they have been shown
// and are deciding on.
func needsAttention(v View, seen string) bool {
	if seen != "" && (v.Match == nil || v.Match.ID != seen) {
		return true // the match on the caller's screen is over, or another took its place
	}
	switch v.Status {
	case StatusWaiting:
		return false
	case StatusMatched:
		return v.Match == nil || (!v.Match.Confirmed && v.Match.ID != seen)
	}
	return true
}

// changed reports whether b tells the person anything a does not.
func changed(a, b View) bool {
	if a.Status != b.Status || a.Reason != b.Reason || (a.Match == nil) != (b.Match == nil) {
		return true
	}
	if a.Match != nil && (a.Match.ID != b.Match.ID || a.Match.Confirmed != b.Match.Confirmed || a.Match.PeerConfirmed != b.Match.PeerConfirmed) {
		return true
	}
	return false
}

// Wait blocks up to timeout (capped at Config.MaxPoll) until user's state changes or asks
// something of them — a match to confirm, a room to enter, an ended ticket — and returns it.
// If nothing happens it returns status "timeout" with the unchanged state in Current. It is
// woken by notifications from any node, not by polling the store; it re-reads the store every
// Config.Recheck only as a safety net for a lost notification.
//
// While a match waits for confirmations, a person who has confirmed waits here for the outcome:
// the peer confirms (the room exists), declines or fails to show (back in the queue), or
// their own ticket ends. A person who has not confirmed is answered at once, since the match
// asks something of them — unless seen names that match: the page has shown it and waits for
// news while its person decides (the peer confirming, declining, or the window closing).
// Naming seen also closes a race: if the match ended before the wait began, the caller is told
// at once rather than left waiting in the queue the match sent them back to.
func (s *Service) Wait(ctx context.Context, user mockroom.UserID, timeout time.Duration, seen string) (View, error) {
	wake, stop := s.notifier.Watch(user)
	defer stop()
	start, err := s.Status(ctx, user)
	if err != nil || needsAttention(start, seen) || timeout <= 0 {
		return start, err
	}
	timeout = min(timeout, s.cfg.MaxPoll)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	recheck := time.NewTicker(s.cfg.Recheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return View{}, ctx.Err()
		case <-deadline.C:
			start.Current, start.Status = start.Status, StatusTimeout
			start.ServerTime = s.cfg.Now()
			return start, nil
		case <-wake:
		case <-recheck.C:
		}
		v, err := s.Status(ctx, user)
		if err != nil {
			return View{}, err
		}
		if changed(start, v) || needsAttention(v, seen) {
			return v, nil
		}
	}
}
