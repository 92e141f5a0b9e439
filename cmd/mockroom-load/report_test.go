package main

import (
	"strings"
	"testing"
	"time"
)

// TestCPUPerSocket: CPU per connect or resume is each process's core-seconds over the phase,
// divided by the sockets; the machine's pressure share is not a process and is left out.
func TestCPUPerSocket(t *testing.T) {
	var b strings.Builder
	printCPUPer(&b, "resume", []cpuUse{
		{Name: "node x", Cores: 0.5},
		{Name: "machine: share of time some task waited for a CPU (PSI)", Cores: 0.9},
	}, 10*time.Second, 1000)
	out := b.String()
	if !strings.Contains(out, "cpu per resume: node x") || !strings.Contains(out, "5000 µs") {
		t.Errorf("0.5 core over 10 s for 1,000 sockets should read 5000 µs per socket:\n%s", out)
	}
	if strings.Contains(out, "machine") {
		t.Errorf("the pressure share is printed as a process:\n%s", out)
	}
	b.Reset()
	printCPUPer(&b, "resume", []cpuUse{{Name: "node x", Cores: 0.5}}, 0, 1000)
	printCPUPer(&b, "resume", []cpuUse{{Name: "node x", Cores: 0.5}}, time.Second, 0)
	if b.Len() != 0 {
		t.Errorf("nothing to divide by, yet printed:\n%s", b.String())
	}
}
