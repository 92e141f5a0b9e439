package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// The room log is a Redis Stream with entry ids "<offset>-0" (written as the bare offset; logs
// written by earlier releases hold "<offset>-1"): offsets map to ids directly, so "events from
// offset n" is one XRANGE from "<n>-0", whichever form the entries have.
// A list would need a base offset and O(n) index arithmetic; a stream gives ranges by offset for
// free and keeps each entry as one field holding the event's JSON, exactly as published.
//
// The log is never trimmed while the room exists: it IS the session record (every editor
// update with author and time, chat, questions, timers), read again after the session for
// review and code replay. Sizes: an editor update is ~150–300 bytes; a 60-minute session typed
// at a steady 5 pushes a second is ~18,000 entries, ~5 MB; typical sessions are far below.
// Resume is bounded instead (live.ResumeWindow): a client further behind gets a snapshot.
// Chat and notes are also copied to lists so a snapshot reads them without scanning the log.
//
// Retention: while a room has not started, every live key of it expires a waiting TTL after the
// room's last live write at the earliest and a sixteenth more at the latest (WithWaitingTTL;
// the expiry is renewed on that coarse interval, not on every write, see live_lib.lua), like
// the room's own keys, so a room people joined and left without starting disappears. The
// start's append removes the expiry from all of them in
// the same script: a session that took place is a record to keep. When it ends, the room's
// transition (room_transition.lua) gives every key the record retention, and later live writes
// keep that expiry instead of removing it.
// Every writing script does this itself (live_lib.lua), so no write costs an extra round trip.

var (
	//go:embed scripts/live_lib.lua
	liveLibLua string
	//go:embed scripts/live_append.lua
	liveAppendLua string
	//go:embed scripts/live_read.lua
	liveReadLua string
	//go:embed scripts/live_view.lua
	liveViewLua string
	//go:embed scripts/live_fire.lua
	liveFireLua string
	//go:embed scripts/live_settle.lua
	liveSettleLua string
	//go:embed scripts/live_savedoc.lua
	liveSaveDocLua string
	//go:embed scripts/live_presence.lua
	livePresenceLua string
	//go:embed scripts/live_presence_keep.lua
	livePresenceKeepLua string
	//go:embed scripts/live_presence_say.lua
	livePresenceSayLua string
	//go:embed scripts/live_leases.lua
	liveLeasesLua string
	//go:embed scripts/live_enter.lua
	liveEnterLua string

	liveRead         = redis.NewScript(liveReadLua)
	liveView         = redis.NewScript(liveViewLua)
	liveSettle       = redis.NewScript(liveSettleLua)
	liveSaveDoc      = redis.NewScript(liveLibLua + liveSaveDocLua)
	livePresenceKeep = redis.NewScript(liveLibLua + livePresenceKeepLua)
	// The scripts that publish do it with SPUBLISH where sharded pub/sub exists (so a Cluster
	// routes the message within the room's slot), PUBLISH on the embedded store.
	liveAppend      = publishingScripts(liveAppendSrc)
	livePresence    = publishingScripts(liveLibLua + liveLeasesLua + livePresenceLua)
	livePresenceSay = publishingScripts(liveLeasesLua + livePresenceSayLua)
	liveFire        = publishingScripts(liveFireLua)
	// The join's one step runs four of the scripts above as functions of its own.
	liveEnter = publishingScripts(liveLibLua + liveLeasesLua +
		asFunction("run_append", "ARGV", liveAppendSrc) + asFunction("run_presence", "ARGV", livePresenceLua) +
		asFunction("run_view", "KEYS, ARGV", liveViewLua) + asFunction("run_read", "KEYS, ARGV", liveReadLua) +
		liveEnterLua)
)

// liveAppendSrc is live_append.lua with the library in the one branch that calls it (where the
// script's "--[[live_lib]]" line stands), so that a push which does not need it does not define it.
var liveAppendSrc = strings.Replace(liveAppendLua, "--[[live_lib]]\n", liveLibLua, 1)

// asFunction makes the script src a local function name of another script, taking params (ARGV,
// or KEYS and ARGV, in its place) and returning what src returns.
func asFunction(name, params, src string) string {
	return "local function " + name + "(" + params + ")\n" + src + "\nend\n"
}

// publishingScripts is the script src, whose PUBLISH_CMD publishes, by whether pub/sub is
// sharded (see LiveStore.Sharded).
func publishingScripts(src string) map[bool]*redis.Script {
	return map[bool]*redis.Script{
		true:  redis.NewScript(strings.ReplaceAll(src, "PUBLISH_CMD", "SPUBLISH")),
		false: redis.NewScript(strings.ReplaceAll(src, "PUBLISH_CMD", "PUBLISH")),
	}
}

// presenceFlag is how the presence scripts take online: "1", or "0" for offline.
func presenceFlag(online bool) string {
	if online {
		return "1"
	}
	return "0"
}

// DefaultTimerShards is how many due-set keys hold the pending room timers.
const DefaultTimerShards = 16

