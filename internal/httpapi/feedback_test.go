package httpapi

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
)

// feedbackStack is a feedback service on the real bank and real Redis, with what its tests need
// to set rooms up: the rooms (on the same store as the server's) and the rooms' log.
type feedbackStack struct {
	svc   *feedback.Service
	rooms *room.Service
	log   *redisstore.LiveStore
	bank  *bank.Bank
}

// withFeedback mounts the feedback endpoints. rooms, if not nil, is the room service to read;
// otherwise one is built on the real bank.
func withFeedback(st *feedbackStack, rooms func() *room.Service) testEnvOption {
	return withMount(func(t *testing.T, env *testEnv) {
		t.Helper()
		b, err := bank.Load()
		if err != nil {
			t.Fatal(err)
		}
		st.bank = b
		if rooms != nil {
			st.rooms = rooms()
		} else {
			st.rooms, err = room.NewService(redisstore.NewRoomStore(env.Client, env.Keys),
				bank.NewCatalog(b, redisstore.NewBankStore(env.Client, env.Keys)), room.Config{InviteKey: room.DeriveInviteKey(env.Secret)})
			if err != nil {
				t.Fatal(err)
			}
		}
		st.log = redisstore.NewLiveStore(env.Client, env.Keys, false)
		st.svc = feedback.NewService(redisstore.NewFeedbackStore(env.Client, env.Keys), st.rooms, b,
			feedback.LiveLog{Store: st.log, Now: time.Now}, feedback.Config{})
		env.Server.MountFeedback(st.svc)
	})
}

