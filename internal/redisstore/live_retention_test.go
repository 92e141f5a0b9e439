package redisstore

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/live/livetest"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/mockroom/mockroom/internal/testwait"
)

// allLiveKeys names every key the live store writes for a room, by the part after the room's tag
// (live:clients is only read: it held the idempotency records before they moved into live:state).
var allLiveKeys = []string{
	"live:chat", "live:doc", "live:log", "live:notes", "live:presence", "live:state",
}

// retentionRoom drives one room through the live engine, as the socket layer does, on a store
// with the given waiting TTL.
type retentionRoom struct {
	t      testing.TB
	client redis.UniversalClient
	keys   Keys
	store  *LiveStore
	engine *live.Engine
	id     mockroom.RoomID
	seq    map[mockroom.UserID]uint64
	ver    int // the editor version the next push builds on
	length int // the document's length at ver (one-character edits: ASCII)
}

func newRetentionRoom(t testing.TB, client redis.UniversalClient, keys Keys, sharded bool, id mockroom.RoomID, ttl time.Duration) *retentionRoom {
	t.Helper()
	rooms := livetest.NewRooms(live.RoomInfo{
		ID: id, Kind: mockroom.RoomMentor, Track: "python-developer", State: mockroom.StateWaiting,
		Questions: []live.PlannedQuestion{{QuestionID: "q1", Minutes: 5}},
		Participants: []live.Participant{
			{UserID: clusterInterviewer.UserID, Role: mockroom.RoleInterviewer, DisplayName: "Ida"},
			{UserID: clusterCandidate.UserID, Role: mockroom.RoleCandidate, DisplayName: "Carl"},
		},
	})
	store := NewLiveStore(client, keys, sharded, WithWaitingTTL(ttl))
	return &retentionRoom{
		t: t, client: client, keys: keys, store: store, id: id, seq: map[mockroom.UserID]uint64{},
		engine: live.NewEngine(live.Config{Store: store, Rooms: rooms, Questions: clusterQuestions{}}),
	}
}

func (r *retentionRoom) exec(p mockroom.Principal, typ string, data any) live.Result {
	r.t.Helper()
	var raw json.RawMessage
	if data != nil {
		raw, _ = json.Marshal(data)
	}
	r.seq[p.UserID]++
	res, err := r.engine.Execute(r.t.Context(), r.id, p, live.Command{ClientID: "cm1", Seq: r.seq[p.UserID], Type: typ, Data: raw})
	if err != nil {
		r.t.Fatalf("%s by %s: %v", typ, p.UserID, err)
	}
	if typ == live.CmdStart || typ == live.CmdNext || typ == live.CmdSkip {
		// The question that started replaced the document (editor.reset): type on the new one.
		snap, err := r.engine.Snapshot(r.t.Context(), r.id, p.UserID)
		if err != nil {
			r.t.Fatal(err)
		}
		r.ver, r.length = snap.Doc.Version, len(snap.Doc.Text)
	}
	return res
}

func (r *retentionRoom) join(p mockroom.Principal) {
	r.t.Helper()
	if _, err := r.engine.Join(r.t.Context(), r.id, p); err != nil {
		r.t.Fatalf("join %s: %v", p.UserID, err)
	}
}

// typeChars pushes n one-character edits by the candidate; crossing a multiple of
// live.SnapshotEvery materialises the document.
func (r *retentionRoom) typeChars(n int) {
	r.t.Helper()
	r.typeCharsAs(clusterCandidate, n)
}

// typeCharsAs is typeChars by p.
func (r *retentionRoom) typeCharsAs(p mockroom.Principal, n int) {
	r.t.Helper()
	for range n {
		changes := []any{[]any{0, "x"}}
		if r.length > 0 {
			changes = []any{r.length, []any{0, "x"}}
		}
		r.exec(p, live.CmdEditorPush, map[string]any{"version": r.ver, "updates": []map[string]any{{"clientID": "cm1", "changes": changes}}})
		r.ver++
		r.length++
	}
	r.engine.SavedDocs() // documents are materialised off the push's path: wait for them
}

