package ws

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// A resume credential lets a socket that was cut open its successor without a ticket request
// (api/protocol.md section 1): "rs1_" + base64url(nonce ‖ AES-256-GCM seal of the same payload
// as a ticket's), under a key derived from Config.TicketKey with its own label and associated
// data, so a ticket never opens as a credential nor a credential as a ticket. The server hands
// one out in the join reply and a fresh one on the open socket every ResumeRefresh; each lives
// ResumeTTL (never past the access token it descends from) and is spent once, like a ticket.
const credentialPrefix = "rs1_"

var credentialAAD = []byte("mockroom resume credential")

// credentialKey derives the credential key from the ticket key.
func credentialKey(ticketKey []byte) []byte {
	m := hmac.New(sha256.New, ticketKey)
	m.Write([]byte("mockroom resume credentials v1"))
	return m.Sum(nil)
}

// credential is a resume credential as frames carry it.
type credential struct {
	Value     string     `json:"value"`
	ExpiresAt serverTime `json:"expires_at"`
}

// credentialFrame hands an open socket a fresh credential.
type credentialFrame struct {
	Type       string      `json:"type"`
	ServerTime serverTime  `json:"server_time"`
	Credential *credential `json:"credential"`
}

// issueCredential seals a credential for the socket's person, room and session; nil when the
// access token behind the socket has expired (the sweep is about to close it).
func (c *conn) issueCredential(now time.Time) *credential {
	c.mu.Lock()
	sid, tokenExp := c.sessionID, c.expiresAt
	c.mu.Unlock()
	expires := now.Add(c.srv.cfg.ResumeTTL)
	if tokenExp.Before(expires) {
		expires = tokenExp
	}
	expires = expires.Truncate(time.Millisecond)
	if !now.Before(expires) {
		return nil
	}
	var id [18]byte
	_, _ = rand.Read(id[:])
	payload, _ := json.Marshal(ticketData{
		ID:   base64.RawURLEncoding.EncodeToString(id[:]),
		User: c.principal.UserID, Name: c.principal.Name, Guest: c.principal.Guest,
		Room: c.room, SessionID: sid, TokenExp: tokenExp.UnixMilli(), Expires: expires.UnixMilli(),
	})
	aead := c.srv.credentialAEAD
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(payload)+aead.Overhead())
	_, _ = rand.Read(nonce)
	value := credentialPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, payload, credentialAAD))
	return &credential{Value: value, ExpiresAt: serverTime(expires)}
}

// openCredential returns the payload of a credential, false for anything forged, altered,
// malformed or not a credential (a ticket among them).
func openCredential(aead cipher.AEAD, value string) (ticketData, bool) {
	body, ok := strings.CutPrefix(value, credentialPrefix)
	if !ok || len(value) > maxTicketLen {
		return ticketData{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return ticketData{}, false
	}
	payload, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], credentialAAD)
	if err != nil {
		return ticketData{}, false
	}
	var td ticketData
	if json.Unmarshal(payload, &td) != nil || td.ID == "" || td.User == "" || td.SessionID == "" {
		return ticketData{}, false
	}
	return td, true
}

// AcceptResume upgrades the request to a socket of room with a resume credential instead of a
// ticket. Everything that needs no store is checked first, so a refusal for a forged, expired or
// misdirected credential costs no round trip and spends nothing; then the session (a revoked one
// opens no socket), then the one SET NX that spends it.
func (s *Server) AcceptResume(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, value string) error {
	if err := s.preflight(r); err != nil {
		return err
	}
	invalid := mockroom.Errorf(mockroom.KindUnauthorized, "resume_invalid", "the resume credential is unknown, used, expired or for another room; get a ticket")
	td, ok := openCredential(s.credentialAEAD, value)
	if !ok || td.Room != room {
		return invalid
	}
	now := s.now()
	ttl := time.UnixMilli(td.Expires).Sub(now)
	if ttl <= 0 || !now.Before(time.UnixMilli(td.TokenExp)) {
		return invalid
	}
	active, err := s.auth.SessionActive(r.Context(), td.User, td.SessionID)
	if err != nil {
		s.storeError(err)
		return err
	}
	if !active {
		return mockroom.Errorf(mockroom.KindUnauthorized, "session_revoked", "this session has ended; log in again")
	}
	fresh, err := s.cfg.Tickets.Spend(r.Context(), "r:"+td.ID, ttl)
	if err != nil {
		s.storeError(err)
		return err
	}
	if !fresh {
		return invalid
	}
	return s.upgrade(w, r, room, td)
}

// preflight refuses, before any credential is looked at, what no socket may be: a foreign
// origin, a request that is not a WebSocket handshake, a node shutting down.
func (s *Server) preflight(r *http.Request) error {
	// A handshake with two Origin headers is refused whatever they say: only one can be the
	// page's, and checking the first would let the second through.
	if origins := r.Header.Values("Origin"); len(origins) > 1 || !s.originAllowed(r.Header.Get("Origin")) {
		s.logRefusedOrigin(strings.Join(origins, ", "))
		return mockroom.Errorf(mockroom.KindForbidden, "origin_not_allowed", "sockets may not be opened from this origin")
	}
	if !websocket.IsWebSocketUpgrade(r) {
		return mockroom.Errorf(mockroom.KindInvalid, "not_websocket", "this endpoint only accepts WebSocket handshakes")
	}
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return mockroom.Errorf(mockroom.KindUnavailable, "shutting_down", "this node is shutting down; connect again")
	}
	return nil
}

// upgrade completes the handshake of an admitted socket and starts it.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, room mockroom.RoomID, td ticketData) error {
	bw := &batchingWriter{ResponseWriter: w, writes: s.metrics.writes}
	ws, err := s.upgrader.Upgrade(bw, r, nil)
	if err != nil {
		return mockroom.Wrap(err, mockroom.KindInvalid, "bad_handshake", "the WebSocket handshake failed")
	}
	s.start(ws, bw.conn, room, mockroom.Principal{UserID: td.User, Name: td.Name, Guest: td.Guest}, td.SessionID, time.UnixMilli(td.TokenExp))
	return nil
}

// refreshPings is how many ping ticks pass between two credentials handed to an open socket: the
// refresh rides on the ping's write, so it costs an idle socket no timer and no extra wake-up.
func (s *Server) refreshPings() uint8 {
	n := (s.cfg.ResumeRefresh + s.cfg.PingInterval - 1) / s.cfg.PingInterval
	return uint8(max(1, min(n, 255)))
}
