package room_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
	"github.com/mockroom/mockroom/internal/room/roomtest"
	"github.com/redis/go-redis/v9"
)

type fixture struct {
	svc    *room.Service
	client *redis.Client
	keys   redisstore.Keys
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	client := redistest.Shared(t).Client(t)
	keys := redisstore.Keys{Prefix: redistest.Prefix(t)}
	svc, err := room.NewService(redisstore.NewRoomStore(client, keys), roomtest.NewBank(3), room.Config{
		InviteKey: room.DeriveInviteKey([]byte("room tests secret, 32 bytes long!")), WaitingTTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, client: client, keys: keys}
}

func person(id string) mockroom.Principal {
	return mockroom.Principal{UserID: mockroom.UserID(id), Name: "Name of " + id}
}

func (f fixture) mentorRoom(t *testing.T) (room.Room, room.Invites) {
	t.Helper()
	r, inv, err := f.svc.Create(t.Context(), person("mentor"), room.CreateRequest{Track: roomtest.Track, PlanID: "mentor-20"})
	if err != nil {
		t.Fatal(err)
	}
	return r, inv
}

func wantCode(t *testing.T, err error, kind mockroom.Kind, code string) {
	t.Helper()
	if mockroom.ErrorKind(err) != kind || mockroom.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s %s", err, kind, code)
	}
}

func TestCreateInstantiatesThePlan(t *testing.T) {
	f := newFixture(t)
	r, inv := f.mentorRoom(t)
	if r.State != mockroom.StateWaiting || r.Kind != mockroom.RoomMentor || len(r.Questions) != 3 {
		t.Fatalf("room = %+v", r)
	}
	if r.Questions[0].QuestionID == "" || r.Questions[0].QuestionID == r.Questions[1].QuestionID || r.Questions[2].Category != mockroom.CategoryOwnQuestions {
		t.Fatalf("questions = %+v", r.Questions)
	}
	if inv.Candidate == "" || inv.Observer == "" || inv.Candidate == inv.Observer {
		t.Fatalf("invites = %+v", inv)
	}
	got, err := f.svc.Get(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The revision is the store's: the room as created does not know it.
	got.Revision = 0
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("stored room (-created +read):\n%s", diff)
	}
	ttl := f.client.PTTL(t.Context(), f.keys.Room(r.ID)).Val()
	if ttl <= 0 || ttl > time.Hour {
		t.Errorf("a waiting room must expire within its TTL, PTTL = %v", ttl)
	}
}

func TestCreateRefusesBadRequests(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		req  room.CreateRequest
		kind mockroom.Kind
		code string
	}{
		{"no track", room.CreateRequest{PlanID: "mentor-20"}, mockroom.KindInvalid, "missing_field"},
		{"no plan", room.CreateRequest{Track: roomtest.Track}, mockroom.KindInvalid, "missing_field"},
		{"unknown plan", room.CreateRequest{Track: roomtest.Track, PlanID: "nope"}, mockroom.KindNotFound, "plan_not_found"},
		{"unknown track", room.CreateRequest{Track: "nope", PlanID: "mentor-20"}, mockroom.KindNotFound, "track_not_found"},
		{"both plan forms", room.CreateRequest{Track: roomtest.Track, PlanID: "mentor-20", Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Minutes: 5}}}, mockroom.KindInvalid, "plan_ambiguous"},
		{"slot minutes", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Minutes: 0}}}, mockroom.KindInvalid, "minutes_out_of_range"},
		{"slot minutes and seconds", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Minutes: 1, Seconds: 3}}}, mockroom.KindInvalid, "slot_budget_ambiguous"},
		{"slot seconds negative", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Seconds: -3}}}, mockroom.KindInvalid, "seconds_out_of_range"},
		{"slot seconds over an hour", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{Category: mockroom.CategoryTechnical, Seconds: 3601}}}, mockroom.KindInvalid, "seconds_out_of_range"},
		{"plan over three hours counting seconds", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{
			{Category: mockroom.CategoryTechnical, Minutes: 60}, {Category: mockroom.CategoryTechnical, Minutes: 60},
			{Category: mockroom.CategoryTechnical, Minutes: 59}, {Category: mockroom.CategoryOwnQuestions, Seconds: 61},
		}}, mockroom.KindInvalid, "plan_too_long"},
		{"slot category", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{Category: "gossip", Minutes: 5}}}, mockroom.KindInvalid, "unknown_category"},
		{"slot question", room.CreateRequest{Track: roomtest.Track, Slots: []mockroom.Slot{{QuestionID: "missing", Minutes: 5}}}, mockroom.KindNotFound, "question_not_found"},
		{"allowance", room.CreateRequest{Track: roomtest.Track, PlanID: "mentor-20", Settings: room.Settings{Allowance: 3}}, mockroom.KindInvalid, "invalid_allowance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.svc.Create(t.Context(), person("mentor"), tt.req)
			wantCode(t, err, tt.kind, tt.code)
		})
	}
	ids, err := f.client.Keys(t.Context(), f.keys.Prefix+"*").Result()
	if err != nil || len(ids) != 0 {
		t.Fatalf("refused requests left keys behind: %v %v", ids, err)
	}
}

