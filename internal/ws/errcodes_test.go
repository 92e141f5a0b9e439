package ws_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// codeSources are the code a socket's error frames come from: the frame decoder and session
// (ws), the engine (live) and its editor rules, the token and session checks of auth.refresh,
// and the live store. Their errors reach a client as `error` frames with the error's code.
var codeSources = []string{
	"../ws", "../live", "../editor", "../token", "../mockroom",
	"../account/service.go", // only verify: auth.refresh

	"../redisstore/live.go", "../redisstore/live_batch.go", "../redisstore/live_timers.go", "../redisstore/live_bus.go",
}

// codeArg says which argument of a call is an error code.
// skipSource leaves out what no socket reaches: the account service beyond its token check,
// and the names announcement (made through REST).
func skipSource(file, fn string) bool {
	switch filepath.Base(file) {
	case "service.go":
		return strings.Contains(file, "account") && fn != "verify"
	case "announce.go":
		return fn == "NamesRevealed"
	}
	return false
}

var codeArg = map[string]int{
	"Errorf": 1, "Wrap": 2, // mockroom.Errorf(kind, code, …), mockroom.Wrap(cause, kind, code, …)
	"invalid": 0, "refuse": 0, // live's and ws's shorthands
	"sendError": 1, // ws: c.sendError(seq, code, message)
}

// serverErrorCodes scans the sources for every error code they can produce. A code must be a
// string literal or a constant, so that this scan sees it.
func serverErrorCodes(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	codes := map[string][]string{} // code → where
	for _, src := range codeSources {
		var files []string
		if strings.HasSuffix(src, ".go") {
			files = []string{src}
		} else {
			all, _ := filepath.Glob(filepath.Join(src, "*.go"))
			for _, f := range all {
				if !strings.HasSuffix(f, "_test.go") {
					files = append(files, f)
				}
			}
		}
		if len(files) == 0 {
			t.Fatalf("no sources in %s", src)
		}
		consts := map[string]string{}
		var parsed []*ast.File
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			parsed = append(parsed, af)
			// Constants of the package (for a single file, of its own package directory).
			pkgFiles := []*ast.File{af}
			if strings.HasSuffix(src, ".go") {
				others, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "*.go"))
				for _, o := range others {
					if o != f && !strings.HasSuffix(o, "_test.go") {
						of, err := parser.ParseFile(fset, o, nil, 0)
						if err == nil {
							pkgFiles = append(pkgFiles, of)
						}
					}
				}
			}
			for _, pf := range pkgFiles {
				for _, d := range pf.Decls {
					gd, ok := d.(*ast.GenDecl)
					if !ok || gd.Tok != token.CONST {
						continue
					}
					for _, sp := range gd.Specs {
						vs := sp.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								if bl, ok := vs.Values[i].(*ast.BasicLit); ok && bl.Kind == token.STRING {
									consts[n.Name], _ = strconv.Unquote(bl.Value)
								}
							}
						}
					}
				}
			}
		}
		// Codes of another package's constants (editor.CodeX used in live).
		for _, af := range parsed {
			file := fset.Position(af.Pos()).Filename
			var fn string
			ast.Inspect(af, func(n ast.Node) bool {
				if fd, ok := n.(*ast.FuncDecl); ok {
					fn = fd.Name.Name
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch f := call.Fun.(type) {
				case *ast.Ident:
					name = f.Name
				case *ast.SelectorExpr:
					name = f.Sel.Name
					if x, ok := f.X.(*ast.Ident); ok && (name == "Errorf" || name == "Wrap") && x.Name != "mockroom" {
						return true // fmt.Errorf, t.Errorf…
					}
				}
				i, ok := codeArg[name]
				if !ok || len(call.Args) <= i || skipSource(file, fn) {
					return true
				}
				where := fset.Position(call.Pos()).String()
				switch a := call.Args[i].(type) {
				case *ast.BasicLit:
					c, _ := strconv.Unquote(a.Value)
					codes[c] = append(codes[c], where)
				case *ast.Ident:
					if c, ok := consts[a.Name]; ok {
						codes[c] = append(codes[c], where)
					} else if fn != name && !isParam(af, call, a.Name) {
						t.Errorf("%s: error code %s is neither a literal nor a constant", where, a.Name)
					}
				case *ast.CallExpr:
					// mockroom.ErrorCode(err): passing on a code made elsewhere, scanned there.
				case *ast.SelectorExpr:
					if x, ok := a.X.(*ast.Ident); !ok || x.Name != "editor" {
						return true // a frame error's code field, set by refuse and scanned there
					}
					c, ok := editorConst(t, a)
					if !ok {
						t.Errorf("%s: error code %s.%s is not a known constant", where, a.X, a.Sel.Name)
					}
					codes[c] = append(codes[c], where)
				default:
					t.Errorf("%s: an error code built at run time; make it a literal so it can be documented", where)
				}
				return true
			})
		}
	}
	return codes
}

// isParam reports whether name is a parameter of the function around call (a helper passing a
// code through; its callers are scanned instead).
func isParam(f *ast.File, call *ast.CallExpr, name string) bool {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Pos() > call.Pos() || fd.End() < call.End() {
			continue
		}
		for _, p := range fd.Type.Params.List {
			for _, n := range p.Names {
				if n.Name == name {
					return true
				}
			}
		}
	}
	return false
}

var editorConsts map[string]string

// editorConst resolves editor.CodeX.
func editorConst(t *testing.T, sel *ast.SelectorExpr) (string, bool) {
	t.Helper()
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "editor" {
		return "", false
	}
	if editorConsts == nil {
		editorConsts = map[string]string{}
		files, _ := filepath.Glob("../editor/*.go")
		re := regexp.MustCompile(`(?m)^\s*(Code\w+)\s*=\s*"([a-z_]+)"`)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				editorConsts[m[1]] = m[2]
			}
		}
	}
	c, ok := editorConsts[sel.Sel.Name]
	return c, ok
}

// otherCodes reach a socket from code outside codeSources: the room service, through the engine's
// Rooms (room_not_found), and the catch-all for errors that are not *mockroom.Error.
var otherCodes = map[string]bool{"room_not_found": true, "internal": true}

// TestErrorCodesMatchTheProtocolDocument: every error code the server can send is in a table of
// api/protocol.md, and every row of the error table of section 4 is a code the server sends.
func TestErrorCodesMatchTheProtocolDocument(t *testing.T) {
	codes := serverErrorCodes(t)
	doc, err := os.ReadFile("../../api/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	row := regexp.MustCompile("(?m)^\\s*\\|\\s*(?:\\d{3} )?`([a-z_]+)`\\s*\\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		documented[m[1]] = true
	}
	for c, where := range codes {
		if !documented[c] {
			t.Errorf("error code %q (sent at %s) has no row in api/protocol.md", c, where[0])
		}
	}
	start := strings.Index(text, "| error code | meaning | what the client does |")
	end := strings.Index(text[start:], "\n\n")
	if start < 0 || end < 0 {
		t.Fatal("api/protocol.md has no error table (| error code | meaning | what the client does |)")
	}
	table := row.FindAllStringSubmatch(text[start:start+end], -1)
	if len(table) < 20 {
		t.Fatalf("the error table has %d rows; the parse is off", len(table))
	}
	for _, m := range table {
		if len(codes[m[1]]) == 0 && !otherCodes[m[1]] {
			t.Errorf("api/protocol.md's error table lists %q, which the server never sends", m[1])
		}
	}
}
