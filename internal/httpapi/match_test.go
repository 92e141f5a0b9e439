package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// withMatch mounts the matching endpoints (and the room endpoints, which peer rooms are read
// through), with the node's notification subscription running until the test ends.
func withMatch(t *testing.T, env *testEnv) {
	t.Helper()
	rooms, err := room.NewService(redisstore.NewRoomStore(env.Client, env.Keys), roomtest.NewBank(3), room.Config{
		InviteKey: room.DeriveInviteKey(env.Secret),
	})
	if err != nil {
		t.Fatal(err)
	}
	notifier := redisstore.NewMatchNotifier(env.Client, env.Keys)
	svc, err := match.NewService(redisstore.NewMatchStore(env.Client, env.Keys), notifier, rooms, match.Config{Tracks: []mockroom.TrackID{roomtest.Track}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = notifier.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-notifier.Ready()
	env.Server.MountMatch(svc)
	env.Server.MountRooms(rooms, env.Accounts, testPublicURL)
}

func TestPeerMatchOverHTTP(t *testing.T) {
	env := newTestEnv(t, withMount(withMatch))
	ada, bo := env.signup(t), env.signup(t)
	join := map[string]any{"track": roomtest.Track, "level": "mid", "categories": []string{"system_design"}}

	res, body := env.do(t, "POST", "/api/v1/match/queue", ada.AccessToken, join)
	if res.StatusCode != http.StatusAccepted || decode[match.View](t, body).Status != match.StatusWaiting {
		t.Fatalf("ada joins: %d %s", res.StatusCode, body)
	}
	res, body = env.do(t, "POST", "/api/v1/match/queue", ada.AccessToken, join)
	if res.StatusCode != http.StatusConflict || errorCode(t, body) != "already_queued" {
		t.Fatalf("ada joins twice: %d %s", res.StatusCode, body)
	}

	// Ada's long-poll is answered when Bo arrives.
	waited := make(chan match.View, 1)
	go func() {
		res, body := env.do(t, "GET", "/api/v1/match/wait?timeout=20s", ada.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("wait: %d %s", res.StatusCode, body)
		}
		waited <- decode[match.View](t, body)
	}()
	res, body = env.do(t, "POST", "/api/v1/match/queue", bo.AccessToken, join)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("bo joins: %d %s", res.StatusCode, body)
	}
	vb := decode[match.View](t, body)
	var va match.View
	select {
	case va = <-waited:
	case <-testwait.After(t):
		t.Fatal("ada's wait was not answered")
	}
	if va.Status != match.StatusMatched || vb.Status != match.StatusMatched || va.Match.ID != vb.Match.ID {
		t.Fatalf("ada %+v, bo %+v: want one match", va, vb)
	}

	res, body = env.do(t, "POST", "/api/v1/match/"+va.Match.ID+"/confirm", ada.AccessToken, nil)
	if res.StatusCode != http.StatusOK || !decode[match.View](t, body).Match.Confirmed {
		t.Fatalf("ada confirms: %d %s", res.StatusCode, body)
	}
	if va.ServerTime.IsZero() || !va.Match.ConfirmBy.After(va.ServerTime) {
		t.Fatalf("ada's view: server_time %v, confirm_by %v; want the deadline ahead of the server's clock", va.ServerTime, va.Match.ConfirmBy)
	}
	// Having confirmed, Ada waits for Bo on the long poll; it answers when he confirms.
	go func() {
		res, body := env.do(t, "GET", "/api/v1/match/wait?timeout=20s&seen_match="+va.Match.ID, ada.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("wait for the peer: %d %s", res.StatusCode, body)
		}
		waited <- decode[match.View](t, body)
	}()
	res, body = env.do(t, "POST", "/api/v1/match/"+va.Match.ID+"/confirm", bo.AccessToken, nil)
	final := decode[match.View](t, body)
	if res.StatusCode != http.StatusOK || final.Status != match.StatusConfirmed || final.Match.RoomID == "" {
		t.Fatalf("bo confirms: %d %s", res.StatusCode, body)
	}
	select {
	case va = <-waited:
	case <-testwait.After(t):
		t.Fatal("ada's wait for her peer was not answered")
	}
	if va.Status != match.StatusConfirmed || va.Match.RoomID != final.Match.RoomID {
		t.Fatalf("ada's wait for her peer = %+v, want confirmed in room %s", va, final.Match.RoomID)
	}

	roomPath := "/api/v1/rooms/" + string(final.Match.RoomID)
	names := func(token string) []string {
		t.Helper()
		res, body := env.do(t, "GET", roomPath, token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("peer room: %d %s", res.StatusCode, body)
		}
		mustNotLeak(t, body)
		r := decode[room.Room](t, body)
		return []string{r.Participants[0].DisplayName, r.Participants[1].DisplayName}
	}
	pa, pb := room.Pseudonyms(final.Match.RoomID)
	if got := names(ada.AccessToken); got[0] != pa || got[1] != pb {
		t.Fatalf("names before reveal = %v", got)
	}
	env.do(t, "POST", roomPath+"/reveal", ada.AccessToken, nil)
	if got := names(bo.AccessToken); got[0] != pa {
		t.Fatalf("names after one reveal = %v", got)
	}
	env.do(t, "POST", roomPath+"/reveal", bo.AccessToken, nil)
	// Ada is usually A (she waited longer), but two people queued within the same millisecond
	// are in the queue's own order: either may be first.
	if got := names(bo.AccessToken); !(got[0] == ada.Name && got[1] == bo.Name) && !(got[0] == bo.Name && got[1] == ada.Name) {
		t.Fatalf("names after both reveal = %v, want %s and %s", got, ada.Name, bo.Name)
	}

	res, body = env.do(t, "GET", "/api/v1/match/wait?timeout=forever", ada.AccessToken, nil)
	if res.StatusCode != http.StatusBadRequest || errorCode(t, body) != "invalid_timeout" {
		t.Fatalf("bad timeout: %d %s", res.StatusCode, body)
	}
}