func TestCustomSlots(t *testing.T) {
	f := newFixture(t)
	r, _, err := f.svc.Create(t.Context(), person("mentor"), room.CreateRequest{Track: roomtest.Track, Title: "Mine", Slots: []mockroom.Slot{
		{QuestionID: "system_design-senior-1", Minutes: 20},
		{Category: mockroom.CategoryBehavioral, Difficulty: mockroom.Junior, Minutes: 5},
		{Category: mockroom.CategoryTechnical, Difficulty: mockroom.Junior, Seconds: 3},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Mine" || r.Questions[0].QuestionID != "system_design-senior-1" || r.Questions[0].Minutes != 20 || r.Questions[1].Category != mockroom.CategoryBehavioral {
		t.Fatalf("room = %+v", r)
	}
	// A slot given in seconds keeps its seconds and does not take the question's minutes.
	if q := r.Questions[2]; q.Seconds != 3 || q.Minutes != 0 || q.QuestionID == "" {
		t.Fatalf("seconds slot became %+v", q)
	}
}

func TestSeats(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r, inv := f.mentorRoom(t)

	if _, p, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil || p.Role != mockroom.RoleCandidate {
		t.Fatalf("candidate join: %v %+v", err, p)
	}
	// The same person following the link again is a rejoin, not a second use.
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatalf("candidate rejoin: %v", err)
	}
	_, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("other"), "")
	wantCode(t, err, mockroom.KindConflict, "invite_used")

	fresh, err := f.svc.IssueInvites(ctx, r.ID, "mentor")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.AcceptInvite(ctx, fresh.Candidate, person("other"), "")
	wantCode(t, err, mockroom.KindConflict, "candidate_taken")
	_, _, err = f.svc.AcceptInvite(ctx, fresh.Candidate, person("mentor"), "")
	wantCode(t, err, mockroom.KindConflict, "already_participant")
	_, err = f.svc.IssueInvites(ctx, r.ID, "cand")
	wantCode(t, err, mockroom.KindForbidden, "not_room_owner")

	for i := range 5 {
		if _, _, err := f.svc.AcceptInvite(ctx, inv.Observer, person(fmt.Sprintf("obs%d", i)), ""); err != nil {
			t.Fatalf("observer %d: %v", i, err)
		}
	}
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Observer, person("obs0"), ""); err != nil {
		t.Fatalf("observer rejoin: %v", err)
	}
	_, _, err = f.svc.AcceptInvite(ctx, inv.Observer, person("obs5"), "")
	wantCode(t, err, mockroom.KindConflict, "observers_full")

	got, err := f.svc.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[mockroom.Role]int{}
	for _, p := range got.Participants {
		roles[p.Role]++
	}
	if diff := cmp.Diff(map[mockroom.Role]int{mockroom.RoleInterviewer: 1, mockroom.RoleCandidate: 1, mockroom.RoleObserver: 5}, roles); diff != "" {
		t.Errorf("seats (-want +got):\n%s", diff)
	}
	if p, err := f.svc.Member(ctx, r.ID, "cand"); err != nil || p.Role != mockroom.RoleCandidate {
		t.Errorf("Member(cand) = %+v, %v", p, err)
	}
	_, err = f.svc.Member(ctx, r.ID, "other")
	wantCode(t, err, mockroom.KindForbidden, "not_participant")

	asked, err := f.client.SMembers(ctx, f.keys.UserAsked("cand")).Result()
	if err != nil || len(asked) != 2 {
		t.Errorf("candidate's asked questions = %v, %v; want the room's two", asked, err)
	}
}

func TestConcurrentCandidatesGetOneSeat(t *testing.T) {
	f := newFixture(t)
	r, _ := f.mentorRoom(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		inv, err := f.svc.IssueInvites(t.Context(), r.ID, "mentor")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _, err := f.svc.AcceptInvite(t.Context(), inv.Candidate, person(fmt.Sprintf("c%d", i)), "")
			errs <- err
		}()
	}
	won := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			won++
		case mockroom.ErrorCode(err) != "candidate_taken":
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d candidates got the seat, want 1", won)
	}
}

