package mockroom

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. Only the transport layers turn
// kinds into status or close codes; the rules speak in kinds.
type Kind string

const (
	KindInvalid      Kind = "invalid"      // the request is malformed or breaks a rule
	KindNotFound     Kind = "not_found"    // the thing asked for does not exist (or is hidden)
	KindConflict     Kind = "conflict"     // the state of things does not allow it now
	KindUnauthorized Kind = "unauthorized" // no valid identity
	KindForbidden    Kind = "forbidden"    // identity known, not allowed
	KindTooLarge     Kind = "too_large"    // body, message or document over a limit
	KindRateLimited  Kind = "rate_limited" // too many attempts; try later
	KindUnavailable  Kind = "unavailable"  // a dependency is down; try later
	KindInternal     Kind = "internal"     // a bug or an unexpected failure
)

// Error is the error type that crosses package boundaries. Code is a stable, machine-readable
// snake_case identifier (e.g. "email_taken"); Message is for people.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Field, for an input that breaks a rule, is the path of the field at fault
	// (e.g. "qualities[2].evidence"), so a form can point at it.
	Field string
	Err   error // the cause, if any; never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for logs.
func Wrap(cause error, kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: cause}
}

// ErrorKind returns the kind of err, KindInternal for errors that are not *Error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorCode returns err's stable code, "internal" for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// ErrorField returns the field an *Error names, "" for none.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns a message safe to show to clients: the *Error's own message, or a generic
// one for anything else so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrNotFound is the generic not-found error the store returns; packages wrap or replace it with
// their own codes.
var ErrNotFound = &Error{Kind: KindNotFound, Code: "not_found", Message: "not found"}
