package ws_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/ws"
)

const apiDir = "../../api"

var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema // "client/join", "server/event", …
	schemaErr  error
)

func loadSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		schemas = map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		for _, dir := range []string{"client", "server"} {
			files, err := filepath.Glob(filepath.Join(apiDir, "schemas", dir, "*.json"))
			if err != nil {
				schemaErr = err
				return
			}
			for _, f := range files {
				abs, _ := filepath.Abs(f)
				s, err := c.Compile(abs)
				if err != nil {
					schemaErr = err
					return
				}
				schemas[dir+"/"+strings.TrimSuffix(filepath.Base(f), ".json")] = s
			}
		}
	})
	if schemaErr != nil {
		t.Fatalf("schemas: %v", schemaErr)
	}
	return schemas
}

// checkServerFrames validates every frame a client read against the schema of its type.
func checkServerFrames(t *testing.T, cl *client) {
	t.Helper()
	all := loadSchemas(t)
	for _, raw := range cl.raw {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("frame is not JSON: %s", raw)
		}
		typ, _ := v.(map[string]any)["type"].(string)
		s, ok := all["server/"+typ]
		if !ok {
			t.Fatalf("no schema for server frame %q: %s", typ, raw)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("frame does not match api/schemas/server/%s.json: %v\n%s", typ, err, raw)
		}
	}
}

// TestProtocolDocumentsEveryFrame checks that every frame type and close code the code knows is
// in api/protocol.md and has a schema, and that every event type of the engine is documented.
func TestProtocolDocumentsEveryFrame(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(apiDir, "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	all := loadSchemas(t)
	tableRow := func(name string) *regexp.Regexp {
		return regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(name) + "` \\|")
	}
	for _, typ := range ws.ClientTypes() {
		if !tableRow(typ).Match(doc) {
			t.Errorf("client frame %q has no row in api/protocol.md", typ)
		}
		if _, ok := all["client/"+typ]; !ok {
			t.Errorf("client frame %q has no schema api/schemas/client/%s.json", typ, typ)
		}
	}
	for _, typ := range ws.ServerTypes() {
		if !tableRow(typ).Match(doc) {
			t.Errorf("server frame %q has no row in api/protocol.md", typ)
		}
		if _, ok := all["server/"+typ]; !ok {
			t.Errorf("server frame %q has no schema api/schemas/server/%s.json", typ, typ)
		}
	}
	for name := range all {
		typ := name[strings.Index(name, "/")+1:]
		known := false
		for _, k := range append(ws.ClientTypes(), ws.ServerTypes()...) {
			known = known || k == typ
		}
		if !known {
			t.Errorf("schema %s.json describes a frame the server does not know", name)
		}
	}
	for _, code := range ws.CloseCodes {
		if !regexp.MustCompile("(?m)^\\| " + strconv.Itoa(code) + " \\|").Match(doc) {
			t.Errorf("close code %d has no row in api/protocol.md", code)
		}
	}
	events := []string{live.TypeRoomState, live.TypeJoined, live.TypeQuestionStarted, live.TypeTimerWarning,
		live.TypeTimerExpired, live.TypeTimerPaused, live.TypeTimerResumed, live.TypeTimerExtended, live.TypeEditorUpdate,
		live.TypeEditorLanguage, live.TypeEditorLock, live.TypeChatMessage, live.TypeNoteAdded, live.TypeRolesSwapped,
		live.TypeAllowance}
	for _, ev := range events {
		if !tableRow(ev).Match(doc) {
			t.Errorf("event type %q has no row in api/protocol.md", ev)
		}
	}
}