// LiveStore keeps rooms' live state, logs and timers. It implements live.Store.
type LiveStore struct {
	client  redis.UniversalClient
	keys    Keys
	sharded bool
	shards  int
	append  *redis.Script
	fire    *redis.Script
	newID   func() string
	// waitingMS is the waiting TTL in milliseconds as the scripts take it; 0 keeps keys forever.
	waitingMS int64
	// batch, if set, pipelines appends across rooms (WithPipelinedAppends); lookups the
	// hand-shake's calls (WithLookups).
	batch     *commandBatcher
	lookups   *Lookups
	pipelined bool
	// Boxed once for the append's command, which every push builds: each string or number
	// made an interface costs an allocation.
	appendSHA  any
	appendKeys boxedKeyCache
}

// LiveOption adjusts a LiveStore.
type LiveOption func(*LiveStore)

// WithWaitingTTL makes the live keys of a room that has not started expire ttl (up to ttl/16
// more) after its last live write (give it the rooms' own waiting TTL). Without it, or with ttl <= 0, they never
// expire.
func WithWaitingTTL(ttl time.Duration) LiveOption {
	return func(s *LiveStore) {
		s.waitingMS = 0
		if ttl > 0 {
			s.waitingMS = max(ttl.Milliseconds(), 1)
		}
	}
}

// WithPipelinedAppends makes appends made while another is in flight share one pipelined round
// trip (see live_batch.go). The store then owns a goroutine: Close it when done.
func WithPipelinedAppends() LiveOption {
	return func(s *LiveStore) { s.pipelined = true }
}

// WithLookups sends the calls a socket's hand-shake makes of the store (Enter, Read, View,
// SetPresence, Publish) through l, to share round trips with other callers' (see Lookups).
func WithLookups(l *Lookups) LiveOption {
	return func(s *LiveStore) { s.lookups = l }
}

// NewLiveStore returns a store on client. sharded selects SPUBLISH (Conn.Sharded()).
func NewLiveStore(client redis.UniversalClient, keys Keys, sharded bool, opts ...LiveOption) *LiveStore {
	s := &LiveStore{
		client: client, keys: keys, sharded: sharded, shards: DefaultTimerShards,
		append: liveAppend[sharded], fire: liveFire[sharded], newID: live.NewIDSource(),
	}
	for _, o := range opts {
		o(s)
	}
	s.appendSHA = s.append.Hash()
	if s.pipelined {
		s.batch = newCommandBatcher(client)
	}
	return s
}

// Close stops pipelining appends: appends still queued, and any made later, fail with an
// unavailable error; an append already on the wire is answered first. Close does nothing on a
// store made without WithPipelinedAppends.
func (s *LiveStore) Close() error {
	if s.batch != nil {
		s.batch.close()
	}
	return nil
}

// storedKeys are the room's live keys in the order every writing script takes them (see
// scripts/live_lib.lua), with room for extra keys after them.
func (s *LiveStore) storedKeys(room mockroom.RoomID, extra int) []string {
	return s.keys.LiveStored(room, false, extra)
}

// Sharded reports whether events are published with SPUBLISH.
func (s *LiveStore) Sharded() bool { return s.sharded }

// Channel is the pub/sub channel of room.
func (s *LiveStore) Channel(room mockroom.RoomID) string { return s.keys.LiveChannel(room) }

var _ live.Store = (*LiveStore)(nil)

// appendOwnReads are the state fields live_append.lua always reads, first and in this order; a
// difference check on one of them names its place (1 to 5) instead of passing the field. The
// command's idempotency record is read sixth, so the caller's fields start at place 7.
var appendOwnReads = [...]string{"epoch", "off", "phase", "w_exp", "closed"}

const appendFixedReads = len(appendOwnReads) + 1

// recordPrefix starts the state hash fields that hold the clients' idempotency records
// ("cmd:<person> <client>"). Before they moved there the room's clients hash held them, under
// the same name without the prefix; live_append.lua and Seen still read that on a miss.
const recordPrefix = "cmd:"

// recordField is the state hash field of client's idempotency record; "" for no client.
func recordField(client string) string {
	if client == "" {
		return ""
	}
	return recordPrefix + client
}

// boxedFields holds state field names already boxed for the append's []any arguments: the same
// few names (version, phase, locked, ...) are checked and set by every push, and boxing a string
// variable costs an allocation each time. The map is replaced, never changed, so readers take
// no lock; it stops growing at maxBoxedFields, after which names are boxed as they come (field
// names that carry an id, such as a run's, would otherwise grow it without end).
var (
	boxedFields   atomic.Pointer[map[string]any]
	boxedFieldsMu sync.Mutex
)

const maxBoxedFields = 64

func boxedField(name string) any {
	if m := boxedFields.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v
		}
	}
	boxedFieldsMu.Lock()
	defer boxedFieldsMu.Unlock()
	var known map[string]any
	if m := boxedFields.Load(); m != nil {
		known = *m
	}
	if v, ok := known[name]; ok {
		return v
	}
	var v any = name
	if len(known) < maxBoxedFields {
		next := maps.Clone(known)
		if next == nil {
			next = map[string]any{}
		}
		next[name] = v
		boxedFields.Store(&next)
	}
	return v
}

