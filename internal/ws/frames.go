package ws

import (
	"encoding/json"
	"time"

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
	// FrameCredential hands an open socket a fresh resume credential.
	FrameCredential = "credential"
)

// ServerTypes lists every server frame type.
func ServerTypes() []string {
	return []string{FrameAck, FrameCredential, FrameError, FrameEvent, FramePong, FramePresence, FrameResumed, FrameSnapshot}
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
	return appendTime(nil, time.Time(t)), nil
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
	// Credential is the join reply's resume credential; a snapshot sent on an open socket
	// has none.
	Credential *credential `json:"credential,omitempty"`
}

type resumedFrame struct {
	Type       string            `json:"type"`
	ServerTime serverTime        `json:"server_time"`
	Recovered  bool              `json:"recovered"`
	Position   mockroom.Position `json:"position"`
	Credential *credential       `json:"credential,omitempty"`
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
