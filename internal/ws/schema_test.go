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

	"github.com/mockroom/mockroom/internal/ws"
)

const apiDir = "../../api"

var (
	schemaMu    sync.Mutex
	schemaDirs  = map[string]map[string]*jsonschema.Schema{} // by folder under api/schemas, then file name
	schemaDirOK = map[string]error{}
)

// schemasIn compiles api/schemas/<dir>/*.json once per test binary, keyed by file name without
// ".json".
func schemasIn(t *testing.T, dir string) map[string]*jsonschema.Schema {
	t.Helper()
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if _, done := schemaDirs[dir]; !done {
		schemaDirs[dir], schemaDirOK[dir] = compileSchemaDir(dir)
	}
	if err := schemaDirOK[dir]; err != nil {
		t.Fatalf("schemas in %s: %v", dir, err)
	}
	return schemaDirs[dir]
}

func compileSchemaDir(dir string) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := filepath.Glob(filepath.Join(apiDir, "schemas", dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]*jsonschema.Schema{}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		s, err := c.Compile(abs)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = s
	}
	return out, nil
}

// loadSchemas returns the frame schemas, keyed "client/join", "server/event", …
func loadSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	all := map[string]*jsonschema.Schema{}
	for _, dir := range []string{"client", "server"} {
		for name, s := range schemasIn(t, dir) {
			all[dir+"/"+name] = s
		}
	}
	return all
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
}
