package match

import (
	"context"
	"slices"
	"time"
)

// Run sweeps the queues every Config.SweepEvery until ctx is done: it ends confirmation windows
// that passed (counting no-shows and putting whoever confirmed back at the head of the queue),
// expires tickets that waited too long, clears finished records, and pairs anyone left waiting
// in twos. Every node runs it; each deadline is handled exactly once because each sweep of a
// queue is one atomic store step that removes what it handles.
func (s *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(s.cfg.SweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for _, q := range s.queues {
			if err := s.SweepQueue(ctx, q); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "match sweep failed", "track", q.Track, "level", q.Level, "err", err)
			}
		}
	}
}

// SweepQueue runs one sweep of q now. Run calls it; tests call it to act at a chosen moment.
func (s *Service) SweepQueue(ctx context.Context, q Queue) error {
	now := s.cfg.Now()
	res, err := s.store.Sweep(ctx, q, now, s.cfg.Keep, now.Add(s.cfg.MaxWait))
	if err != nil {
		return err
	}
	for _, u := range res.NoShows {
		if err := s.store.CountNoShow(ctx, u); err != nil {
			return err
		}
	}
	for _, u := range res.Requeued {
		// The requeued ticket waits afresh; keep the marker alive as long.
		if err := s.store.TouchMarker(ctx, u, s.markerTTL()); err != nil {
			return err
		}
	}
	touched := slices.Concat(res.NoShows, res.Requeued, res.Expired)
	if len(touched) > 0 {
		s.notify(ctx, touched...)
	}
	return s.pairAll(ctx, q)
}
