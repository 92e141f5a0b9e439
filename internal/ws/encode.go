package ws

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/live"
)

// Event frames are the bulk of what a node writes, so they are written by hand rather than by
// encoding/json's reflection: the same bytes (field order, escaping, compact data) as
// json.Marshal of the frame struct, which TestEncodeEventMatchesMarshal checks.

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// eventFrameOverhead is the size of an event frame besides its variable parts: the literal
// keys, two quoted times, the quotes of four strings and an offset of up to 20 digits. Sized
// short, every frame would be allocated twice (the data's append outgrew it).
const eventFrameOverhead = len(`{"type":"event","server_time":,"epoch":,"offset":,"id":,"event":,"at":,"actor":,"data":,"private":}`) +
	2*len(`"2006-01-02T15:04:05.000Z"`) + 4*2 + 20

// encodeEvent renders ev (already filtered for the recipient's role) as an event frame stamped
// with now.
func encodeEvent(ev live.Event, now time.Time) []byte {
	data := ev.Data
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage(`{}`)
	}
	priv := ev.Private
	if string(priv) == "null" {
		priv = nil
	}
	b := make([]byte, 0, eventFrameOverhead+len(ev.Epoch)+len(ev.ID)+len(ev.Type)+len(ev.Actor)+len(data)+len(priv))
	b = append(b, `{"type":"event","server_time":`...)
	b = appendTime(b, now)
	b = append(b, `,"epoch":`...)
	b = live.AppendJSONString(b, ev.Epoch)
	b = append(b, `,"offset":`...)
	b = strconv.AppendUint(b, uint64(ev.Offset), 10)
	b = append(b, `,"id":`...)
	b = live.AppendJSONString(b, ev.ID)
	b = append(b, `,"event":`...)
	b = live.AppendJSONString(b, ev.Type)
	b = append(b, `,"at":`...)
	b = appendTime(b, ev.At)
	b = append(b, `,"actor":`...)
	b = live.AppendJSONString(b, string(ev.Actor))
	b = append(b, `,"data":`...)
	b = appendCompact(b, data)
	if len(priv) > 0 {
		b = append(b, `,"private":`...)
		b = appendCompact(b, priv)
	}
	return append(b, '}')
}

// encodeAck renders the ack of an executed command, stamped with now. Its result holds only
// what is known (a duplicate of an older command has no position), keys sorted: the same bytes
// as json.Marshal of the ackFrame with the result as a map, which TestEncodeAckMatchesMarshal
// checks.
func encodeAck(now time.Time, seq uint64, r live.Result) []byte {
	b := make([]byte, 0, 160+len(r.Position.Epoch)+len(r.Position.EventID))
	b = append(b, `{"type":"ack","server_time":`...)
	b = appendTime(b, now)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"result":{`...)
	sep := false
	if r.Duplicate {
		b = append(b, `"duplicate":true`...)
		sep = true
	}
	if r.Position.Offset > 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"position":{"epoch":`...)
		b = live.AppendJSONString(b, r.Position.Epoch)
		b = append(b, `,"offset":`...)
		b = strconv.AppendUint(b, uint64(r.Position.Offset), 10)
		b = append(b, `,"event_id":`...)
		b = live.AppendJSONString(b, r.Position.EventID)
		b = append(b, '}')
		sep = true
	}
	if r.Version > 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"version":`...)
		b = strconv.AppendInt(b, int64(r.Version), 10)
	}
	return append(b, "}}"...)
}

// appendTime writes t in UTC as timeLayout formats it, quoted. Every frame carries a time, so
// the years time.Format writes as four digits are written by hand.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, timeLayout)
		return append(b, '"')
	}
	hour, minute, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3) // truncated, as the layout's .000 is
	return append(b, 'Z', '"')
}

// appendDigits writes n, which is not negative, in exactly width (at most 4) digits.
func appendDigits(b []byte, n, width int) []byte {
	end := len(b) + width
	b = append(b, "0000"[:width]...)
	for i := end - 1; i >= end-width; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}