func TestTransitionIsACompareAndSet(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r, inv := f.mentorRoom(t)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		from, to mockroom.RoomState
		code     string
	}{
		{mockroom.StateLive, mockroom.StateWrapUp, "state_stale"},
		{mockroom.StateWaiting, mockroom.StateLive, ""},
		{mockroom.StateWaiting, mockroom.StateLive, "state_stale"},
		{mockroom.StateLive, mockroom.StateClosed, "illegal_transition"},
		{mockroom.StateLive, mockroom.StateWrapUp, ""},
		{mockroom.StateWrapUp, mockroom.StateClosed, ""},
		{mockroom.StateClosed, mockroom.StateWaiting, "illegal_transition"},
	}
	for _, st := range steps {
		got, err := f.svc.Transition(ctx, r.ID, st.from, st.to)
		if st.code != "" {
			wantCode(t, err, mockroom.KindConflict, st.code)
			continue
		}
		if err != nil || got.State != st.to {
			t.Fatalf("%s→%s: %v, state %s", st.from, st.to, err, got.State)
		}
		if st.to == mockroom.StateLive {
			if got.StartedAt.IsZero() {
				t.Error("started_at not stamped")
			}
			for _, k := range []string{f.keys.Room(r.ID), f.keys.RoomParticipants(r.ID), f.keys.RoomInvitesUsed(r.ID)} {
				if ttl := f.client.PTTL(ctx, k).Val(); ttl != -1 {
					t.Errorf("%s: a live room is kept, but PTTL = %v", k, ttl)
				}
			}
		}
	}
	_, err := f.svc.Transition(ctx, "no-such-room", mockroom.StateWaiting, mockroom.StateLive)
	wantCode(t, err, mockroom.KindNotFound, "room_not_found")
	_, _, err = f.svc.AcceptInvite(ctx, inv.Observer, person("late"), "")
	wantCode(t, err, mockroom.KindConflict, "room_closed")
}

func TestConcurrentStartHasOneWinner(t *testing.T) {
	f := newFixture(t)
	r, _ := f.mentorRoom(t)
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := f.svc.Transition(t.Context(), r.ID, mockroom.StateWaiting, mockroom.StateLive)
			errs <- err
		}()
	}
	won := 0
	for range n {
		if err := <-errs; err == nil {
			won++
		} else if mockroom.ErrorCode(err) != "state_stale" {
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d starts succeeded, want 1", won)
	}
}

func TestCloseBeforeStart(t *testing.T) {
	f := newFixture(t)
	r, inv := f.mentorRoom(t)
	_, err := f.svc.Close(t.Context(), r.ID, "someone")
	wantCode(t, err, mockroom.KindForbidden, "not_room_owner")
	got, err := f.svc.Close(t.Context(), r.ID, "mentor")
	if err != nil || got.State != mockroom.StateClosed {
		t.Fatalf("close: %v %s", err, got.State)
	}
	if ttl := f.client.PTTL(t.Context(), f.keys.Room(r.ID)).Val(); ttl <= 0 {
		t.Errorf("a room closed before it started still expires, PTTL = %v", ttl)
	}
	_, err = f.svc.CheckInvite(t.Context(), inv.Candidate)
	wantCode(t, err, mockroom.KindConflict, "room_closed")
}

