// Package livetest gives the tests of the live engine, and of the layers around it, one in-memory
// room service, so that each does not keep its own copy.
package livetest

import (
	"context"
	"sync"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Rooms is the room service as the engine sees it, safe for concurrent use.
type Rooms struct {
	mu    sync.Mutex
	rooms map[mockroom.RoomID]live.RoomInfo
}

// NewRooms returns a room service holding rooms.
func NewRooms(rooms ...live.RoomInfo) *Rooms {
	r := &Rooms{rooms: map[mockroom.RoomID]live.RoomInfo{}}
	for _, info := range rooms {
		r.rooms[info.ID] = info
	}
	return r
}

// Put adds or replaces a room.
func (r *Rooms) Put(info live.RoomInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rooms[info.ID] = info
}

// Update changes a room in place.
func (r *Rooms) Update(id mockroom.RoomID, change func(*live.RoomInfo)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := r.rooms[id]
	change(&info)
	r.rooms[id] = info
}

// Room implements live.Rooms.
func (r *Rooms) Room(_ context.Context, id mockroom.RoomID) (live.RoomInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info, ok := r.rooms[id]
	if !ok {
		return live.RoomInfo{}, mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no room")
	}
	return info, nil
}

// Transition implements live.Rooms: a compare-and-set on the state.
func (r *Rooms) Transition(_ context.Context, id mockroom.RoomID, from, to mockroom.RoomState) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := r.rooms[id]
	if info.State != from {
		return mockroom.Errorf(mockroom.KindConflict, "room_state", "room is %s", info.State)
	}
	info.State = to
	r.rooms[id] = info
	return nil
}