// endedMentorRoom creates a mentor room on the real bank with the given users, runs it through
// live to wrap-up and writes a short log: question 0 starts, the candidate chats.
func (st *feedbackStack) endedMentorRoom(t *testing.T, mentor, cand testUser, release room.FeedbackRelease) (room.Room, mockroom.EventOffset) {
	t.Helper()
	ctx := t.Context()
	r, inv, err := st.rooms.Create(ctx, mockroom.Principal{UserID: mockroom.UserID(mentor.ID), Name: mentor.Name},
		room.CreateRequest{Track: "python-developer", PlanID: "junior-30", Title: "Feedback", Settings: room.Settings{FeedbackRelease: release}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.rooms.AcceptInvite(ctx, inv.Candidate, mockroom.Principal{UserID: mockroom.UserID(cand.ID), Name: cand.Name}, cand.Name); err != nil {
		t.Fatal(err)
	}
	chat := st.runLog(t, r.ID, mockroom.UserID(cand.ID), false)
	r, err = st.rooms.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r, chat
}

// endedPeerRoom creates a peer room of a and b and runs both halves to wrap-up.
func (st *feedbackStack) endedPeerRoom(t *testing.T, a, b testUser) room.Room {
	t.Helper()
	ctx := t.Context()
	r, err := st.rooms.CreatePeer(ctx, room.PeerSpec{
		ID: mockroom.RoomID(fmt.Sprintf("peer-%s-%s", a.ID, b.ID)), Track: "python-developer", Level: mockroom.Mid,
		A: room.Peer{UserID: mockroom.UserID(a.ID), Name: a.Name}, B: room.Peer{UserID: mockroom.UserID(b.ID), Name: b.Name},
	})
	if err != nil {
		t.Fatal(err)
	}
	st.runLog(t, r.ID, r.Halves[0].Candidate, true)
	if r, err = st.rooms.Get(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

func (st *feedbackStack) runLog(t *testing.T, id mockroom.RoomID, cand mockroom.UserID, peer bool) mockroom.EventOffset {
	t.Helper()
	ctx := t.Context()
	if _, err := st.rooms.Transition(ctx, id, mockroom.StateWaiting, mockroom.StateLive); err != nil {
		t.Fatal(err)
	}
	add := func(ev live.NewEvent, set ...live.FieldValue) mockroom.EventOffset {
		res, err := st.log.Append(ctx, id, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{ev}, Set: set})
		if err != nil {
			t.Fatal(err)
		}
		return res.Events[0].Offset
	}
	add(live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": 0, "title": "First"}})
	chat := add(live.NewEvent{Type: live.TypeChatMessage, Actor: cand, Data: map[string]string{"text": "thinking aloud"}})
	if peer {
		r, err := st.rooms.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		add(live.NewEvent{Type: live.TypeRolesSwapped, Data: map[string]any{"half": 1}}, live.FieldValue{Field: live.FieldHalf, Value: "1"})
		add(live.NewEvent{Type: live.TypeQuestionStarted, Data: map[string]any{"index": r.Halves[1].FirstQuestion}})
	}
	if _, err := st.rooms.Transition(ctx, id, mockroom.StateLive, mockroom.StateWrapUp); err != nil {
		t.Fatal(err)
	}
	return chat
}

// formContent is a complete form of kind for the given half of r.
func (st *feedbackStack) formContent(r room.Room, kind feedback.Kind, half int, cite ...feedback.Moment) feedback.Content {
	rub := st.bank.Tracks()[0].Rubric
	if kind == feedback.KindInterviewer {
		var c feedback.Content
		for _, it := range rub.InterviewerForm {
			c.Items = append(c.Items, feedback.ItemAnswer{Item: it.ID, Score: 3})
		}
		return c
	}
	c := feedback.Content{Recommendation: "yes", Strengths: "Feedback strength text", Improvements: "Feedback improvement text"}
	for i, q := range rub.Qualities {
		a := feedback.QualityAnswer{Quality: string(q.ID), Score: 3, Evidence: "Feedback evidence text"}
		if i == 0 {
			a.Moments = cite
		}
		c.Qualities = append(c.Qualities, a)
	}
	first := 0
	if len(r.Halves) > half {
		first = r.Halves[half].FirstQuestion
	}
	c.Questions = []feedback.QuestionAnswer{{Index: first, Score: 3, Note: "Feedback question note"}}
	return c
}

func init() {
	var st feedbackStack
	driftEnvOptions = append(driftEnvOptions, withFeedback(&st, nil))
	driftScenarios = append(driftScenarios, driftScenario{Name: "feedback", Run: func(t *testing.T, c *driftClient) { driftFeedback(t, c, &st) }})
}

func driftFeedback(t *testing.T, c *driftClient, st *feedbackStack) {
	mentor, cand, stranger := c.Env.signup(t), c.Env.signup(t), c.Env.signup(t)
	r, chat := st.endedMentorRoom(t, mentor, cand, room.ReleaseHeld)
	base := "/api/v1/rooms/" + string(r.ID) + "/feedback"
	form := base + "/forms/candidate-0"

	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks/python-developer/rubric", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks/python-developer/rubric?version=1", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks/python-developer/rubric?version=9", Token: cand.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/tracks/python-developer/rubric", WantStatus: 401, SkipRequestValidation: true})

	c.Do(t, driftRequest{Method: "GET", Path: base, Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base, Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/rooms/no-such-room/feedback", Token: cand.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/moments?form_id=candidate-0", Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/moments?form_id=candidate-0", Token: cand.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/moments", Token: mentor.AccessToken, WantStatus: 400, SkipRequestValidation: true})

	c.Do(t, driftRequest{Method: "PUT", Path: form + "/draft", Token: mentor.AccessToken, WantStatus: 200, Body: map[string]any{"strengths": "half typed"}})
	c.Do(t, driftRequest{Method: "PUT", Path: form + "/draft", Token: mentor.AccessToken, WantStatus: 400, Body: map[string]any{"qualities": []map[string]any{{"quality": "charisma"}}}})
	c.Do(t, driftRequest{Method: "PUT", Path: form + "/draft", Token: cand.AccessToken, WantStatus: 404, Body: map[string]any{}})
	c.Do(t, driftRequest{Method: "GET", Path: form, Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: form, Token: cand.AccessToken, WantStatus: 404})

	content := st.formContent(r, feedback.KindCandidate, 0, feedback.Moment{From: chat, To: chat})
	bad := st.formContent(r, feedback.KindCandidate, 0)
	bad.Qualities[0].Evidence = ""
	c.Do(t, driftRequest{Method: "POST", Path: form + "/amend", Token: mentor.AccessToken, WantStatus: 409, Body: map[string]any{"request_id": "a0", "content": content}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/submit", Token: mentor.AccessToken, WantStatus: 400, Body: map[string]any{"request_id": "s0", "content": bad}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/submit", Token: mentor.AccessToken, WantStatus: 200, Body: map[string]any{"request_id": "s1", "content": content}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/submit", Token: mentor.AccessToken, WantStatus: 200, Body: map[string]any{"request_id": "s1", "content": content}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/submit", Token: mentor.AccessToken, WantStatus: 409, Body: map[string]any{"request_id": "s2", "content": content}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/amend", Token: mentor.AccessToken, WantStatus: 200, Body: map[string]any{"request_id": "a1", "content": content}})
	c.Do(t, driftRequest{Method: "POST", Path: form + "/submit", Token: cand.AccessToken, WantStatus: 404, Body: map[string]any{"request_id": "x", "content": map[string]any{}}})

	c.Do(t, driftRequest{Method: "POST", Path: base + "/release", Token: cand.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: base + "/release", Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: form, Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base, Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "PUT", Path: form + "/rating", Token: cand.AccessToken, WantStatus: 404, Body: map[string]any{"score": 3}})

	// A peer room: double-blind release and feedback on feedback.
	a, b := c.Env.signup(t), c.Env.signup(t)
	pr := st.endedPeerRoom(t, a, b)
	pbase := "/api/v1/rooms/" + string(pr.ID) + "/feedback"
	users := map[mockroom.UserID]testUser{mockroom.UserID(a.ID): a, mockroom.UserID(b.ID): b}
	for h, half := range pr.Halves {
		for _, kind := range []feedback.Kind{feedback.KindCandidate, feedback.KindInterviewer} {
			author := users[half.Interviewer]
			if kind == feedback.KindInterviewer {
				author = users[half.Candidate]
			}
			id := feedback.NewFormID(kind, h)
			c.Do(t, driftRequest{Method: "POST", Path: pbase + "/forms/" + string(id) + "/submit", Token: author.AccessToken, WantStatus: 200,
				Body: map[string]any{"request_id": "p-" + string(id), "content": st.formContent(pr, kind, h)}})
		}
	}
	c.Do(t, driftRequest{Method: "POST", Path: pbase + "/release", Token: a.AccessToken, WantStatus: 409})
	rated := users[pr.Halves[0].Candidate]
	c.Do(t, driftRequest{Method: "PUT", Path: pbase + "/forms/candidate-0/rating", Token: rated.AccessToken, WantStatus: 200, Body: map[string]any{"score": 4, "line": "specific"}})
	c.Do(t, driftRequest{Method: "PUT", Path: pbase + "/forms/candidate-0/rating", Token: rated.AccessToken, WantStatus: 400, Body: map[string]any{"score": 9}, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/users/" + string(pr.Halves[0].Interviewer) + "/standing", Token: stranger.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/users/nobody/standing", Token: stranger.AccessToken, WantStatus: http.StatusOK})
}