// ttls returns the PTTL (ms; -1 for none) of every key under the room's hash tag, found by SCAN,
// by the part of its name after the tag.
func (r *retentionRoom) ttls() map[string]int64 {
	r.t.Helper()
	ctx := r.t.Context()
	tag := r.keys.Prefix + ":{room:" + string(r.id) + "}:"
	out := map[string]int64{}
	iter := r.client.Scan(ctx, 0, tag+"*", 100).Iterator()
	for iter.Next(ctx) {
		ms, err := r.client.Do(ctx, "PTTL", iter.Val()).Int64()
		if err != nil {
			r.t.Fatal(err)
		}
		if ms != -2 { // expired between SCAN and PTTL
			out[strings.TrimPrefix(iter.Val(), tag)] = ms
		}
	}
	if err := iter.Err(); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// expectTTLs checks that the room holds exactly the keys named and that each expires in
// (lo, hi] ms, or never when lo and hi are -1.
func (r *retentionRoom) expectTTLs(what string, names []string, lo, hi int64) {
	r.t.Helper()
	got := r.ttls()
	var found []string
	for name, ms := range got {
		found = append(found, name)
		if lo == -1 && ms != -1 {
			r.t.Errorf("%s: %s expires in %d ms, want never", what, name, ms)
		}
		if lo != -1 && (ms <= lo || ms > hi) {
			r.t.Errorf("%s: %s has PTTL %d ms, want in (%d, %d]", what, name, ms, lo, hi)
		}
	}
	slices.Sort(found)
	if diff := cmp.Diff(names, found); diff != "" {
		r.t.Errorf("%s: keys of the room (-want +got):\n%s", what, diff)
	}
}

// shorten gives every key of the room a short expiry, and the room's record of it the same (as
// if the room's last refresh had been long ago), so that a refresh is visible.
func (r *retentionRoom) shorten(ms int64) {
	r.t.Helper()
	for name := range r.ttls() {
		key := r.keys.Prefix + ":{room:" + string(r.id) + "}:" + name
		if err := r.client.PExpire(r.t.Context(), key, time.Duration(ms)*time.Millisecond).Err(); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := r.client.HSet(r.t.Context(), r.keys.LiveState(r.id), "w_exp", time.Now().UnixMilli()+ms).Err(); err != nil {
		r.t.Fatal(err)
	}
}

// waitingMax is the longest a waiting room's keys are set to live after a write: the waiting TTL
// and a sixteenth (live_lib.lua).
func waitingMax(ttl time.Duration) int64 { return ttl.Milliseconds() + ttl.Milliseconds()/16 }

// TestLiveKeysOfAWaitingRoomExpireUntilItStarts: before the start every live key of the room
// expires between the waiting TTL and a sixteenth more after the last write, keys created after
// the last refresh included; a write that finds the expiry nearer than the TTL sets it on every
// key again; the start removes it from all of them, and nothing a started room writes later
// expires.
func TestLiveKeysOfAWaitingRoomExpireUntilItStarts(t *testing.T) {
	srv := redistest.Shared(t)
	const week = 7 * 24 * time.Hour
	ttl := week.Milliseconds()
	r := newRetentionRoom(t, srv.Client(t), Keys{Prefix: redistest.Prefix(t)}, srv.Real, "r1", week)

	r.join(clusterInterviewer)
	r.join(clusterCandidate)
	r.typeChars(live.SnapshotEvery + 3) // editing before the start is allowed; the document is materialised
	r.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "hello"})
	r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "on time"})
	r.expectTTLs("joined, typed, chatted, not started", allLiveKeys, ttl-60_000, waitingMax(week))

	// Each kind of write, once the expiry is due, refreshes every key of the room, not only the
	// ones it touches.
	for _, write := range []struct {
		name string
		do   func()
	}{
		{"editor push", func() { r.typeChars(1) }},
		{"chat", func() { r.exec(clusterInterviewer, live.CmdChatSend, map[string]string{"text": "still there?"}) }},
		{"presence", func() {
			if err := r.engine.Leave(t.Context(), r.id, clusterCandidate); err != nil {
				t.Fatal(err)
			}
		}},
		{"document snapshot", func() {
			st, err := r.store.State(t.Context(), r.id)
			if err != nil {
				t.Fatal(err)
			}
			doc := live.DocSnapshot{Text: strings.Repeat("x", r.ver), Version: r.ver, Language: "python", Offset: st.Head.Offset}
			if err := r.store.SaveDoc(t.Context(), r.id, doc); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		r.shorten(60_000)
		write.do()
		r.expectTTLs("after a "+write.name+" while waiting", allLiveKeys, ttl-60_000, waitingMax(week))
	}

	r.join(clusterCandidate)
	r.exec(clusterInterviewer, live.CmdStart, nil)
	r.expectTTLs("started", allLiveKeys, -1, -1)

	r.typeChars(live.SnapshotEvery)
	r.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "go"})
	r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "clear plan"})
	if err := r.engine.Leave(t.Context(), r.id, clusterCandidate); err != nil {
		t.Fatal(err)
	}
	r.join(clusterCandidate)
	r.exec(clusterInterviewer, live.CmdEnd, nil)
	r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "during wrap-up"})
	r.expectTTLs("written to after the start and ended", allLiveKeys, -1, -1)
}

