package room_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
)

// announcer records what the room service announces; fail makes the next call fail.
type announcer struct {
	calls  [][]string
	closed []mockroom.RoomID
	fail   error
}

func (a *announcer) RoomClosed(_ context.Context, id mockroom.RoomID) error {
	if err := a.fail; err != nil {
		a.fail = nil
		return err
	}
	a.closed = append(a.closed, id)
	return nil
}

func (a *announcer) NamesRevealed(_ context.Context, _ mockroom.RoomID, ps []room.Participant) error {
	if err := a.fail; err != nil {
		a.fail = nil
		return err
	}
	var got []string
	for _, p := range ps {
		got = append(got, string(p.UserID)+"="+p.DisplayName)
	}
	a.calls = append(a.calls, got)
	return nil
}

func TestRevealAnnouncesNamesOnceBothAgreed(t *testing.T) {
	client := redistest.Shared(t).Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	ann := &announcer{}
	svc, err := room.NewService(redisstore.NewRoomStore(client, keys), roomtest.NewBank(3), room.Config{
		InviteKey: room.DeriveInviteKey([]byte("room tests secret, 32 bytes long!")), WaitingTTL: time.Hour, Announcer: ann,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{svc: svc, client: client, keys: keys}
	ctx := t.Context()
	r := peerRoom(t, f, "peer-ann")

	if _, err := svc.Reveal(ctx, r.ID, "ada"); err != nil {
		t.Fatal(err)
	}
	if len(ann.calls) != 0 {
		t.Fatalf("announced after one reveal: %v", ann.calls)
	}
	ann.fail = errors.New("store down")
	if _, err := svc.Reveal(ctx, r.ID, "bo"); err == nil {
		t.Fatal("a failed announcement was not reported")
	}
	// The retry finds both agreed and announces.
	got, err := svc.Reveal(ctx, r.ID, "bo")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Revealed {
		t.Fatal("the room is not revealed after both agreed")
	}
	want := [][]string{{"ada=Ada", "bo=Bo"}}
	if diff := cmp.Diff(want, ann.calls); diff != "" {
		t.Errorf("announcements (-want +got):\n%s", diff)
	}
}

func TestCloseAnnouncesToTheLiveRoom(t *testing.T) {
	client := redistest.Shared(t).Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	ann := &announcer{}
	svc, err := room.NewService(redisstore.NewRoomStore(client, keys), roomtest.NewBank(3), room.Config{
		InviteKey: room.DeriveInviteKey([]byte("room tests secret, 32 bytes long!")), WaitingTTL: time.Hour, Announcer: ann,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{svc: svc, client: client, keys: keys}
	r, _ := f.mentorRoom(t)
	ann.fail = errors.New("store down")
	if _, err := svc.Close(t.Context(), r.ID, "mentor"); err == nil {
		t.Fatal("a failed announcement was not reported")
	}
	// The retry of a close that is already recorded announces it.
	got, err := svc.Close(t.Context(), r.ID, "mentor")
	if err != nil || got.State != mockroom.StateClosed {
		t.Fatalf("close retry: %v %s", err, got.State)
	}
	if diff := cmp.Diff([]mockroom.RoomID{r.ID}, ann.closed); diff != "" {
		t.Errorf("closings announced (-want +got):\n%s", diff)
	}
}
