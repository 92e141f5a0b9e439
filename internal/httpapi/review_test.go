package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/progress"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
)

// withReview mounts the review endpoints on a record service of its own (rooms, log and feedback
// over the server's store); st receives the stack to set sessions up with.
func withReview(st *feedbackStack) testEnvOption {
	return withMount(func(t *testing.T, env *testEnv) {
		t.Helper()
		b, err := bank.Load()
		if err != nil {
			t.Fatal(err)
		}
		st.bank = b
		st.rooms, err = room.NewService(redisstore.NewRoomStore(env.Client, env.Keys),
			bank.NewCatalog(b, redisstore.NewBankStore(env.Client, env.Keys)), room.Config{InviteKey: room.DeriveInviteKey(env.Secret)})
		if err != nil {
			t.Fatal(err)
		}
		st.log = redisstore.NewLiveStore(env.Client, env.Keys, false)
		logs := feedback.LiveLog{Store: st.log, Now: time.Now}
		st.svc = feedback.NewService(redisstore.NewFeedbackStore(env.Client, env.Keys), st.rooms, b, logs, feedback.Config{})
		records := record.NewService(st.rooms, logs, st.svc)
		env.Server.MountReview(records, progress.NewService(records, st.rooms, st.svc, b), env.Accounts)
	})
}