// TestLiveKeysCreatedAfterTheStartNeverExpire: a room started right after the joins has only a
// few live keys at the start; the ones its session creates later carry no expiry either.
func TestLiveKeysCreatedAfterTheStartNeverExpire(t *testing.T) {
	srv := redistest.Shared(t)
	const week = 7 * 24 * time.Hour
	r := newRetentionRoom(t, srv.Client(t), Keys{Prefix: redistest.Prefix(t)}, srv.Real, "r1", week)

	r.join(clusterInterviewer)
	r.join(clusterCandidate)
	r.expectTTLs("joined", []string{"live:log", "live:presence", "live:state"}, week.Milliseconds()-60_000, waitingMax(week))

	r.exec(clusterInterviewer, live.CmdStart, nil)
	r.typeChars(live.SnapshotEvery)
	r.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "hi"})
	r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "note"})
	r.expectTTLs("started, then typed, chatted, noted", allLiveKeys, -1, -1)
}

// TestWaitingExpiryRecord: a waiting room's expiry record is one field, "<ms> <marks>" (live_lib.lua),
// which a write while it is far enough leaves as it is but for a key the write created; a record
// as earlier releases wrote it (the time alone, the marks in w_keys) is kept too, not set again,
// with the marks written beside the time.
func TestWaitingExpiryRecord(t *testing.T) {
	srv := redistest.Shared(t)
	const week = 7 * 24 * time.Hour
	r := newRetentionRoom(t, srv.Client(t), Keys{Prefix: redistest.Prefix(t)}, srv.Real, "r1", week)
	state := r.keys.LiveState(r.id)
	record := func() (ms, marks string) {
		t.Helper()
		v, err := r.client.HGet(t.Context(), state, "w_exp").Result()
		if err != nil {
			t.Fatal(err)
		}
		ms, marks, _ = strings.Cut(v, " ")
		return ms, marks
	}

	r.join(clusterInterviewer)
	r.typeChars(1)
	ms, marks := record()
	if exp, err := strconv.ParseInt(ms, 10, 64); err != nil || exp < time.Now().UnixMilli()+week.Milliseconds()-60_000 {
		t.Fatalf("w_exp's time %q, want about a week from now", ms)
	}
	// The state and the log carry the expiry; the presence hash is marked too when its lease was
	// written before the expiry was (the node's presence upkeep runs on its own), so its mark is
	// not checked.
	if len(marks) != 7 || marks[:6] != "110000" {
		t.Fatalf("w_exp's marks %q, want 110000 and the presence hash's", marks)
	}
	r.typeChars(1)
	if again, againMarks := record(); again != ms || againMarks != marks {
		t.Fatalf("a write with the expiry far enough changed w_exp from %s %s to %s %s", ms, marks, again, againMarks)
	}

	// As an earlier release wrote it: the same time, no marks.
	if err := r.client.HSet(t.Context(), state, "w_exp", ms, "w_keys", marks).Err(); err != nil {
		t.Fatal(err)
	}
	r.exec(clusterInterviewer, live.CmdChatSend, map[string]string{"text": "anyone?"})
	if again, againMarks := record(); again != ms || againMarks != "1101000" {
		t.Fatalf("after a chat message, from a record without marks: w_exp %s %s, want %s 1101000", again, againMarks, ms)
	}
	r.expectTTLs("chatted", []string{"live:chat", "live:log", "live:presence", "live:state"}, week.Milliseconds()-60_000, waitingMax(week))
}

