package ws

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/editor"
	"github.com/mockroom/mockroom/internal/live"
)

// TestLimitsMatchTheProtocolDocument reads the limits table of api/protocol.md (section 9) and
// compares every row with the value the server enforces, both ways: no limit of the code is
// missing from the table and no row of the table is out of date.
func TestLimitsMatchTheProtocolDocument(t *testing.T) {
	var cfg Config
	cfg.defaults()
	enforced := map[string][]int{
		"frame_bytes":               {int(cfg.MaxFrameBytes)},
		"client_id_chars":           {maxClientIDChars},
		"sockets_per_person":        {cfg.MaxSocketsPerPerson},
		"updates_per_push":          {maxUpdates, editor.MaxUpdatesPerPush},
		"push_change_bytes":         {live.MaxPushChangeBytes},
		"changeset_entries":         {editor.DefaultMaxEntries},
		"changeset_insert_units":    {editor.DefaultMaxInsertUnits},
		"document_units":            {editor.DefaultMaxDocUnits},
		"chat_units":                {live.MaxChatUnits},
		"note_units":                {live.MaxNoteUnits},
		"extend_seconds":            {maxExtendSecond, live.MaxExtendSeconds},
		"resume_events":             {cfg.ResumeMax, live.ResumeWindow},
		"ticket_seconds":            {int(cfg.TicketTTL.Seconds())},
		"resume_credential_seconds": {int(cfg.ResumeTTL.Seconds())},
		"resume_refresh_seconds":    {int(cfg.ResumeRefresh.Seconds())},
		"join_seconds":              {int(cfg.JoinTimeout.Seconds())},
		"waiting_sockets":           {cfg.MaxWaitingSockets},
		"presence_grace_seconds":    {int(live.PresenceGrace / time.Second)},
		"presence_offline_seconds":  {int(live.PresenceOfflineBound / time.Second)},
	}
	doc, err := os.ReadFile("../../api/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "## 9. Limits")
	if start < 0 {
		t.Fatal("api/protocol.md has no section 9. Limits")
	}
	rows := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (\\d+) \\|").FindAllStringSubmatch(text[start:], -1)
	seen := map[string]bool{}
	for _, m := range rows {
		name, v := m[1], m[2]
		documented, _ := strconv.Atoi(v)
		seen[name] = true
		values, ok := enforced[name]
		if !ok {
			t.Errorf("api/protocol.md lists the limit %s, which the server does not know", name)
			continue
		}
		for _, e := range values {
			if e != documented {
				t.Errorf("limit %s: the document says %d, the server enforces %d", name, documented, e)
			}
		}
	}
	for name := range enforced {
		if !seen[name] {
			t.Errorf("limit %s has no row in api/protocol.md section 9", name)
		}
	}
}
