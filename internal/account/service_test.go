package account

import (
	"context"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Only the parts a test touches are implemented; calling anything else panics, which is the
// point: these tests must not reach the store.
type unusedStore struct{ Store }
type unusedCounter struct{ Counter }
type unusedTokens struct{ AccessIssuer }

func TestHashingWaitsForAFreeSlot(t *testing.T) {
	light := LightHashParams
	s, err := NewService(Options{Store: unusedStore{}, Counter: unusedCounter{}, Tokens: unusedTokens{}, Hash: &light, MaxConcurrentHashes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.acquireHash(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The only slot is taken: a caller whose context ends gives up with a clear error instead of
	// queueing forever.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.hashNew(ctx, "a long password"); mockroom.ErrorKind(err) != mockroom.KindUnavailable {
		t.Fatalf("hash with no free slot: %v", err)
	}
	<-s.hashSlots
	if _, err := s.hashNew(t.Context(), "a long password"); err != nil {
		t.Fatalf("hash with a free slot: %v", err)
	}
	if len(s.hashSlots) != 0 {
		t.Error("hashNew did not give its slot back")
	}
}

func TestNewServiceNeedsItsParts(t *testing.T) {
	if _, err := NewService(Options{Store: unusedStore{}, Tokens: unusedTokens{}}); err == nil {
		t.Error("NewService without a Counter succeeded")
	}
}

func TestRefreshTokenShape(t *testing.T) {
	tok, hash, err := newRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || len(hash) != 64 {
		t.Errorf("token %d chars, hash %d chars", len(tok), len(hash))
	}
	if h, err := hashRefresh(tok); err != nil || h != hash {
		t.Errorf("hashRefresh(token) = %q, %v; want %q", h, err, hash)
	}
	for _, bad := range []string{"", "short", tok + "A", tok[:42] + "!"} {
		if _, err := hashRefresh(bad); mockroom.ErrorCode(err) != "refresh_invalid" {
			t.Errorf("hashRefresh(%q) = %v", bad, err)
		}
	}
}