// typeCode appends one editor update by author to a room's log.
func (st *feedbackStack) typeCode(t *testing.T, id mockroom.RoomID, author mockroom.UserID, version int, changes string) {
	t.Helper()
	_, err := st.log.Append(t.Context(), id, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{{
		Type: live.TypeEditorUpdate, Actor: author,
		Data: map[string]any{"version": version, "updates": []editor.Update{{ClientID: "c", Changes: json.RawMessage(changes), Author: author}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
}

func init() {
	// The Markdown export is text; the drift test checks it against the document as such.
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
	var st feedbackStack
	driftEnvOptions = append(driftEnvOptions, withReview(&st))
	driftScenarios = append(driftScenarios, driftScenario{Name: "review", Run: func(t *testing.T, c *driftClient) { driftReview(t, c, &st) }})
}

func driftReview(t *testing.T, c *driftClient, st *feedbackStack) {
	mentor, cand, stranger := c.Env.signup(t), c.Env.signup(t), c.Env.signup(t)
	r, _ := st.endedMentorRoom(t, mentor, cand, room.ReleaseOnSubmit)
	base := "/api/v1/sessions/" + string(r.ID)
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/sessions", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/sessions?role=interviewer&kind=mentor", Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/sessions?role=boss", Token: mentor.AccessToken, WantStatus: 400, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/sessions", WantStatus: 401, SkipRequestValidation: true})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/progress", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/progress?track=python-developer", Token: mentor.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/progress?track=cobol", Token: mentor.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/me/export", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base, Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base, Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/sessions/no-such-room", Token: cand.AccessToken, WantStatus: 404})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/export.json", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/export.md", Token: cand.AccessToken, WantStatus: 200})
	c.Do(t, driftRequest{Method: "GET", Path: base + "/export.md", Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: base + "/notes/share", Token: stranger.AccessToken, WantStatus: 403})
	c.Do(t, driftRequest{Method: "POST", Path: base + "/notes/share", Token: mentor.AccessToken, WantStatus: 204})

	waiting, _, err := st.rooms.Create(t.Context(), mockroom.Principal{UserID: mockroom.UserID(mentor.ID), Name: mentor.Name},
		room.CreateRequest{Track: "python-developer", PlanID: "junior-30", Title: "Not yet"})
	if err != nil {
		t.Fatal(err)
	}
	c.Do(t, driftRequest{Method: "GET", Path: "/api/v1/sessions/" + string(waiting.ID), Token: mentor.AccessToken, WantStatus: 409})
	c.Do(t, driftRequest{Method: "POST", Path: "/api/v1/sessions/" + string(waiting.ID) + "/notes/share", Token: mentor.AccessToken, WantStatus: 409})
}

// TestReviewShowsEachPersonTheirSession runs a session with code and released feedback and reads
// it back through the API: the candidate's list has it with the headline score, the record
// replays to the final code, the Markdown export holds the code and the quoted moment, and the
// interviewer's filter by role finds it while the candidate's does not.
func TestReviewShowsEachPersonTheirSession(t *testing.T) {
	var st feedbackStack
	env := newTestEnv(t, withReview(&st))
	mentor, cand := env.signup(t), env.signup(t)
	r, chat := st.endedMentorRoom(t, mentor, cand, room.ReleaseOnSubmit)
	// The log is closed for the session, but the record reads it whole: add code afterwards
	// as the live room would have written it.
	st.typeCode(t, r.ID, mockroom.UserID(cand.ID), 0, `[[0,"def f():","    return 🐍"]]`)
	content := st.formContent(r, feedback.KindCandidate, 0, feedback.Moment{From: chat, To: chat})
	if _, err := st.svc.Submit(t.Context(), r.ID, mockroom.UserID(mentor.ID), "candidate-0", feedback.SubmitRequest{RequestID: "s1", Content: content}); err != nil {
		t.Fatal(err)
	}

	res, body := env.do(t, "GET", "/api/v1/me/sessions", cand.AccessToken, nil)
	var list sessionsView
	if res.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.Sessions) != 1 {
		t.Fatalf("sessions: %d %s", res.StatusCode, body)
	}
	if h := list.Sessions[0].Headline; h == nil || h.Average != 3 || h.Recommendation != "yes" {
		t.Errorf("headline %+v, want average 3 and the recommendation", h)
	}
	for who, q := range map[testUser]string{mentor: "?role=interviewer", cand: "?role=interviewer"} {
		res, body = env.do(t, "GET", "/api/v1/me/sessions"+q, who.AccessToken, nil)
		var l sessionsView
		_ = json.Unmarshal(body, &l)
		if want := map[string]int{mentor.ID: 1, cand.ID: 0}[who.ID]; res.StatusCode != 200 || len(l.Sessions) != want {
			t.Errorf("%s filtered by interviewer: %d sessions, want %d", who.Name, len(l.Sessions), want)
		}
	}

	res, body = env.do(t, "GET", "/api/v1/sessions/"+string(r.ID), cand.AccessToken, nil)
	var rec record.Record
	if res.StatusCode != 200 || json.Unmarshal(body, &rec) != nil {
		t.Fatalf("record: %d %s", res.StatusCode, body)
	}
	replayed, err := record.Replay(rec.Edits, len(rec.Edits))
	if err != nil || replayed != "def f():\n    return 🐍" || rec.Final.Text != replayed {
		t.Errorf("replay %q (%v), final %q", replayed, err, rec.Final.Text)
	}
	if len(rec.Feedback) != 1 || rec.Feedback[0].About != mockroom.UserID(cand.ID) {
		t.Errorf("candidate's record has %d forms, want the released one", len(rec.Feedback))
	}

	res, body = env.do(t, "GET", "/api/v1/me/progress", cand.AccessToken, nil)
	var prog progress.Progress
	if res.StatusCode != 200 || json.Unmarshal(body, &prog) != nil {
		t.Fatalf("progress: %d %s", res.StatusCode, body)
	}
	if prog.Sessions.Taken != 1 || len(prog.Qualities) == 0 || len(prog.Qualities[0].Points) != 1 || prog.Qualities[0].Points[0].Score != 3 {
		t.Errorf("progress %+v, want one session taken and its released scores", prog)
	}
	if prog.Track != DefaultTrack || prog.Suggestion.Track != DefaultTrack || len(prog.History) != 1 || prog.History[0].Scores[prog.Qualities[0].ID] != 3 {
		t.Errorf("progress track %q, suggestion track %q, history %+v: want the default track and the session's scores", prog.Track, prog.Suggestion.Track, prog.History)
	}
	if len(prog.Map) == 0 || len(prog.Suggestion.Slots) == 0 {
		t.Errorf("progress without a preparation map or a suggestion: %+v", prog)
	}

	res, body = env.do(t, "GET", "/api/v1/me/export", cand.AccessToken, nil)
	var all myData
	if res.StatusCode != 200 || json.Unmarshal(body, &all) != nil || string(all.User.ID) != cand.ID || len(all.Sessions) != 1 ||
		all.Sessions[0].Final.Text != rec.Final.Text || all.Progress.Sessions.Taken != 1 {
		t.Errorf("my data export: %d %.300s", res.StatusCode, body)
	}

	res, body = env.do(t, "GET", "/api/v1/sessions/"+string(r.ID)+"/export.md", cand.AccessToken, nil)
	md := string(body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/markdown") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export.md: %d %v", res.StatusCode, res.Header)
	}
	for _, want := range []string{"### Final code of question 1", "### Runs of question 1", "    return 🐍", "> ", "thinking aloud"} {
		if !strings.Contains(md, want) {
			t.Errorf("export lacks %q:\n%s", want, md)
		}
	}
}
