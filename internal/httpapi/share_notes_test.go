package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// TestSharedNotesReachTheCandidate: the candidate's record has no interviewer note until the
// interviewer shares their notes; then it has it. A stranger cannot share.
func TestSharedNotesReachTheCandidate(t *testing.T) {
	var st feedbackStack
	env := newTestEnv(t, withReview(&st))
	mentor, cand, stranger := env.signup(t), env.signup(t), env.signup(t)
	r, _ := st.endedMentorRoom(t, mentor, cand, room.ReleaseOnSubmit)
	_, err := st.log.Append(t.Context(), r.ID, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{{
		Type: live.TypeNoteAdded, Actor: mockroom.UserID(mentor.ID), Private: map[string]string{"text": "explains trade-offs well"},
		InterviewerOnly: true, For: mockroom.UserID(mentor.ID),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/sessions/" + string(r.ID)
	read := func() string {
		t.Helper()
		res, body := env.do(t, "GET", base, cand.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("record: status %d: %s", res.StatusCode, body)
		}
		return string(body)
	}
	if strings.Contains(read(), "explains trade-offs well") {
		t.Fatal("the candidate sees the note before it was shared")
	}
	if res, body := env.do(t, "POST", base+"/notes/share", stranger.AccessToken, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a stranger shares: status %d: %s", res.StatusCode, body)
	}
	if res, body := env.do(t, "POST", base+"/notes/share", mentor.AccessToken, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("share: status %d: %s", res.StatusCode, body)
	}
	if !strings.Contains(read(), "explains trade-offs well") {
		t.Error("the candidate does not see the shared note")
	}
}
