package redisstore

import (
	"strconv"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

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

// LiveState is the hash of a room's live state: log head and epoch, phase, current question,
// timer and schedule, editor version, language and lock (fields named in package live).
func (k Keys) LiveState(id mockroom.RoomID) string { return k.room(id, "live:state") }

// LiveLog is the stream of a room's events; an entry's id is "<offset>-0" ("<offset>-1" in logs
// written by earlier releases), so ranges by offset are plain XRANGE calls.
func (k Keys) LiveLog(id mockroom.RoomID) string { return k.room(id, "live:log") }

// LiveClients held, before the records moved into the state hash (field "cmd:<key>"), each
// client's last command sequence number and result (idempotency). Nothing writes it now; the
// append and Seen read it when the state hash has no record of the client, so a room that ran
// across an upgrade keeps its clients' records, and it stays among the stored keys for expiry
// and erasure.
func (k Keys) LiveClients(id mockroom.RoomID) string { return k.room(id, "live:clients") }

// LiveChat is the list of a room's chat events, so a snapshot need not scan the log.
func (k Keys) LiveChat(id mockroom.RoomID) string { return k.room(id, "live:chat") }

// LiveNotes is the list of the interviewer's private note events.
func (k Keys) LiveNotes(id mockroom.RoomID) string { return k.room(id, "live:notes") }

// LiveDoc is the hash of the room's materialised document (text, version, language, offset).
func (k Keys) LiveDoc(id mockroom.RoomID) string { return k.room(id, "live:doc") }

// LivePresence maps "<user id> <node id>", one lease per node holding the person's sockets, to
// the time (unix ms) until which that lease holds. Other fields are no leases and are ignored.
func (k Keys) LivePresence(id mockroom.RoomID) string { return k.room(id, "live:presence") }

// LiveChannel is the pub/sub channel of a room's events. It carries the room's hash tag so that
// sharded pub/sub routes it to the room's slot, where the appending script publishes.
func (k Keys) LiveChannel(id mockroom.RoomID) string { return k.room(id, "live:events") }

// liveStoredParts name a room's stored live keys in the order every writing script takes them
// (scripts/live_lib.lua: state, log, clients, chat, notes, document, presence), then its
// channel, as the builders above name them.
var liveStoredParts = [...]string{"live:state", "live:log", "live:clients", "live:chat", "live:notes", "live:doc", "live:presence", "live:events"}

// LiveStored returns the room's stored live keys in the scripts' order, then the channel if
// withChannel, with room for extra more. They are made for every command on the keystroke path,
// so all of them share one string allocation, cut into the keys.
func (k Keys) LiveStored(id mockroom.RoomID, withChannel bool, extra int) []string {
	parts := liveStoredParts[:]
	if !withChannel {
		parts = parts[:len(parts)-1]
	}
	head := len(k.Prefix) + len(":{room:") + len(id) + len("}:")
	size := 0
	for _, p := range parts {
		size += head + len(p)
	}
	var b strings.Builder
	b.Grow(size)
	for _, p := range parts {
		b.WriteString(k.Prefix)
		b.WriteString(":{room:")
		b.WriteString(string(id))
		b.WriteString("}:")
		b.WriteString(p)
	}
	all := b.String()
	out := make([]string, len(parts), len(parts)+extra)
	at := 0
	for i, p := range parts {
		out[i] = all[at : at+head+len(p)]
		at += head + len(p)
	}
	return out
}

// LiveTimers is one shard of the index of pending room timers (a sorted set scored by due
// time). Timers are spread over a few shards with their own tags so no single key or slot holds
// them all.
func (k Keys) LiveTimers(shard int) string {
	return k.Prefix + ":{timers:" + strconv.Itoa(shard) + "}:due"
}

// Ticket holds one single-use WebSocket ticket. Each ticket is its own tiny key (tagged by the
// ticket) so tickets spread over the cluster and expire on their own.
func (k Keys) Ticket(ticket string) string { return k.Prefix + ":{ticket:" + ticket + "}" }

// RoomParticipants is the hash of a room's participants: user id → participant JSON.
func (k Keys) RoomParticipants(id mockroom.RoomID) string { return k.room(id, "participants") }

// RoomInvitesUsed is the set of single-use invite ids already accepted in a room.
func (k Keys) RoomInvitesUsed(id mockroom.RoomID) string { return k.room(id, "invites_used") }

// RoomReveals is the set of peers who agreed to show their names.
func (k Keys) RoomReveals(id mockroom.RoomID) string { return k.room(id, "reveals") }

// RoomNotesShared is the set of interviewers who shared their notes after the session.
func (k Keys) RoomNotesShared(id mockroom.RoomID) string { return k.room(id, "notes_shared") }

// UserRooms is the sorted set of a user's room ids, scored by when they joined (unix ms).
func (k Keys) UserRooms(id mockroom.UserID) string { return k.user(id, "rooms") }

// UserAsked is the set of question ids a user has been asked in any room.
func (k Keys) UserAsked(id mockroom.UserID) string { return k.user(id, "asked") }

// UserAskedAt is the sorted set of the question ids a user has been asked, scored by when they
// were last asked (unix ms), so a draw can bring back the one asked longest ago first. It is in
// the same slot as UserAsked.
func (k Keys) UserAskedAt(id mockroom.UserID) string { return k.user(id, "asked_at") }

// LiveChannelRoom is LiveChannel's inverse: the room a channel name belongs to.
func (k Keys) LiveChannelRoom(channel string) (mockroom.RoomID, bool) {
	rest, ok := strings.CutPrefix(channel, k.Prefix+":{room:")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "}:live:events")
	return mockroom.RoomID(id), ok
}

