package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// api is the REST side of the server as the generator uses it: sign up, create rooms, accept
// invites, get socket tickets. Every call goes to one base URL; sockets may go elsewhere.
type api struct {
	base   string
	client *http.Client
	track  string
	plan   string
	// joinAuth opens sockets with ?auth=join and the access token in the join frame instead of
	// a ticket (-handshake join).
	joinAuth bool
}

func newAPI(base string, conns int, track, plan string) *api {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
	}
	return &api{base: strings.TrimRight(base, "/"), client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, track: track, plan: plan}
}

// apiError is a non-2xx answer, with the server's error code when it sent one.
type apiError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// call sends body as JSON and decodes a 2xx answer into out.
func (a *api) call(ctx context.Context, method, path, bearer string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		if e.Code == "" {
			e.Message = strings.TrimSpace(string(raw))
		}
		return &apiError{Method: method, Path: path, Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// session is what signup and invite acceptance give back.
type session struct {
	UserID      string
	AccessToken string
}

// signup creates one interviewer account. The server limits signups per address, so a run signs
// up once and that interviewer creates every room.
func (a *api) signup(ctx context.Context) (session, error) {
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	tag := hex.EncodeToString(nonce[:])
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken string `json:"access_token"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/auth/signup", "", map[string]string{
		"email": "load-" + tag + "@example.org", "password": "load-password-" + tag, "name": "Load Interviewer",
	}, &out)
	if err != nil {
		return session{}, err
	}
	return session{UserID: out.User.ID, AccessToken: out.AccessToken}, nil
}

// createdRoom is a room the interviewer made and the candidate invite that comes with it.
type createdRoom struct {
	ID              string
	CandidateInvite string
}

func (a *api) createRoom(ctx context.Context, interviewer session, title string) (createdRoom, error) {
	var out struct {
		Room struct {
			ID string `json:"id"`
		} `json:"room"`
		Invites struct {
			CandidateInvite string `json:"candidate_invite"`
		} `json:"invites"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/rooms", interviewer.AccessToken, map[string]any{
		"track": a.track, "plan_id": a.plan, "title": title,
	}, &out)
	if err != nil {
		return createdRoom{}, err
	}
	if out.Room.ID == "" || out.Invites.CandidateInvite == "" {
		return createdRoom{}, fmt.Errorf("POST /api/v1/rooms: answer has no room.id or invites.candidate_invite")
	}
	return createdRoom{ID: out.Room.ID, CandidateInvite: out.Invites.CandidateInvite}, nil
}

// acceptInvite joins the room as a guest: no account, a display name, and the session the
// server creates for the guest.
func (a *api) acceptInvite(ctx context.Context, invite, name string) (session, error) {
	var out struct {
		Session *struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			AccessToken string `json:"access_token"`
		} `json:"session"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/invites/accept", "", map[string]string{
		"invite": invite, "display_name": name,
	}, &out)
	if err != nil {
		return session{}, err
	}
	if out.Session == nil || out.Session.AccessToken == "" {
		return session{}, fmt.Errorf("POST /api/v1/invites/accept: answer has no session.access_token")
	}
	return session{UserID: out.Session.User.ID, AccessToken: out.Session.AccessToken}, nil
}

// ticket asks base (which may be another node than a.base) for a socket ticket.
func (a *api) ticket(ctx context.Context, base, room string, s session) (string, error) {
	var out struct {
		Ticket string `json:"ticket"`
	}
	b := *a
	b.base = strings.TrimRight(base, "/")
	if err := b.call(ctx, http.MethodPost, "/api/v1/rooms/"+room+"/ticket", s.AccessToken, nil, &out); err != nil {
		return "", err
	}
	return out.Ticket, nil
}

// close lets go of idle keep-alive connections.
func (a *api) close() { a.client.CloseIdleConnections() }