func peerRoom(t *testing.T, f fixture, id mockroom.RoomID) room.Room {
	t.Helper()
	r, err := f.svc.CreatePeer(t.Context(), room.PeerSpec{ID: id, Track: roomtest.Track, Level: mockroom.Mid,
		A: room.Peer{UserID: "ada", Name: "Ada"}, B: room.Peer{UserID: "bo", Name: "Bo"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func names(r room.Room) []string {
	var out []string
	for _, p := range r.Participants {
		out = append(out, p.DisplayName)
	}
	return out
}

func TestRevealOnlyWhenBoth(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := peerRoom(t, f, "peer-1")
	pa, pb := room.Pseudonyms("peer-1")
	if diff := cmp.Diff([]string{pa, pb}, names(r)); diff != "" {
		t.Fatalf("new peer room names (-want +got):\n%s", diff)
	}
	got, err := f.svc.Reveal(ctx, r.ID, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{pa, pb}, names(got)); diff != "" || got.Revealed {
		t.Fatalf("after one reveal (-want +got):\n%s", diff)
	}
	if again, _ := f.svc.Reveal(ctx, r.ID, "ada"); again.Revealed {
		t.Fatal("revealing twice by the same person counted as both")
	}
	_, err = f.svc.Reveal(ctx, r.ID, "eve")
	wantCode(t, err, mockroom.KindForbidden, "not_participant")
	got, err = f.svc.Reveal(ctx, r.ID, "bo")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Ada", "Bo"}, names(got)); diff != "" || !got.Revealed {
		t.Fatalf("after both reveal (-want +got):\n%s", diff)
	}
	m, _ := f.mentorRoom(t)
	_, err = f.svc.Reveal(ctx, m.ID, "mentor")
	wantCode(t, err, mockroom.KindConflict, "not_peer_room")
}

func TestPeerRoomAvoidsAskedQuestions(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// Ada has been asked two of the three mid behavioral questions, Bo the third technical one.
	asked := []string{"behavioral_communication-mid-0", "behavioral_communication-mid-1"}
	f.client.SAdd(ctx, f.keys.UserAsked("ada"), asked[0], asked[1])
	f.client.SAdd(ctx, f.keys.UserAsked("bo"), "technical_proficiency-mid-2")
	r := peerRoom(t, f, "peer-2")
	if len(r.Halves) != 2 || r.Halves[0].Interviewer != "ada" || r.Halves[1].Interviewer != "bo" || r.Halves[1].FirstQuestion != 3 {
		t.Fatalf("halves = %+v", r.Halves)
	}
	seen := map[mockroom.QuestionID]bool{}
	for _, q := range r.Questions {
		if seen[q.QuestionID] {
			t.Errorf("question %s twice in one room", q.QuestionID)
		}
		seen[q.QuestionID] = true
		if slices.Contains(append(asked, "technical_proficiency-mid-2"), string(q.QuestionID)) {
			t.Errorf("question %s was already asked of one of them", q.QuestionID)
		}
	}
	for _, u := range []mockroom.UserID{"ada", "bo"} {
		members := f.client.SMembers(ctx, f.keys.UserAsked(u)).Val()
		for id := range seen {
			if !slices.Contains(members, string(id)) {
				t.Errorf("%s's asked set lacks %s", u, id)
			}
		}
	}
	// Creating the same peer room again is harmless.
	again := peerRoom(t, f, "peer-2")
	if diff := cmp.Diff(r.Questions, again.Questions); diff != "" {
		t.Errorf("second CreatePeer changed the room:\n%s", diff)
	}
}

func TestMine(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	a, inv := f.mentorRoom(t)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatal(err)
	}
	b, _ := f.mentorRoom(t)
	if _, err := f.svc.Transition(ctx, b.ID, mockroom.StateWaiting, mockroom.StateLive); err != nil {
		t.Fatal(err)
	}
	mine, err := f.svc.Mine(ctx, "mentor")
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Upcoming) != 1 || mine.Upcoming[0].ID != a.ID || len(mine.Live) != 1 || mine.Live[0].ID != b.ID || len(mine.Past) != 0 {
		t.Fatalf("mentor's rooms = %+v", mine)
	}
	cand, err := f.svc.Mine(ctx, "cand")
	if err != nil {
		t.Fatal(err)
	}
	if len(cand.Upcoming) != 1 || cand.Upcoming[0].Questions[0].Title != "" {
		t.Fatalf("candidate's rooms must list the room without question titles: %+v", cand)
	}
	// An expired room drops out of the list.
	f.client.Del(ctx, f.keys.Room(a.ID), f.keys.RoomParticipants(a.ID))
	mine, err = f.svc.Mine(ctx, "mentor")
	if err != nil || len(mine.Upcoming) != 0 || len(mine.Live) != 1 {
		t.Fatalf("after expiry: %+v %v", mine, err)
	}
	if n := f.client.ZCard(ctx, f.keys.UserRooms("mentor")).Val(); n != 1 {
		t.Errorf("expired room still in the user's index: %d entries", n)
	}
}

// TestSeatAgreesWithTheRoom: Seat, which reads one participant, gives the role the whole room
// gives, refuses a stranger, and tells a room that does not exist (or no longer does) apart.
func TestSeatAgreesWithTheRoom(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r, inv := f.mentorRoom(t)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Observer, person("obs"), ""); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Participants) != 3 {
		t.Fatalf("participants = %+v", got.Participants)
	}
	for _, p := range got.Participants {
		role, ok, err := f.svc.Seat(ctx, r.ID, p.UserID)
		if err != nil || !ok || role != p.Role {
			t.Errorf("Seat(%s) = %q %v %v, want %q", p.UserID, role, ok, err, p.Role)
		}
	}
	if role, ok, err := f.svc.Seat(ctx, r.ID, "stranger"); err != nil || ok || role != "" {
		t.Errorf("Seat(stranger) = %q %v %v, want no seat and no error", role, ok, err)
	}
	_, ok, err := f.svc.Seat(ctx, "no-such-room", "cand")
	wantCode(t, err, mockroom.KindNotFound, "room_not_found")
	if ok {
		t.Error("a seat in a room that does not exist")
	}
	// A room whose keys are gone (expired) has no seats, whoever asks.
	if err := f.client.Del(ctx, f.keys.Room(r.ID), f.keys.RoomParticipants(r.ID)).Err(); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Seat(ctx, r.ID, "cand")
	wantCode(t, err, mockroom.KindNotFound, "room_not_found")
}

