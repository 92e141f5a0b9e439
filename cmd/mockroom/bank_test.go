package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBankReport(t *testing.T) {
	var out bytes.Buffer
	if err := runBank(t.Context(), []string{"report"}, &out); err != nil {
		t.Fatalf("bank report: %v\n%s", err, out.String())
	}
	for _, want := range []string{"90 questions", "behavioral_communication", "adaptability_learning", "PASS  editor share", "every coverage rule passes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report does not contain %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "FAIL") {
		t.Errorf("report has a failing rule:\n%s", out.String())
	}
}

func TestBankCommandRejectsBadUse(t *testing.T) {
	for _, args := range [][]string{nil, {"reprot"}, {"report", "extra"}} {
		var out bytes.Buffer
		if err := runBank(t.Context(), args, &out); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("bank %v: %v; want a usage error", args, err)
		}
	}
}

func TestBankCheckSolutions(t *testing.T) {
	var out bytes.Buffer
	if err := runBank(t.Context(), []string{"check-solutions"}, &out); err != nil {
		t.Fatalf("check-solutions: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "coding solutions give their examples and pass their tests") {
		t.Errorf("output: %s", out.String())
	}
}
