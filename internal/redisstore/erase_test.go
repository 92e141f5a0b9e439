package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/room"
)

// TestDeletingAnAccountLeavesNothingThatNamesThem: after an interviewer who gave a session
// (typed, chatted, wrote a private note, logged in and refreshed, hit a sign-in counter) deletes
// their account, no key name and no value in Redis carries their id, email, name or note, nor
// does the append-only file once rewritten; the candidate's record is still whole (same log,
// same code, both chat lines) and names them "deleted user".
func TestDeletingAnAccountLeavesNothingThatNamesThem(t *testing.T) {
	srv := redistest.StartWithArgs(t, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--rdbcompression", "no")
	client := srv.Client(t)
	ctx := t.Context()
	keys := Keys{Prefix: redistest.Prefix(t)}

	cand := mockroom.Principal{UserID: "u9kq3zx7w2cand", Name: "Zebulon Quast"}
	email := "zebulon.quast@example.org"
	ida := mockroom.Principal{UserID: "u-ida", Name: "Ida"}
	id := mockroom.RoomID("r-erase")

	accounts := NewAccountStore(client, keys)
	u := account.User{ID: cand.UserID, Email: email, Name: cand.Name, PasswordHash: "hash", CreatedAt: time.Now()}
	if err := accounts.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ref := account.SessionRef{UserID: cand.UserID, SessionID: "s1"}
	if err := accounts.CreateSession(ctx, ref, "h1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.RotateSession(ctx, "h1", "h2", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := NewRateCounter(client, keys).Allow(ctx, "login_account", email, account.Limit{Burst: 10, Period: time.Hour}, time.Now()); err != nil {
		t.Fatal(err)
	}

	rooms := NewRoomStore(client, keys)
	for _, p := range []mockroom.Principal{ida, cand} {
		if err := rooms.AddUserRoom(ctx, p.UserID, id, time.Now()); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(room.Participant{UserID: p.UserID, DisplayName: p.Name, JoinedAt: time.Now()})
		if err := client.HSet(ctx, keys.RoomParticipants(id), string(p.UserID), raw).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.HSet(ctx, keys.Room(id), "created_by", string(ida.UserID)).Err(); err != nil {
		t.Fatal(err)
	}

	info := livetest.NewRooms(live.RoomInfo{
		ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting,
		Questions: []live.PlannedQuestion{{QuestionID: "q1", Minutes: 5}},
		Participants: []live.Participant{
			{UserID: cand.UserID, Role: mockroom.RoleInterviewer, DisplayName: cand.Name},
			{UserID: ida.UserID, Role: mockroom.RoleCandidate, DisplayName: ida.Name},
		},
	})
	store := NewLiveStore(client, keys, false)
	r := &retentionRoom{t: t, client: client, keys: keys, store: store, id: id, seq: map[mockroom.UserID]uint64{},
		engine: live.NewEngine(live.Config{Store: store, Rooms: info, Questions: clusterQuestions{}})}
	r.join(ida)
	r.join(cand)
	r.exec(cand, live.CmdStart, nil)
	r.typeCharsAs(cand, live.SnapshotEvery+3)
	r.exec(cand, live.CmdChatSend, map[string]string{"text": "ready when you are"})
	r.exec(ida, live.CmdChatSend, map[string]string{"text": "welcome aboard"})
	r.exec(cand, live.CmdNoteAdd, map[string]string{"text": "my private thought"})
	r.exec(cand, live.CmdEnd, nil)

	logLen := client.XLen(ctx, keys.LiveLog(id)).Val()
	doc := client.HGetAll(ctx, keys.LiveDoc(id)).Val()
	needles := []string{string(cand.UserID), email, cand.Name, "my private thought"}
	if found := namingKeys(t, srv, keys.Prefix, needles); len(found) == 0 {
		t.Fatal("before the erasure no key names the candidate; the test proves nothing")
	}
	if !filesContain(t, srv, needles) {
		t.Fatal("before the erasure the AOF does not name the candidate; the test proves nothing")
	}

	revBefore, err := rooms.Revision(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	rw := NewRewriter(client, time.Hour, nil)
	t.Cleanup(rw.Close)
	if err := NewEraser(client, keys, nil).EraseUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	// Nodes holding a copy of the room learn at their next join that its names changed.
	if rev, err := rooms.Revision(ctx, id); err != nil || rev <= revBefore {
		t.Errorf("the room's revision after the erasure: %d (%v), want more than %d", rev, err, revBefore)
	}
	if found := namingKeys(t, srv, keys.Prefix, needles); len(found) > 0 {
		t.Errorf("after the erasure these keys still name the candidate: %v", found)
	}

	// The interviewer's record: same log, same code, their own chat and note, the other person
	// named "deleted user".
	if got := client.XLen(ctx, keys.LiveLog(id)).Val(); got != logLen {
		t.Errorf("log has %d entries after the erasure, want %d", got, logLen)
	}
	if got := client.HGetAll(ctx, keys.LiveDoc(id)).Val(); got["text"] != doc["text"] {
		t.Errorf("document text changed: %q, want %q", got["text"], doc["text"])
	}
	parts := client.HGetAll(ctx, keys.RoomParticipants(id)).Val()
	if len(parts) != 2 || parts[string(ida.UserID)] == "" {
		t.Fatalf("participants after the erasure: %v", parts)
	}
	for uid, raw := range parts {
		var p room.Participant
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatal(err)
		}
		if uid != string(ida.UserID) && (p.DisplayName != PseudonymName || string(p.UserID) != uid) {
			t.Errorf("the erased participant reads %+v under %s, want %q", p, uid, PseudonymName)
		}
	}
	_, events, err := store.Read(ctx, id, 0, int(logLen)+10)
	if err != nil {
		t.Fatal(err)
	}
	var chat, notes []string
	for _, ev := range events {
		var d struct{ Text string }
		_ = json.Unmarshal(ev.Data, &d)
		switch ev.Type {
		case live.TypeChatMessage:
			chat = append(chat, d.Text)
		case live.TypeNoteAdded:
			var pd struct{ Text string }
			_ = json.Unmarshal(ev.Private, &pd)
			notes = append(notes, string(ev.Actor)+":"+d.Text+pd.Text)
		}
	}
	if strings.Join(chat, "|") != "ready when you are|welcome aboard" || len(notes) != 1 || !strings.HasPrefix(notes[0], "deleted-") || !strings.HasSuffix(notes[0], ":") {
		t.Errorf("the record after the erasure: chat %q, notes %q (want the erased author's one note, pseudonymous and empty)", chat, notes)
	}
	if _, err := accounts.UserByEmail(ctx, email); err == nil {
		t.Error("the email still finds an account")
	}

	// The append-only file still holds the erased writes until it is rewritten.
	if err := rw.Rewrite(ctx); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, client)
	if filesContain(t, srv, needles) {
		t.Error("after the rewrite Redis' files still name the candidate")
	}
}

// namingKeys returns the keys under prefix whose name or serialised value contains a needle.
func namingKeys(t *testing.T, srv *redistest.Server, prefix string, needles []string) []string {
	t.Helper()
	client := srv.Client(t)
	ctx := t.Context()
	var out []string
	it := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for it.Next(ctx) {
		k := it.Val()
		v, err := client.Dump(ctx, k).Result()
		if err != nil {
			continue // expired between SCAN and DUMP
		}
		for _, n := range needles {
			if strings.Contains(k, n) || strings.Contains(v, n) {
				out = append(out, k)
				break
			}
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// filesContain reports whether any file in the server's data directory contains a needle.
func filesContain(t *testing.T, srv *redistest.Server, needles []string) bool {
	t.Helper()
	dir := srv.Client(t).ConfigGet(t.Context(), "dir").Val()["dir"]
	if dir == "" {
		t.Fatal("no data directory")
	}
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// waitRewrite waits until no AOF rewrite is running or scheduled.
func waitRewrite(t *testing.T, client interface {
	Info(ctx context.Context, section ...string) *redis.StringCmd
}) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		info := client.Info(t.Context(), "persistence").Val()
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal("the rewrite did not finish")
		case <-tick.C:
		}
	}
}

// An erasure of an earlier release replaced raw values equal to the person's name, the
// revision's too if the name happened to be its number: such a revision reads as unknown (the
// room is read whole) and the erasure's revise step makes it a number again, above any a copy
// holds.
func TestRevisionAfterANameLikeANumber(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, _ bool) {
		keys := Keys{Prefix: redistest.Prefix(t)}
		rooms := NewRoomStore(client, keys)
		ctx := t.Context()
		if err := rooms.Create(ctx, room.Room{ID: "r-num", State: mockroom.StateWaiting}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := client.HSet(ctx, keys.Room("r-num"), "rev", PseudonymName).Err(); err != nil {
			t.Fatal(err)
		}
		if rev, err := rooms.Revision(ctx, "r-num"); err != nil || rev != 0 {
			t.Fatalf("a revision that is not a number reads %d, %v; want 0 (unknown)", rev, err)
		}
		if err := roomRevise.Run(ctx, client, []string{keys.Room("r-num")}).Err(); err != nil {
			t.Fatal(err)
		}
		rev, err := rooms.Revision(ctx, "r-num")
		if err != nil || rev < 1_000_000_000_000_000 {
			t.Fatalf("after the revise step the revision is %d, %v; want the clock in microseconds", rev, err)
		}
		if err := rooms.Transition(ctx, "r-num", mockroom.StateWaiting, mockroom.StateLive, time.Now()); err != nil {
			t.Fatal(err)
		}
		if next, _ := rooms.Revision(ctx, "r-num"); next != rev+1 {
			t.Errorf("the next write moved the revision to %d, want %d", next, rev+1)
		}
	})
}

// Names are replaced where they are names: a person named like a value the store keeps for
// itself ("live", a count, a revision) leaves those values as they were in every room they
// were in, and their name in the room's participants still becomes the pseudonym.
func TestErasingANameLikeAStoredValue(t *testing.T) {
	onRedisAndEmbedded(t, func(t *testing.T, client redis.UniversalClient, _ bool) {
		for _, name := range []string{"live", "1", "0", "waiting"} {
			keys := Keys{Prefix: redistest.Prefix(t) + name + ":"}
			rooms := NewRoomStore(client, keys)
			ctx := t.Context()
			id := mockroom.RoomID("r-" + name)
			uid := mockroom.UserID("u-named-" + name)
			if err := rooms.Create(ctx, room.Room{ID: id, State: mockroom.StateWaiting}, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := rooms.AddUserRoom(ctx, uid, id, time.Now()); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(room.Participant{UserID: uid, DisplayName: name, JoinedAt: time.Now()})
			if err := client.HSet(ctx, keys.RoomParticipants(id), string(uid), raw).Err(); err != nil {
				t.Fatal(err)
			}
			if err := client.HSet(ctx, keys.LiveState(id), "phase", "live", "off", "1", "closed", "0").Err(); err != nil {
				t.Fatal(err)
			}
			meta := client.HGetAll(ctx, keys.Room(id)).Val()
			state := client.HGetAll(ctx, keys.LiveState(id)).Val()

			u := account.User{ID: uid, Name: name, Guest: true, CreatedAt: time.Now()}
			if err := NewEraser(client, keys, nil).EraseUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			after := client.HGetAll(ctx, keys.Room(id)).Val()
			for f, v := range meta {
				if f == "rev" {
					if n, err := strconv.ParseInt(after[f], 10, 64); err != nil || n <= 1 {
						t.Errorf("named %q: the room's revision is %q after the erasure, want a number above 1", name, after[f])
					}
					continue
				}
				if after[f] != v {
					t.Errorf("named %q: the room's %s is %q after the erasure, want %q as before", name, f, after[f], v)
				}
			}
			if got := client.HGetAll(ctx, keys.LiveState(id)).Val(); !maps.Equal(got, state) {
				t.Errorf("named %q: the live state is %v after the erasure, want %v as before", name, got, state)
			}
			parts := client.HGetAll(ctx, keys.RoomParticipants(id)).Val()
			for field, raw := range parts {
				var p room.Participant
				_ = json.Unmarshal([]byte(raw), &p)
				if len(parts) != 1 || p.DisplayName != PseudonymName || p.UserID == uid || field != string(p.UserID) {
					t.Errorf("named %q: the participants read %v after the erasure, want the one under the pseudonym", name, parts)
				}
			}
		}
	})
}
