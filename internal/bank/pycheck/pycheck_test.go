package pycheck_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/bank/pycheck"
	"github.com/mockroom/mockroom/internal/mockroom"
)

func codingQuestions(t *testing.T) (*bank.Track, []bank.Question) {
	t.Helper()
	b, err := bank.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := b.Track("python-developer")
	if err != nil {
		t.Fatal(err)
	}
	var qs []bank.Question
	for _, q := range tr.Questions() {
		if q.Coding != nil {
			qs = append(qs, q)
		}
	}
	return tr, qs
}

// TestBuiltInSolutionsPass runs every coding question's reference solution against its tests
// with python3, as CI does.
func TestBuiltInSolutionsPass(t *testing.T) {
	_, qs := codingQuestions(t)
	results, err := pycheck.Runner{}.Run(t.Context(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(qs) {
		t.Fatalf("checked %d questions; the bank has %d coding questions", len(results), len(qs))
	}
	for _, r := range pycheck.Failed(results) {
		t.Errorf("%s: %s", r.ID, strings.Join(r.Failures, "; "))
	}
}

// TestWrongSolutionsFail plants wrong solutions — among them the defects the tests were written
// to catch — and checks that the run reports each one, and only those.
func TestWrongSolutionsFail(t *testing.T) {
	tr, _ := codingQuestions(t)
	planted := map[bank.QuestionID]string{
		// Reports the alphabetically first left-over task, which may only wait behind the cycle.
		"py-prob-build-order": `
import heapq
def build_order(deps):
    tasks = set(deps) | {d for ds in deps.values() for d in ds}
    waiting = {t: set(deps.get(t, ())) for t in tasks}
    order, ready = [], sorted(t for t in tasks if not waiting[t])
    while ready:
        t = ready.pop(0)
        order.append(t)
        for n in tasks:
            if t in waiting[n]:
                waiting[n].discard(t)
                if not waiting[n]:
                    ready.append(n)
                    ready.sort()
    if len(order) < len(tasks):
        raise ValueError(f"cycle through {min(t for t in tasks if waiting[t])!r}")
    return order
`,
		// ASCII-only words cut "café" to "caf".
		"py-prob-word-frequency": `
import re
from collections import Counter
def top_words(text, k):
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
`,
		// Rounds through float (2.675 becomes 2.67) and lets decimal.InvalidOperation escape.
		"py-prac-csv-totals": `
import csv, io
from decimal import Decimal
def totals_by_category(csv_text):
    totals = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        totals[row["category"]] = totals.get(row["category"], 0) + float(Decimal(row["amount"]))
    return {c: Decimal(str(round(totals[c], 2))) for c in sorted(totals)}
`,
		// Crashes (IndexError) on a window of 0.
		"py-prob-active-users": `
from collections import Counter
def max_active(events, window):
    counts, left, best = Counter(), 0, 0
    for t, user in events:
        counts[user] += 1
        while events[left][0] <= t - window:
            counts[events[left][1]] -= 1
            if counts[events[left][1]] == 0:
                del counts[events[left][1]]
            left += 1
        best = max(best, len(counts))
    return best
`,
		// attempts=0 returns None without a word.
		"py-prac-retry": `
def call_with_retry(fn, attempts=3, base_delay=0.1, retry_on=(ConnectionError,), sleep=None):
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt == attempts - 1:
                raise
            sleep(base_delay * 2 ** attempt)
def make_flaky(outcomes):
    it = iter(outcomes)
    def fn():
        o = next(it)
        if isinstance(o, BaseException):
            raise o
        return o
    return fn
`,
		// Does not run at all.
		"py-prob-brackets": "def is_balanced(text):\n    return (\n",
	}
	var qs []bank.Question
	for id, sol := range planted {
		q, err := tr.Question(id)
		if err != nil {
			t.Fatal(err)
		}
		q.Guide.Solution = sol
		qs = append(qs, q)
	}
	good, err := tr.Question("py-prob-merge-intervals")
	if err != nil {
		t.Fatal(err)
	}
	qs = append(qs, good)

	results, err := pycheck.Runner{}.Run(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(qs) {
		t.Fatalf("got %d results for %d questions", len(results), len(qs))
	}
	for _, r := range results {
		_, wrong := planted[r.ID]
		switch {
		case wrong && r.Passed():
			t.Errorf("%s: the planted wrong solution passed its tests", r.ID)
		case !wrong && !r.Passed():
			t.Errorf("%s: the reference solution failed: %v", r.ID, r.Failures)
		}
	}
	byID := map[bank.QuestionID][]string{}
	for _, r := range results {
		byID[r.ID] = r.Failures
	}
	if got := strings.Join(byID["py-prob-brackets"], "; "); !strings.Contains(got, "does not run") {
		t.Errorf("py-prob-brackets: failures %q do not say the solution does not run", got)
	}
}

// TestRunStopsASolutionThatNeverEnds plants an endless loop: the question fails on its time
// limit, and the run goes on to the next question.
func TestRunStopsASolutionThatNeverEnds(t *testing.T) {
	tr, _ := codingQuestions(t)
	q, err := tr.Question("py-prob-pair-sum")
	if err != nil {
		t.Fatal(err)
	}
	q.Guide.Solution = "def pair_with_sum(nums, target):\n    while True:\n        pass\n"
	next := bank.Question{ID: "py-next", Guide: &bank.Guidance{Solution: "x = 1\n", Tests: []bank.CodeTest{{Call: "x", Expect: "1"}}}}
	results, err := pycheck.Runner{Limit: time.Second}.Run(context.Background(), []bank.Question{q, next})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(results[0].Failures, "; "); !strings.Contains(got, "time limit") {
		t.Errorf("endless solution: failures %q; want the time limit named", got)
	}
	if !results[1].Passed() {
		t.Errorf("the question after the endless one: %v", results[1].Failures)
	}
}

// TestRunReportsAMissingInterpreter checks that a missing python is an error, not a pass.
func TestRunReportsAMissingInterpreter(t *testing.T) {
	q := bank.Question{ID: "py-x", Category: mockroom.CategoryProblemSolve, Guide: &bank.Guidance{Solution: "x = 1", Tests: []bank.CodeTest{{Call: "x", Expect: "1"}}}}
	_, err := pycheck.Runner{Python: "/nonexistent/python3"}.Run(context.Background(), []bank.Question{q})
	if err == nil || !strings.Contains(err.Error(), "cannot run") {
		t.Fatalf("Run with a missing interpreter: %v; want a 'cannot run' error", err)
	}
}

// TestCheckComparesTypes checks the harness's notion of equal: a list is not a tuple, 1 equals
// 1.0, and a test expecting an exception fails when none is raised.
func TestCheckComparesTypes(t *testing.T) {
	q := bank.Question{ID: "py-types", Guide: &bank.Guidance{Solution: "def f(x):\n    return x\n", Tests: []bank.CodeTest{
		{Call: "f([1])", Expect: "(1,)"},
		{Call: "f(1)", Expect: "1.0"},
		{Call: "f(2)", Raises: "ValueError"},
		{Call: "error_of(lambda: int('x'))", Expect: "\"ValueError: invalid literal for int() with base 10: 'x'\""},
	}}}
	results, err := pycheck.Runner{}.Run(t.Context(), []bank.Question{q})
	if err != nil {
		t.Fatal(err)
	}
	got := results[0].Failures
	if len(got) != 2 || !strings.Contains(got[0], "test 1") || !strings.Contains(got[1], "test 3") {
		t.Fatalf("failures %q; want tests 1 and 3 to fail", got)
	}
}

// TestCheckJudgesExamples checks that a question's examples are judged as "Run tests" judges
// them in a room: an example whose output is prose rather than the repr of a value fails, and so
// does one that leans on a name another example assigned; "raises Name" and the exact
// "Name: message" pass when the input raises that.
func TestCheckJudgesExamples(t *testing.T) {
	q := bank.Question{
		ID: "py-examples",
		Coding: &bank.Coding{Examples: []bank.Example{
			{Input: "half(8)", Output: "4"},
			{Input: "half(-1)", Output: "raises ValueError"},
			{Input: "half(-2)", Output: "ValueError: negative"},
			{Input: "half(<a big number>)", Output: "half of it"},
			{Input: "h = half(6)\nh", Output: "3"},
			{Input: "h + 1", Output: "4"},
			{Input: "half(3)", Output: "raises ValueError"},
			{Input: "half(-3)", Output: "raises KeyError"},
		}},
		Guide: &bank.Guidance{
			Solution: "def half(n):\n    if n < 0:\n        raise ValueError('negative')\n    return n // 2\n",
			Tests:    []bank.CodeTest{{Call: "half(2)", Expect: "1"}},
		},
	}
	results, err := pycheck.Runner{}.Run(t.Context(), []bank.Question{q})
	if err != nil {
		t.Fatal(err)
	}
	got := results[0].Failures
	want := []string{"example 4 ", "example 6 ", "example 7 ", "example 8 "}
	if len(got) != len(want) {
		t.Fatalf("failures %q; want examples 4, 6, 7 and 8 to fail", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("failure %d is %q; want it to start with %q", i, got[i], w)
		}
	}
}