// The record's revision moves with every write that changes what Get returns, and only then;
// Revision reads it alone, and Get returns it with the rest.
func TestRevisionMovesWithEveryChange(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r, inv := f.mentorRoom(t)
	last, err := f.svc.Revision(ctx, r.ID)
	if err != nil || last == 0 {
		t.Fatalf("a new room has revision %d (%v)", last, err)
	}
	step := func(what string, moves bool) {
		t.Helper()
		rev, err := f.svc.Revision(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != rev {
			t.Errorf("%s: Get says revision %d, Revision %d", what, got.Revision, rev)
		}
		if moved := rev != last; moved != moves {
			t.Errorf("%s: revision %d → %d, want moved=%v", what, last, rev, moves)
		}
		last = rev
	}
	step("nothing", false)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatal(err)
	}
	step("the candidate joined", true)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Candidate, person("cand"), ""); err != nil {
		t.Fatal(err)
	}
	step("the candidate followed the link again", false)
	if _, err := f.svc.Transition(ctx, r.ID, mockroom.StateWaiting, mockroom.StateLive); err != nil {
		t.Fatal(err)
	}
	step("the room went live", true)
	if _, err := f.svc.Transition(ctx, r.ID, mockroom.StateWaiting, mockroom.StateLive); err == nil {
		t.Fatal("a stale transition went through")
	}
	step("a stale transition", false)
	if _, err := f.svc.Transition(ctx, r.ID, mockroom.StateLive, mockroom.StateWrapUp); err != nil {
		t.Fatal(err)
	}
	step("the session ended", true)
	if err := f.svc.ShareNotes(ctx, r.ID, "mentor"); err != nil {
		t.Fatal(err)
	}
	step("the interviewer shared their notes", true)

	p := peerRoom(t, f, "peer-rev")
	before, _ := f.svc.Revision(ctx, p.ID)
	if _, err := f.svc.Reveal(ctx, p.ID, "ada"); err != nil {
		t.Fatal(err)
	}
	if after, _ := f.svc.Revision(ctx, p.ID); after == before {
		t.Errorf("a reveal left the revision at %d", after)
	}

	// A room that is gone has revision 0, and sharing notes there leaves no key behind.
	store := redisstore.NewRoomStore(f.client, f.keys)
	if rev, err := f.svc.Revision(ctx, "no-such-room"); err != nil || rev != 0 {
		t.Errorf("Revision of a missing room = %d, %v; want 0", rev, err)
	}
	if err := store.ShareNotes(ctx, "no-such-room", "mentor"); err != nil {
		t.Fatal(err)
	}
	if n := f.client.Exists(ctx, f.keys.Room("no-such-room")).Val(); n != 0 {
		t.Error("sharing notes in a missing room made its meta hash")
	}
}

// An account erasure of an earlier release replaced raw values equal to the person's name, the
// observers' count too when the name was its number: the next observer's join counts the
// observers again instead of failing.
func TestObserverJoinAfterTheCountBecameAName(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r, inv := f.mentorRoom(t)
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Observer, person("obs0"), ""); err != nil {
		t.Fatal(err)
	}
	if err := f.client.HSet(ctx, f.keys.Room(r.ID), "observers", redisstore.PseudonymName).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AcceptInvite(ctx, inv.Observer, person("obs1"), ""); err != nil {
		t.Fatalf("an observer's join after the count became a name: %v", err)
	}
	if n := f.client.HGet(ctx, f.keys.Room(r.ID), "observers").Val(); n != "2" {
		t.Errorf("observers counted %q, want 2", n)
	}
}
