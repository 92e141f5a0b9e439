package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Editor pushes are the hot path: validated against the node's cached document, then ONE
// script call that checks the version, appends one editor.update event holding every update of
// the push, bumps the version and publishes. While the editor is locked only the interviewer
// may edit: the lock is for showing the candidate something without their typing over it.

// MaxPushChangeBytes bounds the change-set JSON of one push, all updates together.
const MaxPushChangeBytes = 48 << 10

// pushData is the payload of an editor.push command.
type pushData struct {
	Version int             `json:"version"`
	Updates []editor.Update `json:"updates"`
}

// updateData is the Data of an editor.update event: the updates accepted at Version, so the
// version after them is Version+len(Updates) (the collab protocol counts updates).
type updateData struct {
	Version int             `json:"version"`
	Updates []editor.Update `json:"updates"`
}

func applyEditorEvent(doc *editor.Doc, ev Event) error {
	switch ev.Type {
	case TypeEditorLanguage:
		var d struct {
			Language string `json:"language"`
		}
		if json.Unmarshal(ev.Data, &d) == nil {
			_ = doc.SetLanguage(editor.Language(d.Language))
		}
		return nil
	case TypeEditorReset:
		return applyReset(doc, ev)
	case TypeEditorUpdate:
	default:
		return nil
	}
	var d updateData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor update could not be read")
	}
	switch {
	case d.Version+len(d.Updates) <= doc.Version():
		return nil // already in the document
	case d.Version != doc.Version():
		return errDocBehind
	}
	if _, err := doc.Push(d.Version, d.Updates); err != nil {
		return mockroom.Wrap(err, mockroom.KindInternal, "store_corrupt", "a stored editor update does not apply")
	}
	return nil
}

// errDocBehind means the cached document missed updates; it is reloaded from the store.
var errDocBehind = errors.New("cached document is behind the log")

func (e *Engine) adoptDoc(c *roomCache, doc *editor.Doc, head mockroom.Position) {
	c.doc, c.docOff, c.epoch = doc, head.Offset, head.Epoch
}

// observe is called by the fan-out with every event of a room this node serves, in log order,
// before the event goes to the room's sockets here, on the one goroutine that delivers every
// room's events: it must stay cheap. An event that changes the document only joins the room's
// inbox, undecoded: the cached document catches up when this node next uses it (a push or a
// cursor here drains the inbox first), so a node whose people watch someone type through
// another node decodes and applies nothing on the way to their sockets. The editor's lock, the
// halves and the room's state are applied at once, because checks read them without draining;
// other events change nothing the cache keeps.
func (e *Engine) observe(id mockroom.RoomID, ev Event) {
	var eager bool
	switch ev.Type {
	case TypeEditorUpdate, TypeEditorReset, TypeEditorLanguage:
	case TypeRolesSwapped, TypeEditorLock, TypeRoomState:
		eager = true
	default:
		return
	}
	e.mu.Lock()
	c, ok := e.cache[id]
	e.mu.Unlock()
	if !ok || ev.Offset == 0 {
		return
	}
	c.inboxMu.Lock()
	c.inbox = append(c.inbox, ev)
	waiting := len(c.inbox)
	c.inboxMu.Unlock()
	if !eager && waiting <= maxInbox {
		return
	}
	// Never wait for a push in flight: its holder applies the inbox when it is done.
	if c.mu.TryLock() {
		if waiting > maxInbox {
			// Nobody here has used the document for a while: drop it rather than apply what
			// piled up (it is read again from the store when next used), and keep the inbox
			// bounded.
			c.doc = nil
		}
		e.drain(c)
		c.mu.Unlock()
	}
}

// maxInbox bounds the events a room's inbox holds for a document nobody on this node uses (a few
// hundred bytes each). Reading the document again costs one store read and at most SnapshotEvery
// updates replayed, about what applying the inbox would.
const maxInbox = 32

// drain applies the events the fan-out left in the inbox. Caller holds c.mu.
func (e *Engine) drain(c *roomCache) {
	c.inboxMu.Lock()
	evs := c.inbox
	c.inbox = nil
	c.inboxMu.Unlock()
	for _, ev := range evs {
		e.apply(c, ev)
	}
}

// apply brings the cache up to ev. Caller holds c.mu.
func (e *Engine) apply(c *roomCache, ev Event) {
	switch ev.Type {
	case TypeRolesSwapped:
		var d struct {
			Half int `json:"half"`
		}
		if json.Unmarshal(ev.Data, &d) == nil {
			c.half = d.Half
		}
	case TypeEditorLock:
		var d struct {
			Locked bool `json:"locked"`
		}
		if json.Unmarshal(ev.Data, &d) == nil {
			c.locked = d.Locked
		}
	case TypeRoomState:
		var d struct {
			State mockroom.RoomState `json:"state"`
		}
		if json.Unmarshal(ev.Data, &d) == nil && c.loaded {
			c.info.State = d.State
		}
	}
	if c.doc == nil || ev.Epoch != c.epoch || ev.Offset <= c.docOff {
		return
	}
	if err := applyEditorEvent(c.doc, ev); err != nil {
		c.doc = nil // reloaded on next use
		return
	}
	c.docOff = ev.Offset
}

