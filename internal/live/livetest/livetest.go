// Package livetest gives the tests of the live engine, and of the layers around it, one in-memory
// room service, so that each does not keep its own copy.
package livetest

import (
	"context"
	"sync"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Rooms is the room service as the engine sees it, safe for concurrent use. It numbers each
// room's versions (live.Revisions), as the real room service does: every Put, Update and
// Transition moves the revision.
type Rooms struct {
	mu    sync.Mutex
	rooms map[mockroom.RoomID]live.RoomInfo
	reads int
}

var (
	_ live.Rooms     = (*Rooms)(nil)
	_ live.Revisions = (*Rooms)(nil)
)

// NewRooms returns a room service holding rooms.
func NewRooms(rooms ...live.RoomInfo) *Rooms {
	r := &Rooms{rooms: map[mockroom.RoomID]live.RoomInfo{}}
	for _, info := range rooms {
		r.Put(info)
	}
	return r
}

// Put adds or replaces a room.
func (r *Rooms) Put(info live.RoomInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info.Revision = r.rooms[info.ID].Revision + 1
	r.rooms[info.ID] = info
}

// Update changes a room in place.
func (r *Rooms) Update(id mockroom.RoomID, change func(*live.RoomInfo)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := r.rooms[id]
	change(&info)
	info.Revision = r.rooms[id].Revision + 1
	r.rooms[id] = info
}

// Room implements live.Rooms.
func (r *Rooms) Room(_ context.Context, id mockroom.RoomID) (live.RoomInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	info, ok := r.rooms[id]
	if !ok {
		return live.RoomInfo{}, mockroom.Errorf(mockroom.KindNotFound, "room_not_found", "no room")
	}
	return info, nil
}

// Revision implements live.Revisions.
func (r *Rooms) Revision(_ context.Context, id mockroom.RoomID) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rooms[id].Revision, nil
}

// Reads counts the calls of Room so far: how often the engine read a whole room.
func (r *Rooms) Reads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// Transition implements live.Rooms: a compare-and-set on the state.
func (r *Rooms) Transition(_ context.Context, id mockroom.RoomID, from, to mockroom.RoomState) (live.RoomInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := r.rooms[id]
	if info.State != from {
		return live.RoomInfo{}, mockroom.Errorf(mockroom.KindConflict, "room_state", "room is %s", info.State)
	}
	info.State = to
	info.Revision++
	r.rooms[id] = info
	return info, nil
}
