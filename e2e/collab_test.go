package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/redistest"
)

// TestCollabClientsConverge runs the Node client built on the real @codemirror/collab against two
// nodes: two editors, one per node, make 1,000 random concurrent edits and must end equal to the
// server's document.
func TestCollabClientsConverge(t *testing.T) {
	node, err := exec.LookPath("node")
	frontend, _ := filepath.Abs("../frontend")
	_, modErr := os.Stat(filepath.Join(frontend, "node_modules", "@codemirror", "collab"))
	if err != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Node collab test needs node and frontend/node_modules (npm ci in frontend/): node: %v, modules: %v", err, modErr)
		}
		t.Logf("NOTE: the Node collab test was left out: node or frontend/node_modules is missing (node: %v, modules: %v)", err, modErr)
		return
	}
	rs := redistest.Start(t)
	rs.RequireReal(t)
	a := startNode(t, "A", rs.URL)
	b := startNode(t, "B", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "test/e2e/collab.test.mjs")
	cmd.Dir = frontend
	cmd.Env = append(os.Environ(),
		"MOCKROOM_E2E_NODES="+a.url+","+b.url,
		"MOCKROOM_E2E_ROOM="+room,
		"MOCKROOM_E2E_TOKENS="+iv.Token+","+cand.Token,
		"MOCKROOM_E2E_EDITS=1000",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node collab test failed: %v\n%s", err, out)
	}
	t.Logf("node collab test:\n%s", out)
}
