package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/mockroom/mockroom/internal/account"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// authUser is a user as the API shows it. The password hash never leaves the account store.
type authUser struct {
	ID        mockroom.UserID `json:"id"`
	Email     string          `json:"email,omitempty"`
	Name      string          `json:"name"`
	Guest     bool            `json:"guest"`
	CreatedAt time.Time       `json:"created_at"`
}

func toAuthUser(u account.User) authUser {
	return authUser{ID: u.ID, Email: u.Email, Name: u.Name, Guest: u.Guest, CreatedAt: u.CreatedAt}
}

// authSession is the answer to signup, login, refresh and claim.
type authSession struct {
	User         authUser `json:"user"`
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"` // seconds until the access token expires
}

func toAuthSession(u account.User, p account.Pair) authSession {
	return authSession{
		User: toAuthUser(u), AccessToken: p.AccessToken, RefreshToken: p.RefreshToken,
		TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn.Round(time.Second) / time.Second),
	}
}

type authSignupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

type authLoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type authRefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type authClaimRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name,omitempty"`
}

// MountAuth mounts signup, login, refresh, logout, guest claim and /me. Pass the same service as
// Options.Auth so bearer tokens are checked by it.
func (s *Server) MountAuth(svc *account.Service) {
	s.handleFunc("POST /api/v1/auth/signup", func(w http.ResponseWriter, r *http.Request) {
		var req authSignupRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		u, pair, err := svc.Signup(r.Context(), account.SignupInput{
			Email: req.Email, Password: req.Password, Name: req.Name, ClientAddr: s.clientAddr(r),
		})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, toAuthSession(u, pair))
	})

	s.handleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var req authLoginRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		u, pair, err := svc.Login(r.Context(), account.LoginInput{
			Email: req.Email, Password: req.Password, ClientAddr: s.clientAddr(r),
		})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, toAuthSession(u, pair))
	})

	s.handleFunc("POST /api/v1/auth/refresh", func(w http.ResponseWriter, r *http.Request) {
		var req authRefreshRequest
		if err := s.decodeRefresh(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		u, pair, err := svc.Refresh(r.Context(), req.RefreshToken)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, toAuthSession(u, pair))
	})

	s.handleFunc("POST /api/v1/auth/logout", func(w http.ResponseWriter, r *http.Request) {
		var req authRefreshRequest
		if err := s.decodeRefresh(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if err := svc.Logout(r.Context(), req.RefreshToken); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	})

	s.handleFunc("POST /api/v1/auth/claim", func(w http.ResponseWriter, r *http.Request) {
		token, err := bearerToken(r)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		var req authClaimRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		u, pair, err := svc.Claim(r.Context(), token, account.ClaimInput{
			Email: req.Email, Password: req.Password, Name: req.Name, ClientAddr: s.clientAddr(r),
		})
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, toAuthSession(u, pair))
	})

	s.handleFunc("GET /api/v1/me", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		u, err := svc.User(r.Context(), p.UserID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, toAuthUser(u))
	}))

	s.handleFunc("POST /api/v1/me/delete", s.authed(func(w http.ResponseWriter, r *http.Request, p mockroom.Principal) {
		var req deleteAccountRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if err := svc.DeleteAccount(r.Context(), p.UserID, req.Password, req.Confirm); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}

type deleteAccountRequest struct {
	Password string `json:"password"`
	Confirm  string `json:"confirm"`
}

// decodeRefresh decodes a {refresh_token} body and insists the field is there, so a client that
// misspells it hears so instead of a puzzling 401.
func (s *Server) decodeRefresh(w http.ResponseWriter, r *http.Request, req *authRefreshRequest) error {
	if err := s.decodeJSON(w, r, req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return mockroom.Errorf(mockroom.KindInvalid, "field_missing", "refresh_token is required")
	}
	return nil
}

// bearerToken reads the access token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return "", mockroom.Errorf(mockroom.KindUnauthorized, "token_missing", "send an access token as 'Authorization: Bearer <token>'")
	}
	return token, nil
}