// Append implements live.Store.
func (s *LiveStore) Append(ctx context.Context, room mockroom.RoomID, req live.AppendRequest) (live.AppendResult, error) {
	// The whole command, EVALSHA with its keys, built here rather than by go-redis, so that the
	// script's hash and the room's keys go in already boxed.
	rk := s.appendKeys.get(room, s.keys)
	keys := rk.full
	short := rk.short.Load() && shortAppend(req)
	if short {
		keys = rk.shortKeys
	}
	cmdArgs := 3 + len(keys)
	args := make([]any, cmdArgs, cmdArgs+appendFixedArgs+2*len(req.Checks)+2*len(req.Set)+3*len(req.Events))
	args[0], args[1], args[2] = "evalsha", s.appendSHA, len(keys)
	copy(args[3:], keys)
	var idsBuf [4]string
	args, encoded, ids, err := s.appendArgs(args, idsBuf[:0], req)
	if err != nil {
		return live.AppendResult{}, err
	}
	reply, err := s.runAppend(ctx, args)
	if short && err == nil && isFullFormAsked(reply) {
		// The room is not as the node last saw it (not started, or ended, or this client's first
		// command): nothing was written, so the same command goes again in the full form.
		rk.short.Store(false)
		full := make([]any, 0, len(rk.full)+len(args))
		full = append(full, "evalsha", s.appendSHA, len(rk.full))
		full = append(append(full, rk.full...), args[cmdArgs:]...)
		reply, err = s.runAppend(ctx, full)
	}
	if err != nil {
		return live.AppendResult{}, outcomeUnknown(err)
	}
	reply, shortNext := cutShortNext(reply)
	if shortNext {
		rk.short.Store(true)
	}
	return appendReply(reply, req.Now, encoded, ids)
}

// runAppend runs the append's whole EVALSHA command, pipelined with other rooms' if the store
// batches appends.
func (s *LiveStore) runAppend(ctx context.Context, args []any) (any, error) {
	if s.batch != nil {
		return s.batch.run(ctx, s.append, args)
	}
	return runScript(ctx, s.client, s.append, args)
}

// appendShortNext starts the full form's reply when the room's next push can take the short form
// (see live_append.lua).
const appendShortNext = "+"

// cutShortNext is an append's reply without appendShortNext, and whether it had it.
func cutShortNext(reply any) (any, bool) {
	if text, isText := reply.(string); isText {
		if rest, found := strings.CutPrefix(text, appendShortNext); found {
			return rest, true
		}
	}
	return reply, false
}

// shortAppend says whether req is a command live_append.lua's short form can take, its keys
// the state hash, the log and the channel: it keeps no chat or notes and does not set the phase
// (which may need the room's expiry changed).
func shortAppend(req live.AppendRequest) bool {
	for _, e := range req.Events {
		if e.Keep == live.KeepChat || e.Keep == live.KeepNote {
			return false
		}
	}
	for _, f := range req.Set {
		if f.Field == live.FieldPhase {
			return false
		}
	}
	return true
}

// isFullFormAsked says whether reply is the short form's request to be run in the full form.
func isFullFormAsked(reply any) bool {
	parts, isList := reply.([]any)
	return isList && len(parts) == 1 && parts[0] == "full"
}

// appendArgs adds req to args as live_append.lua takes its ARGV, giving each event a new id
// (added to ids): it returns the arguments, the events encoded and their ids.
func (s *LiveStore) appendArgs(args []any, ids []string, req live.AppendRequest) ([]any, []live.EncodedEvent, []string, error) {
	if len(req.Checks) > maxLayoutCount || len(req.Set) > maxLayoutCount || len(req.Events) > maxLayoutCount {
		return nil, nil, nil, mockroom.Errorf(mockroom.KindInternal, "internal", "a command may have at most %d checks, sets and events each", maxLayoutCount)
	}
	fixed := len(args)
	args = append(args, req.Now.UnixMilli(), recordField(req.ClientID), req.Seq, nil)
	var layoutBuf [appendLayoutCounts + 2*maxLayoutCount + 20]byte
	args, n := appendChecks(args, layoutBuf[:], req.Checks)
	layoutBuf[3], layoutBuf[4] = byte(len(req.Set)), byte(len(req.Events))
	if req.WhileOpen {
		layoutBuf[5] |= appendWhileOpen
	}
	layout := layoutBuf[:n]
	for _, f := range req.Set {
		if f.Field == live.FieldOffset || f.Field == live.FieldLastID || f.Field == live.FieldEpoch || strings.HasPrefix(f.Field, recordPrefix) {
			// The script writes these itself, and passes sets on after them.
			return nil, nil, nil, mockroom.Errorf(mockroom.KindInternal, "internal", "a command may not set the store's own field %q", f.Field)
		}
		args = append(args, boxedField(f.Field), f.Value)
	}
	encoded := make([]live.EncodedEvent, len(req.Events))
	for i, ne := range req.Events {
		e, err := ne.Encode()
		if err != nil {
			return nil, nil, nil, err
		}
		encoded[i] = e
		id := s.newID()
		ids = append(ids, id)
		layout = append(layout, keepByte(e.Keep()))
		args = append(args, id, e.Body(), e.Header())
	}
	layout = strconv.AppendInt(layout, s.waitingMS, 10)
	args[fixed+3] = string(layout)
	return args, encoded, ids, nil
}

