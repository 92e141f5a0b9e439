package ws

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// A ticket is "tk2_" + base64url(JSON of ticketData) + "." + base64url(HMAC-SHA256 of the JSON),
// signed with Config.TicketKey. Any node holding the key checks it without reading the store;
// the store only records that its id was spent, for as long as the ticket would be valid.
// A ticket of the earlier form ("tk_" and a random id, its data stored under that id) is still
// accepted by reading and deleting the stored data.
const (
	ticketPrefix = "tk2_"
	// maxTicketLen bounds what is decoded; a real ticket is a few hundred bytes.
	maxTicketLen = 2048
)

// ticketDomain separates ticket signatures from anything else the same key might sign.
const ticketDomain = "mockroom socket ticket\x00"

func ticketMAC(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ticketDomain))
	m.Write(payload)
	return m.Sum(nil)
}

func signTicket(key []byte, td ticketData) string {
	payload, _ := json.Marshal(td)
	return ticketPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(ticketMAC(key, payload))
}

// TicketKey derives the key that signs socket tickets from the deployment's token secret, so
// the two never sign with the same key.
func TicketKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("mockroom socket tickets v2"))
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
	p64, m64, ok := strings.Cut(body, ".")
	if !ok {
		return ticketData{}, unknown
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, ticketMAC(s.cfg.TicketKey, payload)) {
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
