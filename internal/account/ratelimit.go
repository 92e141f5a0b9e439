package account

import (
	"context"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Limits caps attempts per fixed window. Login attempts are counted before the password is
// checked, successful or not, so the limit also slows down anyone probing which emails exist.
type Limits struct {
	LoginPerAccount  int // login attempts for one email
	LoginPerAddress  int // login attempts from one client address
	SignupPerAddress int // signups and guest claims from one client address
	Window           time.Duration
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

// limit counts one attempt for (scope, subject) and refuses it when the window's count passes
// max. An empty subject (an unknown client address) is not counted.
func (s *Service) limit(ctx context.Context, scope, subject string, maxHits int) error {
	if subject == "" || maxHits <= 0 {
		return nil
	}
	n, resetIn, err := s.counter.Hit(ctx, scope, subject, s.limits.Window)
	if err != nil {
		return err
	}
	if n > int64(maxHits) {
		retry := &RetryAfterError{After: resetIn}
		return mockroom.Wrap(retry, mockroom.KindRateLimited, "rate_limited",
			"too many attempts; try again in "+strconv.Itoa(int(retry.RetryAfter()/time.Second))+" s")
	}
	return nil
}