// appendReply reads live_append.lua's reply to a command of encoded events with ids, made at now.
func appendReply(reply any, now time.Time, encoded []live.EncodedEvent, ids []string) (live.AppendResult, error) {
	if text, isOK := reply.(string); isOK {
		return appendedResult(text, now, encoded, ids)
	}
	res := replyStrings(reply)
	if len(res) < 2 || (res[0] == "conflict" && len(res) < 3) {
		return live.AppendResult{}, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected append reply %v", reply)
	}
	switch res[0] {
	case "dup":
		parts := strings.SplitN(res[1], " ", 3)
		if len(parts) != 3 {
			return live.AppendResult{Duplicate: true}, nil
		}
		off, _ := strconv.ParseUint(parts[1], 10, 64)
		return live.AppendResult{Duplicate: true, Head: mockroom.Position{Epoch: parts[0], Offset: mockroom.EventOffset(off), EventID: parts[2]}}, nil
	case "old":
		return live.AppendResult{Duplicate: true}, nil
	case "conflict":
		return live.AppendResult{}, &live.ConflictError{Field: res[1], Actual: res[2]}
	}
	return live.AppendResult{}, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected append reply %v", reply)
}

// appendLayoutCounts is how many bytes start the append's layout: the five counts and the flags.
const appendLayoutCounts = 6

// appendWhileOpen is the layout's flag of live.AppendRequest.WhileOpen.
const appendWhileOpen = 1

// appendFixedArgs is how many arguments live_append.lua takes before the fields to read: now, the
// record field, seq and the layout.
const appendFixedArgs = 4

// keepByte is an event's keep as one byte of the append's layout ('-' for none).
func keepByte(k live.Keep) byte {
	if k == live.KeepNone {
		return '-'
	}
	return k[0]
}

// appendedResult reads the reply of an applied append, "[<seq>\n]<epoch> <head> <last id>": the
// events took the offsets up to head in order, with the ids the command gave them.
func appendedResult(reply string, now time.Time, encoded []live.EncodedEvent, ids []string) (live.AppendResult, error) {
	if _, rest, found := strings.Cut(reply, "\n"); found {
		reply = rest
	}
	epoch, rest, _ := strings.Cut(reply, " ")
	headText, lastID, _ := strings.Cut(rest, " ")
	head, err := strconv.ParseUint(headText, 10, 64)
	n := uint64(len(encoded))
	if err != nil || epoch == "" || head < n || (n > 0 && lastID != ids[n-1]) {
		return live.AppendResult{}, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected append reply %q", reply)
	}
	out := live.AppendResult{Events: make([]live.Event, n)}
	at := time.UnixMilli(now.UnixMilli()).UTC()
	for i, e := range encoded {
		out.Events[i] = e.Event(mockroom.EventOffset(head-n+uint64(i)+1), ids[i], epoch, at)
	}
	if n > 0 {
		out.Head = out.Events[n-1].Position()
	}
	return out, nil
}

// maxCachedKeyRooms bounds boxedKeyCache (under 1 KB a room, so at most some 16 MB): past it
// the cache starts over. It is well above the rooms one node has typing at once; were it below,
// the cache would be emptied faster than the rooms come back to it.
const maxCachedKeyRooms = 16384

// boxedKeyCache keeps the append's keys of recently written rooms boxed as the command's
// arguments: the eight keys of a room are the same on every push, and building and boxing
// them cost nine allocations each time.
type boxedKeyCache struct {
	mu    sync.RWMutex
	rooms map[mockroom.RoomID]*roomAppendKeys
}

// roomAppendKeys are a room's keys as live_append.lua takes them, in its full form and its short
// one, and which the room's next push takes.
type roomAppendKeys struct {
	full, shortKeys []any
	// short is set by the full form's reply when the short form will do, and cleared when the
	// short form asks for the full one: a room starts in the full form.
	short atomic.Bool
}

func (c *boxedKeyCache) get(room mockroom.RoomID, keys Keys) *roomAppendKeys {
	c.mu.RLock()
	rk, ok := c.rooms[room]
	c.mu.RUnlock()
	if ok {
		return rk
	}
	names := keys.LiveStored(room, true, 0)
	rk = &roomAppendKeys{full: make([]any, len(names))}
	for i, k := range names {
		rk.full[i] = k
	}
	rk.shortKeys = []any{rk.full[0], rk.full[1], rk.full[len(names)-1]}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rooms == nil || len(c.rooms) >= maxCachedKeyRooms {
		c.rooms = make(map[mockroom.RoomID]*roomAppendKeys)
	}
	if known, ok := c.rooms[room]; ok {
		return known
	}
	c.rooms[room] = rk
	return rk
}

