package ws

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// eventFrame is the event frame as a struct: encoding/json's rendering of it is the reference
// the hand-written encoder must match byte for byte.
type eventFrame struct {
	Type       string               `json:"type"`
	ServerTime serverTime           `json:"server_time"`
	Epoch      string               `json:"epoch"`
	Offset     mockroom.EventOffset `json:"offset"`
	ID         string               `json:"id"`
	Event      string               `json:"event"`
	At         serverTime           `json:"at"`
	Actor      mockroom.UserID      `json:"actor"`
	Data       json.RawMessage      `json:"data"`
	Private    json.RawMessage      `json:"private,omitempty"`
}

func TestEncodeEventMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 30, 1, 123456789, time.FixedZone("x", 3600))
	now := time.Date(2026, 11, 24, 8, 30, 2, 5_000_000, time.UTC)
	cases := []live.Event{
		{Offset: 7, ID: "01JH", Epoch: "ep", Type: live.TypeEditorUpdate, At: at, Actor: "u-1",
			Data: json.RawMessage(`{"version":3, "updates":[{"clientID":"a","changes":[1,[0,"<b> & \u2028 \u2029 é"]]}]}`)},
		{Offset: 1, ID: "i", Epoch: "e", Type: live.TypeQuestionStarted, At: at,
			Data: json.RawMessage(`{"q":1}`), Private: json.RawMessage(`{"guidance":"look for \"x\" <y>"}`)},
		{Offset: 2, ID: "i2", Epoch: "e", Type: live.TypeRoomState, At: at, Data: json.RawMessage(`null`), Private: json.RawMessage(`null`)},
		{Offset: 3, ID: "i3", Epoch: "e", Type: live.TypeChatMessage, At: at, Actor: "odd \"actor\" <&>\x01\u00e9\u2028"},
		{Offset: 1<<53 - 1, ID: "", Epoch: "", Type: "", At: time.Time{}},
	}
	for _, ev := range cases {
		data := ev.Data
		if len(data) == 0 || string(data) == "null" {
			data = json.RawMessage(`{}`)
		}
		priv := ev.Private
		if string(priv) == "null" {
			priv = nil
		}
		want, err := json.Marshal(eventFrame{Type: FrameEvent, ServerTime: serverTime(now), Epoch: ev.Epoch, Offset: ev.Offset,
			ID: ev.ID, Event: ev.Type, At: serverTime(ev.At), Actor: ev.Actor, Data: data, Private: priv})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(encodeEvent(ev, now))); diff != "" {
			t.Errorf("event %d (-json.Marshal +encodeEvent)\n%s", ev.Offset, diff)
		}
	}
}

// TestSharedDeliveryEncodesOncePerRole: sockets of one role share one encoding of an event, the
// candidate's has no private part, and the interviewer's has it.
func TestSharedDeliveryEncodesOncePerRole(t *testing.T) {
	srv, err := New(Config{Engine: nopEngine{}, Fanout: nopFanout{}, Auth: nopAuth{}, Tickets: nopTickets{}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	srv.now = func() time.Time { calls++; return time.Unix(int64(calls), 0) }
	roles := []mockroom.Role{mockroom.RoleInterviewer, mockroom.RoleCandidate, mockroom.RoleObserver}
	var conns []*conn
	for i := range 9 {
		conns = append(conns, benchConn(srv, roles[i%3], mockroom.UserID("u"+itoa(i))))
	}
	ev := live.Event{Offset: 1, ID: "i", Epoch: "ep-1", Type: live.TypeQuestionStarted, At: time.Unix(0, 0),
		Data: json.RawMessage(`{"q":1}`), Private: json.RawMessage(`{"g":2}`)}
	deliverToAll(conns, ev)
	if calls != 3 {
		t.Errorf("encoded %d times for 9 sockets in 3 roles, want 3", calls)
	}
	for i, c := range conns {
		if len(c.queue) != 1 {
			t.Fatalf("socket %d has %d frames queued, want 1", i, len(c.queue))
		}
		if got, want := string(c.queue[0].data), string(conns[i%3].queue[0].data); got != want {
			t.Errorf("socket %d (%s) got %s, want the bytes of the first %s socket %s", i, c.role, got, c.role, want)
		}
		var f map[string]json.RawMessage
		if err := json.Unmarshal(c.queue[0].data, &f); err != nil {
			t.Fatal(err)
		}
		if _, priv := f["private"]; priv != (c.role == mockroom.RoleInterviewer) {
			t.Errorf("socket %d (%s): private part present = %v", i, c.role, priv)
		}
	}
}

// An event frame is one allocation: sized short, the data's append would outgrow it and every
// frame be allocated twice.
func TestEncodeEventAllocatesOnce(t *testing.T) {
	ev := live.Event{Offset: 123456, ID: "sJW99j_brL-L1", Epoch: "sJW99j_brL-L1", Type: live.TypeEditorUpdate,
		At: time.Now(), Actor: "80d15c1e-3eb3-43ce-aadf-0b9fc2b8678c",
		Data: json.RawMessage(`{"version":41,"updates":[{"clientID":"k3j2","changes":[4021,[0,"        if value is None:  # 100 bytes of typing, give or take ","            continue"],3977]}]}`)}
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() { _ = encodeEvent(ev, now) }); n != 1 {
		t.Errorf("encodeEvent made %v allocations, want 1", n)
	}
}

func TestEncodeAckAllocatesOnce(t *testing.T) {
	r := live.Result{Position: mockroom.Position{Epoch: "sJW99j_brL-L1", Offset: 123456, EventID: "sJW99j_brL-L1"}, Version: 41}
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() { _ = encodeAck(now, 1234, r) }); n != 1 {
		t.Errorf("encodeAck made %v allocations, want 1", n)
	}
}
