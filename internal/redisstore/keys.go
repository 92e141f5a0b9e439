package redisstore

import "github.com/mockroom/mockroom/internal/mockroom"

// Every key the project writes is built here and nowhere else.
//
// Keys of one room share the hash tag {room:<id>}, so Redis Cluster puts them in one slot and one
// Lua script may touch them all. Likewise for one user ({user:<id>}). Keys that index across rooms
// or users (the email index, matching queues, timer shards) carry their own small tags. There is no
// single global hash of all rooms.

// Keys builds key names under a prefix; tests use a unique prefix each so they never collide.
type Keys struct {
	Prefix string // "mockroom" in production
}

// DefaultKeys is the production key space.
var DefaultKeys = Keys{Prefix: "mockroom"}

func (k Keys) room(id mockroom.RoomID, part string) string {
	return k.Prefix + ":{room:" + string(id) + "}:" + part
}

func (k Keys) user(id mockroom.UserID, part string) string {
	return k.Prefix + ":{user:" + string(id) + "}:" + part
}

// User is the hash holding one account.
func (k Keys) User(id mockroom.UserID) string { return k.user(id, "profile") }

// UserEmail maps a normalised email to a user id. One key per email keeps the index sharded.
func (k Keys) UserEmail(email string) string { return k.Prefix + ":{email:" + email + "}:user" }

// Room is the hash holding one room's metadata and state.
func (k Keys) Room(id mockroom.RoomID) string { return k.room(id, "meta") }

// Session is one refresh session (token family) of a user; it lives in the user's slot.
func (k Keys) Session(user mockroom.UserID, sessionID string) string {
	return k.user(user, "session:"+sessionID)
}

// RefreshToken maps the SHA-256 (hex) of a refresh token to its user and session. One key per
// token keeps the index sharded; the token itself is never stored.
func (k Keys) RefreshToken(hash string) string { return k.Prefix + ":{rt:" + hash + "}" }

// RateLimit counts attempts of one kind (scope) by one subject (a client address or an email)
// in the current window.
func (k Keys) RateLimit(scope, subject string) string {
	return k.Prefix + ":{rl:" + scope + ":" + subject + "}"
}