// loadDoc makes sure the cache holds the document at least at the store's version. Caller holds
// c.mu.
func (e *Engine) loadDoc(ctx context.Context, id mockroom.RoomID, c *roomCache) error {
	v, err := e.store.View(ctx, id, false)
	if err != nil {
		return err
	}
	doc, err := e.rebuildDoc(v)
	if err != nil {
		return err
	}
	e.adoptDoc(c, doc, v.State.Head)
	c.half, c.locked = v.State.Half, v.State.Locked
	return nil
}

// push accepts an editor.push. Caller holds c.mu.
//
// Every update must name the pushing socket's own client id: @codemirror/collab takes an update
// with its own clientID as the confirmation of its unconfirmed edit, so an update under another
// client's id would make that client drop its edit and never converge again.
func (e *Engine) push(ctx context.Context, id mockroom.RoomID, c *roomCache, m Member, cmd Command, clientID string) (Result, error) {
	d, err := decodePush(cmd.Data, clientID)
	if err != nil {
		return Result{}, invalid("push_malformed", "editor.push needs {version, updates:[{clientID, changes}]}")
	}
	if len(d.Updates) == 0 {
		return Result{}, invalid("push_empty", "editor.push needs at least one update")
	}
	size := 0
	for _, u := range d.Updates {
		size += len(u.Changes)
	}
	if size > MaxPushChangeBytes {
		return Result{}, mockroom.Errorf(mockroom.KindTooLarge, "push_too_large", "the push holds %d bytes of change sets, at most %d are allowed: push more often", size, MaxPushChangeBytes)
	}
	for _, u := range d.Updates {
		if u.ClientID != clientID {
			return Result{}, invalid("client_id_mismatch", "every update's clientID must be this socket's client_id %q", clientID)
		}
	}
	if m.Role == mockroom.RoleCandidate && c.locked {
		return Result{}, mockroom.Errorf(mockroom.KindConflict, "editor_locked", "the interviewer has locked the editor")
	}
	e.drain(c)
	for attempt := 0; ; attempt++ {
		if c.doc == nil || d.Version > c.doc.Version() {
			// The cache is missing or behind the store (the version a client pushes against
			// was issued by the store): catch up once.
			if err := e.loadDoc(ctx, id, c); err != nil {
				return Result{}, err
			}
			if m.Role == mockroom.RoleCandidate && c.locked {
				return Result{}, mockroom.Errorf(mockroom.KindConflict, "editor_locked", "the interviewer has locked the editor")
			}
		}
		trial := *c.doc
		now := e.now()
		for i := range d.Updates {
			d.Updates[i].Author, d.Updates[i].At = m.UserID, now.UTC().Truncate(1e6)
		}
		if _, err := trial.Push(d.Version, d.Updates); err != nil {
			return Result{}, err
		}
		// The editor is open from the room's creation until the session ends (room.end or the
		// last question), like the chat: the code written in the session is its record.
		checks := make([]Check, 0, 3)
		checks = append(checks, Check{Field: FieldVersion, Value: versionValue(d.Version)})
		if m.Role == mockroom.RoleCandidate {
			checks = append(checks, Check{Field: FieldLocked, Value: "1", Not: true}, Check{Field: FieldHalf, Value: halfValue(c.half)})
		}
		res, err := e.store.Append(ctx, id, AppendRequest{
			ClientID: cmd.ClientID, Seq: cmd.Seq, Now: now,
			Checks: checks, WhileOpen: true,
			Set:    []FieldValue{{FieldVersion, strconv.Itoa(trial.Version())}},
			Events: []NewEvent{{Type: TypeEditorUpdate, Actor: m.UserID, Data: updateData(d)}},
		})
		if err != nil {
			// Declared here, so a push that succeeds does not allocate it.
			var ce *ConflictError
			switch {
			case errors.As(err, &ce) && attempt == 0 && (ce.Field == FieldVersion || ce.Field == FieldHalf):
				// Someone else's edit, or the halves, got there first: reload and judge again.
				if err := e.loadDoc(ctx, id, c); err != nil {
					return Result{}, err
				}
				continue
			case errors.As(err, &ce) && (ce.Field == FieldPhase || ce.Field == fieldClosed):
				return Result{}, conflictError(err)
			case errors.As(err, &ce) && ce.Field == FieldLocked:
				c.locked = true
				return Result{}, mockroom.Errorf(mockroom.KindConflict, "editor_locked", "the interviewer has locked the editor")
			case errors.As(err, &ce):
				return Result{}, mockroom.Errorf(mockroom.KindConflict, "version_stale", "document is at version %s: pull and rebase", ce.Actual)
			default:
				return Result{}, err
			}
		}
		if res.Duplicate {
			return Result{Position: res.Head, Duplicate: true}, nil
		}
		ev := res.Events[0]
		if c.epoch == "" || ev.Epoch == c.epoch {
			c.epoch = ev.Epoch
			*c.doc = trial
			c.docOff = max(c.docOff, ev.Offset)
		} else {
			c.doc = nil
		}
		if trial.Version()/SnapshotEvery != d.Version/SnapshotEvery {
			// Materialised off the keystroke path (docsaver.go): the push does not wait for it.
			snap := trial.Snapshot()
			e.docs.save(id, DocSnapshot{Text: snap.Text, Version: snap.Version, Base: snap.Base, Language: string(snap.Language), Offset: ev.Offset})
		}
		e.drain(c)
		return Result{Position: res.Head, Version: trial.Version()}, nil
	}
}

// versionValue renders a version as the state field holds it: absent (0) before the first edit.
func versionValue(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func halfValue(h int) string {
	if h == 0 {
		return ""
	}
	return strconv.Itoa(h)
}
