package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// gateProxy relays TCP connections to a Redis, and can hold back what clients send: while shut,
// the bytes a client writes are read and kept until the gate opens again, so a command has left
// the client but has not reached Redis.
type gateProxy struct {
	ln     net.Listener
	target string
	held   chan struct{} // a client's bytes are being held at the shut gate

	mu   sync.Mutex
	open chan struct{} // closed while the gate is open
	wg   sync.WaitGroup
}

func startGateProxy(t *testing.T, target string) *gateProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &gateProxy{ln: ln, target: target, held: make(chan struct{}, 1), open: make(chan struct{})}
	close(p.open)
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.openGate()
		p.wg.Wait()
	})
	return p
}

func (p *gateProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		closeBoth := func() { _ = client.Close(); _ = server.Close() }
		p.wg.Go(func() {
			defer closeBoth()
			_, _ = io.Copy(client, server)
		})
		p.wg.Go(func() {
			defer closeBoth()
			buf := make([]byte, 32<<10)
			for {
				n, err := client.Read(buf)
				if n > 0 {
					p.mu.Lock()
					open := p.open
					p.mu.Unlock()
					select {
					case <-open:
					default:
						select {
						case p.held <- struct{}{}:
						default:
						}
						<-open
					}
					if _, err := server.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		})
	}
}

func (p *gateProxy) shutGate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
		p.open = make(chan struct{})
	default:
	}
}

func (p *gateProxy) openGate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
	default:
		close(p.open)
	}
}

// busThroughGate returns a bus whose pub/sub connection goes through a gate proxy, and a client
// that talks to the same Redis directly.
func busThroughGate(t *testing.T) (*LiveBus, *gateProxy, *redis.Client, Keys) {
	t.Helper()
	srv := redistest.Shared(t)
	direct := srv.Client(t)
	proxy := startGateProxy(t, srv.Addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.ln.Addr().String()})
	t.Cleanup(func() { _ = viaProxy.Close() })
	keys := Keys{Prefix: redistest.Prefix(t)}
	bus := NewLiveBus(viaProxy, keys, srv.Real)
	t.Cleanup(func() { _ = bus.Close() })
	return bus, proxy, direct, keys
}

// publishTo sends payload on room's channel the way the store does.
func publishTo(t *testing.T, client *redis.Client, keys Keys, room mockroom.RoomID, payload string) {
	t.Helper()
	publish := "spublish"
	if !redistest.Shared(t).Real {
		publish = "publish"
	}
	if err := client.Do(t.Context(), publish, keys.LiveChannel(room), payload).Err(); err != nil {
		t.Fatal(err)
	}
}

type busReceipt struct {
	room    mockroom.RoomID
	payload []byte
}

// startReceiving subscribes bus to a first room before anything receives, then runs Receive
// until the returned cancel (or the test's end), passing on what it returns; the first Receive
// must announce the first room's subscription, since no Subscribe call waited for it.
func startReceiving(t *testing.T, bus *LiveBus) (<-chan busReceipt, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	const first = mockroom.RoomID("r-first")
	if err := bus.Subscribe(ctx, first); err != nil {
		t.Fatal(err)
	}
	msgs := make(chan busReceipt, 16)
	wg.Go(func() {
		for {
			room, payload, err := bus.Receive(ctx)
			if err != nil {
				return
			}
			select {
			case msgs <- busReceipt{room, payload}:
			case <-ctx.Done():
				return
			}
		}
	})
	if m := <-msgs; m.room != first || m.payload != nil {
		t.Fatalf("first message %q in %s, want the notice of %s", m.payload, m.room, first)
	}
	return msgs, cancel
}

// subscribeAtShutGate starts Subscribe(room) while the gate is shut, and returns once the
// command has left the bus and waits at the gate; the call's result comes on the channel.
func subscribeAtShutGate(ctx context.Context, bus *LiveBus, proxy *gateProxy, room mockroom.RoomID) <-chan error {
	proxy.shutGate()
	returned := make(chan error, 1)
	go func() { returned <- bus.Subscribe(ctx, room) }()
	<-proxy.held
	return returned
}

// TestSubscribeReturnsOnceRedisConfirms: while the bus receives, Subscribe does not return when
// the command has only left the node (the fan-out's head read, sent next on another connection,
// could then run first in Redis and an event published between the two would reach neither), but
// when Redis has confirmed it; what is published after it returns is received, and the
// confirmation is not announced again as a notice.
func TestSubscribeReturnsOnceRedisConfirms(t *testing.T) {
	bus, proxy, direct, keys := busThroughGate(t)
	msgs, _ := startReceiving(t, bus)
	const room = mockroom.RoomID("r-gated")
	returned := subscribeAtShutGate(t.Context(), bus, proxy, room)
	select {
	case err := <-returned:
		t.Fatalf("Subscribe returned (%v) before Redis saw the subscription", err)
	default:
	}
	proxy.openGate()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	publishTo(t, direct, keys, room, "after")
	m := <-msgs
	if m.room != room || string(m.payload) != "after" {
		t.Fatalf("got %q in %s, want the event published after Subscribe returned (no notice first)", m.payload, m.room)
	}
}

// TestSubscribeGivesUpWhenReceivingEnds: a Subscribe waiting for its confirmation when the bus
// stops receiving fails (the room is not counted as subscribed), and so does one after.
func TestSubscribeGivesUpWhenReceivingEnds(t *testing.T) {
	bus, proxy, _, _ := busThroughGate(t)
	_, stopReceiving := startReceiving(t, bus)
	returned := subscribeAtShutGate(t.Context(), bus, proxy, "r-gated")
	stopReceiving()
	err := <-returned
	if mockroom.ErrorKind(err) != mockroom.KindUnavailable || !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Subscribe after the bus stopped receiving: %v, want unavailable (closed)", err)
	}
	proxy.openGate()
	if err := bus.Subscribe(t.Context(), "r-later"); mockroom.ErrorKind(err) != mockroom.KindUnavailable {
		t.Fatalf("Subscribe on a stopped bus: %v, want unavailable", err)
	}
}
