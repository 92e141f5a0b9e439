package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// memLog is a room's log in memory, for the fan-out's model: Read is all the fan-out asks of a
// store.
type memLog struct {
	Store // nil: the fan-out calls nothing else
	epoch string
	evs   []Event
	reads int
}

func (l *memLog) Read(_ context.Context, _ mockroom.RoomID, from mockroom.EventOffset, max int) (mockroom.Position, []Event, error) {
	l.reads++
	var head mockroom.Position
	if n := len(l.evs); n > 0 {
		head = l.evs[n-1].Position()
	}
	if from == 0 {
		from = 1
	}
	var out []Event
	for _, ev := range l.evs {
		if ev.Offset >= from && (max == 0 || len(out) < max) {
			out = append(out, ev)
		}
	}
	if max == 0 {
		out = nil
	}
	return head, out, nil
}

// nopBus stands for a bus whose messages the model hands to the fan-out itself.
type nopBus struct{}

func (nopBus) Subscribe(context.Context, mockroom.RoomID) error   { return nil }
func (nopBus) Unsubscribe(context.Context, mockroom.RoomID) error { return nil }
func (nopBus) Receive(ctx context.Context) (mockroom.RoomID, []byte, error) {
	<-ctx.Done()
	return "", nil, ctx.Err()
}

// TestLocalFirstDeliveryModel drives one room's fan-out through random interleavings of what
// can happen on a node: events appended here (delivered locally, their copy on the bus), events
// appended by other nodes (on the bus only), bus messages arriving, lost, or late, and reads of
// the log. Whatever the order, the listener has at every step received a prefix of the log, each
// event once, with the log's ids; in the end it has the whole log; and neither a bus copy of an
// event delivered within the last recentSize events, nor the next event arriving while another
// goroutine delivers to the room, asks for a read of the log.
func TestLocalFirstDeliveryModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const room = mockroom.RoomID("r")
		log := &memLog{epoch: "ep-1"}
		f := newFanout(nopBus{}, log, slog.New(slog.DiscardHandler), func(mockroom.RoomID, Event) {}, func(mockroom.RoomID) {}, func(mockroom.RoomID) {}, time.Hour, 0)
		var got []Event
		if _, err := f.Add(context.Background(), room, ListenerFunc(func(ev Event) { got = append(got, ev) })); err != nil {
			t.Fatal(err)
		}
		var bus [][]byte // pub/sub keeps a channel's order; only what is taken from it varies
		appendEvent := func(local bool) {
			off := mockroom.EventOffset(len(log.evs) + 1)
			e, err := NewEvent{Type: TypeChatMessage, Actor: "u-1", Data: json.RawMessage(`{"text":"x"}`)}.Encode()
			if err != nil {
				t.Fatal(err)
			}
			id := "id-" + strconv.Itoa(int(off))
			ev := e.Event(off, id, log.epoch, time.UnixMilli(1))
			log.evs = append(log.evs, ev)
			_, pub := published(e, off, id, log.epoch, 1)
			bus = append(bus, pub)
			if local {
				f.deliverLocal(room, []Event{ev})
			}
		}
		kicked := func() bool { return len(f.catchUp.take(time.Now())) > 0 }
		check := func() {
			for i, ev := range got {
				if ev.Offset != mockroom.EventOffset(i+1) || ev.ID != log.evs[i].ID {
					t.Fatalf("delivery %d is offset %d (%s), want offset %d (%s): %v", i, ev.Offset, ev.ID, i+1, log.evs[i].ID, offsetsOf(got))
				}
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"append here":      func(*rapid.T) { appendEvent(true) },
			"append elsewhere": func(*rapid.T) { appendEvent(false) },
			"bus delivers": func(t *rapid.T) {
				if len(bus) == 0 {
					t.Skip("nothing on the bus")
				}
				f.catchUp.take(time.Now())
				recent := deliveredHereRecently(got, bus[0])
				f.received(room, bus[0])
				bus = bus[1:]
				if recent && kicked() {
					t.Fatalf("the bus copy of an event delivered just before asked for a read of the log")
				}
			},
			"bus delivers while the room is busy": func(t *rapid.T) {
				// Another goroutine (a local delivery, a catch-up) holds the room: the message
				// is left to it, and handled when it lets go.
				if len(bus) == 0 {
					t.Skip("nothing on the bus")
				}
				f.catchUp.take(time.Now())
				off, _, _, _ := peekPosition(bus[0])
				fits := deliveredHereRecently(got, bus[0]) || off == mockroom.EventOffset(len(got)+1)
				r := f.rooms[room]
				r.mu.Lock()
				f.received(room, bus[0])
				f.unlock(room, r)
				bus = bus[1:]
				if fits && kicked() {
					t.Fatalf("a bus message that came while the room was busy asked for a read of the log, though it was the next event or a recent one")
				}
			},
			"append here while the room is busy": func(*rapid.T) {
				r := f.rooms[room]
				r.mu.Lock()
				appendEvent(true)
				f.unlock(room, r)
			},
			"bus loses one": func(t *rapid.T) {
				if len(bus) == 0 {
					t.Skip("nothing on the bus")
				}
				bus = bus[1:]
			},
			"log read": func(t *rapid.T) {
				if _, err := f.CatchUp(context.Background(), room); err != nil {
					t.Fatal(err)
				}
			},
			"": func(*rapid.T) { check() },
		})
		for _, m := range bus {
			f.received(room, m)
		}
		if _, err := f.CatchUp(context.Background(), room); err != nil {
			t.Fatal(err)
		}
		check()
		if len(got) != len(log.evs) {
			t.Fatalf("delivered %d of the log's %d events", len(got), len(log.evs))
		}
		if f.Rollbacks() != 0 {
			t.Fatalf("a rollback found in a log that never went back")
		}
	})
}