// maxLayoutCount bounds a command's checks, sets and events: live_append.lua takes each count,
// each difference check's field place and each event's keep as one byte of its layout argument.
const maxLayoutCount = 240

// appendChecks adds the checks to the append script's arguments as live_append.lua takes them
// (args holds the appendFixedArgs before the fields to read): the fields to read (each equality
// check's in order, then the others a difference check names, once), the equality checks'
// values, then the difference checks' values. It fills in layout's counts of fields read, equalities and
// differences and, after the counts and flags, each difference check's field place, and returns
// how much of layout is used.
func appendChecks(args []any, layout []byte, checks []live.Check) ([]any, int) {
	first := len(args)
	nequal := 0
	for _, c := range checks {
		if !c.Not {
			args = append(args, boxedField(c.Field))
			nequal++
		}
	}
	n := appendLayoutCounts
	for _, c := range checks {
		if c.Not {
			place := readPlace(args[first:], c.Field)
			if place > appendFixedReads+len(args)-first {
				args = append(args, boxedField(c.Field))
			}
			layout[n] = byte(place)
			n++
		}
	}
	layout[0], layout[1], layout[2] = byte(len(args)-first), byte(nequal), byte(n-appendLayoutCounts)
	for _, c := range checks {
		if !c.Not {
			args = append(args, c.Value)
		}
	}
	for _, c := range checks {
		if c.Not {
			args = append(args, c.Value)
		}
	}
	return args, n
}

// readPlace is field's place (from 1) among the fields live_append.lua reads: its own five, the
// record, then those in read; one past them for a field not read yet.
func readPlace(read []any, field string) int {
	for i, f := range appendOwnReads {
		if f == field {
			return i + 1
		}
	}
	for i, f := range read {
		if f.(string) == field {
			return appendFixedReads + i + 1
		}
	}
	return appendFixedReads + len(read) + 1
}

// Seen implements live.Store. It reads what live_append.lua records per client.
func (s *LiveStore) Seen(ctx context.Context, room mockroom.RoomID, client string, seq uint64) (live.AppendResult, bool, error) {
	last, err := s.client.HGet(ctx, s.keys.LiveState(room), recordField(client)).Result()
	if errors.Is(err, redis.Nil) {
		last, err = s.client.HGet(ctx, s.keys.LiveClients(room), client).Result()
	}
	if errors.Is(err, redis.Nil) {
		return live.AppendResult{}, false, nil
	}
	if err != nil {
		return live.AppendResult{}, false, unavailable(err, "read the command record")
	}
	seqPart, head, _ := strings.Cut(last, "\n")
	lastSeq, _ := strconv.ParseUint(seqPart, 10, 64)
	switch {
	case seq > lastSeq:
		return live.AppendResult{}, false, nil
	case seq < lastSeq:
		return live.AppendResult{Duplicate: true}, true, nil
	}
	parts := strings.SplitN(head, " ", 3)
	if len(parts) != 3 {
		return live.AppendResult{Duplicate: true}, true, nil
	}
	off, _ := strconv.ParseUint(parts[1], 10, 64)
	return live.AppendResult{Duplicate: true, Head: mockroom.Position{Epoch: parts[0], Offset: mockroom.EventOffset(off), EventID: parts[2]}}, true, nil
}

// State implements live.Store.
func (s *LiveStore) State(ctx context.Context, room mockroom.RoomID) (live.State, error) {
	f, err := s.client.HGetAll(ctx, s.keys.LiveState(room)).Result()
	if err != nil {
		return live.State{}, unavailable(err, "read the room state")
	}
	return live.ParseState(f), nil
}

// lookup sends one of the hand-shake's commands (see WithLookups).
func (s *LiveStore) lookup(ctx context.Context, script *redis.Script, args ...any) (any, error) {
	return s.lookups.do(ctx, s.client, script, args...)
}

// replyStrings is a reply's array as strings; a nil (or any other non-string) element is "".
func replyStrings(reply any) []string {
	parts, _ := reply.([]any)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i], _ = p.(string)
	}
	return out
}

// replyPairs is a reply's array of fields and values (HGETALL as a script returns it) as a map.
func replyPairs(reply any) map[string]string {
	parts, _ := reply.([]any)
	out := make(map[string]string, len(parts)/2)
	for i := 0; i+1 < len(parts); i += 2 {
		k, _ := parts[i].(string)
		v, _ := parts[i+1].(string)
		out[k] = v
	}
	return out
}

