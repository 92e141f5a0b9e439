package live

import (
	"context"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// pollTimers looks at every timer shard each PollEvery and fires what is due. Every node runs
// it; the fire script's generation check makes each item fire once however many nodes race.
func (e *Engine) pollTimers(ctx context.Context) {
	t := time.NewTicker(e.pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for shard := range e.store.TimerShards() {
			if err := e.pollShard(ctx, shard); err != nil && ctx.Err() == nil {
				e.warn.Warn("poll room timers", "shard", shard, "err", err)
			}
		}
	}
}

// pollBatch bounds the timers handled per shard per tick.
const pollBatch = 100

// PollOnce looks at every shard once; Run does it every PollEvery. Exposed for tests and tools.
func (e *Engine) PollOnce(ctx context.Context) error {
	for shard := range e.store.TimerShards() {
		if err := e.pollShard(ctx, shard); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) pollShard(ctx context.Context, shard int) error {
	now := e.now()
	refs, err := e.store.DueTimers(ctx, shard, now, pollBatch)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if err := e.fire(ctx, ref, now); err != nil {
			e.warn.Warn("fire room timer", "room_id", ref.Room, "err", err)
		}
	}
	return nil
}

// fire fires ref and moves its index entry on. The entry is replaced only after the fire
// script ran, so a node dying in between leaves it for another node to handle.
func (e *Engine) fire(ctx context.Context, ref TimerRef, now time.Time) error {
	res, err := e.store.Fire(ctx, ref, now)
	if err != nil {
		return err
	}
	if e.fired != nil && (len(res.Fired) > 0 || res.Advance) {
		// An index entry is never late, only early or stale: one that fired something was due
		// at ref.Due.
		e.fired(max(e.now().Sub(ref.Due), 0))
	}
	if res.Advance {
		if err := e.advance(ctx, ref); err != nil {
			return err // the entry stays due: the next poll, on any node, tries again
		}
		return nil
	}
	return e.store.Settle(ctx, ref, res.Next)
}

// advance starts the next question after an expiry, once: the append checks the generation.
// An editor push that gets in between the state read and the append moves the version the
// question's editor.reset counts on: plan again from the new state.
func (e *Engine) advance(ctx context.Context, ref TimerRef) error {
	info, err := e.rooms.Room(ctx, ref.Room)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		st, err := e.store.State(ctx, ref.Room)
		if err != nil {
			return err
		}
		if st.TimerGen != ref.Gen || st.Phase != mockroom.StateLive {
			return e.store.Settle(ctx, ref, TimerRef{})
		}
		req := AppendRequest{Now: e.now(), Checks: []Check{
			{Field: FieldTimerGen, Value: genValue(st.TimerGen)},
			{Field: FieldPhase, Value: phaseValue(st.Phase)},
		}}
		req, arm, err := e.startQuestion(ctx, info, st, req, st.QIndex+1, st.TimerGen+1, "auto", "")
		if err != nil {
			return err
		}
		if endsPlan(req) {
			if err := e.transition(ctx, ref.Room, nil, req); err != nil {
				return err
			}
		}
		if arm.Room != "" {
			if err := e.store.ArmTimer(ctx, arm); err != nil {
				return err
			}
		}
		res, err := e.store.Append(ctx, ref.Room, req)
		if err != nil {
			ce, ok := err.(*ConflictError)
			if !ok {
				return err
			}
			if ce.Field == FieldVersion {
				if attempt < maxControlAttempts {
					continue
				}
				return err // the entry stays due: the next poll tries again
			}
			// Another node advanced first.
		}
		e.saveResetDoc(ctx, ref.Room, res.Events)
		return e.store.Settle(ctx, ref, arm)
	}
}
