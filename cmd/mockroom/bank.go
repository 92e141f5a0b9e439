package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/bank/pycheck"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// errBankRules is returned when a bank command ran and found the bank wanting; the output
// already says what.
var errBankRules = errors.New("the bank does not meet its rules")

// runBank runs `mockroom bank report` or `mockroom bank check-solutions`.
func runBank(ctx context.Context, args []string, stdout io.Writer) error {
	usage := "usage: mockroom bank report | mockroom bank check-solutions [-python python3]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	b, err := bank.Load()
	if err != nil {
		return err
	}
	switch args[0] {
	case "report":
		if len(args) > 1 {
			return errors.New(usage)
		}
		ok := true
		for _, t := range b.Tracks() {
			r := t.Coverage()
			writeReport(stdout, t, r)
			ok = ok && r.Passed()
		}
		if !ok {
			return errBankRules
		}
		return nil
	case "check-solutions":
		fs := flag.NewFlagSet("check-solutions", flag.ContinueOnError)
		fs.SetOutput(stdout)
		python := fs.String("python", "python3", "the Python 3 interpreter to run solutions with")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		ok := true
		for _, t := range b.Tracks() {
			results, err := pycheck.Runner{Python: *python}.Run(ctx, t.Questions())
			if err != nil {
				return err
			}
			bad := pycheck.Failed(results)
			for _, r := range bad {
				fmt.Fprintf(stdout, "FAIL %s\n", r.ID)
				for _, f := range r.Failures {
					fmt.Fprintf(stdout, "    %s\n", f)
				}
			}
			fmt.Fprintf(stdout, "%s: %d of %d coding solutions give their examples and pass their tests\n", t.ID, len(results)-len(bad), len(results))
			ok = ok && len(bad) == 0
		}
		if !ok {
			return errBankRules
		}
		return nil
	}
	return errors.New(usage)
}

func writeReport(w io.Writer, t *bank.Track, r bank.Report) {
	fmt.Fprintf(w, "Track %s: %d questions, %d in the editor (%.1f%%)\n\n", t.ID, r.Questions, r.Coding, 100*r.CodingShare())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tjunior\tmid\tsenior\ttotal\t")
	for _, c := range mockroom.Categories {
		total := 0
		row := []string{string(c)}
		for _, d := range bank.Levels {
			n := r.ByCategory[c][d]
			total += n
			row = append(row, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(total)), "\t")+"\t")
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t%d\t%d\t\n", r.ByLevel[mockroom.Junior], r.ByLevel[mockroom.Mid], r.ByLevel[mockroom.Senior], r.Questions)
	tw.Flush()

	fmt.Fprintln(w, "\nQualities (questions giving evidence):")
	writeCounts(w, r.ByQuality)
	fmt.Fprintln(w, "\nTopics (questions tagged):")
	writeCounts(w, r.ByTopic)

	fmt.Fprintln(w, "\nRules:")
	for _, rule := range r.Rules {
		verdict := "PASS"
		if !rule.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", verdict, rule.Name, rule.Detail)
	}
	if r.Passed() {
		fmt.Fprintf(w, "\n%s: every coverage rule passes\n", t.ID)
	} else {
		fmt.Fprintf(w, "\n%s: coverage rules FAIL\n", t.ID)
	}
}

func writeCounts[K ~string](w io.Writer, counts map[K]int) {
	keys := make([]K, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(string(a), string(b))
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(tw, "  %s\t%d\n", k, counts[k])
	}
	tw.Flush()
}
