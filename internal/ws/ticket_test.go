package ws_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/ws"
)

// testTicketKey signs the harness's tickets.
var testTicketKey = ws.TicketKey([]byte("ticket-test-secret-0123456789abcdef"))

// signed builds a ticket of the documented form (api/protocol.md) with the given key.
func signed(key []byte, payload map[string]any) string {
	raw, _ := json.Marshal(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("mockroom socket ticket\x00"))
	m.Write(raw)
	return "tk2_" + base64.RawURLEncoding.EncodeToString(raw) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// decodeTicket is the payload of a ticket the server issued.
func decodeTicket(t *testing.T, tk string) map[string]any {
	t.Helper()
	body, ok := strings.CutPrefix(tk, "tk2_")
	p64, _, ok2 := strings.Cut(body, ".")
	raw, err := base64.RawURLEncoding.DecodeString(p64)
	var out map[string]any
	if !ok || !ok2 || err != nil || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("ticket %q is not of the documented form", tk)
	}
	return out
}

// TestSignedTickets: issuing a ticket writes nothing to the store; a ticket altered, signed with
// another key, expired, reused or presented for another room opens no socket.
func TestSignedTickets(t *testing.T) {
	var ahead atomic.Int64
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	h.mentorRoom("r-sig")
	h.mentorRoom("r-sig2")
	tok := h.token(candidate)
	ctx := context.Background()
	spentKeys := func() []string {
		keys, err := h.redis.Keys(ctx, h.keys.Ticket("*")).Result()
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}

	tk, status := h.ticket(tok, "r-sig")
	if status != http.StatusOK {
		t.Fatalf("ticket: %d", status)
	}
	if keys := spentKeys(); len(keys) != 0 {
		t.Fatalf("issuing a ticket wrote to the store: %v", keys)
	}
	payload := decodeTicket(t, tk)
	if payload["r"] != "r-sig" || payload["u"] != string(candidate.UserID) {
		t.Fatalf("ticket bound to room %v user %v", payload["r"], payload["u"])
	}

	// The same payload signed with another key, and the room changed under the right signature.
	if _, status := h.dialTicket("r-sig", signed(ws.TicketKey([]byte("another-secret-0123456789abcdef0123")), payload), nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket signed with another key: %d, want 401", status)
	}
	_, mac, _ := strings.Cut(tk, ".")
	altered := map[string]any{}
	for k, v := range payload {
		altered[k] = v
	}
	altered["r"] = "r-sig2"
	raw, _ := json.Marshal(altered)
	if _, status := h.dialTicket("r-sig2", "tk2_"+base64.RawURLEncoding.EncodeToString(raw)+"."+mac, nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket with its room changed: %d, want 401", status)
	}
	for _, bad := range []string{"tk2_", "tk2_.", "tk2_" + strings.Repeat("A", 3000), tk[:len(tk)-2], tk + "A", strings.Replace(tk, ".", "", 1)} {
		if _, status := h.dialTicket("r-sig", bad, nil, false); status != http.StatusUnauthorized {
			t.Errorf("malformed ticket %.40q: %d, want 401", bad, status)
		}
	}
	if keys := spentKeys(); len(keys) != 0 {
		t.Fatalf("refused forgeries wrote to the store: %v", keys)
	}

	// The genuine ticket works once; its use is remembered no longer than it would be valid.
	cl, status := h.dialTicket("r-sig", tk, nil, false)
	if cl == nil {
		t.Fatalf("genuine ticket: %d", status)
	}
	keys := spentKeys()
	if len(keys) != 1 {
		t.Fatalf("spending a ticket left %v in the store, want one key", keys)
	}
	if ttl := h.redis.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > 30*time.Second {
		t.Errorf("the spent ticket is remembered for %v, want (0, 30s]", ttl)
	}
	if _, status := h.dialTicket("r-sig", tk, nil, false); status != http.StatusUnauthorized {
		t.Errorf("reused ticket: %d, want 401", status)
	}

	// Another room's socket with a genuine ticket: refused, and the ticket is spent.
	tk2, _ := h.ticket(tok, "r-sig")
	if _, status := h.dialTicket("r-sig2", tk2, nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket for another room: %d, want 401", status)
	}
	if _, status := h.dialTicket("r-sig", tk2, nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket spent on another room, used again: %d, want 401", status)
	}

	// A genuine ticket past its 30 s: refused, and nothing recorded for it.
	tk3, _ := h.ticket(tok, "r-sig")
	before := len(spentKeys())
	ahead.Store(int64(31 * time.Second))
	if _, status := h.dialTicket("r-sig", tk3, nil, false); status != http.StatusUnauthorized {
		t.Errorf("expired ticket: %d, want 401", status)
	}
	if n := len(spentKeys()); n != before {
		t.Errorf("an expired ticket was recorded: %d keys, want %d", n, before)
	}
	ahead.Store(0)
	// A ticket signed with the right key whose own expiry was pushed forward is a forgery: the
	// expiry is under the signature.
	stale := decodeTicket(t, tk3)
	stale["x"] = float64(time.Now().Add(time.Hour).UnixMilli())
	raw, _ = json.Marshal(stale)
	_, mac3, _ := strings.Cut(tk3, ".")
	if _, status := h.dialTicket("r-sig", "tk2_"+base64.RawURLEncoding.EncodeToString(raw)+"."+mac3, nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket with its expiry moved: %d, want 401", status)
	}
}

// TestTicketSpentOnceUnderRace: sockets opened at the same moment with one ticket: exactly one
// opens.
func TestTicketSpentOnceUnderRace(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-race")
	tk, status := h.ticket(h.token(candidate), "r-race")
	if status != http.StatusOK {
		t.Fatalf("ticket: %d", status)
	}
	const n = 8
	var wg sync.WaitGroup
	var opened atomic.Int32
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if cl, _ := h.dialTicket("r-race", tk, nil, false); cl != nil {
				opened.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := opened.Load(); got != 1 {
		t.Errorf("%d sockets opened with one ticket, want exactly 1", got)
	}
}

// TestStoredTicketsOfTheEarlierForm: a ticket stored whole by a node of the earlier release
// (during a rolling upgrade) still opens a socket, once.
func TestStoredTicketsOfTheEarlierForm(t *testing.T) {
	h := newHarness(t)
	h.mentorRoom("r-old")
	data, _ := json.Marshal(map[string]any{"u": candidate.UserID, "n": candidate.Name, "r": "r-old", "s": "sid-u-cand",
		"e": time.Now().Add(time.Hour).UnixMilli()})
	tickets := h.tickets()
	if err := tickets.Put(context.Background(), "tk_earlier", data, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if cl, status := h.dialTicket("r-old", "tk_earlier", nil, false); cl == nil {
		t.Fatalf("stored ticket: %d", status)
	}
	if _, status := h.dialTicket("r-old", "tk_earlier", nil, false); status != http.StatusUnauthorized {
		t.Errorf("stored ticket used twice: %d, want 401", status)
	}
}

func (h *harness) tickets() redisstore.Tickets {
	return redisstore.Tickets{Client: h.redis, Keys: h.keys}
}
