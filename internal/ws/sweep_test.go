package ws_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/ws"
)

var _ ws.SessionBatch = (*account.Service)(nil)

// batchAuth is fakeAuth that also checks sessions in batches, and counts how it was asked.
type batchAuth struct {
	*fakeAuth
	mu      sync.Mutex
	batches [][]account.SessionRef
	singles int
}

func (b *batchAuth) SessionsActive(ctx context.Context, refs []account.SessionRef) ([]bool, error) {
	b.mu.Lock()
	b.batches = append(b.batches, append([]account.SessionRef(nil), refs...))
	b.mu.Unlock()
	out := make([]bool, len(refs))
	for i, r := range refs {
		out[i], _ = b.fakeAuth.SessionActive(ctx, r.UserID, r.SessionID)
	}
	return out, nil
}

func (b *batchAuth) SessionActive(ctx context.Context, user mockroom.UserID, sid string) (bool, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.fakeAuth.SessionActive(ctx, user, sid)
}

// TestSweepChecksSessionsInOneBatch: with a Verifier that checks sessions in batches, the sweep
// asks once per round for every distinct session (a person's two sockets share one check),
// never one by one, and a revoked session still closes exactly its own sockets.
func TestSweepChecksSessionsInOneBatch(t *testing.T) {
	var auth *batchAuth
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.AuthCheckInterval = 20 * time.Millisecond
		auth = &batchAuth{fakeAuth: c.Auth.(*fakeAuth)}
		c.Auth = auth
	})
	h.mentorRoom("r-batch")
	iv := h.join(interviewer, "r-batch")
	c1 := h.join(candidate, "r-batch")
	c2 := h.join(candidate, "r-batch")
	h.auth.revoke("sid-" + string(candidate.UserID))
	for _, c := range []*client{c1, c2} {
		if got := c.waitClose(); got != 4001 {
			t.Errorf("close code %d, want 4001", got)
		}
	}
	// The interviewer's socket is still open and answered.
	iv.command("auth.refresh", map[string]any{"access_token": h.token(interviewer)})

	auth.mu.Lock()
	defer auth.mu.Unlock()
	if auth.singles != 0 {
		t.Errorf("the sweep checked %d sessions one by one", auth.singles)
	}
	if len(auth.batches) == 0 {
		t.Fatal("no batched session check")
	}
	for _, b := range auth.batches {
		seen := map[account.SessionRef]bool{}
		for _, r := range b {
			if seen[r] {
				t.Fatalf("a batch asked for %+v twice: %v", r, b)
			}
			seen[r] = true
		}
		if len(b) > 2 {
			t.Errorf("a batch of %d sessions for two people: %v", len(b), b)
		}
	}
}