// deliveredHereRecently reports whether pub, a bus message, is the copy of one of the last
// recentSize events got holds.
func deliveredHereRecently(got []Event, pub []byte) bool {
	off, id, _, ok := peekPosition(pub)
	n := mockroom.EventOffset(len(got))
	return ok && off <= n && n-off < recentSize && got[off-1].ID == string(id)
}

func offsetsOf(evs []Event) []mockroom.EventOffset {
	out := make([]mockroom.EventOffset, len(evs))
	for i, ev := range evs {
		out[i] = ev.Offset
	}
	return out
}

// peekPosition reads what DecodePublished reads, or nothing: never another offset, id or epoch,
// whatever the event's shape and wherever the message is cut short.
func TestPeekPositionAgreesWithDecode(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		plain := rapid.StringMatching(`[A-Za-z0-9_-]{1,26}`)
		ne := NewEvent{Type: TypeChatMessage, Actor: mockroom.UserID(plain.Draw(t, "actor")),
			Data: map[string]string{"text": rapid.String().Draw(t, "text")}, InterviewerOnly: rapid.Bool().Draw(t, "io")}
		if rapid.Bool().Draw(t, "private") {
			ne.Private = map[string]string{"p": rapid.String().Draw(t, "p")}
		}
		e, err := ne.Encode()
		if err != nil {
			t.Fatal(err)
		}
		off := mockroom.EventOffset(rapid.Uint64Range(1, 1<<53).Draw(t, "offset"))
		id, epoch := plain.Draw(t, "id"), plain.Draw(t, "epoch")
		stored, pub := published(e, off, id, epoch, rapid.Int64Range(0, 1<<45).Draw(t, "at"))
		for _, raw := range [][]byte{stored, pub} {
			poff, pid, pepoch, ok := peekPosition(raw)
			if !ok || poff != off || string(pid) != id || string(pepoch) != epoch {
				t.Fatalf("peek of %q: %d %q %q %v, want %d %q %q", raw, poff, pid, pepoch, ok, off, id, epoch)
			}
		}
		cut := pub[:rapid.IntRange(0, len(pub)).Draw(t, "cut")]
		if poff, pid, pepoch, ok := peekPosition(cut); ok && (poff != off || string(pid) != id || string(pepoch) != epoch) {
			t.Fatalf("peek of %q read %s", cut, fmt.Sprint(poff, " ", string(pid), " ", string(pepoch)))
		}
	})
}
