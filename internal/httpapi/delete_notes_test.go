package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
)

// TestSharedNotesOutliveTheirAuthor: an interviewer who shared their notes after one session and
// kept them private after another deletes their account. The shared note stays in the
// candidate's record, attributed to "deleted user"; the private one stays gone, its text erased
// from the store.
func TestSharedNotesOutliveTheirAuthor(t *testing.T) {
	var st feedbackStack
	env := newTestEnv(t, withReview(&st))
	mentor, cand := env.signup(t), env.signup(t)
	const sharedText, privateText = "explains trade-offs well", "hesitant on generators"
	note := func(id mockroom.RoomID, text string) {
		t.Helper()
		_, err := st.log.Append(t.Context(), id, live.AppendRequest{Now: time.Now(), Events: []live.NewEvent{{
			Type: live.TypeNoteAdded, Actor: mockroom.UserID(mentor.ID), Private: map[string]string{"text": text},
			InterviewerOnly: true, For: mockroom.UserID(mentor.ID),
		}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	shared, _ := st.endedMentorRoom(t, mentor, cand, room.ReleaseOnSubmit)
	note(shared.ID, sharedText)
	private, _ := st.endedMentorRoom(t, mentor, cand, room.ReleaseOnSubmit)
	note(private.ID, privateText)
	if res, body := env.do(t, "POST", "/api/v1/sessions/"+string(shared.ID)+"/notes/share", mentor.AccessToken, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("share: status %d: %s", res.StatusCode, body)
	}

	if got := storedNotes(t, &st, private.ID); len(got) != 1 || got[0] != privateText {
		t.Fatalf("the unshared note as stored before the deletion: %q; the test proves nothing", got)
	}
	if res, body := env.do(t, "POST", "/api/v1/me/delete", mentor.AccessToken, map[string]string{"password": mentor.Password}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: status %d: %s", res.StatusCode, body)
	}

	read := func(id mockroom.RoomID) record.Record {
		t.Helper()
		res, body := env.do(t, "GET", "/api/v1/sessions/"+string(id), cand.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("record: status %d: %s", res.StatusCode, body)
		}
		return decode[record.Record](t, body)
	}
	rec := read(shared.ID)
	var author *record.Person
	for i, p := range rec.Participants {
		if p.Role == mockroom.RoleInterviewer {
			author = &rec.Participants[i]
		}
	}
	if author == nil || author.Name != redisstore.PseudonymName || !author.Deleted || author.UserID == mockroom.UserID(mentor.ID) {
		t.Fatalf("the interviewer in the record after the deletion: %+v, want %q", author, redisstore.PseudonymName)
	}
	var notes []record.Entry
	for _, e := range rec.Timeline {
		if e.Type == live.TypeNoteAdded {
			notes = append(notes, e)
		}
	}
	if len(notes) != 1 || notes[0].Text != sharedText || notes[0].Actor != author.UserID {
		t.Errorf("notes in the candidate's record after the author left: %+v, want %q by %s", notes, sharedText, author.UserID)
	}

	for _, e := range read(private.ID).Timeline {
		if e.Type == live.TypeNoteAdded && e.Text != "" {
			t.Errorf("the unshared note reads %q after its author left", e.Text)
		}
	}
	if got := storedNotes(t, &st, private.ID); len(got) != 1 || got[0] != "" {
		t.Errorf("the unshared note as stored after its author left: %q, want one note with no text", got)
	}
}

// storedNotes reads the text of every note in a room's log as the store holds it.
func storedNotes(t *testing.T, st *feedbackStack, id mockroom.RoomID) []string {
	t.Helper()
	_, evs, err := st.log.Read(t.Context(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		if ev.Type != live.TypeNoteAdded {
			continue
		}
		var d struct{ Text string }
		_ = json.Unmarshal(ev.Private, &d)
		out = append(out, d.Text)
	}
	return out
}
