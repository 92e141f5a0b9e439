package main

import (
	"context"
	"errors"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// liveRooms gives the live engine its own view of rooms, so neither package knows the other.
type liveRooms struct{ rooms *room.Service }

func (a liveRooms) Room(ctx context.Context, id mockroom.RoomID) (live.RoomInfo, error) {
	r, err := a.rooms.Get(ctx, id)
	if err != nil {
		return live.RoomInfo{}, err
	}
	return roomInfo(r), nil
}

// Revision implements live.Revisions: Join reads the room again only when it changed.
func (a liveRooms) Revision(ctx context.Context, id mockroom.RoomID) (uint64, error) {
	return a.rooms.Revision(ctx, id)
}

// Seat implements live.Seats: the ticket's seat check without decoding the whole room.
func (a liveRooms) Seat(ctx context.Context, id mockroom.RoomID, user mockroom.UserID) (mockroom.Role, bool, error) {
	return a.rooms.Seat(ctx, id, user)
}

func (a liveRooms) Transition(ctx context.Context, id mockroom.RoomID, from, to mockroom.RoomState) (live.RoomInfo, error) {
	r, err := a.rooms.Transition(ctx, id, from, to)
	if err != nil {
		return live.RoomInfo{}, err
	}
	return roomInfo(r), nil
}

func roomInfo(r room.Room) live.RoomInfo {
	info := live.RoomInfo{
		ID:          r.ID,
		Kind:        r.Kind,
		Track:       r.Track,
		State:       r.State,
		Owner:       r.CreatedBy,
		AutoAdvance: r.Settings.AutoAdvance,
		Allowance:   r.Settings.Allowance,
		Revision:    r.Revision,
	}
	for _, q := range r.Questions {
		info.Questions = append(info.Questions, live.PlannedQuestion{
			QuestionID: q.QuestionID, Title: q.Title, Category: q.Category, Minutes: q.Minutes, Seconds: q.Seconds,
		})
	}
	for _, h := range r.Halves {
		info.Halves = append(info.Halves, live.Half{
			Interviewer: h.Interviewer, Candidate: h.Candidate,
			FirstQuestion: h.FirstQuestion, QuestionCount: h.QuestionCount,
		})
	}
	for _, p := range r.Participants {
		info.Participants = append(info.Participants, live.Participant{
			UserID: p.UserID, Role: p.Role, DisplayName: p.DisplayName,
		})
	}
	return info
}

// liveQuestions resolves a room's questions through the catalog, as the room's owner sees it.
type liveQuestions struct{ catalog *bank.Catalog }

func (a liveQuestions) Question(ctx context.Context, owner mockroom.UserID, track mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	return a.catalog.Question(ctx, owner, track, id)
}

// liveAnnouncer lets the room service tell a live room what it decided, through the live
// engine's NamesRevealed, so neither package knows the other.
type liveAnnouncer struct{ engine *live.Engine }

func (a *liveAnnouncer) NamesRevealed(ctx context.Context, id mockroom.RoomID, ps []room.Participant) error {
	if a.engine == nil {
		return errors.New("announce names: no live engine")
	}
	names := make([]live.RevealedName, 0, len(ps))
	for _, p := range ps {
		names = append(names, live.RevealedName{UserID: p.UserID, DisplayName: p.DisplayName})
	}
	return a.engine.NamesRevealed(ctx, id, names)
}

func (a *liveAnnouncer) RoomClosed(ctx context.Context, id mockroom.RoomID) error {
	if a.engine == nil {
		return errors.New("announce closing: no live engine")
	}
	return a.engine.RoomClosed(ctx, id)
}