// TestLiveKeysOfAnAbandonedRoomDisappear lets a short waiting TTL run out on real Redis: the
// room nobody started disappears, while a room started before it, written to earlier still, keeps
// every key.
func TestLiveKeysOfAnAbandonedRoomDisappear(t *testing.T) {
	srv := redistest.Shared(t)
	srv.RequireReal(t)
	client := srv.Client(t)
	keys := Keys{Prefix: redistest.Prefix(t)}
	const short = 2 * time.Second

	started := newRetentionRoom(t, client, keys, true, "started", short)
	started.join(clusterInterviewer)
	started.join(clusterCandidate)
	started.typeChars(2)
	started.exec(clusterInterviewer, live.CmdStart, nil)

	abandoned := newRetentionRoom(t, client, keys, true, "abandoned", short)
	abandoned.join(clusterInterviewer)
	abandoned.join(clusterCandidate)
	abandoned.typeChars(2)
	abandoned.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "anyone?"})
	abandoned.expectTTLs("abandoned", []string{"live:chat", "live:log", "live:presence", "live:state"}, 0, waitingMax(short))

	// Redis expires the keys on its own; poll for it.
	deadline := testwait.Deadline(t)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(abandoned.ttls()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned room still holds %v", abandoned.ttls())
		}
		<-tick.C
	}
	started.expectTTLs("started", []string{"live:doc", "live:log", "live:presence", "live:state"}, -1, -1)
}

// TestLiveRetentionOnTheEmbeddedStore runs the same scripts on the embedded store as Open sets it
// up (plain PUBLISH, TTLs following the clock), with the clock moved past the waiting TTL.
func TestLiveRetentionOnTheEmbeddedStore(t *testing.T) {
	m := miniredis.RunT(t)
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m.SetTime(t0)
	m.ClockTTL(true)
	client := redis.NewClient(&redis.Options{Addr: m.Addr(), Protocol: 2})
	t.Cleanup(func() { _ = client.Close() })
	keys := Keys{Prefix: "mockroom"}
	const week = 7 * 24 * time.Hour

	started := newRetentionRoom(t, client, keys, false, "started", week)
	abandoned := newRetentionRoom(t, client, keys, false, "abandoned", week)
	for _, r := range []*retentionRoom{started, abandoned} {
		r.join(clusterInterviewer)
		r.join(clusterCandidate)
		r.typeChars(live.SnapshotEvery)
		r.exec(clusterCandidate, live.CmdChatSend, map[string]string{"text": "hello"})
		r.exec(clusterInterviewer, live.CmdNoteAdd, map[string]string{"text": "note"})
		r.expectTTLs("waiting", allLiveKeys, week.Milliseconds()-60_000, waitingMax(week))
	}
	started.exec(clusterInterviewer, live.CmdStart, nil)
	started.expectTTLs("started", allLiveKeys, -1, -1)

	m.SetTime(t0.Add(time.Duration(waitingMax(week))*time.Millisecond + time.Minute))
	abandoned.expectTTLs("a week and a sixteenth after the last write", nil, -1, -1)
	started.expectTTLs("a week after the start", allLiveKeys, -1, -1)
}