// Read implements live.Store.
func (s *LiveStore) Read(ctx context.Context, room mockroom.RoomID, from mockroom.EventOffset, max int) (mockroom.Position, []live.Event, error) {
	if from == 0 {
		from = 1
	}
	reply, err := s.lookup(ctx, liveRead, evalShaCommand(liveRead, []string{s.keys.LiveState(room), s.keys.LiveLog(room)}, uint64(from), max)...)
	if err != nil {
		return mockroom.Position{}, nil, unavailable(err, "read the room log")
	}
	return readReply(reply)
}

// readReply reads live_read.lua's reply: the head, then the events.
func readReply(reply any) (mockroom.Position, []live.Event, error) {
	res := replyStrings(reply)
	if len(res) < 3 {
		return mockroom.Position{}, nil, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected read reply %v", reply)
	}
	off, _ := strconv.ParseUint(res[1], 10, 64)
	head := mockroom.Position{Epoch: res[0], Offset: mockroom.EventOffset(off), EventID: res[2]}
	events, err := decodeAll(res[3:])
	return head, events, err
}

func decodeAll(raw []string) ([]live.Event, error) {
	out := make([]live.Event, 0, len(raw))
	for _, r := range raw {
		ev, err := live.DecodeEvent([]byte(r))
		if err != nil {
			return nil, mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored event could not be read")
		}
		out = append(out, ev)
	}
	return out, nil
}

// View implements live.Store. One script (scripts/live_view.lua) reads every part, so the parts
// are consistent with one another and with the editor tail, and it goes through the hand-shake
// batching (WithLookups): thousands of sockets joining at once share round trips.
func (s *LiveStore) View(ctx context.Context, room mockroom.RoomID, withNotes bool) (live.View, error) {
	notesFlag := "0"
	if withNotes {
		notesFlag = "1"
	}
	keys := []string{s.keys.LiveState(room), s.keys.LiveLog(room), s.keys.LiveChat(room), s.keys.LiveNotes(room), s.keys.LiveDoc(room), s.keys.LivePresence(room)}
	reply, err := s.lookup(ctx, liveView, evalShaCommand(liveView, keys, notesFlag)...)
	if err != nil {
		return live.View{}, unavailable(err, "read the room")
	}
	return viewReply(reply, withNotes)
}

// viewReply reads live_view.lua's reply.
func viewReply(reply any, withNotes bool) (live.View, error) {
	parts, _ := reply.([]any)
	if len(parts) != 6 {
		return live.View{}, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected view reply %v", reply)
	}
	var err error
	v := live.View{State: live.ParseState(replyPairs(parts[0])), Presence: map[mockroom.UserID]time.Time{}}
	d := replyPairs(parts[1])
	if d["version"] != "" && d["offset"] != "" {
		ver, _ := strconv.Atoi(d["version"])
		off, _ := strconv.ParseUint(d["offset"], 10, 64)
		base, _ := strconv.Atoi(d["base"])
		v.Doc = live.DocSnapshot{Text: d["text"], Version: ver, Base: base, Language: d["lang"], Offset: mockroom.EventOffset(off)}
	}
	if v.Chat, err = decodeAll(replyStrings(parts[2])); err != nil {
		return live.View{}, err
	}
	if withNotes {
		if v.Notes, err = decodeAll(replyStrings(parts[3])); err != nil {
			return live.View{}, err
		}
	}
	// One lease per node holding the person ("<user> <node>"); the person is online until the
	// last of them runs out. Any other field is no lease: the user id alone is what code before
	// leases wrote, online until 12 hours ahead, and must not show anyone online.
	for field, until := range replyPairs(parts[4]) {
		user, node, ok := strings.Cut(field, " ")
		ms, err := strconv.ParseInt(until, 10, 64)
		if !ok || user == "" || node == "" || err != nil {
			continue
		}
		if t := time.UnixMilli(ms).UTC(); t.After(v.Presence[mockroom.UserID(user)]) {
			v.Presence[mockroom.UserID(user)] = t
		}
	}
	// The editor tail: the editor's events after the materialised document, up to the state's
	// head. The log between holds the room's other events too (a fresh room's joins, chat,
	// timers): those are told by their stored type, without decoding them.
	for _, raw := range replyStrings(parts[5]) {
		if typ, known := storedType(raw); known && !isEditorType(typ) {
			continue
		}
		ev, err := live.DecodeEvent([]byte(raw))
		if err != nil {
			return live.View{}, mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored event could not be read")
		}
		if isEditorType(ev.Type) {
			v.Tail = append(v.Tail, ev)
		}
	}
	return v, nil
}

func isEditorType(typ string) bool {
	return typ == live.TypeEditorUpdate || typ == live.TypeEditorReset || typ == live.TypeEditorLanguage
}