// matchQueue builds the keys of one matching queue (a track at a level). They share the hash
// tag {mq:<track>:<level>}, so pairing, confirming and sweeping that queue are single scripts.
func (k Keys) matchQueue(track mockroom.TrackID, level mockroom.Difficulty, part string) string {
	return k.Prefix + ":{mq:" + string(track) + ":" + string(level) + "}:" + part
}

// MatchQueue is the sorted set of waiting user ids, scored by enqueue time (unix ms); lowest first.
func (k Keys) MatchQueue(track mockroom.TrackID, level mockroom.Difficulty) string {
	return k.matchQueue(track, level, "queue")
}

// MatchTickets is the hash of the queue's tickets: user id → ticket JSON.
func (k Keys) MatchTickets(track mockroom.TrackID, level mockroom.Difficulty) string {
	return k.matchQueue(track, level, "tickets")
}

// MatchPairs is the hash of the queue's matches: match id → match JSON.
func (k Keys) MatchPairs(track mockroom.TrackID, level mockroom.Difficulty) string {
	return k.matchQueue(track, level, "matches")
}

// MatchDue is the sorted set of the queue's deadlines (unix ms): confirmation windows, ticket
// expiries and record clean-ups, which any node's sweeper processes.
func (k Keys) MatchDue(track mockroom.TrackID, level mockroom.Difficulty) string {
	return k.matchQueue(track, level, "due")
}

// UserMatchMarker names the one queue a user is in, so nobody waits in two queues at once.
func (k Keys) UserMatchMarker(id mockroom.UserID) string { return k.user(id, "match") }

// UserNoShows counts the matches a user did not confirm in time.
func (k Keys) UserNoShows(id mockroom.UserID) string { return k.user(id, "no_shows") }

// MatchNotify is the pub/sub channel on which matching news is announced (payload: user id).
// Every node subscribes once and wakes its own waiting requests.
func (k Keys) MatchNotify() string { return k.Prefix + ":match:notify" }

// BankQuestions is the hash of one author's custom questions in a track: question id → JSON.
// Keeping them under the author's tag is what makes them private: there is no key to look up
// another author's question by id.
func (k Keys) BankQuestions(author mockroom.UserID, track mockroom.TrackID) string {
	return k.user(author, "bank:"+string(track)+":questions")
}

// BankPlans is the hash of one owner's custom plans in a track: plan id → JSON.
func (k Keys) BankPlans(owner mockroom.UserID, track mockroom.TrackID) string {
	return k.user(owner, "bank:"+string(track)+":plans")
}

// Feedback is the hash of a room's feedback: drafts, submitted versions, request ids, release
// marks and ratings, one field each (see feedback.go).
func (k Keys) Feedback(id mockroom.RoomID) string { return k.room(id, "feedback") }

// FeedbackDeadlines is the index of peer rooms whose feedback is released at a deadline (a
// sorted set of "<room>|<due ms>" scored by due time). Small: a room is in it from its first
// feedback until release.
func (k Keys) FeedbackDeadlines() string { return k.Prefix + ":{feedback}:deadlines" }

// UserFeedbackRooms is the set of rooms in which a user wrote feedback or was written about.
func (k Keys) UserFeedbackRooms(id mockroom.UserID) string { return k.user(id, "feedback_rooms") }

// UserStanding holds the ratings of the feedback a user wrote: "<room>|<form>" → score.
func (k Keys) UserStanding(id mockroom.UserID) string { return k.user(id, "standing") }
