package ws

import (
	"encoding/json"
	"time"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Server frame types. Every one is documented in api/protocol.md and has a schema in
// api/schemas/server/.
const (
	FrameSnapshot = "snapshot"
	FrameResumed  = "resumed"
	FrameEvent    = "event"
	FramePresence = "presence"
	FrameAck      = "ack"
	FrameError    = "error"
	FramePong     = "pong"
)

// ServerTypes lists every server frame type.
func ServerTypes() []string {
	return []string{FrameAck, FrameError, FrameEvent, FramePong, FramePresence, FrameResumed, FrameSnapshot}
}

// Snapshot reasons.
const (
	ReasonFresh            = "fresh"
	ReasonTooOld           = "too_old"
	ReasonPositionMismatch = "position_mismatch"
)

// serverTime is how every server frame states the time: RFC 3339, UTC, milliseconds.
type serverTime time.Time

func (t serverTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

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

func encodeEvent(ev live.Event, now time.Time) []byte {
	data := ev.Data
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage(`{}`)
	}
	priv := ev.Private
	if string(priv) == "null" {
		priv = nil
	}
	b, _ := json.Marshal(eventFrame{
		Type: FrameEvent, ServerTime: serverTime(now), Epoch: ev.Epoch, Offset: ev.Offset, ID: ev.ID,
		Event: ev.Type, At: serverTime(ev.At), Actor: ev.Actor, Data: data, Private: priv,
	})
	return b
}

type you struct {
	UserID mockroom.UserID `json:"user_id"`
	Name   string          `json:"name"`
	Role   mockroom.Role   `json:"role"`
}

type snapshotFrame struct {
	Type       string             `json:"type"`
	ServerTime serverTime         `json:"server_time"`
	Recovered  bool               `json:"recovered"`
	Reason     string             `json:"reason"`
	You        you                `json:"you"`
	Position   *mockroom.Position `json:"position"`
	Room       any                `json:"room"`
}

type resumedFrame struct {
	Type       string            `json:"type"`
	ServerTime serverTime        `json:"server_time"`
	Recovered  bool              `json:"recovered"`
	Position   mockroom.Position `json:"position"`
}

type ackFrame struct {
	Type       string          `json:"type"`
	ServerTime serverTime      `json:"server_time"`
	Seq        uint64          `json:"seq"`
	Result     json.RawMessage `json:"result"`
}

type errorFrame struct {
	Type       string     `json:"type"`
	ServerTime serverTime `json:"server_time"`
	Seq        uint64     `json:"seq,omitempty"`
	Code       string     `json:"code"`
	Message    string     `json:"message"`
}

type pongFrame struct {
	Type       string     `json:"type"`
	ServerTime serverTime `json:"server_time"`
	Seq        uint64     `json:"seq"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only types of this package are encoded here; failing is a bug.
		panic("ws: encode frame: " + err.Error())
	}
	return b
}
