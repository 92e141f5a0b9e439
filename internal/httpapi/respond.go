package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// errorBody is the JSON body of every error response.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// statusOf maps an error kind to its HTTP status. It is the only such table in the project.
func statusOf(kind mockroom.Kind) int {
	switch kind {
	case mockroom.KindInvalid:
		return http.StatusBadRequest
	case mockroom.KindUnauthorized:
		return http.StatusUnauthorized
	case mockroom.KindForbidden:
		return http.StatusForbidden
	case mockroom.KindNotFound:
		return http.StatusNotFound
	case mockroom.KindConflict:
		return http.StatusConflict
	case mockroom.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case mockroom.KindRateLimited:
		return http.StatusTooManyRequests
	case mockroom.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the error's status and a {code, message} body. Errors that are not
// *mockroom.Error are logged and answered as a generic internal error.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	kind := mockroom.ErrorKind(err)
	status := statusOf(kind)
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if kind == mockroom.KindRateLimited && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(err)))
	}
	if kind == mockroom.KindUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mockroom"`)
	}
	writeJSON(w, status, errorBody{Code: mockroom.ErrorCode(err), Message: mockroom.ErrorMessage(err), Field: mockroom.ErrorField(err)})
}

// decodeJSON reads one JSON object from the body into dst, strictly: unknown fields, trailing
// data and bodies over the size limit are refused.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return mockroom.Errorf(mockroom.KindInvalid, "unsupported_media_type", "send the body as application/json")
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return mockroom.Errorf(mockroom.KindTooLarge, "body_too_large", "request body is larger than %d bytes", s.opts.MaxBodyBytes)
		}
		return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "the request body could not be read")
	}
	if err := checkStrict(raw, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return mockroom.Errorf(mockroom.KindTooLarge, "body_too_large", "request body is larger than %d bytes", s.opts.MaxBodyBytes)
		}
		if errors.Is(err, io.EOF) {
			return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "request body is empty; send a JSON object")
		}
		return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "request body is not valid JSON for this endpoint: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return mockroom.Errorf(mockroom.KindInvalid, "bad_json", "request body has data after the JSON object")
	}
	return nil
}

// authed wraps a handler that needs a caller: it reads the bearer token, authenticates it, and
// passes the principal on. Missing, malformed, expired and forged tokens all get 401.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, p mockroom.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		h(w, r, p)
	}
}

func (s *Server) authenticate(r *http.Request) (mockroom.Principal, error) {
	header := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return mockroom.Principal{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_missing", "send an access token as 'Authorization: Bearer <token>'")
	}
	if s.opts.Auth == nil {
		return mockroom.Principal{}, mockroom.Errorf(mockroom.KindUnauthorized, "token_invalid", "authentication is not configured")
	}
	return s.opts.Auth.Authenticate(r.Context(), token)
}

// retryAfterSeconds is the wait a rate-limited error asks for (its cause may implement
// RetryAfter), in whole seconds, 60 if it does not say.
func retryAfterSeconds(err error) int {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		if secs := int((ra.RetryAfter() + time.Second - 1) / time.Second); secs > 0 {
			return secs
		}
	}
	return 60
}
