package ws

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// A ticket is "tk3_" + base64url(nonce ‖ AES-256-GCM seal of the JSON of ticketData), under
// Config.TicketKey. Any node holding the key opens it without reading the store; the store only
// records that its id was spent, for as long as the ticket would be valid. The seal keeps the
// payload (who, which room, which session) unreadable as well as unforgeable: the ticket rides in
// the socket's URL, and URLs end up in proxies' access logs. A ticket of the earlier stored form
// ("tk_" and a random id, its data stored under that id) is still accepted by reading and
// deleting the stored data.
const (
	ticketPrefix = "tk3_"
	// maxTicketLen bounds what is decoded; a real ticket is a few hundred bytes.
	maxTicketLen = 2048
)

// ticketAAD binds a seal to its use: the same key sealing anything else cannot make a ticket.
var ticketAAD = []byte("mockroom socket ticket")

func ticketAEAD(key []byte) cipher.AEAD {
	// TicketKey's 32 bytes make AES-256; New has checked the length.
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

func sealTicket(aead cipher.AEAD, td ticketData) string {
	payload, _ := json.Marshal(td)
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(payload)+aead.Overhead())
	_, _ = rand.Read(nonce)
	return ticketPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, payload, ticketAAD))
}

// openTicket returns the payload of a sealed ticket, false for anything forged, altered or
// malformed.
func openTicket(aead cipher.AEAD, sealed string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, false
	}
	payload, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], ticketAAD)
	return payload, err == nil
}

// TicketKey derives the key that seals socket tickets from the deployment's token secret, so
// the two never use the same key.
func TicketKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("mockroom socket tickets v3"))
	return m.Sum(nil)
}

// spendTicket checks a ticket and records its use. A forged, altered, expired or already spent
// ticket is a KindNotFound error; only a store failure is anything else.
func (s *Server) spendTicket(ctx context.Context, ticket string) (ticketData, error) {
	unknown := mockroom.Errorf(mockroom.KindNotFound, "ticket_invalid", "the ticket is unknown, used or expired")
	body, ok := strings.CutPrefix(ticket, ticketPrefix)
	if !ok {
		return s.takeStoredTicket(ctx, ticket)
	}
	payload, ok := openTicket(s.ticketAEAD, body)
	if !ok {
		return ticketData{}, unknown
	}
	var td ticketData
	if json.Unmarshal(payload, &td) != nil || td.ID == "" {
		return ticketData{}, unknown
	}
	ttl := time.UnixMilli(td.Expires).Sub(s.now())
	if ttl <= 0 {
		return ticketData{}, unknown
	}
	fresh, err := s.cfg.Tickets.Spend(ctx, td.ID, ttl)
	if err != nil {
		return ticketData{}, err
	}
	if !fresh {
		return ticketData{}, unknown
	}
	return td, nil
}

// takeStoredTicket spends a ticket of the earlier, stored form.
func (s *Server) takeStoredTicket(ctx context.Context, ticket string) (ticketData, error) {
	raw, err := s.cfg.Tickets.Take(ctx, ticket)
	if err != nil {
		return ticketData{}, err
	}
	var td ticketData
	if json.Unmarshal(raw, &td) != nil {
		return ticketData{}, mockroom.Errorf(mockroom.KindNotFound, "ticket_invalid", "the ticket is unknown, used or expired")
	}
	return td, nil
}
