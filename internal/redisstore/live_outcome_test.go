package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestFailedAppendIsOutcomeUnknown: a write the store did not confirm is reported as
// outcome_unknown (the client re-sends it with the same seq and gets its one true result), never
// as an error that "changed nothing"; a failed read is store_unavailable.
func TestFailedAppendIsOutcomeUnknown(t *testing.T) {
	srv := redistest.Shared(t)
	dead := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	_ = dead.Close()
	s := redisstore.NewLiveStore(dead, redisstore.Keys{Prefix: redistest.Prefix(t)}, false)
	_, err := s.Append(t.Context(), "r-out", live.AppendRequest{ClientID: "u c", Seq: 1, Now: time.Now(),
		Events: []live.NewEvent{{Type: live.TypeChatMessage, Actor: "u", Data: map[string]string{"text": "hi"}}}})
	if mockroom.ErrorCode(err) != "outcome_unknown" || mockroom.ErrorKind(err) != mockroom.KindUnavailable {
		t.Errorf("append on a dead store: %v, want outcome_unknown", err)
	}
	if _, err := s.State(t.Context(), "r-out"); mockroom.ErrorCode(err) != "store_unavailable" {
		t.Errorf("read on a dead store: %v, want store_unavailable", err)
	}
}
