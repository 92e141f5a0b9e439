package pycheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mockroom/mockroom/frontend"
	"github.com/mockroom/mockroom/internal/bank"
)

// DefaultLimit is how long one question's solution and tests may run.
const DefaultLimit = 30 * time.Second

// Runner runs solutions with a Python interpreter.
type Runner struct {
	// Python is the interpreter to run; empty means "python3" from PATH.
	Python string
	// Limit is the time one question may take; zero means DefaultLimit. Rounded up to seconds.
	Limit time.Duration
}

// Result is the outcome for one question: no failures means its solution passed every test.
type Result struct {
	ID       bank.QuestionID `json:"id"`
	Failures []string        `json:"failures"`
}

// Passed reports whether the solution passed every test.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// job is one question as the harness reads it.
type job struct {
	ID       bank.QuestionID `json:"id"`
	Setup    string          `json:"setup"`
	Solution string          `json:"solution"`
	Examples []bank.Example  `json:"examples"`
	Tests    []bank.CodeTest `json:"tests"`
}

// Run checks every question in qs that has a solution, in order, and returns one Result per
// checked question: the solution must give every example's output (judged as "Run tests" judges
// it in a room) and pass every test. An error means the check itself could not run (no interpreter, a crash of
// the harness), not that a solution failed.
func (r Runner) Run(ctx context.Context, qs []bank.Question) ([]Result, error) {
	var jobs []job
	for _, q := range qs {
		if q.Guide == nil || q.Guide.Solution == "" {
			continue
		}
		j := job{ID: q.ID, Solution: q.Guide.Solution, Tests: q.Guide.Tests}
		if q.Coding != nil {
			j.Setup = q.Coding.TestSetup
			j.Examples = q.Coding.Examples
		}
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	input, err := json.Marshal(jobs)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pycheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "harness.py")
	if err := os.WriteFile(path, frontend.PythonHarness(), 0o600); err != nil {
		return nil, err
	}
	python := r.Python
	if python == "" {
		python = "python3"
	}
	limit := r.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	secs := int((limit + time.Second - 1) / time.Second)
	cmd := exec.CommandContext(ctx, python, "-I", path, strconv.Itoa(secs))
	cmd.Dir = dir // solutions that write files write them here
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("pycheck: %s failed: %v: %s", python, err, bytes.TrimSpace(stderr.Bytes()))
		}
		return nil, fmt.Errorf("pycheck: cannot run %s (Debian: apt-get install python3): %w", python, err)
	}
	var out []Result
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("pycheck: unreadable output from the harness: %w", err)
	}
	if len(out) != len(jobs) {
		return nil, fmt.Errorf("pycheck: the harness answered for %d of %d questions", len(out), len(jobs))
	}
	return out, nil
}

// Failed returns the results with failures.
func Failed(results []Result) []Result {
	var bad []Result
	for _, r := range results {
		if !r.Passed() {
			bad = append(bad, r)
		}
	}
	return bad
}
