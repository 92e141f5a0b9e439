package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/redis/go-redis/v9"
)

// Tickets stores single-use socket tickets: Put writes one with an expiry, Take reads and
// deletes it in one command (GETDEL), so two sockets can never spend the same ticket.
type Tickets struct {
	Client redis.UniversalClient
	Keys   Keys
	// Lookups, if set, carries Spend, which every socket's hand-shake makes (see Lookups).
	Lookups *Lookups
}

// Put stores the ticket's bound data for ttl.
func (t Tickets) Put(ctx context.Context, ticket string, data []byte, ttl time.Duration) error {
	if err := t.Client.Set(ctx, t.Keys.Ticket(ticket), data, ttl).Err(); err != nil {
		return mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "could not store the ticket")
	}
	return nil
}

// Take returns the ticket's data and deletes it; a missing, used or expired ticket is a
// not-found error.
func (t Tickets) Take(ctx context.Context, ticket string) ([]byte, error) {
	data, err := t.Client.GetDel(ctx, t.Keys.Ticket(ticket)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, mockroom.Errorf(mockroom.KindNotFound, "ticket_invalid", "the ticket is unknown, used or expired")
	}
	if err != nil {
		return nil, mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "could not read the ticket")
	}
	return data, nil
}

// Spend records that the signed ticket id was used, for ttl; false if it had been already. One
// SET NX: two sockets presenting the same ticket at once cannot both get true.
func (t Tickets) Spend(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	_, err := t.Lookups.do(ctx, t.Client, nil, "set", t.Keys.Ticket("spent:"+id), "1", "px", max(ttl.Milliseconds(), 1), "nx")
	if errors.Is(err, redis.Nil) {
		return false, nil // spent before
	}
	if err != nil {
		return false, mockroom.Wrap(err, mockroom.KindUnavailable, "store_unavailable", "could not record the ticket's use")
	}
	return true, nil
}