// storedType reads the type of an event in the form live_append.lua stores it,
// {"offset":<n>,"id":"<id>","epoch":"<epoch>","at":<ms>,"type":"<type>",...}, without decoding
// it. known is false for any other form (an event stored by an earlier release), which must be
// decoded to be told.
func storedType(raw string) (typ string, known bool) {
	rest, ok := strings.CutPrefix(raw, `{"offset":`)
	if ok {
		rest, ok = cutDigits(rest)
	}
	for _, key := range [...]string{`,"id":"`, `,"epoch":"`} {
		if ok {
			rest, ok = strings.CutPrefix(rest, key)
		}
		if ok {
			_, rest, ok = cutPlainString(rest)
		}
	}
	if ok {
		rest, ok = strings.CutPrefix(rest, `,"at":`)
	}
	if ok {
		rest, ok = cutDigits(rest)
	}
	if ok {
		rest, ok = strings.CutPrefix(rest, `,"type":"`)
	}
	if ok {
		typ, _, ok = cutPlainString(rest)
	}
	return typ, ok
}

// cutDigits removes the decimal digits that start s (at least one).
func cutDigits(s string) (string, bool) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return s[n:], n > 0
}

// cutPlainString cuts a JSON string's content and closing quote from the start of s: one
// without escapes, as ids and types are.
func cutPlainString(s string) (content, rest string, ok bool) {
	end := strings.IndexAny(s, `"\`)
	if end < 0 || s[end] != '"' {
		return "", "", false
	}
	return s[:end], s[end+1:], true
}

// SaveDoc implements live.Store.
func (s *LiveStore) SaveDoc(ctx context.Context, room mockroom.RoomID, doc live.DocSnapshot) error {
	err := liveSaveDoc.Run(ctx, s.client, s.storedKeys(room, 0), doc.Version, doc.Text, doc.Language, uint64(doc.Offset), s.waitingMS, doc.Base, time.Now().UnixMilli()).Err()
	if err != nil {
		return unavailable(err, "save the document")
	}
	return nil
}

// Publish implements live.Store.
func (s *LiveStore) Publish(ctx context.Context, room mockroom.RoomID, ev live.Event) error {
	raw, err := live.EncodeEvent(ev)
	if err != nil {
		return err
	}
	publish := "publish"
	if s.sharded {
		publish = "spublish"
	}
	if _, err := s.lookup(ctx, nil, publish, s.keys.LiveChannel(room), raw); err != nil {
		return unavailable(err, "publish to the room")
	}
	return nil
}

// SetPresence implements live.Store. Each node holds its own lease field per person
// (scripts/live_presence.lua), so a person connected through two nodes stays online while either
// renews; the script publishes the announcement itself, so announcements follow the changes.
func (s *LiveStore) SetPresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, node string, online bool, until, now time.Time, announce *live.Event) (bool, error) {
	script := livePresence[s.sharded]
	keys := s.storedKeys(room, 0)
	args := []any{string(user), node, presenceFlag(online), until.UnixMilli(), s.waitingMS, now.UnixMilli()}
	if announce != nil {
		raw, err := live.EncodeEvent(*announce)
		if err != nil {
			return false, err
		}
		keys = s.keys.LiveStored(room, true, 0)
		args = append(args, raw)
	}
	reply, err := s.lookup(ctx, script, evalShaCommand(script, keys, args...)...)
	if err != nil {
		return false, unavailable(err, "record presence")
	}
	changed, _ := reply.(int64)
	return changed == 1, nil
}

// AnnouncePresence implements live.Store (scripts/live_presence_say.lua).
func (s *LiveStore) AnnouncePresence(ctx context.Context, room mockroom.RoomID, user mockroom.UserID, online bool, now time.Time, announce live.Event) (bool, error) {
	raw, err := live.EncodeEvent(announce)
	if err != nil {
		return false, err
	}
	script := livePresenceSay[s.sharded]
	keys := []string{s.keys.LivePresence(room), s.keys.LiveChannel(room)}
	reply, err := s.lookup(ctx, script, evalShaCommand(script, keys, string(user), presenceFlag(online), now.UnixMilli(), raw)...)
	if err != nil {
		return false, unavailable(err, "announce presence")
	}
	said, _ := reply.(int64)
	return said == 1, nil
}

// Enter implements live.Store: one call of scripts/live_enter.lua, through the lookups.
func (s *LiveStore) Enter(ctx context.Context, room mockroom.RoomID, req live.EnterRequest) (live.EnterResult, error) {
	read := "-"
	switch {
	case req.Read.View && req.Read.WithNotes:
		read = "n"
	case req.Read.View:
		read = "v"
	case req.Read.Log:
		read = "r"
	}
	from := max(req.Read.From, 1)
	script := liveEnter[s.sharded]
	args := evalShaCommand(script, s.keys.LiveStored(room, true, 0), req.Half, req.FirstUnless, read, uint64(from), req.Read.Max, 0)
	if l := req.Lease; l != nil {
		// As SetPresence passes them; the count, last of the fixed arguments, says how many.
		counted := len(args)
		args = append(args, string(l.User), l.Node, presenceFlag(true), l.Until.UnixMilli(), s.waitingMS, l.Now.UnixMilli())
		if l.Announce != nil {
			raw, err := live.EncodeEvent(*l.Announce)
			if err != nil {
				return live.EnterResult{}, err
			}
			args = append(args, raw)
		}
		args[counted-1] = len(args) - counted
	}
	var encoded []live.EncodedEvent
	var ids []string
	if req.FirstUnless != "" {
		var idsBuf [1]string
		var err error
		if args, encoded, ids, err = s.appendArgs(args, idsBuf[:0], req.First); err != nil {
			return live.EnterResult{}, err
		}
	}
	reply, err := s.lookup(ctx, script, args...)
	if err != nil {
		return live.EnterResult{}, unavailable(err, "join the room")
	}
	parts, _ := reply.([]any)
	if len(parts) == 2 && parts[0] == "stale" {
		text, _ := parts[1].(string)
		half, _ := strconv.Atoi(text)
		return live.EnterResult{Stale: true, Half: half}, nil
	}
	if len(parts) != 4 || parts[0] != "ok" {
		return live.EnterResult{}, mockroom.Errorf(mockroom.KindInternal, "store_reply", "unexpected enter reply %v", reply)
	}
	if parts[1] != "" {
		var ce *live.ConflictError
		joined, _ := cutShortNext(parts[1])
		if _, err := appendReply(joined, req.First.Now, encoded, ids); err != nil && !errors.As(err, &ce) {
			return live.EnterResult{}, err
		}
	}
	online, _ := parts[2].(int64)
	res := live.EnterResult{CameOnline: online == 1}
	switch {
	case req.Read.View:
		res.View, err = viewReply(parts[3], req.Read.WithNotes)
	case req.Read.Log:
		res.Head, res.Events, err = readReply(parts[3])
	}
	return res, err
}

// presencePipeline bounds the scripts sent in one pipeline by RenewPresence: a renewal cycle
// of a node serving 5,000 rooms is five round trips, and no reply is large enough to hold the
// connection for long.
const presencePipeline = 1000

// RenewPresence implements live.Store: scripts/live_presence_keep.lua once per room, sent in
// pipelines. A script cannot take several rooms at once (on a Cluster, rooms live in different
// slots); a pipeline can, and go-redis splits it by node.
func (s *LiveStore) RenewPresence(ctx context.Context, node string, rooms []live.RoomLeases, until, now time.Time) ([]live.PresenceChange, error) {
	changes := make([]live.PresenceChange, len(rooms))
	var first error
	untilMS, nowMS := until.UnixMilli(), now.UnixMilli()
	for start := 0; start < len(rooms); start += presencePipeline {
		part := rooms[start:min(start+presencePipeline, len(rooms))]
		calls := make([][]any, len(part))
		for i, r := range part {
			args := make([]any, 0, 4+len(r.Users))
			args = append(args, node, untilMS, s.waitingMS, nowMS)
			for _, u := range r.Users {
				args = append(args, string(u))
			}
			calls[i] = evalShaCommand(livePresenceKeep, s.storedKeys(r.Room, 0), args...)
		}
		for i, cmd := range pipelineScript(ctx, s.client, livePresenceKeep, calls) {
			c, err := presenceChange(cmd)
			if err != nil {
				if first == nil {
					first = unavailable(err, "renew presence leases")
				}
				continue
			}
			changes[start+i] = c
		}
	}
	return changes, first
}

// presenceChange reads the renewal script's {back, gone}.
func presenceChange(cmd *redis.Cmd) (live.PresenceChange, error) {
	var c live.PresenceChange
	reply, err := cmd.Slice()
	if err != nil {
		return c, err
	}
	if len(reply) != 2 {
		return c, fmt.Errorf("presence renewal: %d parts in the reply, want 2", len(reply))
	}
	lists := [2]*[]mockroom.UserID{&c.Back, &c.Gone}
	for i, part := range reply {
		users, ok := part.([]any)
		if !ok {
			return live.PresenceChange{}, fmt.Errorf("presence renewal: reply part %d is %T", i, part)
		}
		for _, u := range users {
			id, ok := u.(string)
			if !ok {
				return live.PresenceChange{}, fmt.Errorf("presence renewal: user id is %T", u)
			}
			*lists[i] = append(*lists[i], mockroom.UserID(id))
		}
	}
	return c, nil
}

// outcomeUnknown is a failed write: the script may have run (a reply lost on the way back, a
// Redis that hung and resumed) or not. The client is told so, and that re-sending the same
// command with the same seq gets its one true result. A failure known to have sent nothing (this
// node's own queue closed or full) keeps its code.
func outcomeUnknown(err error) error {
	var me *mockroom.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mockroom.Wrap(err, mockroom.KindUnavailable, "outcome_unknown", "the store did not confirm the command; send it again with the same seq")
	}
	return mockroom.Wrap(fmt.Errorf("append to the room log: %w", err), mockroom.KindUnavailable, "outcome_unknown", "the store did not confirm the command; send it again with the same seq")
}

func unavailable(err error, what string) error {
	var me *mockroom.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return mockroom.Wrap(fmt.Errorf("%s: %w", what, err), mockroom.KindUnavailable, "store_unavailable", "the store is not available; try again")
}
