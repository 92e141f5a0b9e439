package account

import (
	"context"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Limits caps attempts: each is how many attempts may come at once, and the allowance refills
// evenly over Window (10 per minute: ten at once, then one every 6 s). This is a generic cell
// rate algorithm: unlike counting per fixed window, a burst at the end of one minute cannot be
// followed by another at the start of the next. Login attempts are counted before the password
// is checked, successful or not, so the limit also slows down anyone probing which emails exist.
type Limits struct {
	LoginPerAccount  int // login attempts for one email
	LoginPerAddress  int // login attempts from one client address
	SignupPerAddress int // signups and guest claims from one client address
	Window           time.Duration
}

// Limit is one limit as the Counter applies it: Burst attempts at once, refilled at Burst per
// Period.
type Limit struct {
	Burst  int
	Period time.Duration
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{LoginPerAccount: 10, LoginPerAddress: 30, SignupPerAddress: 10, Window: time.Minute}

// Rate-limit scopes, used as part of the counter key.
const (
	scopeLoginAccount  = "login_account"
	scopeLoginAddress  = "login_addr"
	scopeSignupAddress = "signup_addr"
)

// RetryAfterError is the cause inside a "rate_limited" error; transports use RetryAfter for the
// Retry-After header.
type RetryAfterError struct{ After time.Duration }

func (e *RetryAfterError) Error() string { return "retry after " + e.After.String() }

// RetryAfter is how long the caller should wait, rounded up to whole seconds, at least one.
func (e *RetryAfterError) RetryAfter() time.Duration {
	d := e.After.Round(time.Second)
	if d < e.After {
		d += time.Second
	}
	return max(d, time.Second)
}

// limit counts one attempt for (scope, subject) and refuses it when the limit has no room. An
// empty subject (an unknown client address) is not counted.
func (s *Service) limit(ctx context.Context, scope, subject string, maxHits int) error {
	if subject == "" || maxHits <= 0 {
		return nil
	}
	ok, retryAfter, err := s.counter.Allow(ctx, scope, subject, Limit{Burst: maxHits, Period: s.limits.Window}, s.now())
	if err != nil {
		return err
	}
	if !ok {
		retry := &RetryAfterError{After: retryAfter}
		return mockroom.Wrap(retry, mockroom.KindRateLimited, "rate_limited",
			"too many attempts; try again in "+strconv.Itoa(int(retry.RetryAfter()/time.Second))+" s")
	}
	return nil
}
