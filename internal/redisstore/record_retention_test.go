package redisstore

import (
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// TestAFinishedRecordExpiresAfterTheRetention: while the session runs nothing of it expires; the
// end gives every key of the room the retention, and writes after the end (a note during
// wrap-up, a feedback draft) neither make the record permanent again nor leave a key without expiry.
func TestAFinishedRecordExpiresAfterTheRetention(t *testing.T) {
	srv := redistest.Shared(t)
	srv.RequireReal(t)
	client := srv.Client(t)
	ctx := t.Context()
	keys := Keys{Prefix: redistest.Prefix(t)}
	const retention = 3 * time.Hour
	rooms := NewRoomStore(client, keys).WithRecordRetention(retention)
	r := newRetentionRoom(t, client, keys, false, "r-retain", 7*24*time.Hour)
	if err := client.HSet(ctx, keys.Room(r.id), "state", string(mockroom.StateWaiting)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.HSet(ctx, keys.RoomParticipants(r.id), string(clusterCandidate.UserID), "{}").Err(); err != nil {
		t.Fatal(err)
	}

	r.join(clusterInterviewer)
	r.join(clusterCandidate)
	if err := rooms.Transition(ctx, r.id, mockroom.StateWaiting, mockroom.StateLive, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.exec(clusterInterviewer, live.CmdStart, nil)
	r.typeChars(3)
	r.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "hello"})
	r.expectTTLs("live", []string{"live:chat", "live:doc", "live:log", "live:presence", "live:state", "meta", "participants"}, -1, -1)

	r.exec(clusterInterviewer, live.CmdEnd, nil)
	if err := rooms.Transition(ctx, r.id, mockroom.StateLive, mockroom.StateWrapUp, time.Now()); err != nil {
		t.Fatal(err)
	}
	ms := retention.Milliseconds()
	r.expectTTLs("ended", []string{"live:chat", "live:doc", "live:log", "live:presence", "live:state", "meta", "participants"}, ms-60_000, ms)

	// Writes after the end: the notes list is created now and must expire with the rest.
	r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "wrap-up note"})
	form := feedback.FormRef{ID: "fi-1", Author: clusterInterviewer.UserID, About: clusterCandidate.UserID}
	if err := NewFeedbackStore(client, keys).SaveDraft(ctx, r.id, form, feedback.Draft{}); err != nil {
		t.Fatal(err)
	}
	r.expectTTLs("written after the end", []string{"feedback", "live:chat", "live:doc", "live:log", "live:notes", "live:presence", "live:state", "meta", "participants"}, ms-60_000, ms)
}
