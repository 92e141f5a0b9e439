package ws_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
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

// testTicketKey seals the harness's tickets.
var testTicketKey = ws.TicketKey([]byte("ticket-test-secret-0123456789abcdef"))

// sealed builds a ticket of the documented form (api/protocol.md) with the given key:
// "tk3_" + base64url(nonce ‖ AES-256-GCM seal of the JSON payload), associated data
// "mockroom socket ticket".
func sealed(key []byte, payload map[string]any) string {
	raw, _ := json.Marshal(payload)
	aead := gcm(key)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return "tk3_" + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, raw, []byte("mockroom socket ticket")))
}

func gcm(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// decodeTicket opens a ticket the server issued with the harness's key.
func decodeTicket(t *testing.T, tk string) map[string]any {
	t.Helper()
	body, ok := strings.CutPrefix(tk, "tk3_")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	aead := gcm(testTicketKey)
	if !ok || err != nil || len(raw) < aead.NonceSize() {
		t.Fatalf("ticket %q is not of the documented form", tk)
	}
	payload, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte("mockroom socket ticket"))
	var out map[string]any
	if err != nil || json.Unmarshal(payload, &out) != nil {
		t.Fatalf("ticket %q does not open with the key: %v", tk, err)
	}
	return out
}

// flipped is tk with one bit of its sealed bytes at i (counted from the end when negative) changed.
func flipped(t *testing.T, tk string, i int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tk, "tk3_"))
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= 0x01
	return "tk3_" + base64.RawURLEncoding.EncodeToString(raw)
}

// TestSealedTickets: issuing a ticket writes nothing to the store and the ticket shows nothing
// of who or where (it ends up in access logs); a ticket altered, sealed with another key,
// expired, reused or presented for another room opens no socket.
func TestSealedTickets(t *testing.T) {
	var ahead atomic.Int64
	h := newHarness(t, func(c *ws.Config, _ *harnessOpts) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	h.mentorRoom("r-sig")
	h.mentorRoom("r-sig2")
	tok := h.token(candidate)
	ctx := t.Context()
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

	// Nothing of the payload can be read without the key: not the user, the room or the session.
	opaque, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tk, "tk3_"))
	for _, secret := range []string{string(candidate.UserID), "r-sig", payload["s"].(string), payload["n"].(string)} {
		if secret != "" && (strings.Contains(tk, secret) || strings.Contains(string(opaque), secret)) {
			t.Errorf("the ticket shows %q", secret)
		}
	}

	// The same payload sealed with another key, and a ticket with any of its bytes changed.
	if _, status := h.dialTicket("r-sig", sealed(ws.TicketKey([]byte("another-secret-0123456789abcdef0123")), payload), nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket sealed with another key: %d, want 401", status)
	}
	for _, at := range []int{0, 12, 20, -1} { // the nonce, the sealed payload, the tag
		if _, status := h.dialTicket("r-sig", flipped(t, tk, at), nil, false); status != http.StatusUnauthorized {
			t.Errorf("ticket with byte %d changed: %d, want 401", at, status)
		}
	}
	for _, bad := range []string{"tk3_", "tk3_AAAA", "tk3_" + strings.Repeat("A", 3000), tk[:len(tk)-2], tk + "A", strings.Replace(tk, "tk3_", "tk3_.", 1)} {
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
	// Only the key can seal a ticket with a later expiry: one sealed with another key is refused
	// whatever it says.
	stale := decodeTicket(t, tk3)
	stale["x"] = float64(time.Now().Add(time.Hour).UnixMilli())
	if _, status := h.dialTicket("r-sig", sealed(ws.TicketKey([]byte("another-secret-0123456789abcdef0123")), stale), nil, false); status != http.StatusUnauthorized {
		t.Errorf("ticket with its expiry moved: %d, want 401", status)
	}
	// And the key itself does make tickets this server accepts: the test's form is the server's.
	fresh := decodeTicket(t, tk3)
	fresh["i"] = "made-by-the-test"
	if cl, status := h.dialTicket("r-sig", sealed(testTicketKey, fresh), nil, false); cl == nil {
		t.Errorf("a ticket sealed by the documented form with the right key: %d, want it to open", status)
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
	if err := tickets.Put(t.Context(), "tk_earlier", data, 30*time.Second); err != nil {
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
