package live

import (
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Command types a client may send.
const (
	CmdStart          = "start"
	CmdNext           = "next"
	CmdSkip           = "skip"
	CmdPause          = "pause"
	CmdResume         = "resume"
	CmdExtend         = "extend"
	CmdEnd            = "end"
	CmdLockEditor     = "lock_editor"
	CmdUnlockEditor   = "unlock_editor"
	CmdSetAllowance   = "set_allowance"
	CmdNoteAdd        = "note.add"
	CmdEditorPush     = "editor.push"
	CmdEditorLanguage = "editor.language"
	CmdChatSend       = "chat.send"
)

// Limits on command content.
const (
	MaxChatUnits     = 2000 // UTF-16 code units, as a browser counts
	MaxNoteUnits     = 4000
	MaxClientIDBytes = 128
	MaxExtendSeconds = 3600
)

// Command is one client request. (ClientID, Seq) makes it idempotent: the store remembers each
// client's last Seq and its result, so a command re-sent after a lost acknowledgement takes
// effect once and gets the original result back.
type Command struct {
	ClientID string          `json:"client_id"`
	Seq      uint64          `json:"seq"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// Result acknowledges an accepted command.
type Result struct {
	// Position is the log head after the command (the position of its last event).
	Position mockroom.Position `json:"position"`
	// Duplicate is set when the command had been applied already; Position is then the
	// original one if Seq was the client's latest, zero if it was older still.
	Duplicate bool `json:"duplicate,omitempty"`
	// Version is the editor version after an accepted editor.push.
	Version int `json:"version,omitempty"`
}

// who may send what: observers send nothing (they are read-only); the controls of the session
// and private notes are the interviewer's.
var interviewerOnly = map[string]bool{
	CmdStart: true, CmdNext: true, CmdSkip: true, CmdPause: true, CmdResume: true, CmdExtend: true,
	CmdEnd: true, CmdLockEditor: true, CmdUnlockEditor: true, CmdSetAllowance: true, CmdNoteAdd: true,
}

var participantCommands = map[string]bool{CmdEditorPush: true, CmdEditorLanguage: true, CmdChatSend: true}

// Allowed reports whether role may send a command of type typ.
func Allowed(role mockroom.Role, typ string) bool {
	switch {
	case interviewerOnly[typ]:
		return role == mockroom.RoleInterviewer
	case participantCommands[typ], runCommands[typ]:
		return role == mockroom.RoleInterviewer || role == mockroom.RoleCandidate
	}
	return false
}

func invalid(code, format string, args ...any) error {
	return mockroom.Errorf(mockroom.KindInvalid, code, format, args...)
}

// Execute applies cmd from p to the room. Bad input or a command p's role may not send gets a
// *mockroom.Error and changes nothing.
//
// The store remembers commands per person and client id: a client id is no secret (every
// editor update shows its author's), so one person naming another's client id must neither
// silence that person's commands nor pass for them. A command the engine would refuse is
// first looked up there, so a repeat of one that was applied gets its original result even
// when the room has moved on since (a re-sent push whose version is now stale, a control
// after the role swap).
func (e *Engine) Execute(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, cmd Command) (Result, error) {
	if cmd.ClientID == "" || len(cmd.ClientID) > MaxClientIDBytes || !utf8.ValidString(cmd.ClientID) {
		return Result{}, invalid("client_id_invalid", "client_id must be 1 to %d bytes", MaxClientIDBytes)
	}
	if cmd.Seq == 0 {
		return Result{}, invalid("seq_invalid", "seq must be a positive number")
	}
	if !runCommands[cmd.Type] && !interviewerOnly[cmd.Type] && !participantCommands[cmd.Type] {
		return Result{}, invalid("command_unknown", "unknown command %q", cmd.Type)
	}
	socketClient := cmd.ClientID
	cmd.ClientID = commandKey(p.UserID, cmd.ClientID)
	var res Result
	var err error
	if runCommands[cmd.Type] {
		res, err = e.run(ctx, id, p, cmd)
	} else {
		res, err = e.executeLocked(ctx, id, p, cmd, socketClient)
	}
	if err == nil || !refusal(err) {
		return res, err
	}
	prev, seen, serr := e.store.Seen(ctx, id, cmd.ClientID, cmd.Seq)
	if serr != nil || !seen {
		return Result{}, err
	}
	return e.duplicate(ctx, id, cmd, prev), nil
}

// executeLocked runs execute under the room's lock.
func (e *Engine) executeLocked(ctx context.Context, id mockroom.RoomID, p mockroom.Principal, cmd Command, socketClient string) (Result, error) {
	c := e.room(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.execute(ctx, id, c, p, cmd, socketClient)
}

// commandKey is the name under which the store remembers a person's client's commands.
func commandKey(user mockroom.UserID, clientID string) string {
	return string(user) + " " + clientID
}

// refusal reports whether err is the engine judging the command, not a failure to reach a
// verdict.
func refusal(err error) bool {
	switch mockroom.ErrorKind(err) {
	case mockroom.KindInvalid, mockroom.KindConflict, mockroom.KindForbidden, mockroom.KindTooLarge:
		return true
	}
	return false
}

// duplicate is the result of a command applied before: for an editor push, with the version
// the push reached, read from the event it appended.
func (e *Engine) duplicate(ctx context.Context, id mockroom.RoomID, cmd Command, prev AppendResult) Result {
	r := Result{Position: prev.Head, Duplicate: true}
	if cmd.Type != CmdEditorPush || prev.Head.Offset == 0 {
		return r
	}
	_, evs, err := e.store.Read(ctx, id, prev.Head.Offset, 1)
	if err != nil || len(evs) != 1 || evs[0].Type != TypeEditorUpdate || evs[0].ID != prev.Head.EventID {
		return r
	}
	var d updateData
	if json.Unmarshal(evs[0].Data, &d) == nil {
		r.Version = d.Version + len(d.Updates)
	}
	return r
}

// execute applies cmd. Caller holds c.mu.
func (e *Engine) execute(ctx context.Context, id mockroom.RoomID, c *roomCache, p mockroom.Principal, cmd Command, socketClient string) (Result, error) {
	info, m, err := e.member(ctx, id, c, p.UserID)
	if err != nil {
		return Result{}, err
	}
	if !Allowed(m.Role, cmd.Type) {
		return Result{}, mockroom.Errorf(mockroom.KindForbidden, "role_forbidden", "a %s may not %s", m.Role, cmd.Type)
	}
	switch cmd.Type {
	case CmdEditorPush:
		return e.push(ctx, id, c, m, cmd, socketClient)
	case CmdHintGive, CmdClarificationGive:
		return e.give(ctx, id, c, info, m, cmd)
	case CmdSetAllowance:
		return e.setAllowance(ctx, id, c, info, m, cmd)
	case CmdChatSend, CmdNoteAdd, CmdEditorLanguage, CmdLockEditor, CmdUnlockEditor:
		qidx := -1
		if cmd.Type == CmdNoteAdd {
			st, err := e.store.State(ctx, id)
			if err != nil {
				return Result{}, err
			}
			qidx = st.QIndex
		}
		req, err := e.simple(m, cmd, qidx)
		if err != nil {
			return Result{}, err
		}
		return e.appendCmd(ctx, id, c, req)
	}
	return e.control(ctx, id, c, info, m, cmd)
}

// appendCmd appends req and maps its outcome to a Result.
func (e *Engine) appendCmd(ctx context.Context, id mockroom.RoomID, c *roomCache, req AppendRequest) (Result, error) {
	res, err := e.store.Append(ctx, id, req)
	if err != nil {
		return Result{}, conflictError(err)
	}
	for _, ev := range res.Events {
		e.apply(c, ev)
	}
	return Result{Position: res.Head, Duplicate: res.Duplicate}, nil
}

// conflictError turns a failed check into the domain's error.
func conflictError(err error) error {
	var ce *ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Field {
	case FieldPhase:
		return mockroom.Errorf(mockroom.KindConflict, "room_state", "not possible while the room is %s", phaseName(ce.Actual))
	case fieldClosed:
		return mockroom.Errorf(mockroom.KindConflict, "room_closed", "the room is closed")
	case FieldLocked:
		return mockroom.Errorf(mockroom.KindConflict, "editor_locked", "the interviewer has locked the editor")
	}
	return mockroom.Errorf(mockroom.KindConflict, "state_changed", "the room changed meanwhile (%s); try again", ce.Field)
}

func phaseName(v string) string {
	if v == "" {
		return string(mockroom.StateWaiting)
	}
	return v
}

// simple builds the request of a command that needs no state read.
func (e *Engine) simple(m Member, cmd Command, qidx int) (AppendRequest, error) {
	req := AppendRequest{ClientID: cmd.ClientID, Seq: cmd.Seq, Now: e.now(), WhileOpen: true}
	var d struct {
		Text     string `json:"text"`
		Language string `json:"language"`
	}
	if len(cmd.Data) > 0 {
		if err := json.Unmarshal(cmd.Data, &d); err != nil {
			return req, invalid("data_malformed", "%s: malformed data", cmd.Type)
		}
	}
	switch cmd.Type {
	case CmdChatSend:
		if err := mockroom.CheckText(d.Text, MaxChatUnits, true); err != nil {
			return req, err
		}
		req.Events = []NewEvent{{Type: TypeChatMessage, Actor: m.UserID, Data: map[string]string{"text": d.Text}, Keep: KeepChat}}
	case CmdNoteAdd:
		if err := mockroom.CheckText(d.Text, MaxNoteUnits, true); err != nil {
			return req, err
		}
		// The whole event is the interviewer's; the text is also in Private so that even a
		// filter that forgot InterviewerOnly would not pass it on.
		req.Events = []NewEvent{{
			Type: TypeNoteAdded, Actor: m.UserID, InterviewerOnly: true, For: m.UserID, Keep: KeepNote,
			Data:    map[string]any{"question_index": qidx},
			Private: map[string]string{"text": d.Text},
		}}
		req.WhileOpen = false // notes may be added during wrap-up too
	case CmdEditorLanguage:
		l, err := editor.ParseLanguage(d.Language)
		if err != nil || d.Language == "" {
			return req, invalid(editor.CodeLanguageUnknown, "unknown editor language %q", d.Language)
		}
		req.Set = []FieldValue{{FieldLanguage, string(l)}}
		req.Events = []NewEvent{{Type: TypeEditorLanguage, Actor: m.UserID, Data: map[string]string{"language": string(l)}}}
		if m.Role == mockroom.RoleCandidate {
			req.Checks = append(req.Checks, Check{Field: FieldLocked, Value: "1", Not: true})
		}
	case CmdLockEditor, CmdUnlockEditor:
		locked := cmd.Type == CmdLockEditor
		v := ""
		if locked {
			v = "1"
		}
		req.Set = []FieldValue{{FieldLocked, v}}
		req.Events = []NewEvent{{Type: TypeEditorLock, Actor: m.UserID, Data: map[string]bool{"locked": locked}}}
	}
	return req, nil
}
