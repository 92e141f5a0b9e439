package room

import (
	"context"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// transitionStore records the transitions that reach the store; other methods are not used.
type transitionStore struct {
	Store
	calls int
}

func (s *transitionStore) Transition(context.Context, mockroom.RoomID, mockroom.RoomState, mockroom.RoomState, time.Time) error {
	s.calls++
	return nil
}

func (s *transitionStore) Get(_ context.Context, id mockroom.RoomID) (Room, error) {
	return Room{ID: id}, nil
}

func TestTransitionFollowsTheLifecycle(t *testing.T) {
	states := []mockroom.RoomState{mockroom.StateWaiting, mockroom.StateLive, mockroom.StateWrapUp, mockroom.StateClosed}
	legal := map[[2]mockroom.RoomState]bool{
		{mockroom.StateWaiting, mockroom.StateLive}:   true,
		{mockroom.StateWaiting, mockroom.StateClosed}: true,
		{mockroom.StateLive, mockroom.StateWrapUp}:    true,
		{mockroom.StateWrapUp, mockroom.StateClosed}:  true,
	}
	for _, from := range states {
		for _, to := range states {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				store := &transitionStore{}
				s, err := NewService(store, nil, Config{InviteKey: testKey})
				if err != nil {
					t.Fatal(err)
				}
				_, err = s.Transition(t.Context(), "r1", from, to)
				if legal[[2]mockroom.RoomState{from, to}] {
					if err != nil || store.calls != 1 {
						t.Fatalf("legal transition: err %v, store calls %d", err, store.calls)
					}
					return
				}
				if mockroom.ErrorKind(err) != mockroom.KindConflict || mockroom.ErrorCode(err) != "illegal_transition" {
					t.Fatalf("illegal transition: got %v, want conflict illegal_transition", err)
				}
				if store.calls != 0 {
					t.Fatalf("illegal transition reached the store")
				}
			})
		}
	}
}
