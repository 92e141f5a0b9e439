package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// parallel runs f(i) for i in [0, n) on at most workers goroutines. The first error cancels
// the rest and is returned.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}

// plannedRoom is a room with both participants signed in, before any socket is open.
type plannedRoom struct {
	idx         int
	id          string
	interviewer session
	candidate   session
	// Nodes the two sockets connect to: with several URLs, the two people of a room are on
	// different nodes, so every edit crosses Redis pub/sub.
	interviewerNode, candidateNode string
}

// planRooms signs up one interviewer and creates n rooms, each with a guest candidate who
// accepted the invite. One interviewer serves every room because the server limits signups per
// address; a mentor with many rooms is a legitimate shape of use.
func planRooms(ctx context.Context, cfg config, a *api, n int) ([]plannedRoom, error) {
	interviewer, err := a.signup(ctx)
	if err != nil {
		return nil, fmt.Errorf("sign up the interviewer: %w", err)
	}
	rooms := make([]plannedRoom, n)
	err = parallel(ctx, n, cfg.concurrency, func(ctx context.Context, i int) error {
		r, err := a.createRoom(ctx, interviewer, fmt.Sprintf("load room %d", i))
		if err != nil {
			return fmt.Errorf("room %d: %w", i, err)
		}
		cand, err := a.acceptInvite(ctx, r.CandidateInvite, fmt.Sprintf("Candidate %d", i))
		if err != nil {
			return fmt.Errorf("room %d: accept invite: %w", i, err)
		}
		rooms[i] = plannedRoom{
			idx: i, id: r.ID, interviewer: interviewer, candidate: cand,
			interviewerNode: cfg.urls[i%len(cfg.urls)],
			candidateNode:   cfg.urls[(i+1)%len(cfg.urls)],
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rooms, nil
}

// connect opens and joins a socket on node: with a ticket it gets from node, or with
// -handshake join with the access token in the join frame.
func connect(ctx context.Context, a *api, node, room string, s session, clientID string, resume *position) (*sock, joined, error) {
	if a.joinAuth {
		sk, err := dial(ctx, node, room, "auth", "join", clientID)
		if err != nil {
			return nil, joined{}, err
		}
		sk.token = s.AccessToken
		j, err := sk.join(resume)
		if err != nil {
			sk.drop()
			return nil, joined{}, err
		}
		return sk, j, nil
	}
	t, err := a.ticket(ctx, node, room, s)
	if err != nil {
		return nil, joined{}, fmt.Errorf("ticket: %w", err)
	}
	return open(ctx, node, room, "ticket", t, clientID, resume)
}

// open opens a socket with a ticket or a resume credential (param "ticket" or "resume") and
// joins.
func open(ctx context.Context, node, room, param, proof, clientID string, resume *position) (*sock, joined, error) {
	sk, err := dial(ctx, node, room, param, proof, clientID)
	if err != nil {
		return nil, joined{}, err
	}
	j, err := sk.join(resume)
	if err != nil {
		sk.drop()
		return nil, joined{}, err
	}
	return sk, j, nil
}

// start moves a waiting room to live through its interviewer's socket. A room already live is
// fine; anything else is an error.
func start(s *sock, state string, onOther func(frame)) error {
	if state != "waiting" && state != "" {
		return nil
	}
	seq, err := s.command("room.start")
	if err != nil {
		return err
	}
	f, err := s.awaitAck(seq, onOther)
	if err != nil {
		return fmt.Errorf("room.start: %w", err)
	}
	if f.Type == "error" && f.Code != "conflict" && f.Code != "room_state" {
		return fmt.Errorf("room.start refused: %s: %s", f.Code, f.Message)
	}
	return nil
}
